-- Spec of the sp500_breakout example: its trades equal those of an independent plain-Lua model
-- of the README's rules and of docs/fill_model.md (the bar's path, brackets, trailing stops),
-- with the CSV read by nt.test.read_ohlcv and no other nt code, on the whole file.
local bt = require "nt.backtest"

local DATA = spec_dir .. "/../data/sp500_index_ohlcv_daily_2000_2020.csv"
local read_ohlcv = require("nt.test").read_ohlcv

-- The first point at or after (t0, p0) of the path p (1-based: p[1] the open at t 0 .. p[4]
-- the close at t 3, straight lines between) where the price is >= level (up) or <= level:
-- t and the price there, or nil.
local function reach(p, t0, p0, level, up)
  local function beyond(v) if up then return v >= level end return v <= level end
  if beyond(p0) then return t0, p0 end
  local a, ta = p0, t0
  for k = math.floor(t0), 2 do
    local b, tb = p[k + 2], k + 1
    if beyond(b) then return ta + (tb - ta) * (level - a) / (b - a), level end
    a, ta = b, tb
  end
  return nil
end

-- The model: cash, one position, an entry placed after a bar (filled at the next open), and
-- once it fills its stop (trailing the closes) and target. Arithmetic in the host's order, so
-- prices and quantities must agree exactly.
local function reference(rows, b)
  local P, slip = b.params, b.slippage.value
  local fee = function(q) return math.max(b.commission.minimum, b.commission.per_share * q) end
  local cash, pending, held = b.capital, nil, nil
  local trades, same_bar = {}, 0
  for i, r in ipairs(rows) do
    local high_first = r.high - r.open < r.open - r.low
    local path = { r.open, high_first and r.high or r.low, high_first and r.low or r.high, r.close }
    local entered = false
    if pending then -- the market entry at the open, with slippage
      local price = r.open + r.open * slip
      local f = fee(pending.qty)
      cash = cash + (-(pending.qty * price) - f)
      held = { qty = pending.qty, stop = pending.stop, target = pending.target, price = price, fee = f,
        date = r.date }
      pending, entered = nil, true
    end
    if held then -- the exits, from the open on (the entry filled at t 0, at the open)
      local ts, ps = reach(path, 0, r.open, held.stop, false)
      local tt, pt = reach(path, 0, r.open, held.target, true)
      local reason, price
      if ts and (not tt or ts <= tt) then -- a tie goes to the older order: the stop-loss
        reason, price = "trailing_stop", ps - ps * slip
      elseif tt then
        reason, price = "take_profit", pt
      end
      if reason then
        local q, f = held.qty, fee(held.qty)
        cash = cash + (q * price - f)
        trades[#trades + 1] = { symbol = "SPX", side = "long", commission = held.fee + f,
          entry_time = held.date .. "T00:00:00Z", exit_time = r.date .. "T00:00:00Z",
          -- The report's prices are VWAPs: notional / quantity, one fill each here.
          quantity = q, entry_price = q * held.price / q, exit_price = q * price / q, exit_reason = reason,
          pnl = q * (price - held.price) - (held.fee + f) }
        if entered then same_bar = same_bar + 1 end
        held = nil
      else
        local s = r.close - r.close * P.trail
        if s > held.stop then held.stop = s end
      end
    end
    if not held and not pending and i > P.lookback then -- the strategy, after the bar
      local high = -math.huge
      for j = i - P.lookback, i - 1 do high = math.max(high, rows[j].close) end
      if r.close > high then
        local q = math.floor(cash * P.fraction / r.close)
        if q >= 1 then
          pending = { qty = q, stop = r.close - r.close * P.trail, target = r.close * (1 + P.target) }
        end
      end
    end
  end
  return trades, held, pending, same_bar
end

describe("sp500_breakout", function()
  local b = assert(loadfile(spec_dir .. "/bundle.lua"))()

  it("trades exactly as the plain-Lua model of its rules, on the whole file", function()
    local r = bt.run(spec_dir, { quiet = true })
    assert.equals(0, r.exit_code, r.errors[1])
    local want, held, pending, same_bar = reference(read_ohlcv(DATA, "0000", "9999"), b)
    assert.is_true(#want > 50, "the model's trades: " .. #want)
    assert.trades(want, r.trades, 1e-6)
    local reasons = {}
    for _, w in ipairs(want) do reasons[w.exit_reason] = (reasons[w.exit_reason] or 0) + 1 end
    -- Both exits happen, and some on the entry's own bar (the bracket's point).
    assert.is_true((reasons.trailing_stop or 0) > 0 and (reasons.take_profit or 0) > 0)
    assert.is_true(same_bar > 0, "exits on the entry's bar: " .. same_bar)
    -- The end: a position still held is listed; an entry placed on the last bar never filled.
    if held then
      assert.equals(1, #r.open_positions)
      assert.equals(held.qty, r.open_positions[1].quantity)
    else
      assert.equals(0, #r.open_positions)
    end
    -- Orders left: a held position's two exits, a pending bracket's three orders.
    local left = (held and 2 or 0) + (pending and 3 or 0)
    local said = table.concat(r.warnings, "\n")
    if left > 0 then
      assert.contains(said, left .. " order(s) still open at the end of the data")
    else
      assert.equals("", said)
    end
  end)
end)
