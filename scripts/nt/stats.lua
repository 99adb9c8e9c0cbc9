-- nt.stats: performance statistics of return and equity series, computed by the host
-- (compute/stats), the same code the backtest report uses. Undefined values are NaN.
-- Definitions: docs/metrics.md ("Statistics in nt.stats").
local core = require "nt._core"
local ffi, C = core.ffi, core.C

local M = {}
local dd = ffi.new("ntrun_drawdown_t")

local function ppy(opts, fn)
  if opts == nil then return 252, 0 end
  if type(opts) ~= "table" then error("bad 'opts' argument to nt.stats." .. fn .. ": table expected", 3) end
  local p = opts.periods_per_year or 252
  if type(p) ~= "number" or p ~= p or p <= 0 then
    error("bad 'periods_per_year' option to nt.stats." .. fn .. ": a number > 0", 3)
  end
  return p, core.num_arg(opts.risk_free or opts.target or 0, "risk_free", 3)
end

function M.mean(x)
  local p, n = core.series(x, "series", 1, 2)
  return C.ntrun_ffi_stats_mean(p, n)
end

--- Sample standard deviation (n - 1).
function M.stdev(x)
  local p, n = core.series(x, "series", 1, 2)
  return C.ntrun_ffi_stats_stdev(p, n)
end

--- Annualised Sharpe ratio: opts periods_per_year (252), risk_free (per period, 0).
function M.sharpe(returns, opts)
  local p, n = core.series(returns, "returns", 1, 2)
  local periods, rf = ppy(opts, "sharpe")
  return C.ntrun_ffi_stats_sharpe(p, n, periods, rf)
end

--- Annualised Sortino ratio: opts periods_per_year (252), target (0).
function M.sortino(returns, opts)
  local p, n = core.series(returns, "returns", 1, 2)
  local periods, target = ppy(opts, "sortino")
  return C.ntrun_ffi_stats_sortino(p, n, periods, target)
end

--- Max drawdown of an equity curve (positive fraction) and a table with the 1-based indices
--- of the peak, the trough and the longest time under water (start, end).
function M.max_drawdown(equity)
  local p, n = core.series(equity, "equity", 1, 2)
  C.ntrun_ffi_stats_drawdowns(p, n, dd)
  return dd.max_drawdown, {
    peak = tonumber(dd.peak) + 1, trough = tonumber(dd.trough) + 1,
    longest_start = tonumber(dd.longest_start) + 1, longest_end = tonumber(dd.longest_end) + 1,
  }
end

function M.calmar(annual_return, max_drawdown)
  return C.ntrun_ffi_stats_calmar(core.num_arg(annual_return, "annual_return", 2),
    core.num_arg(max_drawdown, "max_drawdown", 2))
end

--- Omega ratio over a threshold (0): gains above it / losses below it.
function M.omega(returns, threshold)
  local p, n = core.series(returns, "returns", 1, 2)
  return C.ntrun_ffi_stats_omega(p, n, threshold == nil and 0 or core.num_arg(threshold, "threshold", 2))
end

--- |95th percentile| / |5th percentile| of the returns.
function M.tail_ratio(returns)
  local p, n = core.series(returns, "returns", 1, 2)
  return C.ntrun_ffi_stats_tail_ratio(p, n)
end

return M
