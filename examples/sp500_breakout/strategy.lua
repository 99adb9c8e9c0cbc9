-- Breakout with a bracket (README.md): when flat, a close above the highest close of the
-- previous `lookback` bars buys floor(cash * fraction / close) units at the next open, with a
-- stop-loss trailing each close by `trail` (a fraction) and a take-profit `target` above the
-- signal's close. The exits live in the venue: they may fill on the entry's own bar, never both.
local P

function on_start(ctx)
  P = ctx.params
end

function on_bar(ctx, bar)
  if ctx:position("SPX") ~= 0 or #ctx:open_orders() > 0 then return end
  local closes = ctx:history("SPX", "close", P.lookback + 1)
  if #closes <= P.lookback then return end -- warming up
  local high = -math.huge
  for i = 1, P.lookback do high = math.max(high, closes[i]) end
  if bar.close <= high then return end
  local qty = math.floor(ctx:cash() * P.fraction / bar.close)
  if qty < 1 then return end
  local entry, why = ctx:bracket({ symbol = "SPX", quantity = qty, trail_percent = P.trail,
    take_profit = bar.close * (1 + P.target) })
  if not entry then ctx:log_at("warn", "bracket refused: ", why) end
end
