local nt = require "nt"
function on_bar(ctx, bar)
  ctx:publish(nt.msg.signal { symbol = bar.symbol, direction = 1, strength = 0.5, confidence = 0.5 })
end
function on_proposal() return "approve" end
