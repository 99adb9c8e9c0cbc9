-- Specs of calendar timers (ctx:set_timer{calendar=}) on real data: the fixture strategy
-- (tests/lua/fixtures/calendar/spx) checks each event as it comes and raises on a surprise;
-- here its trades are compared with the months of the CSV, read independently.
local nt = require "nt"

local CSV = spec_dir .. "/../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv"

-- The dates of the CSV, in order.
local function csv_dates()
  local dates = {}
  local f = assert(io.open(CSV, "rb"))
  f:read("*l") -- header
  for line in f:lines() do dates[#dates + 1] = line:match("^(%d%d%d%d%-%d%d%-%d%d),") end
  f:close()
  return dates
end

describe("calendar timers on S&P 500 daily bars", function()
  it("month_start fires once per month with data, on its first trading day", function()
    local r = nt.backtest.run(spec_dir .. "/fixtures/calendar/spx")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
    -- The months of the data and the index of each one's first day.
    local dates, firsts = csv_dates(), {}
    for i, d in ipairs(dates) do
      if i == 1 or d:sub(1, 7) ~= dates[i - 1]:sub(1, 7) then firsts[#firsts + 1] = i end
    end
    assert.equals(244, #firsts, "2000-01 .. 2020-04")
    assert.equals("2000-01-03", dates[firsts[1]])
    -- Each month_start sells the share held and buys one: the orders go in on the month's
    -- first trading day and fill at the next day's open, so trade k runs from the day after
    -- month k's first day to the day after month k+1's.
    assert.equals(#firsts - 1, #r.trades, "one closed trade per month but the last")
    for k = 1, #r.trades do
      local t = r.trades[k]
      assert.equals(dates[firsts[k] + 1] .. "T00:00:00Z", t.entry_time, "trade " .. k .. " entry")
      assert.equals(dates[firsts[k + 1] + 1] .. "T00:00:00Z", t.exit_time, "trade " .. k .. " exit")
      assert.equals(1, t.quantity)
    end
    assert.equals("2000-01-04T00:00:00Z", r.trades[1].entry_time)
    assert.equals("2000-02-02T00:00:00Z", r.trades[1].exit_time)
    assert.equals(1, #r.open_positions, "the last month's share")
    assert.equals(dates[firsts[#firsts] + 1] .. "T00:00:00Z", r.open_positions[1].entry_time)
  end)
end)
