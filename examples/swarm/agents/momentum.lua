-- Momentum analyst: long while the fast SMA of the close is above the slow one, flat otherwise.
-- Votes for proposals that go its way.
local nt = require "nt"

local fast, slow, last

function on_start(ctx)
  fast, slow = nt.ind.sma(ctx.params.fast), nt.ind.sma(ctx.params.slow)
  last = 0
end

function on_bar(ctx, bar)
  local f, s = fast:update(bar.close), slow:update(bar.close)
  -- one signal every bar (flat with no strength while warming up): the portfolio counts them
  local strength = 0
  if s == s then
    last = f > s and 1 or 0
    strength = math.min(1, math.abs(f / s - 1) * 20)
  end
  ctx:publish(nt.msg.signal { symbol = bar.symbol, direction = last, strength = strength,
    confidence = 0.6, horizon = 20 * 86400, source = "sma" })
end

function on_proposal(ctx, p)
  if (p.side == "buy") == (last == 1) then return "approve", "trend agrees" end
  return "reject", "trend disagrees"
end
