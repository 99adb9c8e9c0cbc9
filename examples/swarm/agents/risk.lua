-- Risk agent: keeps the symbol's daily log returns, and votes on each proposal with the 99%
-- historical VaR the position would have after it, as a fraction of equity: over var_limit
-- it rejects (a veto: bundle.lua's quorum.voters). Publishes a risk report each bar.
local nt = require "nt"

local returns, n, prev

function on_start(ctx)
  returns = nt.array(ctx.params.var_window)
  n, prev = 0, nil
end

function on_bar(ctx, bar)
  if prev then
    -- a ring of the last var_window returns
    returns[(n % #returns) + 1] = math.log(bar.close / prev)
    n = n + 1
  end
  prev = bar.close
end

local function var_fraction(ctx, quantity)
  if n < 30 then return nil end
  local r = n < #returns and returns:slice(1, n) or returns
  local var = nt.risk.var(r, { confidence = 0.99 }).var
  local price = ctx:price(ctx.params.symbol)
  local equity = ctx:account().equity
  return math.abs(quantity) * price * var / equity
end

function on_proposal(ctx, p)
  local pos = ctx:position(p.symbol)
  local after = pos + (p.side == "buy" and p.quantity or -p.quantity)
  local f = var_fraction(ctx, after)
  if f == nil then return "abstain", "too few returns" end
  local why = string.format("VaR %.2f%% of equity (limit %.2f%%)", 100 * f, 100 * ctx.params.var_limit)
  if f > ctx.params.var_limit and math.abs(after) > math.abs(pos) then return "reject", why end
  return "approve", why
end
