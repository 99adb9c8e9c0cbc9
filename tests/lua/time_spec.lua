-- Specs of nt.time: ns timestamps (numbers or int64 cdata) to UTC calendar strings, checked
-- against hand-worked dates and a naive day-counting reference.
local nt = require "nt"
local ffi = require "ffi"

local NS = 1000000000
local DAY = 86400

local function ns(seconds) return ffi.new("int64_t", seconds) * NS end

-- Naive reference: walk whole years, then whole months, from 1970-01-01.
local function is_leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local MONTH_DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
local function naive_date(days)
  local y = 1970
  while days < 0 do
    y = y - 1
    days = days + (is_leap(y) and 366 or 365)
  end
  while days >= (is_leap(y) and 366 or 365) do
    days = days - (is_leap(y) and 366 or 365)
    y = y + 1
  end
  local m = 1
  while true do
    local len = MONTH_DAYS[m] + ((m == 2 and is_leap(y)) and 1 or 0)
    if days < len then break end
    days = days - len
    m = m + 1
  end
  return string.format("%04d-%02d-%02d", y, m, days + 1)
end


describe("nt.time.date", function()
  it("hand-worked dates", function()
    assert.equals("1970-01-01", nt.time.date(0))
    assert.equals("2000-02-29", nt.time.date(ns(951782400)))
    assert.equals("2024-02-29", nt.time.date(ns(1709164800)))
    assert.equals("2100-01-01", nt.time.date(ns(4102444800)))
    assert.equals("2009-02-13", nt.time.date(ns(1234567890)))
    assert.equals("1969-12-31", nt.time.date(ns(-DAY)))
    assert.equals("1969-12-31", nt.time.date(-1), "one ns before the epoch")
  end)

  it("accepts plain numbers as well as int64 cdata", function()
    assert.equals("2000-02-29", nt.time.date(951782400 * 1e9))
    assert.equals(nt.time.date(ns(1234567890)), nt.time.date(1234567890e9))
  end)

  it("agrees with a naive day count from 1900 to 2200, at 00:00 and 23:59:59", function()
    for days = -25567, 84000, 13 do
      local want = naive_date(days)
      assert.equals(want, nt.time.date(ns(days * DAY)), "day " .. days)
      assert.equals(want, nt.time.date(ns(days * DAY + DAY - 1)), "last second of day " .. days)
    end
  end)

  it("nt.time.date is exact at ns resolution: 1 ns before midnight is still the old day", function()
    assert.equals("2023-12-31", nt.time.date(ns(1704067200) - 1))
  end)

  it("nt.time.date/iso refuse a non-timestamp argument with a clear message", function()
    assert.has_error(function() return nt.time.date(nil) end, "bad 'ns' argument")
    assert.has_error(function() return nt.time.iso("2024-01-01") end, "bad 'ns' argument")
  end)
end)

describe("nt.time.iso", function()
  it("hand-worked timestamps", function()
    assert.equals("1970-01-01T00:00:00Z", nt.time.iso(0))
    assert.equals("2009-02-13T23:31:30Z", nt.time.iso(ns(1234567890)))
    assert.equals("2099-12-31T23:59:59Z", nt.time.iso(ns(4102444799)))
    assert.equals("1900-03-01T00:00:00Z", nt.time.iso(ns(-2203891200)))
    assert.equals("1969-12-31T00:00:00Z", nt.time.iso(ns(-DAY)))
    assert.equals("2024-01-02T12:00:00Z", nt.time.iso(ns(1704067200 + DAY + DAY / 2)))
  end)

  it("every second of one day formats as HH:MM:SS of that day", function()
    local base = 1704067200 -- 2024-01-01
    for s = 0, DAY - 1, 7 do
      local want = string.format("2024-01-01T%02d:%02d:%02dZ", math.floor(s / 3600), math.floor(s / 60) % 60, s % 60)
      assert.equals(want, nt.time.iso(ns(base + s)))
    end
  end)

  it("nt.time.iso drops sub-second digits like the report does, and never prints 24:00:00", function()
    assert.equals("1969-12-31T23:59:59Z", nt.time.iso(-1))
    assert.equals("1970-01-01T23:59:59Z", nt.time.iso(86399.6e9))
    assert.equals("1970-01-01T00:00:00Z", nt.time.iso(0.6e9))
  end)
end)

describe("nt.time.seconds", function()
  it("converts ns to seconds as a Lua number", function()
    assert.equals(1.5, nt.time.seconds(1.5e9))
    assert.equals(3, nt.time.seconds(ffi.new("int64_t", 3000000000)))
    assert.equals("number", type(nt.time.seconds(ns(1234567890))))
    assert.equals(1234567890, nt.time.seconds(ns(1234567890)))
  end)
end)
