-- nt._array (private; strategies see nt.array, its constructor and test only): host-owned
-- float64 arrays (1-based in Lua), and the read-only series views that ctx:history and slices
-- return, with the helpers the nt modules use to reach their memory (ptr, view). Both are accepted wherever a series is expected. Their
-- handles are const (length and address cannot be reassigned), every index is bounds-checked,
-- and the memory is released once, by the garbage collector (docs/architecture.md, "The seam").
local core = require "nt._core"
local ffi, C = core.ffi, core.C

local M = {}
local array_ct, series_ct = core.array_ct, core.series_ct
local double_ptr = core.double_ptr
local session = core.session
local floor = math.floor

local function index_error(i, n, level)
  error(string.format("index %s out of range (length %d)", tostring(i), n), level + 1)
end

-- view -> the array it was sliced from; weak keys, so a view no longer referenced releases
-- its parent.
local anchors = setmetatable({}, { __mode = "k" })

local function methods(readonly)
  local m = {}
  function m.totable(self)
    local t, d = {}, ffi.cast(double_ptr, self._a)
    for i = 1, tonumber(self.len) do t[i] = d[i - 1] end
    return t
  end
  function m.last(self, k)
    k = k or 1
    local n = tonumber(self.len)
    if type(k) ~= "number" or k < 1 or k ~= floor(k) then
      error("bad 'k' argument to last: an integer >= 1 expected (got " .. tostring(k) .. ")", 2)
    end
    if n < k then return nil end
    return ffi.cast(double_ptr, self._a)[n - k]
  end
  function m.sum(self)
    local s, d = 0, ffi.cast(double_ptr, self._a)
    for i = 0, tonumber(self.len) - 1 do s = s + d[i] end
    return s
  end
  function m.mean(self)
    local n = tonumber(self.len)
    if n == 0 then return 0 / 0 end
    return m.sum(self) / n
  end
  m.length = function(self) return tonumber(self.len) end
  --- A read-only view of elements i..j (1-based, inclusive) without copying; valid as long as
  --- the array (or the history it views) is.
  function m.slice(self, i, j)
    local n = tonumber(self.len)
    j = j or n
    if type(i) ~= "number" or type(j) ~= "number" or i ~= floor(i) or j ~= floor(j)
      or i < 1 or j > n or j < i - 1 then
      error(string.format("bad range to slice: %s..%s of %d values", tostring(i), tostring(j), n), 2)
    end
    local view = ffi.new(series_ct, j - i + 1, self._a + (i - 1) * 8)
    anchors[view] = anchors[self] or self -- the view keeps the array (and its memory) alive
    return view
  end
  if not readonly then
    function m.fill(self, v)
      if type(v) ~= "number" then error("bad argument to fill: number expected (got " .. type(v) .. ")", 2) end
      local d = ffi.cast(double_ptr, self._a)
      for i = 0, tonumber(self.len) - 1 do d[i] = v end
      return self
    end
  end
  return m
end

local array_methods = methods(false)
local series_methods = methods(true)

ffi.metatype(array_ct, {
  __index = function(a, k)
    if type(k) == "number" then
      local n = tonumber(a.len)
      if k < 1 or k > n or k ~= floor(k) then index_error(k, n, 2) end
      return ffi.cast(double_ptr, a._a)[k - 1]
    end
    return array_methods[k]
  end,
  __newindex = function(a, k, v)
    local n = tonumber(a.len)
    if type(k) ~= "number" or k < 1 or k > n or k ~= floor(k) then index_error(k, n, 2) end
    if type(v) ~= "number" then error("nt.array holds numbers (got " .. type(v) .. ")", 2) end
    ffi.cast(double_ptr, a._a)[k - 1] = v
  end,
  __len = function(a) return tonumber(a.len) end,
  __tostring = function(a) return string.format("nt.array(%d)", tonumber(a.len)) end,
})

ffi.metatype(series_ct, {
  __index = function(s, k)
    if type(k) == "number" then
      local n = tonumber(s.len)
      if k < 1 or k > n or k ~= floor(k) then index_error(k, n, 2) end
      return ffi.cast(double_ptr, s._a)[k - 1]
    end
    return series_methods[k]
  end,
  __newindex = function() error("a series view is read-only (copy it with nt.array(view))", 2) end,
  __len = function(s) return tonumber(s.len) end,
  __tostring = function(s) return string.format("nt.series(%d)", tonumber(s.len)) end,
})

local function release(a)
  C.ntrun_ffi_array_release(session, ffi.cast(double_ptr, a._a), a.len)
end

-- A fresh array of n zeros; its memory is booked to the session and freed once by the GC.
local function alloc(n, level)
  local p = C.ntrun_ffi_array_alloc(session, n)
  if p == nil then error("nt.array: out of memory for " .. n .. " values", level + 1) end
  return ffi.gc(ffi.new(array_ct, n, core.addr(p)), release), p
end

--- nt.array(n) -> zero-filled array of length n; nt.array(table or series) -> a copy.
function M.new(x)
  if type(x) == "number" then
    return (alloc(core.int_arg(x, "n", 0, 2 ^ 40, 2), 2))
  elseif type(x) == "table" then
    local n = #x
    local a, d = alloc(n, 2)
    for i = 1, n do
      local v = x[i]
      if type(v) ~= "number" then
        error(string.format("bad argument to nt.array: element %d is a %s, expected a number", i, type(v)), 2)
      end
      d[i - 1] = v
    end
    return a
  elseif core.is_series(x) then
    local p, len = core.series(x, "x", 1, 2)
    local a, d = alloc(len, 2)
    ffi.copy(d, p, len * 8)
    return a
  end
  error("bad argument to nt.array: expected a length, a table of numbers or a series (got "
    .. (type(x) == "cdata" and "a foreign cdata value" or type(x)) .. ")", 2)
end

--- A read-only view of len host doubles at p (trusted modules: history windows).
function M.view(p, len)
  return ffi.new(series_ct, len, core.addr(p))
end

function M.is_array(x)
  return type(x) == "cdata" and ffi.istype(array_ct, x)
end

--- Pointer to an array's memory, for the nt modules' output arguments.
M.ptr = core.ptr

-- The method tables (the stubs in scripts/types/nt.lua are checked against them).
M._methods = { array = array_methods, series = series_methods }

return M
