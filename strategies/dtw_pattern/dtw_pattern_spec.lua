-- Spec of the dtw_pattern bundle: its trades equal those of an independent plain-Lua model of the
-- README's rules, of docs/dtw_search.md (z-normalised banded DTW, brute force over every window,
-- the exclusion walk) and of docs/fill_model.md (naive loops, CSV read with io.open, no nt
-- library): on small configurations over 2008 (fixtures/small) and 2011 (fixtures/long_horizon),
-- and with the bundle's own parameters on its first 18 months of decisions. A run cut short makes the same decisions up to
-- its end; runs are deterministic; bad params fail with a message naming the parameter.
local bt = require "nt.backtest"
local read_ohlcv = require("nt.test").read_ohlcv

local DATA = spec_dir .. "/../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv"
local SMALL = spec_dir .. "/fixtures/small"
-- The bundle's own parameters: decisions start after 1,000 bars, in December 2003.
local FROM, TO = "2000-01-01", "2005-06-30"
local INF = math.huge

local function load_bundle(dir) return assert(loadfile(dir .. "/bundle.lua"))() end

-- Population z-normalisation of x[i..j]; a constant stretch becomes zeros (docs/dtw_search.md).
local function znormed(x, i, j)
  local n, out, constant = j - i + 1, {}, true
  for k = i + 1, j do if x[k] ~= x[i] then constant = false end end
  if constant then
    for k = 1, n do out[k] = 0 end
    return out
  end
  local mean, var = 0, 0
  for k = i, j do mean = mean + x[k] end
  mean = mean / n
  for k = i, j do var = var + (x[k] - mean) ^ 2 end
  local sd = math.sqrt(var / n)
  for k = i, j do out[k - i + 1] = (x[k] - mean) / sd end
  return out
end

-- DTW with the abs cost of two equal-length series over the cells |i - j| <= w (docs/dtw.md):
-- D(i, j) = |a_i - b_j| + min(D(i-1, j-1), D(i-1, j), D(i, j-1)), two rows of the matrix.
local prev, cur = {}, {}
local function dtw_abs(a, b, w)
  local n = #a
  for j = 0, n do prev[j] = INF end
  prev[0] = 0
  for i = 1, n do
    cur[0] = INF
    for j = 1, n do
      if math.abs(i - j) <= w then
        cur[j] = math.abs(a[i] - b[j]) + math.min(prev[j - 1], prev[j], cur[j - 1])
      else
        cur[j] = INF
      end
    end
    prev, cur = cur, prev
  end
  return prev[n]
end

