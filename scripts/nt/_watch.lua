-- bundle.lua as seen by `ntrun run --watch`: its normalised keys as text, so the host can
-- tell which ones a save changed. params and limits apply to a running session; the others
-- (data, symbols, strategy files, capital, costs, ...) need a restart.
local bundle = require "nt._bundle"

local M = {}

--- Loads BUNDLE_DIR/bundle.lua (nt._bundle.load) and returns { key = serialized value }.
--- keep: keys the command line overrides, left out.
function M.fingerprint(dir, data_override, keep)
  local b = bundle.load(dir, data_override)
  local skip = { params_source = true, dir = true }
  for _, k in ipairs(keep or {}) do skip[k] = true end
  local out = {}
  for k, v in pairs(b) do
    if not skip[k] then out[k] = bundle.serialize(v) end
  end
  return out
end

return M
