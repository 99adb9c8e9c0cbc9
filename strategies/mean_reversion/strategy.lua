-- Mean reversion, long only: buy when the close is below the lower Bollinger band and the
-- Wilder RSI is below `oversold`; sell when the close is back above the middle band or the
-- RSI is above `exit_rsi`. Market orders, filled at the next bar's open.
local nt = require "nt"

local function param(p, key, rule, ok)
  if not ok then
    error(string.format("mean_reversion: bad params.%s in bundle.lua: %s (got %s)", key, rule, tostring(p[key])), 0)
  end
  return p[key]
end

local function is_num(v) return type(v) == "number" and v == v and v > -math.huge and v < math.huge end
local function is_int(v, lo) return is_num(v) and v == math.floor(v) and v >= lo end

local function validate(ctx)
  local p = ctx.params
  local known = {}
  for _, s in ipairs(ctx.symbols) do known[s] = true end
  local out = {
    symbol = param(p, "symbol", "must name a symbol of the bundle's data (" .. table.concat(ctx.symbols, ", ") .. ")",
      known[p.symbol]),
    bb_window = param(p, "bb_window", "must be a whole number >= 2", is_int(p.bb_window, 2)),
    bb_k = param(p, "bb_k", "must be a number >= 0", is_num(p.bb_k) and p.bb_k >= 0),
    rsi_window = param(p, "rsi_window", "must be a whole number >= 1", is_int(p.rsi_window, 1)),
    oversold = param(p, "oversold", "must be a number in (0, 100)", is_num(p.oversold) and p.oversold > 0 and p.oversold < 100),
    exit_rsi = param(p, "exit_rsi", "must be a number in (0, 100)", is_num(p.exit_rsi) and p.exit_rsi > 0 and p.exit_rsi < 100),
    fraction = param(p, "fraction", "must be a number in (0, 1]", is_num(p.fraction) and p.fraction > 0 and p.fraction <= 1),
  }
  param(p, "exit_rsi", "must be above params.oversold", out.exit_rsi > out.oversold)
  return out
end

function on_start(ctx)
  local s = ctx.state
  s.P = validate(ctx) -- validated params
  s.bands = nt.ind.bbands(s.P.bb_window, s.P.bb_k)
  s.rsi = nt.ind.rsi(s.P.rsi_window)
end

function on_bar(ctx, bar)
  local s = ctx.state
  local P = s.P
  if bar.symbol ~= P.symbol then return end
  local close = bar.close
  local middle, _, lower = s.bands:update(close)
  local r = s.rsi:update(close)
  if middle ~= middle or r ~= r then return end -- warming up
  local pos = ctx:position(P.symbol)
  if pos == 0 and close < lower and r < P.oversold then
    local qty = math.floor(ctx:equity() * P.fraction / close)
    if qty > 0 then
      ctx:log(string.format("buy: close %.2f < lower band %.2f, RSI %.1f", close, lower, r))
      ctx:buy(P.symbol, qty)
    end
  elseif pos > 0 and (close > middle or r > P.exit_rsi) then
    ctx:log(string.format("sell: close %.2f, middle band %.2f, RSI %.1f", close, middle, r))
    ctx:sell(P.symbol, pos)
  end
end
