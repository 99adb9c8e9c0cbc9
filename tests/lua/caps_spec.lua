-- Caps a strategy cannot get around: resting orders and timers (docs/strategies.md, "Caps").
-- Each flood ends in a refusal or a stopped strategy with a written report, not a hung host.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/caps/"

describe("caps", function()
  it("hold open orders at 10,000 per strategy: the rest are refused max_open_orders", function()
    local r = nt.backtest.run(FIX .. "orders", { quiet = true })
    assert.equals(0, r.exit_code, r.errors[1])
    -- 8 bars x 2,000 orders: 10,000 rest, 6,000 are refused (the strategy checks the reason).
    assert.equals(16000, r.metrics.num_orders)
    assert.equals(6000, r.metrics.num_rejected)
    assert.contains(table.concat(r.warnings, "\n"), "max_open_orders")
  end)

  it("refuse a repeating timer under 1 ms with the strategy's line", function()
    local r = nt.backtest.run(FIX .. "timer_storm", { quiet = true })
    assert.equals(1, r.exit_code)
    assert.contains(r.errors[1], "strategy.lua:2:")
    assert.contains(r.errors[1], "floods the event queue: the shortest interval is 1000000 ns")
  end)
end)

describe("error objects", function()
  for _, name in ipairs({ "error_loop", "error_raise" }) do
    it("are reported without calling their __tostring (" .. name .. ")", function()
      local r = nt.backtest.run(FIX .. name, { quiet = true })
      assert.equals(1, r.exit_code)
      assert.contains(r.status, "stopped")
      assert.contains(r.errors[1], "(error object is a table value)")
      assert.contains(r.errors[1], "strategy.lua:3:")
    end)
  end
end)

describe("memory", function()
  it("a strategy past sandbox.memory_mb is stopped with the cap in the message, the report written", function()
    local r = nt.backtest.run(FIX .. "memory_bomb", { quiet = true })
    assert.equals(1, r.exit_code)
    assert.contains(r.status, "stopped")
    assert.contains(r.errors[1], "strategy.lua: stopped: it used more than 64 MB")
    assert.contains(r.errors[1], "sandbox.memory_mb in bundle.lua")
    assert.equals(1, r.data.bars)
  end)
end)

describe("logs", function()
  it("keep the first 100,000 lines of a strategy and count the rest in the report", function()
    local r = nt.backtest.run(FIX .. "log_flood", { quiet = true })
    assert.equals(0, r.exit_code, r.errors[1])
    -- 8 bars x 20,000 lines: 60,000 past the cap.
    assert.contains(table.concat(r.warnings, "\n"), "strategy.lua: 60000 log line(s) dropped after the first 100000")
  end)
end)

describe("recursion", function()
  it("without end stops the strategy on a stack overflow, the report written", function()
    local r = nt.backtest.run(FIX .. "recursion", { quiet = true })
    assert.equals(1, r.exit_code)
    assert.contains(r.status, "stopped")
    assert.contains(r.errors[1], "stack overflow")
    assert.is_not_nil(nt.json.decode(r.json).metrics, "the report is written")
  end)
end)

describe("an order storm", function()
  it("is capped at 100,000 events waiting for the strategy: ctx calls raise, the strategy stops with its line", function()
    local r = nt.backtest.run(FIX .. "order_storm", { quiet = true })
    assert.equals(1, r.exit_code)
    assert.equals("stopped: strategy error in strategy.lua", r.status)
    assert.contains(r.errors[1], "order_storm/strategy.lua:14: ctx:buy: 100000 events wait for this strategy")
    assert.contains(r.errors[1], "an order storm")
    assert.equals(1, #r.errors, "one message, not a data error besides")
    -- 1 accepted + 99,999 modifications, then the place-and-cancel storm is refused at once.
    assert.equals(1, r.metrics.num_orders)
  end)
end)

describe("an error message of 20 MB", function()
  it("is cut to its first 64 KB in the report, saying how much was cut", function()
    local r = nt.backtest.run(FIX .. "huge_error", { quiet = true })
    assert.equals(1, r.exit_code)
    assert.truthy(#r.errors[1] < 66000, "errors[1] is " .. #r.errors[1] .. " bytes")
    assert.contains(r.errors[1], "huge_error/strategy.lua:2: xxxx")
    assert.contains(r.errors[1], "more bytes cut)")
  end)
end)
