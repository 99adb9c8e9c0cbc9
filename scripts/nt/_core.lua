-- The FFI seam: loads the cdef generated from bindings/ntrun_ffi.h, checks the host's ABI
-- version, names the status codes once, and converts series arguments (nt.array, history
-- views, plain tables) to pointer + length without copying host memory.
local ffi = require "ffi"

ffi.cdef(require "nt._cdef")
local C = ffi.C

local M = { C = C, ffi = ffi }

M.ABI_VERSION = 2
local host_abi = C.ntrun_ffi_abi_version()
if host_abi ~= M.ABI_VERSION then
  error(string.format("nt: the host speaks C ABI version %d but this nt library needs %d: "
    .. "use the nt library that ships with this ntrun", host_abi, M.ABI_VERSION), 0)
end

-- Status codes, named once.
M.OK = C.NTRUN_OK
M.EINVAL = C.NTRUN_EINVAL
M.ENOMEM = C.NTRUN_ENOMEM
M.ESTATE = C.NTRUN_ESTATE
M.ENOTFOUND = C.NTRUN_ENOTFOUND
M.EREJECTED = C.NTRUN_EREJECTED

function M.strerror(status)
  return ffi.string(C.ntrun_ffi_strerror(status))
end

M.array_ct = ffi.typeof("ntrun_array_t")
M.series_ct = ffi.typeof("ntrun_series_t")
local double_ptr = ffi.typeof("double*")

-- Scratch buffers for plain tables passed as series, one per argument slot, grown on demand
-- and reused: the fast path allocates nothing.
local scratch, scratch_len = {}, {}

local function fill_scratch(t, slot, name, level)
  local n = #t
  if (scratch_len[slot] or 0) < n then
    local cap = math.max(n, 64)
    scratch[slot] = ffi.new("double[?]", cap)
    scratch_len[slot] = cap
  end
  local buf = scratch[slot]
  for i = 1, n do
    local v = t[i]
    if type(v) ~= "number" then
      error(string.format("bad '%s' argument: element %d is a %s, expected a number", name, i, type(v)), level + 1)
    end
    buf[i - 1] = v
  end
  return buf, n
end

--- Returns (const double*, length) for an nt.array, a series view or a table of numbers.
--- `slot` (1..4) picks the scratch buffer for tables when a call takes several series.
function M.series(x, name, slot, level)
  level = (level or 1) + 1
  local ty = type(x)
  if ty == "cdata" then
    if ffi.istype(M.array_ct, x) or ffi.istype(M.series_ct, x) then
      return x.data, tonumber(x.len)
    end
  elseif ty == "table" then
    return fill_scratch(x, slot or 1, name, level)
  end
  error(string.format("bad '%s' argument: expected an nt.array, a series or a table of numbers (got %s)",
    name, ty == "cdata" and tostring(ffi.typeof(x)) or ty), level)
end

--- Checks an integer argument in [lo, hi].
function M.int_arg(v, name, lo, hi, level)
  if type(v) ~= "number" or v ~= math.floor(v) or v < lo or v > (hi or 2 ^ 31 - 1) then
    error(string.format("bad '%s' argument: must be an integer >= %d%s (got %s)", name, lo,
      hi and (" and <= " .. hi) or "", tostring(v)), (level or 1) + 1)
  end
  return v
end

function M.num_arg(v, name, level)
  if type(v) ~= "number" or v ~= v then
    error(string.format("bad '%s' argument: must be a number (got %s)", name, tostring(v)), (level or 1) + 1)
  end
  return v
end

M.double_ptr = double_ptr
return M
