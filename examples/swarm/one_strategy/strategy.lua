-- The swarm (../agents/*.lua) in one strategy: the three analysts' signals, the portfolio's
-- target, the votes of risk (a veto), momentum and meanrev by majority, and the order. Same
-- arithmetic in the same order, so the trades equal the swarm's.
local nt = require "nt"

local fast, slow, z, returns, n, prev
local mom, mr -- the analysts' last direction (momentum 1/0, meanrev 1/0/-1)

function on_start(ctx)
  local P = ctx.params
  fast, slow, z = nt.ind.sma(P.fast), nt.ind.sma(P.slow), nt.ind.zscore(P.z_window)
  returns, n, prev = nt.array(P.var_window), 0, nil
  mom, mr = 0, 0
end

local function dtw_signal(ctx, bar, P)
  local closes = ctx:history(bar.symbol, "close", P.lookback)
  local count = #closes
  if count < P.lookback then return nil end
  local query = closes:slice(count - P.window + 1, count)
  local past = closes:slice(1, count - math.max(P.window, P.horizon))
  local matches = nt.dtw.search(query, past, { k = P.k, window = P.band, znorm = true })
  local sum, up = 0, 0
  for _, m in ipairs(matches) do
    local last = m.index + P.window - 1
    local r = closes[last + P.horizon] / closes[last] - 1
    sum = sum + r
    if r > 0 then up = up + 1 end
  end
  local mean = sum / #matches
  return (mean > 0 and 1 or 0) * math.min(1, math.abs(mean) * 50) * (math.max(up, #matches - up) / #matches)
end

local function risk_vote(ctx, P, pos, side, qty)
  local after = pos + (side == "buy" and qty or -qty)
  if n < 30 then return "abstain" end
  local r = n < #returns and returns:slice(1, n) or returns
  local var = nt.risk.var(r, { confidence = 0.99 }).var
  local f = math.abs(after) * ctx:price(P.symbol) * var / ctx:account().equity
  if f > P.var_limit and math.abs(after) > math.abs(pos) then return "reject" end
  return "approve"
end

function on_bar(ctx, bar)
  local P = ctx.params
  -- the analysts, in the swarm's agent order: dtw, momentum, meanrev (then risk's returns)
  local sd = dtw_signal(ctx, bar, P) or 0
  local f, s = fast:update(bar.close), slow:update(bar.close)
  local strength = 0
  if s == s then
    mom = f > s and 1 or 0
    strength = math.min(1, math.abs(f / s - 1) * 20)
  end
  local sm = mom * strength * 0.6
  local score = z:update(bar.close)
  local e = P.z_entry
  strength = 0
  if score == score then
    mr = score < -e and 1 or (score > e and -1 or 0)
    strength = math.min(1, math.abs(score) / (2 * e))
  end
  local sr = (mr == 1 and 1 or 0) * strength * 0.5
  if prev then
    returns[(n % #returns) + 1] = math.log(bar.close / prev)
    n = n + 1
  end
  prev = bar.close
  -- the portfolio: a change of side of the target is proposed
  local total = (sd + sm + sr) / 3
  local want = total >= P.threshold and math.floor(ctx:account().equity * P.fraction / ctx:price(P.symbol)) or 0
  local have = ctx:position(P.symbol)
  if (want > 0) == (have > 0) then return end
  local qty = math.abs(want - have)
  if qty < 1 then return end
  local side = want > have and "buy" or "sell"
  -- the votes: risk (a veto), momentum, meanrev; majority of the three
  local votes = { risk_vote(ctx, P, have, side, qty),
    ((side == "buy") == (mom == 1)) and "approve" or "reject",
    ((side == "buy" and mr == -1) or (side == "sell" and mr == 1)) and "reject" or "approve" }
  local yes, no = 0, 0
  for _, v in ipairs(votes) do
    if v == "approve" then yes = yes + 1 elseif v == "reject" then no = no + 1 end
  end
  if votes[1] == "reject" or yes <= no or yes + no < 2 then return end
  if side == "buy" then ctx:buy(P.symbol, qty) else ctx:sell(P.symbol, qty) end
end
