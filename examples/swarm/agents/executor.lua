-- Executor: the only agent that places orders. It keeps the proposals it sees (it subscribes
-- to them without voting) and places each approved one as a market order.
function on_start(ctx)
  ctx.state.proposals = {}
end

function on_message(ctx, m)
  if m.kind == "proposal" then
    ctx.state.proposals[m.id] = { symbol = m.symbol, side = m.side, quantity = m.quantity }
  end
end

function on_decision(ctx, d)
  local p = ctx.state.proposals[d.id]
  ctx.state.proposals[d.id] = nil
  if p == nil or not d.approved then return end
  if p.side == "buy" then ctx:buy(p.symbol, p.quantity) else ctx:sell(p.symbol, p.quantity) end
end
