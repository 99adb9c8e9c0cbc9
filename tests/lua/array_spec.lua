-- Specs of nt.array (host-owned float64 arrays, 1-based) and the read-only series views that
-- ctx:history returns (built here over an array's memory, as the host builds them).
local nt = require "nt"
local core = require "nt._core"
local array = require "nt._array"

-- A series view over the first n values of array a (a must outlive the view).
local function view_of(a, n)
  return array.view(core.ptr(a), n or #a)
end

describe("nt.array(n)", function()
  it("is zero-filled with length n", function()
    local a = nt.array(4)
    assert.equals(4, #a)
    assert.equals(4, a:length())
    for i = 1, 4 do assert.equals(0, a[i]) end
    assert.equals("nt.array(4)", tostring(a))
    assert.is_true(nt.is_array(a))
  end)

  it("may be empty", function()
    local a = nt.array(0)
    assert.equals(0, #a)
    assert.equals(0, a:sum())
    assert.is_nan(a:mean())
    assert.is_nil(a:last())
    assert.same({}, a:totable())
  end)

  it("refuses negative, fractional and NaN lengths, naming the argument", function()
    assert.has_error(function() return nt.array(-1) end, "bad 'n' argument")
    assert.has_error(function() return nt.array(2.5) end, "bad 'n' argument")
    assert.has_error(function() return nt.array(0 / 0) end, "bad 'n' argument")
  end)

  it("refuses arguments that are neither a length nor a table", function()
    assert.has_error(function() return nt.array() end, "expected a length, a table of numbers or a series (got nil)")
    assert.has_error(function() return nt.array("3") end, "(got string)")
    assert.has_error(function() return nt.array(true) end, "(got boolean)")
  end)
end)

describe("nt.array(table)", function()
  it("copies the numbers, 1-based", function()
    local t = { 3, 1.5, -2, 1e300 }
    local a = nt.array(t)
    assert.equals(4, #a)
    for i = 1, 4 do assert.equals(t[i], a[i]) end
    t[1] = 99
    assert.equals(3, a[1], "the array is a copy of the table")
  end)

  it("refuses a non-number element and says which", function()
    assert.has_error(function() return nt.array({ 1, "2", 3 }) end, "element 2 is a string, expected a number")
    assert.has_error(function() return nt.array({ 1, 2, {} }) end, "element 3 is a table")
  end)

  it("keeps NaN and infinities (only indicators refuse them)", function()
    local a = nt.array({ 0 / 0, 1 / 0, -1 / 0 })
    assert.is_nan(a[1])
    assert.equals(math.huge, a[2])
    assert.equals(-math.huge, a[3])
  end)
end)

describe("nt.array(array or view)", function()
  it("copies an array: writes to the copy leave the original alone", function()
    local a = nt.array({ 1, 2, 3 })
    local b = nt.array(a)
    assert.is_true(nt.is_array(b))
    b[1] = 10
    assert.equals(1, a[1])
    assert.same({ 10, 2, 3 }, b:totable())
  end)

  it("copies a series view into a writable array", function()
    local a = nt.array({ 1, 2, 3, 4 })
    local v = view_of(a, 3)
    local c = nt.array(v)
    assert.same({ 1, 2, 3 }, c:totable())
    c[1] = 7
    assert.equals(1, v[1])
  end)
end)

describe("indexing", function()
  local a
  before_each(function() a = nt.array({ 10, 20, 30 }) end)

  it("reads and writes 1-based", function()
    assert.equals(10, a[1])
    assert.equals(30, a[3])
    a[2] = 25.5
    assert.equals(25.5, a[2])
    assert.same({ 10, 25.5, 30 }, a:totable())
  end)

  it("refuses out-of-range indexes on read, with the length", function()
    assert.has_error(function() return a[0] end, "index 0 out of range (length 3)")
    assert.has_error(function() return a[4] end, "index 4 out of range (length 3)")
    assert.has_error(function() return a[-1] end, "index -1 out of range")
    assert.has_error(function() return a[math.huge] end, "out of range")
    assert.has_error(function() return nt.array(0)[1] end, "index 1 out of range (length 0)")
  end)

  it("refuses non-integer indexes", function()
    assert.has_error(function() return a[1.5] end, "index 1.5")
    assert.has_error(function() return a[0 / 0] end, "index nan")
  end)

  it("refuses out-of-range and non-integer indexes on write", function()
    assert.has_error(function() a[0] = 1 end, "index 0 out of range (length 3)")
    assert.has_error(function() a[4] = 1 end, "index 4 out of range (length 3)")
    assert.has_error(function() a[2.5] = 1 end, "index 2.5")
    assert.has_error(function() a.x = 1 end, "out of range")
    assert.same({ 10, 20, 30 }, a:totable(), "failed writes change nothing")
  end)

  it("refuses non-number values on write", function()
    assert.has_error(function() a[1] = "x" end, "nt.array holds numbers (got string)")
    assert.has_error(function() a[1] = nil end, "nt.array holds numbers (got nil)")
  end)

  it("reports the caller's line for index errors", function()
    local err = assert.has_error(function() return a[9] end)
    assert.truthy(tostring(err):find("array_spec.lua:%d+:"), tostring(err))
  end)
end)

describe("methods", function()
  it(":sum and :mean agree with a plain loop", function()
    local t = {}
    for i = 1, 101 do t[i] = (i * 7919) % 113 - 56.25 end
    local s = 0
    for i = 1, #t do s = s + t[i] end
    local a = nt.array(t)
    assert.near(s, a:sum(), 1e-9)
    assert.near(s / #t, a:mean(), 1e-12)
  end)

  it(":last(k) counts from the end, nil past the start", function()
    local a = nt.array({ 1, 2, 3 })
    assert.equals(3, a:last())
    assert.equals(3, a:last(1))
    assert.equals(1, a:last(3))
    assert.is_nil(a:last(4))
  end)

  it(":totable returns a fresh plain table", function()
    local a = nt.array({ 4, 5 })
    local t = a:totable()
    assert.same({ 4, 5 }, t)
    t[1] = 0
    assert.equals(4, a[1])
  end)

  it(":fill sets every element and returns the array", function()
    local a = nt.array(5)
    assert.equals(a, a:fill(2.5))
    assert.same({ 2.5, 2.5, 2.5, 2.5, 2.5 }, a:totable())
    assert.equals(12.5, a:sum())
    assert.has_error(function() a:fill("x") end, "bad argument to fill: number expected (got string)")
  end)

  it("unknown fields read as nil", function()
    assert.is_nil(nt.array(1).nothing)
  end)
end)

describe("series views", function()
  it("read in place, 1-based, with the same read methods", function()
    local a = nt.array({ 1, 2, 3, 4 })
    local v = view_of(a, 3)
    assert.equals(3, #v)
    assert.equals("nt.series(3)", tostring(v))
    assert.same({ 1, 2, 3 }, v:totable())
    assert.equals(6, v:sum())
    assert.equals(2, v:mean())
    assert.equals(3, v:last())
    a[1] = 9
    assert.equals(9, v[1], "a view is not a copy")
    assert.is_false(nt.is_array(v))
  end)

  it("are read-only and bounds-checked", function()
    local a = nt.array({ 1, 2, 3 })
    local v = view_of(a)
    assert.has_error(function() v[1] = 5 end, "read-only")
    assert.has_error(function() return v[4] end, "index 4 out of range (length 3)")
    assert.has_error(function() return v[0] end, "index 0 out of range")
    assert.is_nil(v.fill, "views have no :fill")
    assert.equals(1, a[1])
  end)
end)

describe("nt.is_array", function()
  it("is true only for nt.array", function()
    assert.is_true(nt.is_array(nt.array(1)))
    assert.is_false(nt.is_array({}))
    assert.is_false(nt.is_array(1))
    assert.is_false(nt.is_array(nil))
    assert.is_false(nt.is_array(require("ffi").new("double[1]")))
  end)
end)