-- The k best windows of length W among x[1..past_end], as the brute force of docs/dtw_search.md:
-- every window's distance to the query x[#x-W+1..#x] (both z-normalised), sorted by distance then
-- start, walked taking each window that starts at least W (the default exclusion) from every one
-- taken. `gap`: the smallest gap between neighbours of the sorted distances the walk looked at,
-- relative to max(1, distance), so host rounding (it slides window statistics) cannot reorder them.
local function search(x, W, past_end, k, band)
  local q = znormed(x, #x - W + 1, #x)
  local all = {}
  for s = 1, past_end - W + 1 do
    all[s] = { index = s, distance = dtw_abs(q, znormed(x, s, s + W - 1), band) }
  end
  table.sort(all, function(a, b) return a.distance < b.distance or (a.distance == b.distance and a.index < b.index) end)
  local out, gap = {}, INF
  for p, h in ipairs(all) do
    if p > 1 then gap = math.min(gap, (h.distance - all[p - 1].distance) / math.max(1, h.distance)) end
    if #out == k then break end
    local clash = false
    for _, o in ipairs(out) do if math.abs(o.index - h.index) < W then clash = true end end
    if not clash then out[#out + 1] = h end
  end
  return out, gap
end

-- The model of the README. On each bar, first the fill of the order placed on the bar before, at
-- this bar's open moved by the percentage slippage against the taker, commission
-- max(minimum, per_share * qty). Then, in a position: exit (an order for the whole position)
-- when the close is at or beyond the stop or the target, or `horizon` bars after the signal bar.
-- Flat with `lookback` closes (this bar's included): the query is the last `window` closes, the
-- candidates every window ending at least max(window, horizon) bars before this bar; each of the
-- k best windows' outcome is close(end + horizon) / close(end) - 1; with mean m, agreement = the
-- share of outcomes of m's sign (zeros never agree), spread = their population std: when
-- agreement >= min_agreement and |m| >= min_edge, order floor(cash * fraction / close) units in
-- m's direction (short only with allow_short), stop = close * (1 - side * stop_k * spread),
-- target = close * (1 + side * take_k * spread). `margin`: the closest units to a whole number.
local function reference(rows, b)
  local P = b.params
  local W, H, L = P.window, P.horizon, P.lookback
  local slip, cps, cmin = b.slippage.value, b.commission.per_share, b.commission.minimum
  assert(b.slippage.model == "percentage" and b.commission.per_value == nil, "the model's cost terms")
  local cash, pos, order, position, trade = b.capital, 0, nil, nil, nil
  local trades, decisions, exits, sides = {}, {}, {}, {}
  local margin, gap = INF, INF
  local closes = {}
  for i, r in ipairs(rows) do
    closes[i] = r.close
    if order then
      local price = r.open * (1 + order.dir * slip)
      local fee = math.max(cmin, cps * order.qty)
      cash = cash - order.dir * order.qty * price - fee
      if pos == 0 then
        trade = { symbol = P.symbol, side = order.dir > 0 and "long" or "short", entry_time = r.date .. "T00:00:00Z",
          quantity = order.qty, entry_price = price, commission = fee }
        pos = order.dir * order.qty
      else
        trade.exit_time, trade.exit_price, trade.reason = r.date .. "T00:00:00Z", price, order.reason
        trade.commission = trade.commission + fee
        local side = trade.side == "long" and 1 or -1
        trade.pnl = side * (price - trade.entry_price) * trade.quantity - trade.commission
        trades[#trades + 1] = trade
        sides[trade.side] = (sides[trade.side] or 0) + 1
        pos = 0
      end
      order = nil
    end
    local price = r.close
    if position then
      local s = position.side
      local stop = s > 0 and price <= position.stop or s < 0 and price >= position.stop
      local target = s > 0 and price >= position.target or s < 0 and price <= position.target
      if stop or target or i - position.entry_bar >= H then
        order = { dir = -s, qty = math.abs(pos), reason = stop and "stop" or target and "target" or "horizon" }
        exits[order.reason] = (exits[order.reason] or 0) + 1
        position = nil
      end
    elseif i >= L then
      local x = {}
      for k = i - L + 1, i do x[#x + 1] = closes[k] end
      local matches, g = search(x, W, L - math.max(W, H), P.k, P.band)
      gap = math.min(gap, g)
      local outcomes, ends, sum = {}, {}, 0
      for m, h in ipairs(matches) do
        local last = h.index + W - 1
        outcomes[m] = x[last + H] / x[last] - 1
        ends[m] = rows[i - L + last].date
        sum = sum + outcomes[m]
      end
      local mean = sum / #outcomes
      local agree, var = 0, 0
      for _, o in ipairs(outcomes) do
        if o ~= 0 and (o > 0) == (mean > 0) then agree = agree + 1 end
        var = var + (o - mean) ^ 2
      end
      local d = { mean = mean, agreement = agree / #outcomes, spread = math.sqrt(var / #outcomes), ends = ends,
        outcomes = outcomes }
      decisions[r.date] = d
      if d.agreement >= P.min_agreement and math.abs(mean) >= P.min_edge then
        local side = mean > 0 and 1 or -1
        if side > 0 or P.allow_short then
          local units = cash * P.fraction / price
          margin = math.min(margin, math.abs(units - math.floor(units + 0.5)))
          if math.floor(units) >= 1 then
            order = { dir = side, qty = math.floor(units) }
            position = { side = side, entry_bar = i, stop = price * (1 - side * P.stop_k * d.spread),
              target = price * (1 + side * P.take_k * d.spread) }
            d.stop, d.target = position.stop, position.target
          end
        end
      end
    end
  end
  return {
    trades = trades, decisions = decisions, exits = exits, sides = sides, margin = margin, gap = gap, cash = cash,
    position = pos, last_close = rows[#rows].close, unfilled = order ~= nil,
  }
end

-- The end of the run: cash, the open position and the final equity of the model.
local function assert_end_state(m, r)
  local last = r.equity[#r.equity]
  assert.near(m.cash, last.cash, 1e-6, "cash at the end")
  assert.near(math.abs(m.position) * m.last_close, last.gross_exposure, 1e-6, "open position at the end")
  assert.near(m.cash + m.position * m.last_close, r.metrics.final_equity, 1e-6, "final equity")
  if m.unfilled then
    assert.same({ "1 order(s) still open at the end of the data" }, r.warnings)
  else
    assert.same({}, r.warnings)
  end
end

describe("dtw_pattern", function()
  local small = load_bundle(SMALL)
  local m_small -- the model of fixtures/small, built once

  local function small_model()
    m_small = m_small or reference(read_ohlcv(DATA, small.from, small.to), small)
    return m_small
  end

  it("small configuration, 2008: trades exactly as the reference model", function()
    local m = small_model()
    assert.is_true(m.margin > 1e-6, "units within 1e-6 of a whole number: pick another slice")
    assert.is_true(m.gap > 1e-8, "two windows' distances within 1e-8: pick another slice")
    assert.equals(27, #m.trades, "closed trades in the model")
    -- Both sides and every exit: the slice exercises each rule.
    assert.equals(15, m.sides.long)
    assert.equals(12, m.sides.short)
    assert.is_true(m.exits.stop >= 3 and m.exits.target >= 3 and m.exits.horizon >= 3, "exits of each kind")
    assert.is_true(m.position < 0 and not m.unfilled, "the model ends short, nothing pending")

    local r = bt.run(SMALL, {})
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
    assert.equals("dtw_pattern_small", r.bundle)
    assert.trades(m.trades, r.trades, 1e-6)
    assert_end_state(m, r)
    assert.equals(2 * #m.trades + 1, r.metrics.num_fills, "27 round trips and the open entry")
    assert.equals(0, r.metrics.num_rejected)
    assert.equals("2008-01-02T00:00:00Z", r.equity[1].time, "the fixture's from")
    assert.equals("2008-12-31T00:00:00Z", r.equity[#r.equity].time, "the fixture's to")
  end)

  it("hand-checked: a stop, an entry at exactly min_agreement, a horizon exit, a short target", function()
    local m = small_model()
    local r = bt.run(SMALL, {})
    local t1, t2, t5 = r.trades[1], r.trades[2], r.trades[5]
    -- 2008-06-23 is the slice's 120th bar, the first with `lookback` closes; its matches do not
    -- agree. 2008-06-24, close 1314.290039: the 5 best 8-bar windows end on 04-15, 01-22, 03-07, 06-10 and 05-27; 3 bars
    -- later the index was +4.19%, +1.53%, +1.19%, +0.12%, +1.08% higher: 5 of 5 agree, mean
    -- +1.62%, spread 1.37%, so stop 1296.33 and target 1332.25. Buy floor(95,000 / 1314.290039) =
    -- 72 at 06-25's open 1314.540039 + 5 bp. 06-26 closes at 1283.150024, below the stop: sell
    -- at 06-27's open 1283.599976 - 5 bp. Fees: 2 x the 1.00 minimum.
    assert.is_not_nil(m.decisions["2008-06-23"])
    assert.is_nil(m.decisions["2008-06-23"].stop, "no entry on the first decision")
    local d = m.decisions["2008-06-24"]
    assert.same({ "2008-04-15", "2008-01-22", "2008-03-07", "2008-06-10", "2008-05-27" }, d.ends)
    assert.equals(1, d.agreement)
    assert.near(0.016232487, d.mean, 1e-9)
    assert.near(1296.3301637, d.stop, 1e-6)
    assert.equals("2008-06-25T00:00:00Z", t1.entry_time)
    assert.equals("2008-06-27T00:00:00Z", t1.exit_time)
    assert.equals("long", t1.side)
    assert.equals(72, t1.quantity)
    assert.near(1314.540039 * 1.0005, t1.entry_price, 1e-9)
    assert.near(1283.599976 * 0.9995, t1.exit_price, 1e-9)
    assert.near(72 * (1283.599976 * 0.9995 - 1314.540039 * 1.0005) - 2, t1.pnl, 1e-7)
    assert.equals(2, t1.commission)
    -- 06-27, the bar t1's exit filled on: flat again, so it searches. 4 of 5 outcomes are
    -- positive (the window ending 06-09 fell 1.61%): agreement 0.8 = min_agreement, which
    -- trades (>=). Mean +1.28%, spread 1.84%: stop 1254.87, target 1301.89. Buy
    -- floor((100,000 - 2,323.22) * 0.95 / 1278.380005) = 72 at 06-30's open 1278.060059 + 5 bp.
    -- Closes 1280.00, 1284.91, 1261.52 stay inside; on 07-02, 3 bars after the signal, the
    -- horizon ends it: sell at 07-03's open 1262.959961 - 5 bp.
    d = m.decisions["2008-06-27"]
    assert.equals(0.8, d.agreement)
    assert.equals(small.params.min_agreement, d.agreement)
    assert.equals("2008-06-30T00:00:00Z", t2.entry_time)
    assert.equals("2008-07-03T00:00:00Z", t2.exit_time)
    assert.equals(72, t2.quantity)
    assert.near(1278.060059 * 1.0005, t2.entry_price, 1e-9)
    assert.near(1262.959961 * 0.9995, t2.exit_price, 1e-9)
    assert.equals("horizon", m.trades[2].reason)
    -- A short closed at its target: sold at the open + the slippage's opposite sign (a sell
    -- receives less), bought back below.
    assert.equals("short", t5.side)
    assert.equals("target", m.trades[5].reason)
    assert.equals("2008-07-23T00:00:00Z", t5.entry_time)
    assert.equals("2008-07-25T00:00:00Z", t5.exit_time)
    assert.near((t5.entry_price - t5.exit_price) * t5.quantity - t5.commission, t5.pnl, 1e-7)
    assert.is_true(t5.pnl > 0)
  end)

  it("horizon longer than the pattern, band 0, per-share fees, 2011: trades as the reference model", function()
    local dir = spec_dir .. "/fixtures/long_horizon"
    local b = load_bundle(dir)
    assert.is_true(b.params.horizon > b.params.window, "candidates end `horizon` bars back, not `window`")
    local m = reference(read_ohlcv(DATA, b.from, b.to), b)
    assert.is_true(m.margin > 1e-6, "units within 1e-6 of a whole number")
    assert.is_true(m.gap > 1e-8, "two windows' distances within 1e-8")
    assert.equals(25, #m.trades, "closed trades in the model")
    assert.is_true(m.sides.long >= 5 and m.sides.short >= 5, "both sides")
    assert.is_true(m.trades[1].commission > 2 * b.commission.minimum, "fees above the minimum")
    local r = bt.run(dir, {})
    assert.equals(0, r.exit_code, r.errors[1])
    assert.trades(m.trades, r.trades, 1e-6)
    assert_end_state(m, r)
  end)

  it("the bundle's own parameters, Jan 2000 - Jun 2005: trades as the reference model", function()
    local b = load_bundle(spec_dir)
    local m = reference(read_ohlcv(DATA, FROM, TO), b)
    assert.is_true(m.margin > 1e-6, "units within 1e-6 of a whole number")
    assert.is_true(m.gap > 1e-8, "two windows' distances within 1e-8")
    assert.equals(18, #m.trades, "closed trades in the model")
    local r = bt.run(spec_dir, { from = FROM, to = TO })
    assert.equals(0, r.exit_code, r.errors[1])
    assert.trades(m.trades, r.trades, 1e-6)
    assert_end_state(m, r)
    assert.equals("2003-12-29T00:00:00Z", r.trades[1].entry_time, "the first decision comes after 1,000 bars")
  end)

  it("has no look-ahead: a run cut short makes the same decisions up to its end", function()
    local full = bt.run(SMALL, {})
    local cut = bt.run(SMALL, { to = "2008-09-30" })
    assert.equals(0, cut.exit_code, cut.errors[1])
    local before = 0
    for _, t in ipairs(full.trades) do
      if t.exit_time <= "2008-09-30T00:00:00Z" then before = before + 1 end
    end
    assert.equals(14, before)
    assert.equals(before, #cut.trades)
    for i = 1, before do
      assert.same(full.trades[i], cut.trades[i], "trade " .. i)
    end
  end)

  it("is deterministic: two runs give the same report text", function()
    local a = bt.run(SMALL, {})
    local b = bt.run(SMALL, {})
    assert.is_true(#a.json > 0)
    assert.equals(a.json, b.json)
  end)

  it("refuses bad params with a message naming the parameter", function()
    local r = bt.run(spec_dir .. "/fixtures/bad_params", {})
    assert.equals(1, r.exit_code)
    assert.truthy(r.status:find("strategy error", 1, true), r.status)
    local msg = table.concat(r.errors, "\n")
    assert.truthy(msg:find("dtw_pattern: bad params.band in bundle.lua: a whole number >= 0 (got -1)", 1, true), msg)
    assert.equals(0, #r.trades)
    assert.equals(0, r.metrics.num_orders)
  end)

  for _, case in ipairs({
    { "bad_symbol", "dtw_pattern: bad params.symbol in bundle.lua: one of the bundle's symbols (SPX) (got SPY)" },
    { "bad_allow_short", "dtw_pattern: bad params.allow_short in bundle.lua: true or false (got no)" },
    { "bad_lookback", "dtw_pattern: bad params.lookback in bundle.lua: at most the bundle's history (1100 bars)" },
  }) do
    it("refuses " .. case[1] .. " before the first bar", function()
      local r = bt.run(spec_dir .. "/fixtures/" .. case[1], {})
      assert.equals(1, r.exit_code)
      local msg = table.concat(r.errors, "\n")
      assert.truthy(msg:find(case[2], 1, true), msg)
      assert.equals(0, r.metrics.num_orders)
    end)
  end
end)
