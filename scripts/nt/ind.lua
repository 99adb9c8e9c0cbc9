-- nt.ind: technical indicators computed by the host (compute/indicators), two ways:
--   nt.ind.sma(20)            -> an incremental object: o:update(x) returns the value, O(1)
--   nt.ind.sma(series, 20)    -> the whole series as an nt.array (NaN during warm-up)
-- A series is an nt.array, a history view or a table of numbers. Definitions:
-- docs/indicators.md.
local core = require "nt._core"
local array = require "nt._array"
local ffi, C = core.ffi, core.C

local M = {}
local int_arg, series = core.int_arg, core.series
local S = core.session
local ptr = array.ptr

-- Host handles and output structs of indicator objects, keyed by the object: strategy code
-- holds the object (a table it may annotate) but never the handle, so it cannot pass a
-- forged or freed one to the host.
local H = setmetatable({}, { __mode = "k" })
local O = setmetatable({}, { __mode = "k" })
local function handle(self, level)
  local h = H[self]
  if h == nil then error("bad self: not an nt.ind object (call it as obj:update(...))", level + 1) end
  return h
end

local function check_x(x, level)
  if type(x) ~= "number" or x ~= x then
    error(string.format("bad 'x' argument to update: must be a number, not NaN (got %s)", tostring(x)), level + 1)
  end
end

local MAX_WINDOW = require("nt._const").MAX_WINDOW -- the host refuses larger windows

local function out_array(n) return array.new(n) end

-- On failure, names the first non-finite input element (the host's reason for EINVAL once
-- the arguments were checked here); the scan runs on the error path only.
local function check_status(rc, fn, ...)
  if rc == core.OK then return end
  local inputs = { ... }
  for k = 1, #inputs, 3 do
    local p, n, name = inputs[k], inputs[k + 1], inputs[k + 2]
    for i = 0, n - 1 do
      local v = p[i]
      if v ~= v or v == math.huge or v == -math.huge then
        error(string.format("bad '%s' argument to nt.ind.%s: element %d is %s (values must be finite)",
          name, fn, i + 1, tostring(v)), 3)
      end
    end
  end
  error(string.format("nt.ind.%s: %s", fn, core.strerror(rc)), 3)
end

local function window_arg(v, fn, min)
  if type(v) ~= "number" or v ~= math.floor(v) or v < min or v > MAX_WINDOW then
    error(string.format("bad 'window' argument to nt.ind.%s: must be an integer in %d..%d (got %s)", fn, min,
      MAX_WINDOW, tostring(v)), 3)
  end
  return v
end

-- Single-input, single-output indicators sharing one shape; the C functions are bound by
-- their literal names by each caller below.
local function simple(display, min_window, new, free, update, series_fn)
  local mt = { __index = {}, __metatable = false }
  mt.__index.update = function(self, x)
    check_x(x, 2)
    local v = update(handle(self, 2), x)
    self.value = v
    return v
  end
  mt.__tostring = function(self) return string.format("nt.ind.%s(%d)", display, self.window) end
  local function release(h) free(S, h) end
  return function(a, b)
    if type(a) == "number" and b == nil then
      local window = window_arg(a, display, min_window)
      local h = new(S, window)
      if h == nil then error("nt.ind." .. display .. ": out of memory", 2) end
      local o = setmetatable({ window = window, value = 0 / 0 }, mt)
      H[o] = ffi.gc(h, release)
      return o
    end
    local p, n = series(a, "series", 1, 2)
    local window = window_arg(b, display, min_window)
    local out = out_array(n)
    if n > 0 then check_status(series_fn(p, n, window, ptr(out)), display, p, n, "series") end
    return out
  end, mt
end

M.sma = simple("sma", 1, C.ntrun_ffi_sma_new, C.ntrun_ffi_sma_free, C.ntrun_ffi_sma_update,
  C.ntrun_ffi_sma_series)
M.ema = simple("ema", 1, C.ntrun_ffi_ema_new, C.ntrun_ffi_ema_free, C.ntrun_ffi_ema_update,
  C.ntrun_ffi_ema_series)
M.rsi = simple("rsi", 1, C.ntrun_ffi_rsi_new, C.ntrun_ffi_rsi_free, C.ntrun_ffi_rsi_update,
  C.ntrun_ffi_rsi_series)

local std_ctor, std_mt = simple("std", 2, C.ntrun_ffi_rstd_new, C.ntrun_ffi_rstd_free, C.ntrun_ffi_rstd_update,
  C.ntrun_ffi_rstd_series)
