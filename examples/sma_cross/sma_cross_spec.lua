-- Spec of the sma_cross example: its trades equal those of an independent plain-Lua model of
-- the README's rules and of docs/fill_model.md (CSV read with io.open, SMAs by naive loops, no
-- nt library), on a 2007-2010 slice, on the whole file, and with 5/20-bar windows on 2008
-- (fixtures/fast_windows); runs are deterministic; --from/--to bound the run.
local bt = require "nt.backtest"

local DATA = spec_dir .. "/../data/sp500_index_ohlcv_daily_2000_2020.csv"
-- The slow SMA is ready on 2007-10-17 (bar 200 of the slice) with the fast one above it: an
-- entry at once; then crossings down on 2007-12-21, up on 2009-06-23, down on 2010-07-02 and
-- up on 2010-10-22, whose position is still open at the end of the slice.
local FROM, TO = "2007-01-01", "2010-12-31"
local FAST = spec_dir .. "/fixtures/fast_windows"

local function load_bundle(dir) return assert(loadfile(dir .. "/bundle.lua"))() end

local read_ohlcv = require("nt.test").read_ohlcv

-- The model. On each bar with `slow` closes: fast SMA > slow SMA is "above"; when that differs
-- from the previous bar's state (or on the first such bar, where there is no previous state)
-- it buys floor(cash * fraction / close) if flat and going above, or sells the whole position
-- if long and going below. Orders fill at the next bar's open moved by the percentage slippage
-- against the taker; commission max(minimum, per_share * qty); an order placed on the last bar
-- stays unfilled. `margin` is the closest call (|fast - slow|, and units to a whole number),
-- so a 1e-12 difference in the host's arithmetic cannot flip a decision unnoticed.
local function reference(rows, b)
  local P = b.params
  local slip, cps, cmin = b.slippage.value, b.commission.per_share, b.commission.minimum
  assert(b.slippage.model == "percentage" and b.commission.per_value == nil, "the model's cost terms")
  local cash, pos, pending, trade, above = b.capital, 0, nil, nil, nil
  local trades, signals, margin = {}, {}, math.huge
  for i, r in ipairs(rows) do
    if pending then
      local price = r.open * (1 + pending.dir * slip)
      local fee = math.max(cmin, cps * pending.qty)
      cash = cash - pending.dir * pending.qty * price - fee
      if pending.dir > 0 then
        trade = { symbol = "SPX", side = "long", entry_time = r.date .. "T00:00:00Z", quantity = pending.qty,
          entry_price = price, commission = fee }
        pos = pending.qty
      else
        trade.exit_time, trade.exit_price = r.date .. "T00:00:00Z", price
        trade.commission = trade.commission + fee
        trade.pnl = (price - trade.entry_price) * trade.quantity - trade.commission
        trades[#trades + 1] = trade
        pos = 0
      end
      pending = nil
    end
    if i >= P.slow then
      local f, s = 0, 0
      for k = i - P.fast + 1, i do f = f + rows[k].close end
      for k = i - P.slow + 1, i do s = s + rows[k].close end
      f, s = f / P.fast, s / P.slow
      margin = math.min(margin, math.abs(f - s))
      local now_above = f > s
      if now_above ~= above then
        signals[#signals + 1] = { date = r.date, up = now_above }
        if now_above and pos == 0 then
          local units = cash * P.fraction / r.close
          margin = math.min(margin, math.abs(units - math.floor(units + 0.5)))
          if math.floor(units) > 0 then pending = { dir = 1, qty = math.floor(units) } end
        elseif not now_above and pos > 0 then
          pending = { dir = -1, qty = pos }
        end
        above = now_above
      end
    end
  end
  return {
    trades = trades, signals = signals, margin = margin, cash = cash, position = pos,
    last_close = rows[#rows] and rows[#rows].close, unfilled = pending ~= nil,
  }
end

local function assert_trades(want, got) assert.trades(want, got, 1e-6) end

-- The end of the run: cash, the open position and the final equity of the model.
local function assert_end_state(m, r)
  local last = r.equity[#r.equity]
  assert.near(m.cash, last.cash, 1e-6, "cash at the end")
  assert.near(m.position * m.last_close, last.gross_exposure, 1e-6, "open position at the end")
  assert.near(m.cash + m.position * m.last_close, r.metrics.final_equity, 1e-6, "final equity")
  if m.unfilled then
    assert.same({ "1 order(s) still open at the end of the data" }, r.warnings)
  else
    assert.same({}, r.warnings)
  end
end

describe("sma_cross", function()
  local bundle = load_bundle(spec_dir)

  it("trades 2007-2010 exactly as the reference model", function()
    local m = reference(read_ohlcv(DATA, FROM, TO), bundle)
    assert.is_true(m.margin > 1e-6, "a decision lies within 1e-6 of a threshold: pick another slice")
    assert.equals(2, #m.trades, "closed trades in the model")
    assert.equals(5, #m.signals, "state changes in the model")
    assert.is_true(m.position > 0 and not m.unfilled, "the model ends long, nothing pending")

    local r = bt.run(spec_dir, { from = FROM, to = TO })
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
    assert_trades(m.trades, r.trades)
    assert_end_state(m, r)
    assert.equals(5, r.metrics.num_fills, "2 round trips and the open entry")
    assert.equals(5, r.metrics.num_orders)
  end)

  it("hand-checked: the warm-up entry and a crossing entry, fills at the next open plus 5 bp", function()
    local r = bt.run(spec_dir, { from = FROM, to = TO })
    local t1, t2 = r.trades[1], r.trades[2]
    -- 2007-10-17 is the slice's 200th bar: both SMAs exist for the first time and the fast
    -- one is above, so it buys floor(100,000 * 0.95 / 1541.239990) = 61 on that bar, filled at
    -- 2007-10-18's open 1539.290039 plus 5 bp. Fees: the 1.00 minimum (61 * 0.005 = 0.305).
    assert.equals("2007-10-18T00:00:00Z", t1.entry_time)
    assert.equals(61, t1.quantity)
    assert.near(1539.290039 * 1.0005, t1.entry_price, 1e-9)
    assert.equals("2007-12-24T00:00:00Z", t1.exit_time)
    assert.equals(2, t1.commission)
    -- The golden cross of 2009-06-23 (close 895.099976) with 100,000 + t1.pnl in cash:
    -- floor(96,566.63 * 0.95 / 895.099976) = 102, bought at 2009-06-24's open 896.309998 + 5 bp.
    assert.near(-3433.36651268, t1.pnl, 1e-6)
    assert.equals("2009-06-24T00:00:00Z", t2.entry_time)
    assert.equals(102, t2.quantity)
    assert.near(896.309998 * 1.0005, t2.entry_price, 1e-9)
    assert.equals("2010-07-06T00:00:00Z", t2.exit_time)
  end)

  it("trades the whole file as the reference model (the README's figures)", function()
    local m = reference(read_ohlcv(DATA, "0000", "9999"), bundle)
    assert.is_true(m.margin > 1e-6, "a decision lies within 1e-6 of a threshold")
    local r = bt.run(spec_dir, {})
    assert.equals(0, r.exit_code, r.errors[1])
    assert_trades(m.trades, r.trades)
    assert_end_state(m, r)
    assert.equals(10, r.metrics.num_trades)
    assert.equals(20, r.metrics.num_fills)
    assert.near(259114.67, r.metrics.final_equity, 0.005)
    assert.near(20, r.metrics.commissions, 1e-9)
    assert.equals("2000-01-03T00:00:00Z", r.metrics.start)
    assert.equals("2020-04-17T00:00:00Z", r.metrics["end"])
  end)

  it("with 5/20-bar windows on 2008 and a large account: many trades, per-share commissions", function()
    local fb = load_bundle(FAST)
    local m = reference(read_ohlcv(DATA, fb.from, fb.to), fb)
    assert.is_true(m.margin > 1e-6, "a decision lies within 1e-6 of a threshold")
    assert.equals(10, #m.trades, "closed trades in the model")
    assert.is_false(m.signals[1].up, "the first state is below: no entry at the end of the warm-up")
    assert.is_true(m.trades[1].commission > 2 * fb.commission.minimum, "fees above the minimum")

    local r = bt.run(FAST, {})
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("sma_cross_fast_windows", r.bundle)
    assert_trades(m.trades, r.trades)
    assert_end_state(m, r)
    assert.equals("2008-01-02T00:00:00Z", r.equity[1].time, "the bundle's from")
    assert.equals("2008-12-31T00:00:00Z", r.equity[#r.equity].time, "the bundle's to")
  end)

  it("is deterministic: two runs give the same report text", function()
    local a = bt.run(spec_dir, { from = FROM, to = TO })
    local b = bt.run(spec_dir, { from = FROM, to = TO })
    assert.is_true(#a.json > 0)
    assert.equals(a.json, b.json)
    local c, d = bt.run(FAST, {}), bt.run(FAST, {})
    assert.equals(c.json, d.json)
  end)

  it("respects from and to: the first and last equity points, and the warm-up restarts at from", function()
    local r = bt.run(spec_dir, { from = FROM, to = TO })
    assert.equals("2007-01-03T00:00:00Z", r.equity[1].time, "first trading day of 2007")
    assert.equals("2010-12-31T00:00:00Z", r.equity[#r.equity].time)
    assert.equals("2007-01-03T00:00:00Z", r.metrics.start)
    assert.equals("2010-12-31T00:00:00Z", r.metrics["end"])
    assert.equals(bundle.capital, r.equity[1].equity)
    -- Ending before the slow SMA has 200 bars: no order at all.
    local short = bt.run(spec_dir, { from = FROM, to = "2007-10-16" })
    assert.equals(0, short.exit_code, short.errors[1])
    assert.equals(0, short.metrics.num_orders)
    assert.equals("2007-10-16T00:00:00Z", short.equity[#short.equity].time)
    assert.equals(bundle.capital, short.metrics.final_equity)
  end)
end)
