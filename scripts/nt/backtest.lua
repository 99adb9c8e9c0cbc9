-- nt.backtest: run a bundle's backtest from a trusted script (ntrun exec, ntrun test).
-- The result is the JSON report decoded (metrics, trades, equity, ...) plus status,
-- exit_code and errors (Lua tracebacks, data errors).
local host = require "nt._host"
local json = require "nt.json"

local M = {}

--- nt.backtest.run(bundle_dir, {data=, from=, to=, capital=, seed=, skip_bad_rows=, quiet=, jit_log=, trusted=})
--- trusted = true runs the strategies unsandboxed (as `ntrun run --trusted`).
--- jit_log = true adds `jit`: per strategy, "NAME: traces N started M" and "NAME: abort ..." lines.
function M.run(bundle, opts)
  if type(bundle) ~= "string" then error("bad 'bundle' argument to nt.backtest.run: folder path expected", 2) end
  if opts ~= nil and type(opts) ~= "table" then error("bad 'opts' argument to nt.backtest.run: table expected", 2) end
  local text, status, code, errors, jit_log = host.run(bundle, opts)
  local report = json.decode(text)
  report.status = status
  report.exit_code = code
  report.errors = errors
  if opts and opts.jit_log then report.jit = jit_log end
  report.json = text
  return report
end

return M
