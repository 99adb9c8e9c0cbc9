-- Specs of bundles with several strategies (fixtures/multi/): each strategy has its own Lua
-- state, sees every bar and only its own order events, trades one shared portfolio, and a Lua
-- error stops only the strategy that raised it. The fixture strategies (multi/shared/a.lua,
-- b.lua) check what they see and raise on any surprise; here the report is checked.
--
-- multi/data (daily 00:00 UTC):            aaa.csv (AAA)               bbb.csv (BBB)
--   date        open high low close      2024-01-01 100 101  99 100   50 51 49 50
--                                         2024-01-02 101 103 100 102   51 52 50 51
--                                         2024-01-03 103 104 101 102   52 53 51 52
--                                         2024-01-04 104 106 103 105   (no BBB bar)
--                                         2024-01-05 106 107 104 106   53 55 52 54
--                                         2024-01-08 107 109 106 108   55 56 54 55
local nt = require "nt"

local MULTI = spec_dir .. "/fixtures/multi/"

local function run(bundle) return nt.backtest.run(MULTI .. bundle) end

local function contains(haystack, needle, what)
  if not tostring(haystack):find(needle, 1, true) then
    error(string.format("%s: %q does not contain %q", what or "text", tostring(haystack), needle), 2)
  end
end

-- "file:line" of the first line of a fixture strategy holding `needle`, as Lua errors name it.
local function where(file, needle)
  local n = 0
  for line in io.lines(MULTI .. "shared/" .. file) do
    n = n + 1
    if line:find(needle, 1, true) then return file .. ":" .. n end
  end
  error("no line with " .. needle .. " in " .. file)
end

local function trade_of(r, symbol)
  local found
  for _, t in ipairs(r.trades) do
    if t.symbol == symbol then
      assert.is_nil(found, "one trade of " .. symbol)
      found = t
    end
  end
  assert.is_not_nil(found, "a trade of " .. symbol)
  return found
end

