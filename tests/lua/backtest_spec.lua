-- Specs of nt.backtest.run on tiny fixture bundles (tests/lua/fixtures/, bars in data/aaa.csv):
-- fills, costs, rejections, history, timers, callback order, seeded randomness, determinism.
-- The fixture strategies check what they see and raise on any surprise, so a failure there
-- shows as exit_code 1 with the strategy's message in report.errors[1].
--
-- aaa.csv (AAA, daily 00:00 UTC, volume 1000 each):
--   date        open  high  low  close
--   2024-01-01  100   101   99   100.5
--   2024-01-02  100   104   96   102
--   2024-01-03   95    97   93    96
--   2024-01-04  105   106  100   101
--   2024-01-05  103   104  102   103.5
--   2024-01-08  104   105  103   104
--   2024-01-09  104   106  101   105
--   2024-01-10  106   107  105   106
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/"

local function run(bundle, opts) return nt.backtest.run(FIX .. bundle, opts) end

-- Runs a bundle that must complete; on failure the message is the strategy's own error.
local function completed(bundle, opts)
  local r = run(bundle, opts)
  assert.equals(0, r.exit_code, r.errors[1])
  assert.equals("completed", r.status)
  assert.same({}, r.errors)
  return r
end


describe("market orders", function()
  it("fill at the next bar's open, never on the bar that placed them", function()
    local r = completed("bt_market")
    assert.equals(1, #r.trades)
    local t = r.trades[1]
    assert.equals("AAA", t.symbol)
    assert.equals("long", t.side)
    assert.equals("2024-01-02T00:00:00Z", t.entry_time, "bought on 01-01, filled on 01-02")
    assert.equals(100, t.entry_price, "01-02's open, not 01-01's close of 100.5")
    assert.equals("2024-01-03T00:00:00Z", t.exit_time)
    assert.equals(95, t.exit_price, "01-03's open")
    assert.equals(10, t.quantity)
    assert.equals(-50, t.pnl)
    assert.equals(-0.05, t["return"])
  end)

  it("leave an order placed on the last bar unfilled, with a warning", function()
    local r = completed("bt_market")
    assert.equals(3, r.metrics.num_orders)
    assert.equals(2, r.metrics.num_fills)
    assert.same({ "1 order(s) still open at the end of the data" }, r.warnings)
  end)

  it("move cash and equity as hand-worked: one equity point per day", function()
    local r = completed("bt_market")
    assert.equals(8, #r.equity)
    local want = {
      { "2024-01-01T00:00:00Z", 10000, 10000, 0 },
      { "2024-01-02T00:00:00Z", 10020, 9000, 1020 }, -- 10 bought at 100, marked at 102
      { "2024-01-03T00:00:00Z", 9950, 9950, 0 },     -- sold at 95
      { "2024-01-10T00:00:00Z", 9950, 9950, 0 },
    }
    for _, w in ipairs(want) do
      local p
      for _, q in ipairs(r.equity) do if q.time == w[1] then p = q end end
      assert.is_not_nil(p, "an equity point on " .. w[1])
      assert.equals(w[2], p.equity, "equity on " .. w[1])
      assert.equals(w[3], p.cash, "cash on " .. w[1])
      assert.equals(w[4], p.gross_exposure, "gross exposure on " .. w[1])
    end
    assert.equals(9950, r.metrics.final_equity)
    assert.near(-0.005, r.metrics.total_return, 1e-12)
    assert.equals("2024-01-01T00:00:00Z", r.metrics.start)
    assert.equals("2024-01-10T00:00:00Z", r.metrics["end"])
  end)
end)

describe("limit, stop and stop-limit orders", function()
  it("fill at the prices and on the days the fill model gives (checked in the strategy)", function()
    local r = completed("bt_orders")
    assert.equals(14, r.metrics.num_orders)
    assert.equals(12, r.metrics.num_fills)
    assert.same({}, r.warnings, "nothing left open: one canceled, one expired")
  end)

  it("fill along the bar's path, so the same fills make no round trip (never flat)", function()
    local r = completed("bt_orders")
    -- 01-02 (o100 h104 l96, a tie: the low first): 100 -> 96 -> 104. Fills in path order:
    -- buy 99 (t .25), buy 98 (.5), sell 97 (.75), then at 103 (t 1.875) buy, sell, buy by id:
    -- the position goes 1 2 1 2 1 2 and never back to 0 (before, in id order: 1 2 1 0, a
    -- round trip of -1). The fixture's on_stop checks the order of the fills.
    assert.equals(0, #r.trades)
    assert.equals(1, #r.open_positions)
    assert.equals("AAA", r.open_positions[1].symbol)
    assert.equals(4, r.open_positions[1].quantity)
    assert.equals("2024-01-02T00:00:00Z", r.open_positions[1].entry_time)
    -- Long 4 at the end: cash 100000 - 98 - 103 + 103 + 97 - 103 - 99 (01-02) - 95 + 95 - 95
    -- (01-03) - 105 + 105 (01-04) - 103 (01-05) = 99599, plus 4 * 106.
    assert.equals(99599, r.equity[#r.equity].cash)
    assert.equals(100023, r.metrics.final_equity)
  end)
end)

describe("costs", function()
  it("charge max(minimum, per_share * q + per_value * q * p) and fixed slippage on market and stop fills",
    function()
      local r = completed("costs_fixed")
      assert.equals(3, #r.trades)
      local t1, t2, t3 = r.trades[1], r.trades[2], r.trades[3]
      -- market buy 100: 100 + 0.5; 1 + 0.001 * 100 * 100.5 = 11.05
      -- market sell 100: 95 - 0.5; 1 + 0.001 * 100 * 94.5 = 10.45
      assert.equals(100.5, t1.entry_price)
      assert.equals(94.5, t1.exit_price)
      assert.near(21.5, t1.commission, 1e-9)
      assert.near(-621.5, t1.pnl, 1e-9)
      -- limit buy 1 at 200 gaps in at the open 105 with no slippage; market sell 1 at 103 - 0.5;
      -- each pays the minimum 1.
      assert.equals(105, t2.entry_price)
      assert.equals(102.5, t2.exit_price)
      assert.near(2, t2.commission, 1e-12)
      assert.near(-4.5, t2.pnl, 1e-9)
      -- stop buy at 104.5 (+0.5 slippage) and a limit sell filled at the open 104.
      assert.equals(105, t3.entry_price)
      assert.equals(104, t3.exit_price)
      assert.near(-3, t3.pnl, 1e-9)
      assert.near(25.5, r.metrics.commissions, 1e-9)
      assert.near(99371, r.metrics.final_equity, 1e-6)
    end)

  it("percentage slippage and a per-value commission", function()
    local t = completed("costs_pct").trades[1]
    assert.near(101, t.entry_price, 1e-9)    -- 100 * 1.01
    assert.near(94.05, t.exit_price, 1e-9)   -- 95 * 0.99
    assert.near(10.1 + 9.405, t.commission, 1e-9)
    assert.near(100 * (94.05 - 101) - 19.505, t.pnl, 1e-9)
  end)

  it("volume slippage: price * value * sqrt(quantity / bar volume)", function()
    local t = completed("costs_volume").trades[1]
    assert.near(105, t.entry_price, 1e-9)    -- 100 + 100 * 0.1 * sqrt(250 / 1000)
    assert.near(90.25, t.exit_price, 1e-9)   -- 95 - 95 * 0.1 * 0.5
    assert.near(250 * (90.25 - 105), t.pnl, 1e-9)
  end)

  it("a volume cap splits fills over several bars (VWAP entry and exit)", function()
    local r = completed("bt_partial")
    assert.equals(6, r.metrics.num_fills)
    local t = r.trades[1]
    assert.equals(250, t.quantity)
    assert.equals(99, t.entry_price)     -- 100 @ 100, 100 @ 95, 50 @ 105
    assert.near(103.6, t.exit_price, 1e-9) -- 100 @ 103, 100 @ 104, 50 @ 104
    assert.equals("2024-01-09T00:00:00Z", t.exit_time)
    assert.near(1150, t.pnl, 1e-9)
  end)
end)

describe("rejected orders", function()
  it("return nil and the reason, and reach on_order_rejected (checked in the strategy)", function()
    local r = completed("bt_reject")
    assert.equals(10, r.metrics.num_rejected)
    assert.equals(12, r.metrics.num_orders)
    assert.equals(2, r.metrics.num_fills, "order_target's two orders")
  end)
end)

describe("ctx:history", function()
  it("returns the last n values oldest first, short early on, per symbol (checked in the strategy)",
    function()
      local r = completed("bt_history")
      assert.equals(8, #r.equity, "one point per day with a bar of either symbol")
    end)
end)

describe("timers and callback order", function()
  it("fire on the simulated clock, before the bars of their time; on_start first, on_stop last",
    function()
      completed("bt_timers")
    end)
end)

describe("options of nt.backtest.run", function()
  it("from, to and capital override the bundle", function()
    local r = completed("csv_probe", { from = "2024-01-03", to = "2024-01-05", capital = 5000 })
    assert.equals(3, #r.equity)
    assert.equals("2024-01-03T00:00:00Z", r.equity[1].time)
    assert.equals("2024-01-05T00:00:00Z", r.equity[3].time)
    -- bought 10 on 01-03, filled at 01-04's open 105, marked at 01-05's close 103.5
    assert.equals(5000 - 15, r.metrics.final_equity)
  end)

  it("refuse bad arguments", function()
    assert.has_error(function() nt.backtest.run(5) end, "bad 'bundle' argument to nt.backtest.run")
    assert.has_error(function() nt.backtest.run(FIX .. "bt_market", 5) end, "bad 'opts' argument")
    assert.has_error(function() nt.backtest.run(FIX .. "bt_market", { data = { "a.csv", "b.csv" } }) end,
      "reads 1 data file(s) but 2 were given")
    assert.has_error(function() nt.backtest.run(FIX .. "bt_market", { from = "soon" }) end, "bad 'from' date 'soon'")
  end)
end)

describe("math.random", function()
  local function quantities(r)
    local q = {}
    for i, t in ipairs(r.trades) do q[i] = t.quantity end
    return q
  end

  it("is seeded by the run: same seed, same numbers; the bundle's seed by default", function()
    local a = completed("bt_random")
    local b = completed("bt_random", { seed = 7 })
    assert.equals(7, a.seed)
    assert.equals(3, #a.trades)
    assert.same(quantities(a), quantities(b))
    local c, d = completed("bt_random", { seed = 1 }), completed("bt_random", { seed = 1 })
    assert.equals(1, c.seed)
    assert.same(quantities(c), quantities(d))
  end)

  it("draws other numbers under another seed", function()
    local a, b = completed("bt_random", { seed = 1 }), completed("bt_random", { seed = 2 })
    local qa, qb = quantities(a), quantities(b)
    for i = 1, 3 do assert.truthy(qa[i] ~= qb[i], "trade " .. i .. " quantity under seeds 1 and 2") end
  end)
end)

describe("determinism", function()
  it("two runs give byte-identical report.json text", function()
    for _, bundle in ipairs({ "bt_orders", "bt_random", "costs_fixed", "bt_history" }) do
      local a, b = run(bundle), run(bundle)
      assert.equals(a.json, b.json, bundle)
    end
  end)
end)

it("ctx:price is NaN before the symbol's first bar (fixture bug_price_nan)", function()
  completed("bug_price_nan")
end)
