-- nt.risk: VaR and CVaR (expected shortfall), VaR backtests, covariance, volatility, beta and
-- Kelly sizing, computed by the host (compute/risk). VaR and CVaR are positive loss
-- fractions; CVaR >= VaR. Definitions and sign conventions: docs/risk.md.
--   nt.risk.var(returns, {method=, confidence=, horizon=, sims=, seed=, lambda=, dof=, repair=})
--   nt.risk.portfolio_var(weights, columns, opts)   -- columns: one return series per asset
--   nt.risk.portfolio_var(positions, columns, {prices=, equity=, ...})
--   nt.risk.limits(ctx[, changes])                  -- live limits (ctx:limits / ctx:set_limits)
--   nt.risk.backtest(returns, var_forecasts, confidence)
--   nt.risk.covariance(columns, {method = "sample"|"ewma"|"ledoit_wolf", lambda=})
--   nt.risk.kelly(p, b, {fraction=, cap=}) or nt.risk.kelly(returns, opts)
--   nt.risk.kelly_portfolio(mu, covariance, {fraction=, max_leverage=})
local core = require "nt._core"
local array = require "nt._array"
local ffi, C = core.ffi, core.C

local M = {}

local ERRLEN = 512
local errbuf = ffi.new("char[?]", ERRLEN)
local opts_buf = ffi.new("ntrun_var_opts_t")
local result = ffi.new("ntrun_var_result_t")
local out1 = ffi.new("double[1]")
local bt = ffi.new("ntrun_var_backtest_t")

local METHODS = {
  historical = C.NTRUN_VAR_HISTORICAL, age_weighted = C.NTRUN_VAR_AGE_WEIGHTED,
  filtered = C.NTRUN_VAR_FILTERED, normal = C.NTRUN_VAR_NORMAL,
  cornish_fisher = C.NTRUN_VAR_CORNISH_FISHER, monte_carlo = C.NTRUN_VAR_MONTE_CARLO,
  bootstrap = C.NTRUN_VAR_BOOTSTRAP,
}
local COV = { sample = C.NTRUN_COV_SAMPLE, ewma = C.NTRUN_COV_EWMA, ledoit_wolf = C.NTRUN_COV_LEDOIT_WOLF }

local function check(rc, fn)
  if rc ~= core.OK then
    local msg = rc == core.EINVAL and ffi.string(errbuf) or core.strerror(rc)
    error("nt.risk." .. fn .. ": " .. msg, 3)
  end
end

-- Options tables: unknown keys are errors (a typo must not silently change the answer).
local function checked_opts(o, allowed, fn, level)
  if o == nil then return {} end
  if type(o) ~= "table" then error("bad 'opts' argument to nt.risk." .. fn .. ": table expected", level + 1) end
  for k in pairs(o) do
    if not allowed[k] then error(string.format("bad option '%s' to nt.risk.%s", tostring(k), fn), level + 1) end
  end
  return o
end

local OPTION_KEYS = { method = true, confidence = true, horizon = true, sims = true, seed = true,
  lambda = true, dof = true, repair = true }

