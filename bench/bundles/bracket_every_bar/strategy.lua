-- A bracket (market entry, stop-loss and take-profit 0.02% away) whenever the last one is
-- done, and a callback for every event it causes: three accepted, the entry's fill, the exit's
-- fill, the other exit's cancel. The order path with brackets (submit -> checks -> venue ->
-- events back to Lua), per bracket.
local events, busy = 0, false

function on_bar(ctx, bar)
  if not busy then
    busy = true
    ctx:bracket({ symbol = "X", quantity = 1, stop_loss = bar.close * 0.9998, take_profit = bar.close * 1.0002 })
  end
end

function on_order_accepted() events = events + 1 end
function on_order_filled(_, ev)
  events = events + 1
  if ev.position == 0 then busy = false end
end
function on_order_canceled() events = events + 1 end
