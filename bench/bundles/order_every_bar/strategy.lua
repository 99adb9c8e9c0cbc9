-- A market order on every bar, alternating sides, and a fill callback: the order path
-- (submit -> checks -> venue -> portfolio -> on_order_filled) per order.
local side = 1
local filled = 0

function on_bar(ctx, bar)
  if side > 0 then ctx:buy("X", 1) else ctx:sell("X", 1) end
  side = -side
end

function on_order_filled(ctx, fill)
  filled = filled + 1
end
