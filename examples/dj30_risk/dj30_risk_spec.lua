-- Spec of the dj30_risk example: the bundle runs to completion with trades and no rejections,
-- deterministically; var_backtest.lua's computation (re-implemented here) gives, for the
-- historical method, the same exceptions as an independent plain-Lua rolling VaR (each
-- window sorted in Lua, docs/risk.md's quantile rule), and the figures of the README.
local nt = require "nt"
local bt = require "nt.backtest"

local DATA = spec_dir .. "/../data/dowjones30_daily_1991_2000.csv"
local WINDOW, CONFIDENCE = 250, 0.99

-- Equal-weighted daily-rebalanced portfolio returns, as var_backtest.lua computes them.
local function portfolio_returns()
  local f = assert(io.open(DATA, "r"))
  f:read("*l")
  local prev, returns = nil, {}
  for line in f:lines() do
    local closes = {}
    local i = 0
    for v in line:gmatch("[^,]+") do
      i = i + 1
      if i > 1 then closes[i - 1] = tonumber(v) end
    end
    if prev then
      local sum = 0
      for k = 1, #closes do sum = sum + closes[k] / prev[k] - 1 end
      returns[#returns + 1] = sum / #closes
    end
    prev = closes
  end
  f:close()
  return returns
end

-- The plain-Lua rolling VaR: j = max(1, ceil(alpha n - 1e-7)), VaR = -x_(j) of the sorted window.
local function reference_exceptions(returns, window, c)
  local j = math.max(1, math.ceil((1 - c) * window - 1e-7))
  local n, x, forecasts = #returns - window, 0, {}
  for t = 1, n do
    local s = {}
    for k = 1, window do s[k] = returns[t + k - 1] end
    table.sort(s)
    forecasts[t] = -s[j]
    if -returns[t + window] > forecasts[t] then x = x + 1 end
  end
  return x, forecasts
end

describe("dj30_risk bundle", function()
  it("runs to completion with trades and no rejections", function()
    local r = bt.run(spec_dir, {})
    assert.equals(0, r.exit_code)
    assert.equals("completed", r.status)
    assert.same({}, r.errors)
    assert.equals(0, r.metrics.num_rejected)
    assert.is_true(r.metrics.num_trades > 0)
    assert.is_true(r.metrics.num_fills > 0)
    assert.is_true(r.metrics.final_equity > 0)
  end)

  it("is deterministic: two runs write the same report", function()
    local a, b = bt.run(spec_dir, {}), bt.run(spec_dir, {})
    assert.is_true(#a.json > 0)
    assert.equals(a.json, b.json)
  end)

  it("runs on a short slice too", function()
    local r = bt.run(spec_dir, { from = "1995-01-01", to = "1996-12-31" })
    assert.equals(0, r.exit_code)
    assert.equals(0, r.metrics.num_rejected)
    assert.is_true(r.metrics.num_trades > 0)
  end)
end)

describe("dj30_risk var_backtest research", function()
  local returns = portfolio_returns()

  it("reads 2,528 portfolio returns", function()
    assert.equals(2528, #returns)
  end)

  it("historical: nt.risk exceptions equal a plain-Lua rolling VaR's, full data", function()
    local r = nt.array(returns)
    local n = #returns - WINDOW
    local forecasts, realised = nt.array(n), nt.array(n)
    for t = 1, n do
      forecasts[t] = nt.risk.var(r:slice(t, t + WINDOW - 1), { confidence = CONFIDENCE }).var
      realised[t] = returns[t + WINDOW]
    end
    local b = nt.risk.backtest(realised, forecasts, CONFIDENCE)
    local x, ref = reference_exceptions(returns, WINDOW, CONFIDENCE)
    for t = 1, n do assert.equals(ref[t], forecasts[t], "forecast " .. t) end
    assert.equals(x, b.exceptions)
    assert.equals(n, b.observations)
    -- The README's table.
    assert.equals(2278, b.observations)
    assert.equals(30, b.exceptions)
    assert.near(0.1471, b.kupiec_p, 5e-5)
    assert.near(0.4124, b.christoffersen_p, 5e-5)
    assert.near(0.2498, b.conditional_p, 5e-5)
  end)

  it("historical at 95% with a 100-day window on a slice", function()
    local slice = {}
    for i = 1, 600 do slice[i] = returns[i] end
    local n = #slice - 100
    local forecasts, realised = {}, {}
    for t = 1, n do
      local w = {}
      for k = 1, 100 do w[k] = slice[t + k - 1] end
      forecasts[t] = nt.risk.var(w, { confidence = 0.95 }).var
      realised[t] = slice[t + 100]
    end
    local x = reference_exceptions(slice, 100, 0.95)
    assert.equals(x, nt.risk.backtest(realised, forecasts, 0.95).exceptions)
  end)
end)
