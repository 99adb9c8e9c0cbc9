-- Private: records what LuaJIT's trace compiler does in this state (jit.attach), so a spec
-- can prove the runner and a strategy's callbacks compile into traces without aborts (the
-- event loop's speed rests on it). Trusted code only; enabled per run by the host
-- (nt.backtest.run{jit_log = true}).
local jit = require "jit"
local util = require "jit.util"
local vmdef = require "jit.vmdef"

local M = {}

local started, stopped = 0, 0
local lines = {}
local start_loc = {}

local function location(func, pc)
  local fi = util.funcinfo(func, pc)
  if fi.loc then return fi.loc end
  if fi.ffid then return vmdef.ffnames[fi.ffid] or "?" end
  return "?"
end

local function reason(code, extra)
  local fmt = vmdef.traceerr[code]
  if not fmt then return tostring(code) end
  if extra ~= nil then
    if type(extra) == "number" and fmt:find("%%s") and vmdef.ffnames[extra] then
      extra = "builtin " .. vmdef.ffnames[extra]
    end
    local ok, s = pcall(string.format, fmt, extra)
    if ok then return s end
  end
  return fmt
end

local function on_trace(what, tr, func, pc, otr, oex)
  if what == "start" then
    started = started + 1
    start_loc[tr] = location(func, pc)
  elseif what == "stop" then
    stopped = stopped + 1
    lines[#lines + 1] = string.format("trace %d from %s", tr, start_loc[tr] or "?")
  elseif what == "abort" then
    lines[#lines + 1] = string.format("abort %d at %s: %s", tr, location(func, pc), reason(otr, oex))
  end
end

function M.start()
  jit.attach(on_trace, "trace")
end

--- One line of counts ("traces N started M") then, in order, "trace N from LOC" for each
--- compiled trace and "abort N at LOC: REASON" for each abort. Aborts are normal while
--- LuaJIT picks its traces ("leaving loop in root trace", a C symbol resolved for the first
--- time); one location aborting again and again is code that will not compile.
function M.report()
  jit.attach(on_trace)
  local out = { string.format("traces %d started %d", stopped, started) }
  for _, l in ipairs(lines) do out[#out + 1] = l end
  return out
end

return M
