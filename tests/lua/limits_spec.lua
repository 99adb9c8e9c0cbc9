-- Specs of the live risk limits through fixture bundles (tests/lua/fixtures/limits/): each
-- limit refuses with its own reason, which reaches on_order_rejected; reducing orders pass;
-- the circuit breaker's states as ctx:risk_state() shows them; the VaR limit on a hand-worked
-- case; ctx:limits / ctx:set_limits; bundle validation. The fixture strategies check what they
-- see and raise on any surprise, so a failure shows as exit_code 1 with their message.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/limits/"

local function completed(bundle) return assert.completed(nt.backtest.run(FIX .. bundle)) end

describe("per-symbol and exposure limits", function()
  it("refuse with max_position, max_notional, max_gross_exposure, max_net_exposure; reducing and hedging pass", function()
    local r = completed("rejects")
    assert.equals(7, r.metrics.num_rejected)
    assert.equals(12, r.metrics.num_orders)
  end)
end)

describe("the circuit breaker", function()
  it("halts on a loss within the window, then reducing, then normal (minute bars)", function()
    local r = completed("breaker")
    assert.equals(2, r.metrics.num_rejected, "the two buys while halted and reducing")
    assert.equals("circuit breaker tripped at 2024-01-02T09:33:00Z (loss_window)", r.warnings[1],
      "the trip is in the report")
  end)

  it("halts for good on the drawdown without a cooldown, until set_limits turns it off", function()
    completed("drawdown")
  end)
end)

describe("the VaR limit", function()
  it("refuses the order whose post-trade historical VaR exceeds the limit (hand-worked)", function()
    local r = completed("var")
    assert.equals(2, r.metrics.num_rejected)
  end)
end)

describe("ctx:set_limits", function()
  it("refuses bad values with errors that name the key, at the caller's line", function()
    completed("errors")
  end)
end)

describe("bundle limits", function()
  it("are normalised with their defaults", function()
    local b = require("nt._bundle").load(FIX .. "rejects")
    local l = b.limits
    assert.same({ AAA = 10 }, l.max_position)
    assert.same({ BBB = 2000 }, l.max_notional)
    assert.same({ loss = 0, window = 0, max_drawdown = 0, cooldown = 0 }, l.circuit_breaker)
    assert.equals(0.25, l.max_gross_exposure)
    assert.equals(0, l.max_leverage)
    assert.equals(0, l.var_limit)
    assert.equals(0.99, l.var_confidence)
    assert.equals(250, l.var_window)
    assert.equals(true, l.allow_short)
  end)

  local cases = {
    { "typo", "bundle.lua: 'limits': unknown key 'max_gross_exposur' (did you mean 'max_gross_exposure'?" },
    { "unknown_symbol", "bundle.lua: 'limits.max_position': unknown symbol 'ZZZ' (declared: AAA)" },
    { "symbol_value", "bundle.lua: 'limits.max_notional.AAA': must be >= 0, 0 turns it off (got -5)" },
    { "breaker_window", "bundle.lua: 'limits.circuit_breaker.window': must be > 0 seconds when circuit_breaker.loss is set" },
    { "breaker_key", "bundle.lua: 'limits.circuit_breaker': unknown key 'cooldwn' (did you mean 'cooldown'?" },
    { "breaker_fraction", "bundle.lua: 'limits.circuit_breaker.max_drawdown': must be a fraction in [0, 1] (got 15)" },
    { "var_confidence", "bundle.lua: 'limits.var_confidence': must be in (0, 1), e.g. 0.99 (got 99)" },
    { "var_window", "bundle.lua: 'limits.var_window': must be a whole number in 1..100000 (got 0)" },
    { "gross_type", "bundle.lua: 'limits.max_gross_exposure': expected number, got string" },
    { "rate_whole", "bundle.lua: 'limits.max_orders_per_second': must be a whole number in 0..1000000 (got 2.5)" },
  }
  for _, c in ipairs(cases) do
    it(c[1] .. " raises: " .. c[2], function()
      assert.has_error(function() nt.backtest.run(FIX .. "bad/" .. c[1]) end, c[2])
    end)
  end
end)

describe("cash below zero without margin", function()
  it("is a warning of the report, with the date, the lowest cash and max_leverage", function()
    local r = completed("cash_account")
    assert.same({ "cash went below zero on 2024-01-02 (lowest -1525.00) without margin (max_leverage 0: "
      .. "no buying-power check): fills above the cash went through (orders are checked at the last close "
      .. "and fill later; commission and slippage are not reserved); set limits.max_leverage or size "
      .. "orders to cash" }, r.warnings)
    assert.contains(r.json, '"cash went below zero on 2024-01-02 (lowest -1525.00)')
  end)
end)
