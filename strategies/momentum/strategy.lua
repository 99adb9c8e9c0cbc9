-- Time-series momentum: long while the close is above its level `lookback` bars ago by more
-- than `entry`, flat once that return drops below `exit`. The position is sized once, at
-- entry, to min(fraction, vol_target / realised volatility) of equity; it is not rebalanced.
local nt = require "nt"

local function param(p, key, rule, ok)
  if not ok then
    error(string.format("momentum: bad params.%s in bundle.lua: %s (got %s)", key, rule, tostring(p[key])), 0)
  end
  return p[key]
end

local function is_num(v) return type(v) == "number" and v == v and v > -math.huge and v < math.huge end

local function validate(ctx)
  local p = ctx.params
  local known = {}
  for _, s in ipairs(ctx.symbols) do known[s] = true end
  local out = {
    symbol = param(p, "symbol", "must name a symbol of the bundle's data (" .. table.concat(ctx.symbols, ", ") .. ")",
      known[p.symbol]),
    lookback = param(p, "lookback", "must be a whole number >= 1",
      is_num(p.lookback) and p.lookback == math.floor(p.lookback) and p.lookback >= 1),
    entry = param(p, "entry", "must be a finite number", is_num(p.entry)),
    exit = param(p, "exit", "must be a finite number", is_num(p.exit)),
    fraction = param(p, "fraction", "must be a number in (0, 1]", is_num(p.fraction) and p.fraction > 0 and p.fraction <= 1),
    vol_target = param(p, "vol_target", "must be a number >= 0 (0 turns volatility sizing off)",
      is_num(p.vol_target) and p.vol_target >= 0),
    vol_window = param(p, "vol_window", "must be a whole number >= 2",
      is_num(p.vol_window) and p.vol_window == math.floor(p.vol_window) and p.vol_window >= 2),
  }
  param(p, "exit", "must be <= params.entry", out.exit <= out.entry)
  param(p, "lookback", "needs lookback + 1 bars of history: raise the bundle's 'history' (bars kept per symbol)",
    pcall(ctx.history, ctx, out.symbol, "close", out.lookback + 1))
  return out
end

function on_start(ctx)
  local s = ctx.state
  s.P = validate(ctx) -- validated params
  s.vol = nt.ind.std(s.P.vol_window) -- rolling sample std of daily log returns
  s.prev_close = nil -- the previous bar's close (nil before the first bar)
end

function on_bar(ctx, bar)
  local s = ctx.state
  local P = s.P
  if bar.symbol ~= P.symbol then return end
  local close = bar.close
  if s.prev_close then s.vol:update(math.log(close / s.prev_close)) end
  s.prev_close = close
  local h = ctx:history(P.symbol, "close", P.lookback + 1)
  if #h < P.lookback + 1 then return end -- warming up
  local ret = close / h[1] - 1
  local pos = ctx:position(P.symbol)
  if pos == 0 and ret > P.entry then
    local f = P.fraction
    if P.vol_target > 0 then
      local sigma = s.vol.value * math.sqrt(252)
      if sigma ~= sigma or sigma <= 0 then return end -- volatility unknown (NaN while warming up) or zero
      f = math.min(f, P.vol_target / sigma)
    end
    local qty = math.floor(ctx:equity() * f / close)
    if qty > 0 then
      ctx:log(string.format("enter: %d-bar return %.2f%%, fraction %.3f", P.lookback, ret * 100, f))
      ctx:buy(P.symbol, qty)
    end
  elseif pos > 0 and ret < P.exit then
    ctx:log(string.format("exit: %d-bar return %.2f%%", P.lookback, ret * 100))
    ctx:sell(P.symbol, pos)
  end
end
