-- Specs of contingent orders through nt.backtest.run: brackets worked by hand bar by bar on
-- aaa.csv, 1% brackets on 20 years of the S&P 500 (never both exits, never short, the open
-- position listed), exits placed by hand held to allow_short at fill time, and the errors of
-- ctx:bracket / ctx:submit_orders.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/"

local function completed(bundle) return assert.completed(nt.backtest.run(FIX .. bundle)) end

describe("ctx:bracket", function()
  it("fills as worked by hand on the bar's path (events checked in the strategy)", function()
    local r = completed("bracket_aaa")
    assert.equals(3, #r.trades)
    local want = {
      { side = "long", entry = 100, exit = 97, pnl = -6, reason = "stop_loss", tag = 1 },
      { side = "short", entry = 95, exit = 94, pnl = 1, reason = "take_profit", tag = 2 },
      { side = "long", entry = 101, exit = 101, pnl = 0, reason = "trailing_stop", tag = 3 },
    }
    for i, w in ipairs(want) do
      local t = r.trades[i]
      assert.equals(w.side, t.side, "side of trade " .. i)
      assert.equals(w.entry, t.entry_price, "entry of trade " .. i)
      assert.equals(w.exit, t.exit_price, "exit of trade " .. i)
      assert.equals(w.pnl, t.pnl, "pnl of trade " .. i)
      assert.equals(w.reason, t.exit_reason, "exit reason of trade " .. i)
      assert.equals(w.tag, t.entry_tag, "entry tag of trade " .. i)
      assert.equals(w.tag, t.exit_tag, "exit tag of trade " .. i)
    end
    assert.equals(1, #r.open_positions)
    assert.equals(3, r.open_positions[1].quantity)
  end)

  it("on 20 years of the S&P 500: never both exits, never short, the open position listed", function()
    local r = completed("bracket_spx")
    assert.is_true(#r.trades > 1000, "brackets closed: " .. #r.trades)
    local reasons = {}
    for _, t in ipairs(r.trades) do
      assert.equals("long", t.side)
      reasons[t.exit_reason] = (reasons[t.exit_reason] or 0) + 1
    end
    assert.same({ "stop_loss", "take_profit" }, (function()
      local k = {}
      for name in pairs(reasons) do k[#k + 1] = name end
      table.sort(k)
      return k
    end)())
    -- Every bracket closed by exactly one exit: fills = 2 per trade + the open entry.
    assert.equals(2 * #r.trades + 1, r.metrics.num_fills)
    assert.equals(1, #r.open_positions)
    assert.equals("SPX", r.open_positions[1].symbol)
    assert.equals(10, r.open_positions[1].quantity)
    assert.equals("2020-03-03T00:00:00Z", r.open_positions[1].entry_time)
  end)
end)

describe("exits placed by hand", function()
  it("are held to allow_short = false when they fill: the second of two never flips short", function()
    -- The strategy raises on a short position and when no exit was refused at fill time.
    local r = completed("bracket_spx_manual")
    for _, t in ipairs(r.trades) do assert.equals("long", t.side) end
    assert.is_true(#r.trades > 1000)
  end)
end)

describe("order lists from Lua", function()
  it("refuse bad links, unknown keys and wrong types with the caller's line (checked in the strategy)", function()
    completed("orders_errors")
  end)
end)