local function var_options(o, fn)
  local r = opts_buf
  r.method, r.repair_covariance, r.confidence, r.horizon = C.NTRUN_VAR_HISTORICAL, 0, 0.99, 1
  r.sims, r.seed, r.lambda, r.dof = 10000, 0, 0, 0
  if o == nil then return r end
  if type(o) ~= "table" then error("bad 'opts' argument to nt.risk." .. fn .. ": table expected", 3) end
  for k in pairs(o) do
    if not OPTION_KEYS[k] then error(string.format("bad option '%s' to nt.risk.%s", tostring(k), fn), 3) end
  end
  if o.method ~= nil then
    local m = METHODS[o.method]
    if m == nil then
      error("bad 'method' option to nt.risk." .. fn .. ": historical, age_weighted, filtered, normal, "
        .. "cornish_fisher, monte_carlo or bootstrap (got " .. tostring(o.method) .. ")", 3)
    end
    r.method = m
    -- Each historical-type method has its own default decay.
    if o.method == "age_weighted" then r.lambda = 0.98 elseif o.method == "filtered" then r.lambda = 0.94 end
  end
  if o.confidence ~= nil then r.confidence = core.num_arg(o.confidence, "confidence", 3) end
  local where = "nt.risk." .. fn
  if o.horizon ~= nil then r.horizon = core.int_arg(o.horizon, "horizon", 1, 2 ^ 31, 3, where) end
  if o.sims ~= nil then r.sims = core.int_arg(o.sims, "sims", 1, 2 ^ 40, 3, where) end
  if o.seed ~= nil then r.seed = core.int_arg(o.seed, "seed", 0, 2 ^ 53, 3, where) end
  if o.lambda ~= nil then r.lambda = core.num_arg(o.lambda, "lambda", 3) end
  if o.dof ~= nil then r.dof = core.num_arg(o.dof, "dof", 3) end
  if o.repair then r.repair_covariance = 1 end
  return r
end

local function result_table()
  return { var = result.var, cvar = result.cvar, mean = result.mean, stdev = result.stdev,
    observations = tonumber(result.observations), method = ffi.string(result.method) }
end

--- VaR and CVaR of a return series: { var=, cvar=, mean=, stdev=, observations=, method= }.
function M.var(returns, opts)
  local p, n = core.series(returns, "returns", 1, 2)
  check(C.ntrun_ffi_risk_var(p, n, var_options(opts, "var"), result, errbuf, ERRLEN), "var")
  return result_table()
end

-- Columns (one series per asset, equal lengths) to a row-major nt.array.
local function matrix(columns, fn)
  if type(columns) ~= "table" or #columns == 0 then
    error("bad 'returns' argument to nt.risk." .. fn .. ": a list of return series, one per asset", 3)
  end
  local cols, rows = #columns, nil
  local m
  for j = 1, cols do
    local p, n = core.series(columns[j], "returns[" .. j .. "]", 1, 3)
    if rows == nil then
      rows = n
      m = array.new(rows * cols)
    elseif n ~= rows then
      error(string.format("bad 'returns' argument to nt.risk.%s: series %d has %d values, series 1 has %d", fn,
        j, n, rows), 3)
    end
    local d = core.ptr(m)
    for i = 0, n - 1 do d[i * cols + j - 1] = p[i] end
  end
  return m, rows, cols
end

-- Weights from positions and prices: value_i / equity (equity: opts.equity, or the gross
-- value of the positions).
local function weights_of(positions, prices, equity)
  local pp, n = core.series(positions, "positions", 3, 3)
  local pr, m = core.series(prices, "prices", 4, 3)
  if n ~= m then error("bad 'prices' option to nt.risk.portfolio_var: one price per position", 3) end
  local w, gross = array.new(n), 0
  for i = 0, n - 1 do
    core.ptr(w)[i] = pp[i] * pr[i]
    gross = gross + math.abs(core.ptr(w)[i])
  end
  equity = equity and core.num_arg(equity, "equity", 3) or gross
  if equity ~= equity or equity <= 0 then error("bad 'equity' option to nt.risk.portfolio_var: must be > 0", 3) end
  for i = 0, n - 1 do core.ptr(w)[i] = core.ptr(w)[i] / equity end
  return w
end

