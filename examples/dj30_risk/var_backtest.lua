-- Backtest of rolling one-day VaR forecasts on the equal-weighted Dow Jones 30 portfolio
-- (daily rebalanced), 1991-2000: for each day t after the first `window` returns, the VaR
-- forecast from the `window` returns before t, by several methods; then the Kupiec and
-- Christoffersen tests of the exceptions (nt.risk.backtest).
--   ntrun exec examples/dj30_risk/var_backtest.lua [window] [confidence]
local nt = require "nt"

local window = tonumber(arg[1]) or 250
local confidence = tonumber(arg[2]) or 0.99
local dir = (arg[0]:match("^(.*)/[^/]*$") or ".")
local path = dir .. "/../data/dowjones30_daily_1991_2000.csv"

-- Equal-weighted portfolio returns from the closes.
local f = assert(io.open(path, "r"))
f:read("*l") -- header
local prev, returns, dates = nil, {}, {}
for line in f:lines() do
  local fields = {}
  for v in line:gmatch("[^,]+") do fields[#fields + 1] = v end
  local closes = {}
  for i = 2, #fields do closes[i - 1] = tonumber(fields[i]) end
  if prev then
    local sum = 0
    for i = 1, #closes do sum = sum + closes[i] / prev[i] - 1 end
    returns[#returns + 1] = sum / #closes
    dates[#dates + 1] = fields[1]
  end
  prev = closes
end
f:close()
local r = nt.array(returns)

print(string.format("Equal-weighted Dow Jones 30, %s .. %s, %d daily returns; rolling %d-day %.0f%% VaR",
  dates[1], dates[#dates], #returns, window, confidence * 100))
print(string.format("%-16s %6s %10s %9s %10s %10s %10s", "method", "days", "exceptions", "rate",
  "kupiec_p", "christ_p", "cc_p"))
for _, method in ipairs({ "historical", "age_weighted", "filtered", "normal", "cornish_fisher" }) do
  local n = #returns - window
  local forecasts, realised = nt.array(n), nt.array(n)
  for t = 1, n do
    local v = nt.risk.var(r:slice(t, t + window - 1), { method = method, confidence = confidence })
    forecasts[t] = v.var
    realised[t] = returns[t + window]
  end
  local b = nt.risk.backtest(realised, forecasts, confidence)
  print(string.format("%-16s %6d %10d %8.2f%% %10.4f %10.4f %10.4f", method, b.observations, b.exceptions,
    100 * b.observed_rate, b.kupiec_p, b.christoffersen_p, b.conditional_p))
end
