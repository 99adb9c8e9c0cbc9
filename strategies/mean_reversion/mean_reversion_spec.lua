-- Spec of the mean_reversion bundle: its trades on Sep 2017 - Mar 2019 S&P 500 bars equal those
-- of an independent plain-Lua model of the README's rules and of docs/fill_model.md (naive
-- Bollinger bands and Wilder RSI, no nt library); same run twice gives the same report; bad
-- params fail with a clear message.
local bt = require "nt.backtest"

local DATA = spec_dir .. "/../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv"
-- The February, March, October and December 2018 sell-offs: four closed trades. The slice
-- starts months before the first one because Wilder's RSI remembers its whole input.
local FROM, TO = "2017-09-01", "2019-03-31"
local bundle = assert(loadfile(spec_dir .. "/bundle.lua"))()
local P = bundle.params

local read_ohlcv = require("nt.test").read_ohlcv

-- Wilder RSI over closes[1..i]: the first averages are plain means of the first n changes,
-- then avg = (avg * (n - 1) + change) / n. Recomputed from scratch for every bar (slow and
-- obviously right). nil before n + 1 closes.
local function wilder_rsi(closes, i, n)
  if i < n + 1 then return nil end
  local g, l = 0, 0
  for k = 2, n + 1 do
    local d = closes[k] - closes[k - 1]
    if d > 0 then g = g + d / n else l = l - d / n end
  end
  for k = n + 2, i do
    local d = closes[k] - closes[k - 1]
    g = (g * (n - 1) + math.max(d, 0)) / n
    l = (l * (n - 1) + math.max(-d, 0)) / n
  end
  if l == 0 then return g == 0 and 50 or 100 end
  return 100 - 100 / (1 + g / l)
end

-- The model: a market order fills at the next bar's open moved by the percentage slippage
-- against the taker; commission max(minimum, per_share * qty). Cash is the equity when flat.
local function reference(rows)
  local slip, cps, cmin = bundle.slippage.value, bundle.commission.per_share, bundle.commission.minimum
  assert(bundle.slippage.model == "percentage" and bundle.commission.per_value == nil, "the model's cost terms")
  local cash, pos, pending, trade = bundle.capital, 0, nil, nil
  local trades, closes, margin = {}, {}, math.huge
  local exits = { middle = 0, rsi_only = 0 }
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
    closes[i] = r.close
    local rsi = wilder_rsi(closes, i, P.rsi_window)
    if i >= P.bb_window and rsi then
      local n, mid, ss = P.bb_window, 0, 0
      for k = i - n + 1, i do mid = mid + closes[k] end
      mid = mid / n
      for k = i - n + 1, i do ss = ss + (closes[k] - mid) ^ 2 end
      local lower = mid - P.bb_k * math.sqrt(ss / (n - 1))
      edge(r.close, lower); edge(r.close, mid); edge(rsi, P.oversold); edge(rsi, P.exit_rsi)
      if pos == 0 and r.close < lower and rsi < P.oversold then
        local units = cash * P.fraction / r.close
        edge(units, math.floor(units + 0.5))
        pending = { dir = 1, qty = math.floor(units) }
      elseif pos > 0 and (r.close > mid or rsi > P.exit_rsi) then
        pending = { dir = -1, qty = pos }
        if r.close > mid then exits.middle = exits.middle + 1 else exits.rsi_only = exits.rsi_only + 1 end
      end
    end
  end
  return trades, margin, exits
end

describe("mean_reversion", function()
  it("trades Sep 2017 - Mar 2019 exactly as the reference model", function()
    local want, margin, exits = reference(read_ohlcv(DATA, FROM, TO))
    assert.is_true(margin > 1e-6, "a decision lies within 1e-6 of a threshold: pick another slice")
    assert.equals(4, #want, "closed trades in the model")
    -- Both exit rules fire: 2018-02-15 (RSI past exit_rsi below the middle band), then
    -- three closes back above the middle band.
    assert.equals(1, exits.rsi_only, "exits on RSI alone")
    assert.equals(3, exits.middle, "exits at the middle band")

    local r = bt.run(spec_dir, { from = FROM, to = TO })
    assert.equals("completed", r.status)
    assert.trades(want, r.trades)
  end)

  it("hand-checked: the February 2018 trade", function()
    local r = bt.run(spec_dir, { from = FROM, to = TO })
    local t = r.trades[1]
    -- 2018-02-05 closed at 2648.939941, below the lower band, RSI oversold: floor(0.95 *
    -- 100,000 / 2648.939941) = floor(35.86) = 35 units at 2018-02-06's open 2614.780029 plus
    -- 5 bp. On 02-15 the RSI passed exit_rsi while the close was still below the middle
    -- band: sold at 02-16's open 2727.139893 less 5 bp. Fees: two 1.00 minimums.
    assert.equals("2018-02-06T00:00:00Z", t.entry_time)
    assert.equals("2018-02-16T00:00:00Z", t.exit_time)
    assert.equals(35, t.quantity)
    assert.near(2614.780029 * 1.0005, t.entry_price, 1e-9)
    assert.near(2727.139893 * 0.9995, t.exit_price, 1e-9)
    assert.near(35 * (2727.139893 * 0.9995 - 2614.780029 * 1.0005) - 2, t.pnl, 1e-7)
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
    assert.truthy(msg:find("mean_reversion: bad params.exit_rsi in bundle.lua: must be above params.oversold (got 25)",
      1, true), msg)
    assert.equals(0, #r.trades)
  end)
end)
