-- Specs of nt.ind: each indicator three ways (incremental object, whole series, naive Lua
-- reference written below from the definitions in compute/include/ntrun/compute/indicators.hpp),
-- on tables, nt.array and series views, plus hand-worked values and argument errors.
local nt = require "nt"
local ffi = require "ffi"

local NAN = 0 / 0
local function isnan(x) return x ~= x end

-- Deterministic test data (no math.random): a random walk around 100 and a related series.
local function walk(n, seed, start)
  local s, x, out = seed, start or 100, {}
  for i = 1, n do
    s = (s * 1103515245 + 12345) % 2147483648
    x = x + (s / 2147483648 - 0.5) * 2
    out[i] = x
  end
  return out
end
local X = walk(120, 7)
local Y = {}
for i, x in ipairs(walk(120, 11, 0)) do Y[i] = 1.5 * X[i] + 3 + x end -- y ~ 1.5 x + 3 + noise

-- Compares two series (tables or arrays) with NaN == NaN and a relative tolerance.
local function same_series(want, got, what, tol)
  tol = tol or 1e-9
  assert.equals(#want, #got, what .. ": length")
  for i = 1, #want do
    local w, g = want[i], got[i]
    if isnan(w) or isnan(g) then
      if not (isnan(w) and isnan(g)) then
        error(string.format("%s[%d]: expected %s, got %s", what, i, tostring(w), tostring(g)), 2)
      end
    elseif math.abs(w - g) > tol * math.max(1, math.abs(w)) then
      error(string.format("%s[%d]: expected %.17g, got %.17g", what, i, w, g), 2)
    end
  end
end

-- Runs an incremental object over xs, collecting the first return value of update.
local function incremental(obj, xs)
  local out = {}
  for i = 1, #xs do out[i] = obj:update(xs[i]) end
  return out
end

local function view_of(a) return require("nt._array").view(require("nt._core").ptr(a), #a) end

-- Calls fn(series) with the same numbers as a table, an nt.array and a series view.
local function each_input(xs, fn)
  local arr = nt.array(xs)
  fn(xs, "table")
  fn(arr, "nt.array")
  fn(view_of(arr), "view")
end

-- ---- naive references ---------------------------------------------------------------------
local ref = {}

function ref.sma(x, n)
  local out = {}
  for i = 1, #x do
    if i < n then out[i] = NAN else
      local s = 0
      for j = i - n + 1, i do s = s + x[j] end
      out[i] = s / n
    end
  end
  return out
end

function ref.ema(x, n)
  local out, v, a = {}, NAN, 2 / (n + 1)
  for i = 1, #x do
    if i == n then
      local s = 0
      for j = 1, n do s = s + x[j] end
      v = s / n
    elseif i > n then
      v = v + a * (x[i] - v)
    end
    out[i] = v
  end
  return out
end

local function window_stats(x, i, n)
  local s = 0
  for j = i - n + 1, i do s = s + x[j] end
  local m, ss = s / n, 0
  for j = i - n + 1, i do ss = ss + (x[j] - m) ^ 2 end
  return m, math.sqrt(ss / (n - 1))
end

function ref.std(x, n)
  local out = {}
  for i = 1, #x do
    if i < n then out[i] = NAN else
      local _, sd = window_stats(x, i, n)
      out[i] = sd
    end
  end
  return out
end

function ref.zscore(x, n)
  local out = {}
  for i = 1, #x do
    if i < n then out[i] = NAN else
      local m, sd = window_stats(x, i, n)
      out[i] = sd > 0 and (x[i] - m) / sd or NAN
    end
  end
  return out
end

function ref.rsi(x, n)
  local out, g, l = { NAN }, NAN, NAN
  local sum_g, sum_l = 0, 0
  for i = 2, #x do
    local d = x[i] - x[i - 1]
    local up, down = math.max(d, 0), math.max(-d, 0)
    local k = i - 1 -- number of changes so far
    if k < n then
      sum_g, sum_l = sum_g + up, sum_l + down
    elseif k == n then
      g, l = (sum_g + up) / n, (sum_l + down) / n
    else
      g, l = (g * (n - 1) + up) / n, (l * (n - 1) + down) / n
    end
    if isnan(g) then out[i] = NAN
    elseif g + l == 0 then out[i] = 50
    else out[i] = 100 - 100 / (1 + g / l) end
  end
  return out
end

function ref.macd(x, fast, slow, signal)
  local f, s = ref.ema(x, fast), ref.ema(x, slow)
  local m, defined = {}, {}
  for i = 1, #x do
    m[i] = f[i] - s[i]
    if i >= slow then defined[#defined + 1] = m[i] end
  end
  local sig_defined = ref.ema(defined, signal)
  local sig, hist = {}, {}
  for i = 1, #x do
    sig[i] = i >= slow and sig_defined[i - slow + 1] or NAN
    hist[i] = m[i] - sig[i]
  end
  return m, sig, hist
end

function ref.bbands(x, n, k)
  local mid, up, lo = {}, {}, {}
  for i = 1, #x do
    if i < n then mid[i], up[i], lo[i] = NAN, NAN, NAN else
      local m, sd = window_stats(x, i, n)
      mid[i], up[i], lo[i] = m, m + k * sd, m - k * sd
    end
  end
  return mid, up, lo
end

function ref.atr(h, l, c, n)
  local out, avg, sum = {}, NAN, 0
  for i = 1, #h do
    local tr = h[i] - l[i]
    if i > 1 then tr = math.max(tr, math.abs(h[i] - c[i - 1]), math.abs(l[i] - c[i - 1])) end
    if i < n then sum = sum + tr
    elseif i == n then avg = (sum + tr) / n
    else avg = (avg * (n - 1) + tr) / n end
    out[i] = avg
  end
  return out
end

function ref.ols(y, x, n)
  local beta, alpha, spread, r2 = {}, {}, {}, {}
  for i = 1, #y do
    if i < n then beta[i], alpha[i], spread[i], r2[i] = NAN, NAN, NAN, NAN else
      local mx, my = 0, 0
      for j = i - n + 1, i do mx, my = mx + x[j], my + y[j] end
      mx, my = mx / n, my / n
      local sxx, sxy, syy = 0, 0, 0
      for j = i - n + 1, i do
        sxx = sxx + (x[j] - mx) ^ 2
        sxy = sxy + (x[j] - mx) * (y[j] - my)
        syy = syy + (y[j] - my) ^ 2
      end
      local b = sxy / sxx
      beta[i], alpha[i] = b, my - b * mx
      spread[i] = y[i] - alpha[i] - b * x[i]
      r2[i] = sxy * sxy / (sxx * syy)
    end
  end
  return beta, alpha, spread, r2
end


-- ---- single-series indicators -------------------------------------------------------------
for _, case in ipairs({
  { name = "sma", n = 5 },
  { name = "ema", n = 5 },
  { name = "std", n = 5 },
  { name = "zscore", n = 5 },
  { name = "rsi", n = 6 },
}) do
  local name, n = case.name, case.n
  describe("nt.ind." .. name, function()
    it("whole series matches the naive reference on tables, arrays and views", function()
      local want = ref[name](X, n)
      each_input(X, function(series, kind)
        local got = nt.ind[name](series, n)
        assert.is_true(nt.is_array(got), kind .. ": returns an nt.array")
        same_series(want, got, name .. " of a " .. kind)
      end)
    end)

    it("incremental updates match the whole series", function()
      local o = nt.ind[name](n)
      local got = incremental(o, X)
      same_series(nt.ind[name](X, n):totable(), got, name .. " incremental")
      same_series({ got[#got] }, { o.value }, "o.value holds the last result")
    end)

    it("refuses a bad window, naming it", function()
      assert.has_error(function() return nt.ind[name](0) end, "bad 'window' argument")
      assert.has_error(function() return nt.ind[name](2.5) end, "bad 'window' argument")
      assert.has_error(function() return nt.ind[name](X, 0) end, "bad 'window' argument")
      assert.has_error(function() return nt.ind[name](X, -3) end, "bad 'window' argument")
      assert.has_error(function() return nt.ind[name](X) end, "bad 'window' argument")
    end)

    it("refuses NaN updates, naming the argument", function()
      local o = nt.ind[name](n)
      assert.has_error(function() o:update(NAN) end, "bad 'x' argument to update")
      assert.has_error(function() o:update("1") end, "bad 'x' argument to update")
    end)

    it("refuses a series that is not numbers, naming the argument", function()
      assert.has_error(function() return nt.ind[name]({ 1, 2, "3" }, 2) end,
        "bad 'series' argument: element 3 is a string")
      assert.has_error(function() return nt.ind[name]("1,2,3", 2) end, "bad 'series' argument")
    end)

    it("a NaN inside a series argument is refused with a message naming the argument and index", function()
      assert.has_error(function() return nt.ind[name]({ 1, NAN, 3 }, 2) end,
        "bad 'series' argument to nt.ind." .. name .. ": element 2 is nan")
    end)

    it("an empty series gives an empty array", function()
      assert.equals(0, #nt.ind[name]({}, n))
      assert.equals(0, #nt.ind[name](nt.array(0), n))
    end)
  end)
end

describe("hand-worked values", function()
  local x = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }

  it("sma(3) of 1..10", function()
    same_series({ NAN, NAN, 2, 3, 4, 5, 6, 7, 8, 9 }, nt.ind.sma(x, 3), "sma")
  end)

  it("ema(3) of 1..10 is seeded with the SMA, alpha 0.5", function()
    -- seed (1+2+3)/3 = 2, then 2 + 0.5 (4 - 2) = 3, ... a linear input stays 1 behind.
    same_series({ NAN, NAN, 2, 3, 4, 5, 6, 7, 8, 9 }, nt.ind.ema(x, 3), "ema")
    -- seed (2+4+6)/3 = 4, then 4 + 0.5 (6 - 4) = 5, then 5 + 0.5 (3 - 5) = 4.
    same_series({ NAN, NAN, 4, 5, 4 }, nt.ind.ema({ 2, 4, 6, 6, 3 }, 3), "ema")
  end)

  it("std(3) of 1, 2, 4 is sqrt(7/3) (sample, n - 1)", function()
    local o = nt.ind.std(3)
    assert.is_nan(o:update(1))
    assert.is_nan(o:update(2))
    assert.near(math.sqrt(7 / 3), o:update(4), 1e-12)
    assert.near(7 / 3, o:mean(), 1e-12)
    assert.near((4 - 7 / 3) / math.sqrt(7 / 3), o:zscore(), 1e-12)
  end)

  it("zscore of a constant window is NaN, not infinite", function()
    local z = nt.ind.zscore({ 5, 5, 5, 5 }, 3)
    assert.is_nan(z[3])
    assert.is_nan(z[4])
    assert.equals(0, nt.ind.std({ 5, 5, 5 }, 3)[3])
  end)

  it("rsi is 100 on a rising series, 0 on a falling one, 50 on a flat one", function()
    local up = nt.ind.rsi(x, 3)
    assert.is_nan(up[3], "NaN until window + 1 values")
    assert.equals(100, up[4])
    assert.equals(0, nt.ind.rsi({ 5, 4, 3, 2 }, 3)[4])
    assert.equals(50, nt.ind.rsi({ 5, 5, 5, 5 }, 3)[4])
  end)

  it("rsi(2) with Wilder's smoothing", function()
    -- changes +2, -1, +3: seed gain (2+0)/2 = 1, loss (0+1)/2 = 0.5 -> 100*1/1.5;
    -- then gain (1*1 + 3)/2 = 2, loss (0.5*1 + 0)/2 = 0.25 -> 100*2/2.25.
    same_series({ NAN, NAN, 200 / 3, 800 / 9 }, nt.ind.rsi({ 10, 12, 11, 14 }, 2), "rsi")
  end)

  it("macd(2, 3, 2) of 1..4", function()
    -- fast EMA(2): 1.5, 2.5, 3.5; slow EMA(3): 2, 3 -> macd 0.5, 0.5; signal seeded by the
    -- mean of the first two MACD values: 0.5; hist 0.
    local m, s, h = nt.ind.macd({ 1, 2, 3, 4 }, 2, 3, 2)
    same_series({ NAN, NAN, 0.5, 0.5 }, m, "macd")
    same_series({ NAN, NAN, NAN, 0.5 }, s, "signal")
    same_series({ NAN, NAN, NAN, 0 }, h, "hist")
  end)

  it("bbands(3, 2) of 1, 2, 3: 2 +/- 2", function()
    local mid, up, lo = nt.ind.bbands({ 1, 2, 3 }, 3, 2)
    assert.equals(2, mid[3])
    assert.near(4, up[3], 1e-12)
    assert.near(0, lo[3], 1e-12)
  end)

  it("atr(2): the first true range is high - low, then gaps count", function()
    -- TR: 2, max(1, |12-9|, |11-9|) = 3, max(2, |13-11.5|, |11-11.5|) = 2
    -- ATR: (2+3)/2 = 2.5, then (2.5*1 + 2)/2 = 2.25
    local h, l, c = { 10, 12, 13 }, { 8, 11, 11 }, { 9, 11.5, 12 }
    same_series({ NAN, 2.5, 2.25 }, nt.ind.atr(h, l, c, 2), "atr")
  end)

  it("log and pct returns", function()
    same_series({ NAN, math.log(1.1), math.log(0.5) }, nt.ind.log_returns({ 100, 110, 55 }), "log")
    same_series({ NAN, 0.1, -0.5 }, nt.ind.pct_returns({ 100, 110, 55 }), "pct")
  end)

  it("ols(3) of an exact line y = 2x + 1: beta 2, alpha 1, spread 0, r2 1", function()
    local o = nt.ind.ols(3)
    o:update(3, 1)
    o:update(5, 2)
    local b, a, s, r2 = o:update(7, 3)
    assert.near(2, b, 1e-12)
    assert.near(1, a, 1e-12)
    assert.near(0, s, 1e-12)
    assert.near(1, r2, 1e-12)
  end)
end)

-- ---- multi-output and multi-input indicators ----------------------------------------------
describe("nt.ind.macd", function()
  it("whole series matches the reference on each input kind", function()
    local wm, ws, wh = ref.macd(X, 5, 13, 4)
    each_input(X, function(series, kind)
      local m, s, h = nt.ind.macd(series, 5, 13, 4)
      same_series(wm, m, "macd of a " .. kind)
      same_series(ws, s, "signal of a " .. kind)
      same_series(wh, h, "hist of a " .. kind)
    end)
  end)

  it("incremental updates match the whole series, and 12/26/9 are the defaults", function()
    local m, s, h = nt.ind.macd(X)
    local o = nt.ind.macd(12)
    for i = 1, #X do
      local om, os_, oh = o:update(X[i])
      same_series({ m[i], s[i], h[i] }, { om, os_, oh }, "macd update " .. i)
    end
    same_series(m, (ref.macd(X, 12, 26, 9)), "default macd")
  end)

  it("refuses fast >= slow and bad windows, naming them", function()
    assert.has_error(function() return nt.ind.macd(26, 12, 9) end, "bad 'fast' argument")
    assert.has_error(function() return nt.ind.macd(X, 12, 12, 9) end, "bad 'fast' argument")
    assert.has_error(function() return nt.ind.macd(0, 26, 9) end, "bad 'fast' argument")
    assert.has_error(function() return nt.ind.macd(X, 12, 26, 0) end, "bad 'signal' argument")
    assert.has_error(function() nt.ind.macd(3, 5, 2):update(NAN) end, "bad 'x' argument")
  end)
end)

describe("nt.ind.bbands", function()
  it("whole series and updates match the reference (sample std)", function()
    local wm, wu, wl = ref.bbands(X, 10, 1.5)
    each_input(X, function(series, kind)
      local m, u, l = nt.ind.bbands(series, 10, 1.5)
      same_series(wm, m, "middle of a " .. kind)
      same_series(wu, u, "upper of a " .. kind)
      same_series(wl, l, "lower of a " .. kind)
    end)
    local o = nt.ind.bbands(10, 1.5)
    for i = 1, #X do
      local m, u, l = o:update(X[i])
      same_series({ wm[i], wu[i], wl[i] }, { m, u, l }, "bbands update " .. i)
    end
  end)

  it("k defaults to 2", function()
    local _, u = nt.ind.bbands(X, 10)
    local _, wu = ref.bbands(X, 10, 2)
    same_series(wu, u, "upper with k = 2")
  end)

  it("refuses negative or NaN k and bad windows, naming them", function()
    assert.has_error(function() return nt.ind.bbands(10, -1) end, "bad 'k' argument")
    assert.has_error(function() return nt.ind.bbands(X, 10, NAN) end, "bad 'k' argument")
    assert.has_error(function() return nt.ind.bbands(X, 0) end, "bad 'window' argument")
  end)

  it("bbands and std with window 1, and windows above 2^24, are refused naming 'window'", function()
    assert.has_error(function() return nt.ind.bbands(X, 1) end, "bad 'window' argument")
    assert.has_error(function() return nt.ind.std(1) end, "bad 'window' argument")
    assert.has_error(function() return nt.ind.std(X, 1) end, "bad 'window' argument")
    assert.has_error(function() return nt.ind.sma(2 ^ 25) end, "bad 'window' argument")
  end)
end)

describe("nt.ind.atr", function()
  local H, L, C = {}, {}, {}
  for i, x in ipairs(X) do
    C[i] = x
    H[i] = x + 0.5 + (i % 3) * 0.25
    L[i] = x - 0.5 - (i % 4) * 0.2
  end

  it("whole series matches the reference on each input kind", function()
    local want = ref.atr(H, L, C, 14)
    each_input(H, function(hs, kind)
      local ls = kind == "table" and L or nt.array(L)
      same_series(want, nt.ind.atr(hs, ls, C, 14), "atr of a " .. kind)
    end)
  end)

  it("update(high, low, close) and update(bar-like cdata) match the series", function()
    local want = nt.ind.atr(H, L, C, 14)
    local o = nt.ind.atr(14)
    for i = 1, #H do
      same_series({ want[i] }, { o:update(H[i], L[i], C[i]) }, "atr update " .. i)
    end
    local o2 = nt.ind.atr(14)
    for i = 1, #H do
      -- Bars are read-only cdata (their fields are const): build one per update.
      local b = ffi.new("ntrun_bar_t", { 0, 0, 0, 0, C[i], H[i], L[i], C[i], 0 })
      same_series({ want[i] }, { o2:update(b) }, "atr update(bar) " .. i)
    end
  end)

  it("refuses inputs of different lengths, NaN updates and bad windows", function()
    assert.has_error(function() return nt.ind.atr({ 1, 2 }, { 1 }, { 1, 2 }, 2) end, "differ in length")
    assert.has_error(function() nt.ind.atr(2):update(1, NAN, 1) end, "bad 'x' argument")
    assert.has_error(function() return nt.ind.atr(H, L, C, 0) end, "bad 'window' argument")
    assert.has_error(function() return nt.ind.atr(H, L, "C", 3) end, "bad 'close' argument")
  end)

  it("atr update with low > high raises like the series form does", function()
    assert.has_error(function() nt.ind.atr(2):update(1, 3, 2) end, "low")
  end)
end)

describe("nt.ind.log_returns / pct_returns", function()
  it("match the reference on each input kind", function()
    local wl, wp = { NAN }, { NAN }
    for i = 2, #X do
      wl[i] = math.log(X[i] / X[i - 1])
      wp[i] = X[i] / X[i - 1] - 1
    end
    each_input(X, function(series, kind)
      same_series(wl, nt.ind.log_returns(series), "log returns of a " .. kind)
      same_series(wp, nt.ind.pct_returns(series), "pct returns of a " .. kind)
    end)
  end)

  it("refuse non-positive prices (log) and zero divisors (pct)", function()
    assert.has_error(function() return nt.ind.log_returns({ 1, -1 }) end, "log_returns")
    assert.has_error(function() return nt.ind.pct_returns({ 0, 1 }) end, "pct_returns")
    assert.has_error(function() return nt.ind.log_returns(5) end, "bad 'series' argument")
  end)
end)

describe("nt.ind.ols", function()
  it("whole series matches the reference on each input kind", function()
    local wb, wa, ws = ref.ols(Y, X, 20)
    each_input(Y, function(ys, kind)
      local xs = kind == "table" and X or nt.array(X)
      local b, a, s = nt.ind.ols(ys, xs, 20)
      same_series(wb, b, "beta of a " .. kind, 1e-8)
      same_series(wa, a, "alpha of a " .. kind, 1e-8)
      same_series(ws, s, "spread of a " .. kind, 1e-8)
    end)
  end)

  it("incremental updates match the reference, r2 included", function()
    local wb, wa, ws, wr = ref.ols(Y, X, 20)
    local o = nt.ind.ols(20)
    for i = 1, #X do
      local b, a, s, r2 = o:update(Y[i], X[i])
      same_series({ wb[i], wa[i], ws[i], wr[i] }, { b, a, s, r2 }, "ols update " .. i, 1e-8)
    end
  end)

  it("refuses windows below 2, unequal lengths and NaN", function()
    assert.has_error(function() return nt.ind.ols(1) end, "bad 'window' argument to nt.ind.ols: must be an integer in 2..")
    assert.has_error(function() return nt.ind.ols(Y, X, 1) end, "bad 'window' argument")
    assert.has_error(function() return nt.ind.ols({ 1, 2 }, { 1 }, 2) end, "differ in length")
    assert.has_error(function() nt.ind.ols(3):update(1, NAN) end, "bad 'x' argument")
    assert.has_error(function() nt.ind.ols(3):update(NAN, 1) end, "bad 'x' argument")
  end)
end)

describe("series arguments", function()
  it("a table reused in several slots of one call is read correctly", function()
    local h, l, c = { 3, 4, 5 }, { 1, 2, 3 }, { 2, 3, 4 }
    same_series(ref.atr(h, l, c, 2), nt.ind.atr(h, l, c, 2), "atr over three scratch slots")
  end)

  it("a longer table after a shorter one grows the scratch buffer", function()
    local long = walk(500, 3)
    same_series(ref.sma(long, 7), nt.ind.sma(long, 7), "sma of 500 values")
  end)
end)
