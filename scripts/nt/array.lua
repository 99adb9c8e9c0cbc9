-- nt.array: host-owned float64 arrays (1-based in Lua), and the read-only series views that
-- ctx:history returns. Both are accepted wherever a series is expected.
local core = require "nt._core"
local ffi, C = core.ffi, core.C

local M = {}
local array_ct = core.array_ct

local function index_error(i, n, level)
  error(string.format("index %s out of range (length %d)", tostring(i), n), level + 1)
end

-- view -> the array or view it was sliced from; weak keys, so a view no longer referenced
-- releases its parent.
local anchors = setmetatable({}, { __mode = "k" })

local function methods(readonly)
  local m = {}
  function m.totable(self)
    local t, d = {}, self.data
    for i = 1, tonumber(self.len) do t[i] = d[i - 1] end
    return t
  end
  function m.last(self, k)
    k = k or 1
    local n = tonumber(self.len)
    if n < k then return nil end
    return self.data[n - k]
  end
  function m.sum(self)
    local s, d = 0, self.data
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
    if type(i) ~= "number" or type(j) ~= "number" or i ~= math.floor(i) or j ~= math.floor(j)
      or i < 1 or j > n or j < i - 1 then
      error(string.format("bad range to slice: %s..%s of %d values", tostring(i), tostring(j), n), 2)
    end
    local view = ffi.new(core.series_ct, self.data + (i - 1), j - i + 1)
    anchors[view] = self -- the view keeps its array (and the array's memory) alive
    return view
  end
  if not readonly then
    function m.fill(self, v)
      local d = self.data
      for i = 0, tonumber(self.len) - 1 do d[i] = v end
      return self
    end
  end
  return m
end

local array_methods = methods(false)
local series_methods = methods(true)

ffi.metatype("ntrun_array_t", {
  __index = function(a, k)
    if type(k) == "number" then
      local n = tonumber(a.len)
      if k < 1 or k > n or k ~= math.floor(k) then index_error(k, n, 2) end
      return a.data[k - 1]
    end
    return array_methods[k]
  end,
  __newindex = function(a, k, v)
    local n = tonumber(a.len)
    if type(k) ~= "number" or k < 1 or k > n or k ~= math.floor(k) then index_error(k, n, 2) end
    a.data[k - 1] = v
  end,
  __len = function(a) return tonumber(a.len) end,
  __tostring = function(a) return string.format("nt.array(%d)", tonumber(a.len)) end,
})

ffi.metatype("ntrun_series_t", {
  __index = function(s, k)
    if type(k) == "number" then
      local n = tonumber(s.len)
      if k < 1 or k > n or k ~= math.floor(k) then index_error(k, n, 2) end
      return s.data[k - 1]
    end
    return series_methods[k]
  end,
  __newindex = function() error("a series view is read-only (copy it with nt.array(view:totable()))", 2) end,
  __len = function(s) return tonumber(s.len) end,
  __tostring = function(s) return string.format("nt.series(%d)", tonumber(s.len)) end,
})

--- nt.array(n) -> zero-filled array of length n; nt.array(table) -> a copy of the table.
function M.new(x)
  local n
  if type(x) == "number" then
    n = core.int_arg(x, "n", 0, 2 ^ 40, 2)
  elseif type(x) == "table" then
    n = #x
  elseif type(x) == "cdata" then
    local p, len = core.series(x, "x", 1, 2)
    local a = M.new(len)
    ffi.copy(a.data, p, len * 8)
    return a
  else
    error("bad argument to nt.array: expected a length or a table of numbers (got " .. type(x) .. ")", 2)
  end
  local a = ffi.new(array_ct)
  if C.ntrun_ffi_array_alloc(n, a) ~= core.OK then error("nt.array: out of memory for " .. n .. " values", 2) end
  ffi.gc(a, C.ntrun_ffi_array_release)
  if type(x) == "table" then
    for i = 1, n do
      local v = x[i]
      if type(v) ~= "number" then
        error(string.format("bad argument to nt.array: element %d is a %s, expected a number", i, type(v)), 2)
      end
      a.data[i - 1] = v
    end
  end
  return a
end

function M.is_array(x)
  return type(x) == "cdata" and ffi.istype(array_ct, x)
end

return M
