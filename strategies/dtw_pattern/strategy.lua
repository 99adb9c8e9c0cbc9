-- DTW pattern strategy. On each bar with enough history: the last `window` closes are the
-- query; nt.dtw.search finds the k past windows (z-normalised, Sakoe-Chiba band) most like it
-- among the `lookback` bars whose next `horizon` bars are known; each match's outcome is the
-- return over those `horizon` bars. When the outcomes agree (share with the sign of their mean
-- >= min_agreement, |mean| >= min_edge) it opens a position in that direction (short only if
-- allow_short), with a stop-loss and a take-profit set from the outcomes' spread, and closes it
-- at the stop, the target or after `horizon` bars, whichever comes first.
local nt = require "nt"

local function check_params(p, ctx)
  local function need(ok, name, rule)
    if not ok then error(string.format("dtw_pattern: bad params.%s in bundle.lua: %s (got %s)", name, rule,
      tostring(p[name])), 0) end
  end
  local function int(name, lo) return type(p[name]) == "number" and p[name] == math.floor(p[name]) and p[name] >= lo end
  need(int("window", 2), "window", "a whole number >= 2")
  need(int("horizon", 1), "horizon", "a whole number >= 1")
  need(int("k", 1), "k", "a whole number >= 1")
  need(int("band", 0), "band", "a whole number >= 0")
  need(int("lookback", p.window + p.horizon + 1), "lookback", "a whole number > window + horizon")
  need(type(p.min_agreement) == "number" and p.min_agreement > 0.5 and p.min_agreement <= 1, "min_agreement",
    "a number in (0.5, 1]")
  need(type(p.min_edge) == "number" and p.min_edge >= 0, "min_edge", "a number >= 0")
  need(type(p.stop_k) == "number" and p.stop_k > 0, "stop_k", "a number > 0")
  need(type(p.take_k) == "number" and p.take_k > 0, "take_k", "a number > 0")
  need(type(p.fraction) == "number" and p.fraction > 0 and p.fraction <= 1, "fraction", "a number in (0, 1]")
  need(type(p.allow_short) == "boolean", "allow_short", "true or false")
  local known = false
  for _, name in ipairs(ctx.symbols) do known = known or name == p.symbol end
  need(known, "symbol", "one of the bundle's symbols (" .. table.concat(ctx.symbols, ", ") .. ")")
  need(p.lookback <= ctx.history_capacity, "lookback",
    "at most the bundle's history (" .. ctx.history_capacity .. " bars)")
end

function on_start(ctx)
  check_params(ctx.params, ctx)
  local s = ctx.state
  s.position = nil -- { side = 1 | -1, entry_bar =, stop =, target = } while in a trade
  s.pending = false -- an order is on its way
  s.bars = 0 -- bars of the symbol seen
end

-- Outcomes of the best matches: the return over `horizon` bars after each matched window.
local function forecast(P, closes)
  local n = #closes
  local W, H = P.window, P.horizon
  local query = closes:slice(n - W + 1, n)
  -- Past windows end before the query starts (no self-matches) and at least H bars before
  -- the last bar (their outcome is known).
  local past = closes:slice(1, n - math.max(W, H))
  local matches = nt.dtw.search(query, past, { k = P.k, window = P.band, znorm = true })
  local sum, outcomes = 0, {}
  for i, m in ipairs(matches) do
    local last = m.index + W - 1
    local r = closes[last + H] / closes[last] - 1
    outcomes[i] = r
    sum = sum + r
  end
  local mean = sum / #outcomes
  local agree, var = 0, 0
  for _, r in ipairs(outcomes) do
    if (r > 0) == (mean > 0) and r ~= 0 then agree = agree + 1 end
    var = var + (r - mean) ^ 2
  end
  return mean, agree / #outcomes, math.sqrt(var / #outcomes)
end

function on_bar(ctx, bar)
  local P, s = ctx.params, ctx.state
  local sym = P.symbol
  if bar.symbol ~= sym then return end
  s.bars = s.bars + 1
  if s.pending then return end
  local price = bar.close
  local position = s.position
  if position then
    local held = s.bars - position.entry_bar
    local hit_stop = position.side > 0 and price <= position.stop or position.side < 0 and price >= position.stop
    local hit_target = position.side > 0 and price >= position.target or position.side < 0 and price <= position.target
    if hit_stop or hit_target or held >= P.horizon then
      local qty = ctx:position(sym)
      if qty > 0 then ctx:sell(sym, qty) elseif qty < 0 then ctx:buy(sym, -qty) end
      s.pending, s.position = true, nil
    end
    return
  end
  local closes = ctx:history(sym, "close", P.lookback)
  if #closes < P.lookback then return end
  local mean, agreement, spread = forecast(P, closes)
  if agreement < P.min_agreement or math.abs(mean) < P.min_edge then return end
  local side = mean > 0 and 1 or -1
  if side < 0 and not P.allow_short then return end
  local qty = math.floor(ctx:cash() * P.fraction / price)
  if qty < 1 then return end
  if side > 0 then ctx:buy(sym, qty) else ctx:sell(sym, qty) end
  s.pending = true
  s.position = {
    side = side,
    entry_bar = s.bars,
    stop = price * (1 - side * P.stop_k * spread),
    target = price * (1 + side * P.take_k * spread),
  }
end

function on_order_filled(ctx, fill)
  if fill.remaining == 0 then ctx.state.pending = false end
end

function on_order_rejected(ctx, ev)
  ctx:log_at("warn", "order rejected:", ev.reason)
  local s = ctx.state
  s.pending = false
  if ctx:position(ctx.params.symbol) == 0 then s.position = nil end
end