-- Cash and gross exposure of the shared portfolio at the end of each day.
local function assert_equity(r, want)
  assert.equals(#want, #r.equity, "equity points")
  for i, w in ipairs(want) do
    local p, tag = r.equity[i], "equity point " .. i
    assert.equals(w[1] .. "T00:00:00Z", p.time, tag)
    assert.equals(w[2], p.cash, tag .. " cash")
    assert.equals(w[3], p.gross_exposure, tag .. " gross exposure")
    assert.equals(w[2] + w[3], p.equity, tag .. " equity (long only)")
  end
end

describe("two strategies in one bundle", function()
  it("both see every bar in the same order and only their own fills (checked in the strategies)", function()
    local r = run("shared")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
    assert.same({}, r.errors)
    -- A: 3 orders, B: 4 orders, and one receipt order from each on_stop (limit buy 1 AAA at 1,
    -- left open): both on_stop ran, after their last check.
    assert.equals(9, r.metrics.num_orders)
    assert.equals(7, r.metrics.num_fills)
    assert.equals(0, r.metrics.num_rejected)
    assert.same({ "2 order(s) still open at the end of the data" }, r.warnings)
  end)

  it("trade one portfolio: fills of both on one symbol make one round trip", function()
    local r = run("shared")
    -- AAA: A buys 10 and B buys 3 at 01-02's open 101; A sells 10 and B sells 3 at 01-04's 104.
    local a = trade_of(r, "AAA")
    assert.equals(13, a.quantity)
    assert.equals("2024-01-02T00:00:00Z", a.entry_time)
    assert.equals("2024-01-04T00:00:00Z", a.exit_time)
    assert.equals(101, a.entry_price)
    assert.equals(104, a.exit_price)
    assert.equals(39, a.pnl)
    -- BBB: B alone, 20 at 01-03's open 52, sold at 01-08's open 55.
    local b = trade_of(r, "BBB")
    assert.equals(20, b.quantity)
    assert.equals("2024-01-03T00:00:00Z", b.entry_time)
    assert.equals("2024-01-08T00:00:00Z", b.exit_time)
    assert.equals(52, b.entry_price)
    assert.equals(55, b.exit_price)
    assert.equals(60, b.pnl)
    assert.equals(2, #r.trades)
  end)

  it("hold both strategies' positions in the equity curve", function()
    local r = run("shared")
    assert_equity(r, {
      { "2024-01-01", 100000, 0 },
      { "2024-01-02", 98687, 13 * 102 },
      { "2024-01-03", 97647, 13 * 102 + 20 * 52 },
      { "2024-01-04", 98999, 20 * 52 },   -- BBB has no bar: marked at its last close
      { "2024-01-05", 98999, 20 * 54 },
      { "2024-01-08", 99564, 5 * 108 },   -- A's 5 bought at 107 are still open
    })
    assert.equals(100104, r.metrics.final_equity) -- 39 + 60 + 5 * (108 - 107)
  end)

  it("is deterministic", function()
    assert.equals(run("shared").json, run("shared").json)
  end)
end)

describe("a Lua error in one of two strategies", function()
  it("stops that one only, with exit code 1 and its file:line", function()
    local r = run("one_fails")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: strategy error in a.lua", r.status)
    assert.equals(1, #r.errors, "one error: B ran to its end without one; A's on_stop did not run")
    contains(r.errors[1], where("a.lua", 'error("boom on "') .. ": boom on 2024-01-03", "errors[1]")
    contains(r.errors[1], "stack traceback", "errors[1]")
  end)

  it("leaves the other running to the end: its later trades are in the report", function()
    local r = run("one_fails")
    -- B bought 20 BBB at 01-03's open 52 with a limit sell at 54.5 resting; A failed on
    -- 01-03; the limit filled on 01-05 (open 53, high 55), then B bought 10 at 01-08's 55.
    assert.equals(1, #r.trades, "A's AAA position never closed")
    local b = trade_of(r, "BBB")
    assert.equals(20, b.quantity)
    assert.equals("2024-01-03T00:00:00Z", b.entry_time)
    assert.equals("2024-01-05T00:00:00Z", b.exit_time)
    assert.equals(52, b.entry_price)
    assert.equals(54.5, b.exit_price)
    assert.equals(50, b.pnl)
    -- Orders: A 1-2, B 3-5 and B's receipt; A's resting limit was canceled when it failed,
    -- so only the receipt is left open (B checked that it could not touch A's orders).
    assert.equals(6, r.metrics.num_orders)
    assert.equals(4, r.metrics.num_fills)
    assert.same({ "1 order(s) still open at the end of the data" }, r.warnings)
  end)

  it("keeps the failed strategy's position in the shared portfolio to the end", function()
    local r = run("one_fails")
    assert_equity(r, {
      { "2024-01-01", 100000, 0 },
      { "2024-01-02", 98990, 10 * 102 },
      { "2024-01-03", 97950, 10 * 102 + 20 * 52 },
      { "2024-01-04", 97950, 10 * 105 + 20 * 52 },
      { "2024-01-05", 99040, 10 * 106 },
      { "2024-01-08", 98490, 10 * 108 + 10 * 55 },
    })
    assert.equals(100120, r.metrics.final_equity) -- A's 10 * (108 - 101), B's 50, B's 10 * 0
  end)

  it("stops the second strategy too, from on_order_filled, while the first runs on", function()
    local r = run("b_fails")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: strategy error in b.lua", r.status)
    assert.equals(1, #r.errors)
    contains(r.errors[1], where("b.lua", 'error("failing on the fill of order "') .. ": failing on the fill of order 2",
      "errors[1]")
    contains(r.errors[1], "in function 'on_order_filled'", "errors[1] traceback")
    -- A sold its 10 AAA at 01-04's open 104, a day after B failed, and bought 5 at 107.
    assert.equals(1, #r.trades)
    local a = trade_of(r, "AAA")
    assert.equals(10, a.quantity)
    assert.equals("2024-01-02T00:00:00Z", a.entry_time)
    assert.equals("2024-01-04T00:00:00Z", a.exit_time)
    assert.equals(30, a.pnl)
    assert.equals(5, r.metrics.num_orders, "A 1, 3, 4, B 2, and A's receipt (B's on_stop did not run)")
    assert.equals(4, r.metrics.num_fills)
    assert.same({ "1 order(s) still open at the end of the data" }, r.warnings)
    local last = r.equity[#r.equity]
    assert.equals("2024-01-08T00:00:00Z", last.time)
    assert.equals(98455, last.cash)
    assert.equals(5 * 108 + 20 * 55, last.gross_exposure, "A's 5 AAA and B's orphaned 20 BBB")
    assert.equals(100095, r.metrics.final_equity)
  end)
end)

describe("a bad data row under two strategies", function()
  -- AAA's 2024-01-04 row is bad: every bar of 01-03 (both files) is still matched and shown,
  -- then the run stops with the data error.
  it("stops after every bar before the bad row, of both files (the whole 01-03)", function()
    local r = run("data_error")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: data error", r.status, r.errors[1])
    assert.equals(1, #r.errors, "the data error only: both strategies saw what they expected")
    contains(r.errors[1], "aaa_bad_0104.csv:5: bad row: bad number in column 'close'", "errors[1]")
    assert_equity(r, {
      { "2024-01-01", 100000, 0 },
      { "2024-01-02", 98687, 13 * 102 },
      { "2024-01-03", 97647, 13 * 102 + 20 * 52 },
    })
    assert.equals(3, r.metrics.num_fills, "A's 10 and B's 3 AAA on 01-02, B's 20 BBB on 01-03")
  end)
end)