std_mt.__index.zscore = function(self) return C.ntrun_ffi_rstd_zscore(handle(self, 2)) end
std_mt.__index.mean = function(self) return C.ntrun_ffi_rstd_mean(handle(self, 2)) end
--- Rolling sample standard deviation; the object also answers :mean() and :zscore().
M.std = std_ctor

--- Rolling z-score: nt.ind.zscore(n) -> object whose update(x) returns (x - mean) / std;
--- nt.ind.zscore(series, n) -> array.
function M.zscore(a, b)
  if type(a) == "number" and b == nil then
    local o = std_ctor(a)
    o.update = function(self, x)
      check_x(x, 2)
      local h = handle(self, 2)
      C.ntrun_ffi_rstd_update(h, x)
      local z = C.ntrun_ffi_rstd_zscore(h)
      self.value = z
      return z
    end
    return o
  end
  local p, n = series(a, "series", 1, 2)
  local window = window_arg(b, "zscore", 2)
  local out = out_array(n)
  if n > 0 then check_status(C.ntrun_ffi_zscore_series(p, n, window, ptr(out)), "zscore", p, n, "series") end
  return out
end

local macd_mt = { __index = {}, __metatable = false }
macd_mt.__index.update = function(self, x)
  check_x(x, 2)
  local o = O[self]
  C.ntrun_ffi_macd_update(handle(self, 2), x, o)
  return o.macd, o.signal, o.hist
end
--- nt.ind.macd(fast, slow, signal) -> object, update(x) returns macd, signal, hist;
--- nt.ind.macd(series, fast, slow, signal) -> three arrays.
function M.macd(a, b, c, d)
  if type(a) == "number" then
    local fast, slow = int_arg(a, "fast", 1, MAX_WINDOW, 2), int_arg(b or 26, "slow", 1, MAX_WINDOW, 2)
    local sig = int_arg(c or 9, "signal", 1, MAX_WINDOW, 2)
    if fast >= slow then error("bad 'fast' argument to nt.ind.macd: must be < slow", 2) end
    local h = C.ntrun_ffi_macd_new(S, fast, slow, sig)
    if h == nil then error("nt.ind.macd: cannot create", 2) end
    local o = setmetatable({}, macd_mt)
    H[o], O[o] = ffi.gc(h, function(p) C.ntrun_ffi_macd_free(S, p) end), ffi.new("ntrun_macd_out_t")
    return o
  end
  local p, n = series(a, "series", 1, 2)
  local fast, slow = int_arg(b or 12, "fast", 1, MAX_WINDOW, 2), int_arg(c or 26, "slow", 1, MAX_WINDOW, 2)
  local sig = int_arg(d or 9, "signal", 1, MAX_WINDOW, 2)
  if fast >= slow then error("bad 'fast' argument to nt.ind.macd: must be < slow", 2) end
  local m, s, h = out_array(n), out_array(n), out_array(n)
  if n > 0 then
    check_status(C.ntrun_ffi_macd_series(p, n, fast, slow, sig, ptr(m), ptr(s), ptr(h)), "macd", p, n, "series")
  end
  return m, s, h
end

local bb_mt = { __index = {}, __metatable = false }
bb_mt.__index.update = function(self, x)
  check_x(x, 2)
  local o = O[self]
  C.ntrun_ffi_bbands_update(handle(self, 2), x, o)
  return o.middle, o.upper, o.lower
end
--- nt.ind.bbands(window, k) -> object, update(x) returns middle, upper, lower;
--- nt.ind.bbands(series, window, k) -> three arrays.
function M.bbands(a, b, c)
  if type(a) == "number" then
    local window = window_arg(a, "bbands", 2)
    local k = core.num_arg(b or 2, "k", 2)
    if k < 0 then error("bad 'k' argument to nt.ind.bbands: must be >= 0", 2) end
    local h = C.ntrun_ffi_bbands_new(S, window, k)
    if h == nil then error("nt.ind.bbands: cannot create", 2) end
    local o = setmetatable({}, bb_mt)
    H[o], O[o] = ffi.gc(h, function(p) C.ntrun_ffi_bbands_free(S, p) end), ffi.new("ntrun_bbands_out_t")
    return o
  end
  local p, n = series(a, "series", 1, 2)
  local window = window_arg(b, "bbands", 2)
  local k = core.num_arg(c or 2, "k", 2)
  if k < 0 then error("bad 'k' argument to nt.ind.bbands: must be >= 0", 2) end
  local m, u, l = out_array(n), out_array(n), out_array(n)
  if n > 0 then
    check_status(C.ntrun_ffi_bbands_series(p, n, window, k, ptr(m), ptr(u), ptr(l)), "bbands", p, n, "series")
  end
  return m, u, l
