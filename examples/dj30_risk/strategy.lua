-- VaR-budgeted Kelly portfolio of the Dow Jones 30. Every `rebalance` bars (once `lookback`
-- returns exist): each stock's weight is its fractional Kelly fraction from its last
-- `lookback` daily returns (long only, capped at kelly_cap), the weights are scaled down to
-- sum to at most max_leverage, then scaled down again until the portfolio's one-day VaR at
-- `confidence` (nt.risk.portfolio_var over the same returns) fits the var_budget. Positions
-- move to the target weights with market orders at the next open.
local nt = require "nt"

function on_start(ctx)
  local P = ctx.params
  for _, k in ipairs({ "lookback", "rebalance", "confidence", "var_budget", "kelly_fraction", "kelly_cap",
    "max_leverage" }) do
    if type(P[k]) ~= "number" or P[k] <= 0 then
      error(string.format("dj30_risk: bad params.%s in bundle.lua: a number > 0 (got %s)", k, tostring(P[k])), 0)
    end
  end
  if P.lookback + 1 > ctx.history_capacity then
    error("dj30_risk: bad params.lookback in bundle.lua: needs history >= lookback + 1", 0)
  end
  local s = ctx.state
  s.bars = 0 -- days seen (bars of the last symbol)
  s.rebalances, s.scaled = 0, 0 -- rebalances done, and how many were scaled to the VaR budget
  s.last_var = nil -- the last rebalance's one-day VaR
end

-- Daily simple returns of the last `lookback` + 1 closes of a symbol (an nt.array).
local function returns_of(ctx, sym)
  local closes = ctx:history(sym, "close", ctx.params.lookback + 1)
  return nt.ind.pct_returns(closes):slice(2)
end

local function rebalance(ctx)
  local P, s = ctx.params, ctx.state
  local syms, cols, weights = ctx.symbols, {}, {}
  local total = 0
  for i, sym in ipairs(syms) do
    cols[i] = returns_of(ctx, sym)
    local k = nt.risk.kelly(cols[i], { fraction = P.kelly_fraction, cap = P.kelly_cap })
    weights[i] = math.max(0, k)
    total = total + weights[i]
  end
  if total == 0 then return end
  if total > P.max_leverage then
    for i = 1, #weights do weights[i] = weights[i] * P.max_leverage / total end
  end
  -- Linear portfolios: VaR scales with the weights, so one rescaling meets the budget.
  local risk = nt.risk.portfolio_var(weights, cols, { confidence = P.confidence, method = P.var_method })
  if risk.var > P.var_budget then
    for i = 1, #weights do weights[i] = weights[i] * P.var_budget / risk.var end
    s.scaled = s.scaled + 1
  end
  s.last_var = math.min(risk.var, P.var_budget)
  s.rebalances = s.rebalances + 1
  -- Sales first; purchases only up to the cash on hand (the pre-trade check counts cash, not
  -- the proceeds of sales that fill at the next open): what does not fit waits a rebalance.
  local equity, budget, diffs = ctx:equity(), ctx:cash(), {}
  for i, sym in ipairs(syms) do
    diffs[i] = math.floor(weights[i] * equity / ctx:price(sym)) - ctx:position(sym)
    if diffs[i] < 0 then ctx:sell(sym, -diffs[i]) end
  end
  for i, sym in ipairs(syms) do
    local price = ctx:price(sym)
    -- 1% headroom for the next open's gap and the costs.
    local qty = math.min(diffs[i], math.floor(budget / (price * 1.01)))
    if qty > 0 then
      ctx:buy(sym, qty)
      budget = budget - qty * price * 1.01
    end
  end
end

function on_bar(ctx, bar)
  -- Bars of one day arrive symbol by symbol: act once, on the last symbol's bar.
  if bar.sid ~= #ctx.symbols - 1 then return end
  local P, s = ctx.params, ctx.state
  s.bars = s.bars + 1
  if s.bars > P.lookback and (s.bars - P.lookback - 1) % P.rebalance == 0 then rebalance(ctx) end
end

function on_stop(ctx)
  local s = ctx.state
  ctx:log(string.format("%d rebalances, %d scaled to the VaR budget, last 1-day VaR %.4f", s.rebalances, s.scaled,
    s.last_var or 0))
end
