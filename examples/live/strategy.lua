-- SMA crossover for the live example: long while SMA(fast) is above SMA(slow), flat otherwise
-- (examples/sma_cross with shorter windows, so a few hundred bars make trades). Market orders
-- fill at the next bar's open, live as in a backtest.
local nt = require "nt"

function on_start(ctx)
  local s = ctx.state
  s.fast = nt.ind.sma(ctx.params.fast)
  s.slow = nt.ind.sma(ctx.params.slow)
  s.above = nil -- fast > slow at the latest bar past the warm-up (nil until then)
end

function on_bar(ctx, bar)
  local s = ctx.state
  local fast, slow = s.fast:update(bar.close), s.slow:update(bar.close)
  if slow ~= slow then return end -- slow SMA still warming up (NaN)
  local now_above = fast > slow
  if now_above ~= s.above then
    local pos = ctx:position(bar.symbol)
    if now_above and pos == 0 then
      local qty = math.floor(ctx:cash() * ctx.params.fraction / bar.close)
      if qty > 0 then ctx:buy(bar.symbol, qty) end
    elseif not now_above and pos > 0 then
      ctx:sell(bar.symbol, pos)
    end
    s.above = now_above
  end
end

function on_order_filled(ctx, fill)
  ctx:log(fill.side, fill.quantity, fill.symbol, "@", string.format("%.2f", fill.price))
end