--- VaR and CVaR of a portfolio: weights (one per asset) and one return series per asset.
--- With opts.prices (and optionally opts.equity) the first argument holds positions in units:
--- weights = position * price / equity, equity defaulting to the gross value held.
function M.portfolio_var(weights, columns, opts)
  if opts ~= nil and type(opts) == "table" and opts.prices ~= nil then
    weights = weights_of(weights, opts.prices, opts.equity)
    local rest = {}
    for k, v in pairs(opts) do
      if k ~= "prices" and k ~= "equity" then rest[k] = v end
    end
    opts = rest
  end
  local pw, nw = core.series(weights, "weights", 2, 2)
  local m, rows, cols = matrix(columns, "portfolio_var")
  if nw ~= cols then
    error(string.format("bad 'weights' argument to nt.risk.portfolio_var: %d weights for %d assets", nw, cols), 2)
  end
  check(C.ntrun_ffi_risk_portfolio_var(pw, nw, core.ptr(m), rows, var_options(opts, "portfolio_var"), result, errbuf,
    ERRLEN), "portfolio_var")
  return result_table()
end

--- Kupiec and Christoffersen tests of VaR forecasts (positive losses, var[t] made before t).
function M.backtest(returns, var, confidence)
  local pr, n = core.series(returns, "returns", 1, 2)
  local pv, nv = core.series(var, "var", 2, 2)
  if n ~= nv then error("bad 'var' argument to nt.risk.backtest: as many forecasts as returns", 2) end
  check(C.ntrun_ffi_risk_backtest(pr, pv, n, core.num_arg(confidence or 0.99, "confidence", 2), bt, errbuf,
    ERRLEN), "backtest")
  return {
    observations = tonumber(bt.observations), exceptions = tonumber(bt.exceptions),
    expected_rate = bt.expected_rate, observed_rate = bt.observed_rate,
    kupiec_lr = bt.kupiec_lr, kupiec_p = bt.kupiec_p,
    christoffersen_lr = bt.christoffersen_lr, christoffersen_p = bt.christoffersen_p,
    conditional_lr = bt.conditional_lr, conditional_p = bt.conditional_p,
  }
end

local function rows_of(flat, cols)
  local t = {}
  for i = 1, cols do
    local row = {}
    for j = 1, cols do row[j] = flat[(i - 1) * cols + j - 1] end
    t[i] = row
  end
  return t
end

--- Covariance matrix (a table of rows) of one return series per asset, and the Ledoit-Wolf
--- shrinkage intensity when method = "ledoit_wolf".
function M.covariance(columns, opts)
  local how, lambda = C.NTRUN_COV_SAMPLE, 0.94
  if opts ~= nil then
    checked_opts(opts, { method = true, lambda = true }, "covariance", 2)
    if opts.method ~= nil then
      how = COV[opts.method]
      if how == nil then error("bad 'method' option to nt.risk.covariance: sample, ewma or ledoit_wolf", 2) end
    end
    if opts.lambda ~= nil then lambda = core.num_arg(opts.lambda, "lambda", 2) end
  end
  local m, rows, cols = matrix(columns, "covariance")
  local out = ffi.new("double[?]", cols * cols)
  local shrink = ffi.new("double[1]", 0 / 0)
  check(C.ntrun_ffi_risk_covariance(core.ptr(m), rows, cols, how, lambda, out, shrink, errbuf, ERRLEN), "covariance")
  return rows_of(out, cols), shrink[0]
end

--- Correlation matrix from a covariance matrix (a table of rows).
function M.correlation(cov)
  if type(cov) ~= "table" or type(cov[1]) ~= "table" then
    error("bad 'covariance' argument to nt.risk.correlation: a table of rows expected", 2)
  end
  local cols = #cov
  local flat = ffi.new("double[?]", cols * cols)
  for i = 1, cols do
    for j = 1, cols do flat[(i - 1) * cols + j - 1] = core.num_arg(cov[i][j], "covariance", 2) end
  end
  local out = ffi.new("double[?]", cols * cols)
  check(C.ntrun_ffi_risk_correlation(flat, cols, out, errbuf, ERRLEN), "correlation")
  return rows_of(out, cols)
end

function M.volatility(returns)
  local p, n = core.series(returns, "returns", 1, 2)
  check(C.ntrun_ffi_risk_volatility(p, n, out1, errbuf, ERRLEN), "volatility")
  return out1[0]
