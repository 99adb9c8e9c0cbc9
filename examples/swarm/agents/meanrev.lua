-- Mean-reversion analyst: the z-score of the close over z_window; below -z_entry is cheap
-- (long), above +z_entry rich (flat). Votes against buying what it finds rich.
local nt = require "nt"

local z, last

function on_start(ctx)
  z = nt.ind.zscore(ctx.params.z_window)
  last = 0
end

function on_bar(ctx, bar)
  local score = z:update(bar.close)
  local e, strength = ctx.params.z_entry, 0
  if score == score then
    last = score < -e and 1 or (score > e and -1 or 0)
    strength = math.min(1, math.abs(score) / (2 * e))
  end
  ctx:publish(nt.msg.signal { symbol = bar.symbol, direction = last == 1 and 1 or 0,
    strength = strength, confidence = 0.5, horizon = 5 * 86400, source = "zscore" })
end

function on_proposal(ctx, p)
  if p.side == "buy" and last == -1 then return "reject", "rich" end
  if p.side == "sell" and last == 1 then return "reject", "cheap" end
  return "approve"
end
