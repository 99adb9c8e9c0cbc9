-- Specs of ctx:order_target_percent and ctx:order_target_weights on real data: the fixture
-- (tests/lua/fixtures/targets, AA and KO of the Dow Jones closes) checks positions, cash, the
-- order of submission and the argument errors as it runs; here the report's end state is
-- compared with the same hand-worked values (see the fixture's strategy.lua for the steps).
local nt = require "nt"

describe("targets as fractions of equity", function()
  it("reach hand-computed positions, sells before buys, buys scaled to cash + proceeds", function()
    local r = nt.backtest.run(spec_dir .. "/fixtures/targets")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
    -- AA: 50,000 / 5.92 bought on 01-02, 4997.8581 more on 01-04 at 5.76 (scaled to cash +
    -- proceeds), 4888.4607 sold on 01-07 at 5.72 (to half the equity of 01-04).
    local a0 = 50000 / 5.92
    local e1 = 20000 + a0 * 5.88 + (30000 / 9.88) * 9.6 -- 98,811.9597 on 01-03
    local k1 = 0.2 * e1 / 9.6
    local qa = (20000 + (30000 / 9.88 - k1) * 9.6) / 5.88 -- the scaled buy
    assert.near(4997.858099361858, qa, 1e-9)
    local cash2 = 20000 + (30000 / 9.88 - k1) * 9.85 - qa * 5.76
    local e2 = cash2 + (a0 + qa) * 5.76 + k1 * 9.85 -- 98,557.5555 on 01-04
    local a2 = 0.5 * e2 / 5.76
    assert.equals(1, #r.open_positions, "KO closed, AA held")
    local aa = r.open_positions[1]
    assert.equals("AA", aa.symbol)
    assert.near(8555.343362086782, aa.quantity, 1e-8)
    assert.near(a2, aa.quantity, 1e-8)
    assert.near((50000 + qa * 5.76) / (a0 + qa), aa.avg_price, 1e-12, "a sale keeps the average price")
    assert.equals("1991-01-02T00:00:00Z", aa.entry_time)
    -- Cash at the end: 01-04's 844.2067, + AA's sale - KO's buy with the cash (01-07), + KO's
    -- sale of all 2144.2887 at 9.60 (01-08).
    local qk = (cash2 - 1e-9 * e2) / 9.85
    local cash = cash2 + ((a0 + qa) - a2) * 5.72 - qk * 9.69 + (k1 + qk) * 9.6
    local last = r.equity[#r.equity]
    assert.equals("1991-01-08T00:00:00Z", last.time)
    assert.near(48560.88015219075, last.cash, 1e-6)
    assert.near(cash, last.cash, 1e-6)
    assert.near(cash + a2 * 5.63, last.equity, 1e-6)
    assert.same({}, r.warnings, "cash never went below zero")
  end)
end)