end

function M.beta(asset, market)
  local pa, n = core.series(asset, "asset", 1, 2)
  local pm, nm = core.series(market, "market", 2, 2)
  if n ~= nm then error("bad 'market' argument to nt.risk.beta: as many returns as the asset", 2) end
  check(C.ntrun_ffi_risk_beta(pa, pm, n, out1, errbuf, ERRLEN), "beta")
  return out1[0]
end

--- Kelly fraction: kelly(p, b, opts) from win probability and payoff ratio, or
--- kelly(returns, opts) from a return history; opts fraction (1 = full Kelly), cap (1).
local KELLY_KEYS = { fraction = true, cap = true }
function M.kelly(a, b, opts)
  local fraction, cap
  if type(a) == "number" then
    opts = checked_opts(opts, KELLY_KEYS, "kelly", 2)
    fraction = core.num_arg(opts.fraction or 1, "fraction", 2)
    cap = core.num_arg(opts.cap or 1, "cap", 2)
    check(C.ntrun_ffi_risk_kelly(a, core.num_arg(b, "b", 2), fraction, cap, out1, errbuf, ERRLEN), "kelly")
    return out1[0]
  end
  opts = checked_opts(b, KELLY_KEYS, "kelly", 2)
  fraction = core.num_arg(opts.fraction or 1, "fraction", 2)
  cap = core.num_arg(opts.cap or 1, "cap", 2)
  local p, n = core.series(a, "returns", 1, 2)
  check(C.ntrun_ffi_risk_kelly_returns(p, n, fraction, cap, out1, errbuf, ERRLEN), "kelly")
  return out1[0]
end

--- Multi-asset Kelly weights: fraction * inverse(covariance) * mu, scaled so that
--- sum |w| <= max_leverage. covariance: a table of rows.
function M.kelly_portfolio(mu, cov, opts)
  local pm, cols = core.series(mu, "mu", 1, 2)
  if type(cov) ~= "table" or #cov ~= cols then
    error("bad 'covariance' argument to nt.risk.kelly_portfolio: a " .. cols .. " x " .. cols .. " table of rows", 2)
  end
  local flat = ffi.new("double[?]", cols * cols)
  for i = 1, cols do
    for j = 1, cols do flat[(i - 1) * cols + j - 1] = core.num_arg(cov[i][j], "covariance", 2) end
  end
  opts = checked_opts(opts, { fraction = true, max_leverage = true }, "kelly_portfolio", 2)
  local out = array.new(cols)
  check(C.ntrun_ffi_risk_kelly_portfolio(pm, cols, flat, core.num_arg(opts.fraction or 1, "fraction", 2),
    core.num_arg(opts.max_leverage or 1, "max_leverage", 2), core.ptr(out), errbuf, ERRLEN), "kelly_portfolio")
  return out
end

--- The strategy's live limits: nt.risk.limits(ctx) reads them, nt.risk.limits(ctx, changes)
--- changes them first (ctx:set_limits) and returns the result.
function M.limits(ctx, changes)
  if type(ctx) ~= "table" or ctx.limits == nil then
    error("bad 'ctx' argument to nt.risk.limits: the strategy context expected", 2)
  end
  if changes ~= nil then ctx:set_limits(changes) end
  return ctx:limits()
end

--- Expected log growth per period of holding `weights` over the history (one series per asset).
function M.log_growth(weights, columns)
  local pw, nw = core.series(weights, "weights", 2, 2)
  local m, rows, cols = matrix(columns, "log_growth")
  if nw ~= cols then error("bad 'weights' argument to nt.risk.log_growth: one weight per asset", 2) end
  check(C.ntrun_ffi_risk_log_growth(pw, nw, core.ptr(m), rows, out1, errbuf, ERRLEN), "log_growth")
  return out1[0]
end

return M
