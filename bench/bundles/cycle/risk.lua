function on_proposal(ctx, p)
  local pos = ctx:position(p.symbol)
  if math.abs(pos) > 10 then return "reject", "too big" end
  return "approve"
end
