local pending = {}
function on_message(_, m)
  if m.kind == "proposal" then pending[m.id] = { m.symbol, m.side, m.quantity } end
end
function on_decision(ctx, d)
  local p = pending[d.id]
  pending[d.id] = nil
  if not (p and d.approved) then return end
  if p[2] == "buy" then ctx:buy(p[1], p[3]) else ctx:sell(p[1], p[3]) end
end
