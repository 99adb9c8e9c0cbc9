-- nt.stats against plain-Lua references and hand-worked values (docs/metrics.md,
-- "Statistics in nt.stats").
local nt = require "nt"
local s = nt.stats

local function mean(x)
  local t = 0
  for _, v in ipairs(x) do t = t + v end
  return t / #x
end

local function sd(x)
  local m, t = mean(x), 0
  for _, v in ipairs(x) do t = t + (v - m) ^ 2 end
  return math.sqrt(t / (#x - 1))
end

local function random_returns(n, seed)
  local x, out = seed, {}
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    out[i] = (x / 2147483648 - 0.5) * 0.04 + 0.0003
  end
  return out
end

describe("nt.stats", function()
  it("sharpe and sortino equal the textbook formulas (252 periods, risk-free 0)", function()
    for seed = 1, 20 do
      local r = random_returns(50 + seed, seed)
      assert.near(mean(r) / sd(r) * math.sqrt(252), s.sharpe(r), 1e-12)
      local down = 0
      for _, v in ipairs(r) do down = down + math.min(v, 0) ^ 2 end
      assert.near(mean(r) / math.sqrt(down / #r) * math.sqrt(252), s.sortino(r), 1e-12)
      assert.near(mean(r) / sd(r) * math.sqrt(12), s.sharpe(r, { periods_per_year = 12 }), 1e-12)
    end
  end)

  it("max drawdown of a hand-worked curve, with its indices", function()
    local dd, info = s.max_drawdown({ 100, 110, 99, 120, 90, 95 })
    assert.near(0.25, dd, 1e-15) -- 120 -> 90
    assert.equals(4, info.peak)
    assert.equals(5, info.trough)
  end)

  it("omega and tail ratio by hand", function()
    -- gains above 0: 0.02 + 0.01 = 0.03; losses below 0: 0.01 + 0.005 = 0.015
    assert.near(2, s.omega({ 0.02, -0.01, 0.01, -0.005 }), 1e-15)
    -- 21 values -10..10: linear quantiles at 5% and 95% are -9 and 9
    local x = {}
    for i = -10, 10 do x[#x + 1] = i end
    assert.near(1, s.tail_ratio(x), 1e-15)
    assert.near(0.5, s.calmar(0.1, 0.2), 1e-15)
  end)

  it("is NaN where undefined and accepts arrays and views", function()
    assert.is_nan(s.sharpe({ 0.01 }))
    assert.is_nan(s.sharpe({ 0.01, 0.01, 0.01 }))
    assert.is_nan(s.omega({ 0.01, 0.02 }))
    local a = nt.array({ 0.01, -0.02, 0.03, 0.0 })
    assert.equals(s.sharpe({ 0.01, -0.02, 0.03, 0.0 }), s.sharpe(a))
    assert.equals(s.sharpe({ -0.02, 0.03 }), s.sharpe(a:slice(2, 3)))
  end)

  it("names bad arguments", function()
    assert.has_error(function() s.sharpe("x") end, "bad 'returns' argument")
    assert.has_error(function() s.sharpe({ 0.1, 0.2 }, { periods_per_year = 0 }) end, "periods_per_year")
    assert.has_error(function() s.calmar("a", 0.1) end, "bad 'annual_return' argument")
  end)
end)