end

local atr_mt = { __index = {}, __metatable = false }
atr_mt.__index.update = function(self, high, low, close)
  if type(high) == "cdata" then high, low, close = high.high, high.low, high.close end -- a bar
  check_x(high, 2); check_x(low, 2); check_x(close, 2)
  if low > high then
    error(string.format("bad arguments to atr:update: low %s is above high %s", tostring(low), tostring(high)), 2)
  end
  local v = C.ntrun_ffi_atr_update(handle(self, 2), high, low, close)
  self.value = v
  return v
end
--- nt.ind.atr(window) -> object, update(high, low, close) or update(bar);
--- nt.ind.atr(high, low, close, window) -> array.
function M.atr(a, b, c, d)
  if type(a) == "number" then
    local window = window_arg(a, "atr", 1)
    local h = C.ntrun_ffi_atr_new(S, window)
    if h == nil then error("nt.ind.atr: cannot create", 2) end
    local o = setmetatable({ window = window, value = 0 / 0 }, atr_mt)
    H[o] = ffi.gc(h, function(p) C.ntrun_ffi_atr_free(S, p) end)
    return o
  end
  local ph, n1 = series(a, "high", 1, 2)
  local pl, n2 = series(b, "low", 2, 2)
  local pc, n3 = series(c, "close", 3, 2)
  if n1 ~= n2 or n1 ~= n3 then error("bad arguments to nt.ind.atr: high, low and close differ in length", 2) end
  local window = window_arg(d, "atr", 1)
  local out = out_array(n1)
  if n1 > 0 then
    check_status(C.ntrun_ffi_atr_series(ph, pl, pc, n1, window, ptr(out)), "atr", ph, n1, "high", pl, n1, "low",
      pc, n1, "close")
  end
  return out
end

--- Log returns log(x[i]/x[i-1]) and simple returns x[i]/x[i-1]-1; the first is NaN.
function M.log_returns(x)
  local p, n = series(x, "series", 1, 2)
  local out = out_array(n)
  if n > 0 then check_status(C.ntrun_ffi_log_returns(p, n, ptr(out)), "log_returns", p, n, "series") end
  return out
end
function M.pct_returns(x)
  local p, n = series(x, "series", 1, 2)
  local out = out_array(n)
  if n > 0 then check_status(C.ntrun_ffi_pct_returns(p, n, ptr(out)), "pct_returns", p, n, "series") end
  return out
end

local ols_mt = { __index = {}, __metatable = false }
ols_mt.__index.update = function(self, y, x)
  check_x(y, 2); check_x(x, 2)
  local o = O[self]
  C.ntrun_ffi_ols_update(handle(self, 2), y, x, o)
  return o.beta, o.alpha, o.spread, o.r2
end
--- Rolling OLS hedge ratio of y on x: nt.ind.ols(window) -> object, update(y, x) returns
--- beta, alpha, spread, r2; nt.ind.ols(y, x, window) -> arrays beta, alpha, spread.
function M.ols(a, b, c)
  if type(a) == "number" then
    local window = window_arg(a, "ols", 2)
    local h = C.ntrun_ffi_ols_new(S, window)
    if h == nil then error("nt.ind.ols: cannot create", 2) end
    local o = setmetatable({}, ols_mt)
    H[o], O[o] = ffi.gc(h, function(p) C.ntrun_ffi_ols_free(S, p) end), ffi.new("ntrun_ols_out_t")
    return o
  end
  local py, n1 = series(a, "y", 1, 2)
  local px, n2 = series(b, "x", 2, 2)
  if n1 ~= n2 then error("bad arguments to nt.ind.ols: y and x differ in length", 2) end
  local window = window_arg(c, "ols", 2)
  local beta, alpha, spread = out_array(n1), out_array(n1), out_array(n1)
  if n1 > 0 then
    check_status(C.ntrun_ffi_ols_series(py, px, n1, window, ptr(beta), ptr(alpha), ptr(spread)), "ols", py, n1, "y",
      px, n1, "x")
  end
  return beta, alpha, spread
end

return M
