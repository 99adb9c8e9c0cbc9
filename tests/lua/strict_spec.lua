-- A typo must never run silently: unknown option keys, callback names that are not callbacks
-- and unknown bar fields are errors that name the mistake and the nearest valid name.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/strict/"

local function run(bundle) return nt.backtest.run(FIX .. bundle) end

describe("strictness", function()
  it("refuses unknown option keys in ctx methods and nt.dtw, placing nothing (checked in the strategy)", function()
    local r = run("options")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals(0, r.metrics.num_orders)
  end)

  it("refuses a global that looks like a callback but is none, at load", function()
    assert.has_error(function() run("typo_global") end,
      "strategy.lua: 'on_bars' is not a callback and would never be called (did you mean 'on_bar'? callbacks: on_start")
  end)

  it("refuses a camel-case callback in a returned table, at load", function()
    assert.has_error(function() run("typo_table") end, "'onBar' is not a callback and would never be called (did you mean 'on_bar'?")
  end)

  it("reports what a rejected order asked for: its quantity (also an infinite one) and type", function()
    local r = run("rejected")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals(3, r.metrics.num_rejected)
  end)

  it("sums up rejections by reason in the report, with their first dates", function()
    local r = run("rejected")
    assert.same({ "2 order(s) rejected: insufficient_cash (first 2024-01-01, 2024-01-01)",
      "1 order(s) rejected: invalid_quantity (first 2024-01-01)" }, r.warnings)
  end)

  it("lists positions still open at the end, marked to the last close, and warns when equity goes negative", function()
    local r = run("blowup")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.same({ { symbol = "AAA", side = "short", entry_time = "2024-01-02T00:00:00Z", quantity = -1000,
      avg_price = 100, last_price = 106, unrealised_pnl = -6000 } }, r.open_positions)
    assert.same({ "equity went below zero on 2024-01-02 (lowest -5000.00)" }, r.warnings)
    assert.equals(0, #r.trades, "an open position is not a closed trade")
  end)

  it("says in each fill event the position after that fill (ctx:position() counts every fill of the bar)", function()
    local r = run("fill_position")
    assert.equals(0, r.exit_code, r.errors[1])
  end)

  it("calls on_timestamp after the last bar of each timestamp, every symbol's bar delivered", function()
    local r = run("timestamps")
    assert.equals(0, r.exit_code, r.errors[1])
  end)

  it("refuses an unknown bar field where it is read, listing the fields", function()
    local r = run("bar_field")
    assert.equals(1, r.exit_code)
    assert.contains(r.errors[1], "strategy.lua:2: a bar has no field 'clsoe' (did you mean 'close'? fields: open, high")
  end)
end)
