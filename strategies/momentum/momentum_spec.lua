-- Spec of the momentum bundle: its trades on 2006-2007 S&P 500 bars equal those of an
-- independent plain-Lua model of the README's rules and of docs/fill_model.md (naive loops,
-- no nt library); same run twice gives the same report; bad params fail with a clear message.
local bt = require "nt.backtest"

local DATA = spec_dir .. "/../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv"
-- Warm-up ends early in February 2016; the slice then holds three closed trades and a
-- fourth still open at its end, sized both by the volatility target and by the cap.
local FROM, TO = "2015-08-01", "2016-12-31"
local bundle = assert(loadfile(spec_dir .. "/bundle.lua"))()
local P = bundle.params

local read_ohlcv = require("nt.test").read_ohlcv

-- The model: a market order fills at the next bar's open moved by the percentage slippage
-- against the taker; commission max(minimum, per_share * qty). Cash is the equity when flat.
local function reference(rows)
  local slip, cps, cmin = bundle.slippage.value, bundle.commission.per_share, bundle.commission.minimum
  assert(bundle.slippage.model == "percentage" and bundle.commission.per_value == nil, "the model's cost terms")
  local cash, pos, pending, trade = bundle.capital, 0, nil, nil
  local trades, rets, margin, fractions = {}, {}, math.huge, {}
  local function edge(v, e) margin = math.min(margin, math.abs(v - e)) end
  for i, r in ipairs(rows) do
    if pending then
      local price = r.open * (1 + pending.dir * slip)
      local fee = math.max(cmin, cps * pending.qty)
      cash = cash - pending.dir * pending.qty * price - fee
      if pending.dir > 0 then
        trade = { symbol = P.symbol, side = "long", entry_time = r.date .. "T00:00:00Z", quantity = pending.qty,
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
    if i > 1 then rets[#rets + 1] = math.log(r.close / rows[i - 1].close) end
    if i > P.lookback then
      local ret = r.close / rows[i - P.lookback].close - 1
      edge(ret, P.entry); edge(ret, P.exit)
      if pos == 0 and ret > P.entry and #rets >= P.vol_window then
        local n, m, ss = P.vol_window, 0, 0
        for k = #rets - n + 1, #rets do m = m + rets[k] / n end
        for k = #rets - n + 1, #rets do ss = ss + (rets[k] - m) ^ 2 end
        local f = math.min(P.fraction, P.vol_target / (math.sqrt(ss / (n - 1)) * math.sqrt(252)))
        local units = cash * f / r.close
        edge(units, math.floor(units + 0.5))
        fractions[#fractions + 1] = f
        pending = { dir = 1, qty = math.floor(units) }
      elseif pos > 0 and ret < P.exit then
        pending = { dir = -1, qty = pos }
      end
    end
  end
  return trades, margin, fractions
end

describe("momentum", function()
  it("trades Aug 2015 - Dec 2016 exactly as the reference model", function()
    local want, margin, fractions = reference(read_ohlcv(DATA, FROM, TO))
    assert.is_true(margin > 1e-6, "a decision lies within 1e-6 of a threshold: pick another slice")
    assert.equals(3, #want, "closed trades in the model")
    -- Both sizing branches are exercised: volatility-targeted, and capped at `fraction`.
    assert.equals(4, #fractions, "entries in the model")
    assert.is_true(fractions[1] < P.fraction, "the first entry is sized by the volatility target")
    assert.equals(P.fraction, fractions[3])

    local r = bt.run(spec_dir, { from = FROM, to = TO })
    assert.equals("completed", r.status)
    assert.trades(want, r.trades)
  end)

  it("hand-checked: fills at the next open plus 5 bp, 1.00 minimum commission", function()
    local r = bt.run(spec_dir, { from = FROM, to = TO })
    local t = r.trades[1]
    -- 2016-02-25: close 1951.699951, 126-bar return +4.5%, realised volatility ~20.3% a
    -- year, so 0.15 / 0.203 = 0.740 of the 100,000 account: floor(37.93) = 37 units,
    -- bought at 2016-02-26's open 1954.949951 plus 5 bp; sold on 2016-03-01's open
    -- 1937.089966 less 5 bp after the return fell to -2.8% on 02-29. Fees: 2 x 1.00 minimum.
    assert.equals("2016-02-26T00:00:00Z", t.entry_time)
    assert.equals("2016-03-01T00:00:00Z", t.exit_time)
    assert.equals(37, t.quantity)
    assert.near(1954.949951 * 1.0005, t.entry_price, 1e-9)
    assert.near(1937.089966 * 0.9995, t.exit_price, 1e-9)
    assert.near(37 * (1937.089966 * 0.9995 - 1954.949951 * 1.0005) - 2, t.pnl, 1e-7)
    assert.equals(2, t.commission)
  end)

  it("is deterministic: two runs give the same report text", function()
    local a = bt.run(spec_dir, { from = FROM, to = TO })
    local b = bt.run(spec_dir, { from = FROM, to = TO })
    assert.is_true(#a.json > 0)
    assert.equals(a.json, b.json)
  end)

  it("refuses bad params with a message naming the parameter", function()
    local r = bt.run(spec_dir .. "/fixtures/bad_params", {})
    assert.equals(1, r.exit_code)
    assert.truthy(r.status:find("strategy error", 1, true), r.status)
    local msg = table.concat(r.errors, "\n")
    assert.truthy(msg:find("momentum: bad params.lookback in bundle.lua: needs lookback + 1 bars of history", 1, true),
      msg)
    assert.equals(0, #r.trades)
  end)
end)
