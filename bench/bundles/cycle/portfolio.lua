local n, side = 0, "sell"
function on_message(ctx, m)
  if m.kind ~= "signal" then return end
  n = n + 1
  if n % 3 ~= 0 then return end
  side = side == "buy" and "sell" or "buy"
  ctx:propose { symbol = m.symbol, side = side, quantity = 1 }
end
