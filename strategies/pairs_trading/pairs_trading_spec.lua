-- Spec of the pairs_trading bundle: its trades on a 1984 AUD/NZD slice equal those of an
-- independent plain-Lua model of the README's rules and of docs/fill_model.md (naive
-- two-pass OLS and z-score, no nt library); same run twice gives the same report; bad
-- params fail with a message naming the parameter.
local bt = require "nt.backtest"

-- 1984-02-01 .. 1984-10-31: the NZD devaluation of July 1984, with two days (07-16, 07-17)
-- that have an AUD rate but no NZD rate, so one entry's legs fill on different days and
-- the next aligned day stops the pair out.
local FIXTURE = spec_dir .. "/fixtures/audnzd_1984.csv"

local function manifest(dir) return assert(loadfile(dir .. "/bundle.lua"))() end

local function read_wide(path, y, x)
  local f = assert(io.open(path, "r"))
  local cols = {}
  for name in f:read("*l"):gmatch("[^,]+") do cols[#cols + 1] = name end
  local rows = {}
  for line in f:lines() do
    local cells, i = {}, 0
    for cell in (line .. ","):gmatch("([^,]*),") do
      i = i + 1
      cells[cols[i]] = cell
    end
    rows[#rows + 1] = { date = cells.date, [y] = tonumber(cells[y]), [x] = tonumber(cells[x]) }
  end
  f:close()
  return rows
end

local function mean(t, from, to)
  local s = 0
  for i = from, to do s = s + t[i] end
  return s / (to - from + 1)
end

-- The reference: every row is one day; a symbol with an empty cell has no bar that day. A
-- market order fills at the close of its symbol's next bar (close-only bars), paying
-- per_value * value. Decisions are taken on days where both rates exist.
local function reference(rows, bundle)
  local P, PER_VALUE = bundle.params, bundle.commission.per_value
  assert(bundle.commission.per_share == nil and bundle.commission.minimum == nil, "the model knows per_value only")
  assert(bundle.slippage == nil or bundle.slippage.model == "none", "the model has no slippage")
  local y, x = P.y, P.x
  local ys, xs, spreads = {}, {}, {}
  local pos, pending, open, trades = { [y] = 0, [x] = 0 }, {}, {}, {}
  local armed, margin = true, math.huge
  local stats = { stops = 0, split_fills = 0, held_back = 0 }
  local entered = {} -- entry time of each symbol's latest position (kept after it closes)

  local function fill(sym, price, date)
    local o = pending[sym]
    pending[sym] = nil
    local c = PER_VALUE * o.qty * price
    if pos[sym] == 0 then
      open[sym] = { symbol = sym, side = o.dir > 0 and "long" or "short", entry_time = date .. "T00:00:00Z",
        quantity = o.qty, entry_price = price, commission = c, dir = o.dir }
      pos[sym] = o.dir * o.qty
      entered[sym] = open[sym].entry_time
    else
      local t = open[sym]
      assert(o.dir == -t.dir and o.qty == t.quantity, "the model only opens and closes whole positions")
      t.exit_time, t.exit_price = date .. "T00:00:00Z", price
      t.commission = t.commission + c
      t.pnl = t.dir * (price - t.entry_price) * t.quantity - t.commission
      trades[#trades + 1] = t
      if sym == x and t.entry_time ~= entered[y] then stats.split_fills = stats.split_fills + 1 end
      open[sym], pos[sym] = nil, 0
    end
  end
  local function order(sym, dir, qty) pending[sym] = { dir = dir, qty = qty } end
  local function near_edge(v, edge) margin = math.min(margin, math.abs(v - edge)) end

  for _, r in ipairs(rows) do
    for _, sym in ipairs({ y, x }) do
      if r[sym] and pending[sym] then fill(sym, r[sym], r.date) end
    end
    if r[y] and r[x] then
      assert(not pending[y] and not pending[x], "an order outlived an aligned day")
      ys[#ys + 1], xs[#xs + 1] = r[y], r[x]
      local n = #ys
      if n >= P.lookback then
        local lo = n - P.lookback + 1
        local mx, my = mean(xs, lo, n), mean(ys, lo, n)
        local sxx, sxy = 0, 0
        for i = lo, n do
          sxx = sxx + (xs[i] - mx) ^ 2
          sxy = sxy + (xs[i] - mx) * (ys[i] - my)
        end
        local beta = sxy / sxx
        spreads[#spreads + 1] = (ys[n] - my) - beta * (xs[n] - mx)
        local m = #spreads
        if m >= P.z_window then
          local lo2 = m - P.z_window + 1
          local mu, ss = mean(spreads, lo2, m), 0
          for i = lo2, m do ss = ss + (spreads[i] - mu) ^ 2 end
          local z = (spreads[m] - mu) / math.sqrt(ss / (P.z_window - 1))
          for _, e in ipairs({ P.entry, P.exit, P.stop }) do near_edge(z, e); near_edge(z, -e) end

          if math.abs(z) < P.exit then armed = true end
          if pos[y] > 0 then -- long spread: long y, short x
            if z > -P.exit or z < -P.stop then
              if z <= -P.exit then armed, stats.stops = false, stats.stops + 1 end
              order(y, -1, pos[y]); order(x, 1, -pos[x])
            end
          elseif pos[y] < 0 then
            if z < P.exit or z > P.stop then
              if z >= P.exit then armed, stats.stops = false, stats.stops + 1 end
              order(y, 1, -pos[y]); order(x, -1, pos[x])
            end
          elseif not armed and math.abs(z) > P.entry and math.abs(z) < P.stop then
            stats.held_back = stats.held_back + 1
          elseif armed and math.abs(z) > P.entry and math.abs(z) < P.stop and beta > 0 then
            local ny_real = P.notional / r[y]
            local nx_real = beta * math.floor(ny_real) + 0.5
            near_edge(ny_real, math.floor(ny_real + 0.5)); near_edge(nx_real, math.floor(nx_real + 0.5))
            local ny, nx = math.floor(ny_real), math.floor(nx_real)
            local dir = z > 0 and -1 or 1 -- short the spread when it is rich
            order(y, dir, ny); order(x, -dir, nx)
          end
        end
      end
    end
  end
  return trades, margin, stats
end

local function by_exit(a, b)
  if a.exit_time ~= b.exit_time then return a.exit_time < b.exit_time end
  return a.symbol < b.symbol
end

local function same_trades(want, got)
  local g2 = {}
  for i, t in ipairs(got) do g2[i] = t end
  table.sort(g2, by_exit)
  table.sort(want, by_exit)
  assert.trades(want, g2)
end

-- Runs the bundle in `dir` on the fixture and compares with the model; returns its stats.
local function check_bundle(dir, want_trades)
  local b = manifest(dir)
  local rows = read_wide(FIXTURE, b.params.y, b.params.x)
  local want, margin, stats = reference(rows, b)
  -- The slice must stay far from any rounding edge, or the comparison would be luck.
  assert.is_true(margin > 1e-6, "a decision lies within 1e-6 of a threshold: pick another slice")
  assert.equals(want_trades, #want, "closed trades in the model")
  local r = bt.run(dir, { data = FIXTURE })
  assert.equals("completed", r.status)
  assert.equals(0, r.metrics.num_rejected)
  same_trades(want, r.trades)
  return stats
end

describe("pairs_trading", function()
  it("trades the 1984 slice exactly as the reference model", function()
    local stats = check_bundle(spec_dir, 8) -- 4 pairs
    assert.equals(1, stats.stops, "stop-outs in the model")
    assert.equals(1, stats.split_fills, "entries whose legs filled on different days")
  end)

  it("with stop = 3: two stop-outs, and no re-entry until the spread is back inside exit", function()
    local stats = check_bundle(spec_dir .. "/fixtures/stop3", 6) -- 3 pairs
    assert.equals(2, stats.stops, "stop-outs in the model")
    assert.equals(1, stats.held_back, "entry signals held back after a stop")
  end)

  it("hand-checked trades: the July 1984 stop-out", function()
    local r = bt.run(spec_dir, { data = FIXTURE, from = "1984-07-13", to = "1984-07-20" })
    -- Too short to warm up (lookback + z_window - 1 aligned days): no trade at all.
    assert.equals(0, #r.trades)
    r = bt.run(spec_dir, { data = FIXTURE })
    local stop = {}
    for _, t in ipairs(r.trades) do
      if t.exit_time == "1984-07-19T00:00:00Z" then stop[t.symbol] = t end
    end
    -- Short 59,844 AUD (floor(50000 / 0.8355) on 07-13) filled at 0.8375 on 07-16; the NZD
    -- leg waited for the next NZD rate, 0.501 on 07-18; both closed at 07-19's rates.
    assert.equals(59844, stop.DEXUSAL.quantity)
    assert.equals("1984-07-16T00:00:00Z", stop.DEXUSAL.entry_time)
    assert.near(0.8375, stop.DEXUSAL.entry_price, 1e-12)
    assert.near(0.83, stop.DEXUSAL.exit_price, 1e-12)
    assert.equals("1984-07-18T00:00:00Z", stop.DEXUSNZ.entry_time)
    assert.near(0.501, stop.DEXUSNZ.entry_price, 1e-12)
    assert.near(59844 * (0.8375 - 0.83) - 0.00002 * 59844 * (0.8375 + 0.83), stop.DEXUSAL.pnl, 1e-7)
  end)

  it("is deterministic: two runs give the same report text", function()
    local a = bt.run(spec_dir, { data = FIXTURE })
    local b = bt.run(spec_dir, { data = FIXTURE })
    assert.is_true(#a.json > 0)
    assert.equals(a.json, b.json)
  end)

  it("refuses bad params with a message naming the parameter", function()
    local r = bt.run(spec_dir .. "/fixtures/bad_params", {})
    assert.equals(1, r.exit_code)
    assert.truthy(r.status:find("strategy error", 1, true), r.status)
    local msg = table.concat(r.errors, "\n")
    assert.truthy(msg:find("bad params.stop in bundle.lua: must be above params.entry (got 1.5)", 1, true), msg)
    assert.equals(0, #r.trades)
  end)
end)
