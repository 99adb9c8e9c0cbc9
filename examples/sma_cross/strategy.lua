-- SMA crossover: long while SMA(fast) is above SMA(slow), flat otherwise. It buys when the
-- fast SMA crosses above (or already is above on the first bar after the warm-up) and sells
-- everything when it crosses below. Market orders, filled at the next bar's open.
local nt = require "nt"

local fast, slow, above

function on_start(ctx)
  fast = nt.ind.sma(ctx.params.fast)
  slow = nt.ind.sma(ctx.params.slow)
end

function on_bar(ctx, bar)
  local f, s = fast:update(bar.close), slow:update(bar.close)
  if s ~= s then return end -- slow SMA still warming up (NaN)
  local now_above = f > s
  if now_above ~= above then
    local pos = ctx:position(bar.symbol)
    if now_above and pos == 0 then
      local qty = math.floor(ctx:cash() * ctx.params.fraction / bar.close)
      if qty > 0 then ctx:buy(bar.symbol, qty) end
    elseif not now_above and pos > 0 then
      ctx:sell(bar.symbol, pos)
    end
    above = now_above
  end
end

function on_order_filled(ctx, fill)
  ctx:log(fill.side, fill.quantity, fill.symbol, "@", string.format("%.2f", fill.price))
end
