-- The FFI seam (private): loads the cdef generated from bindings/ntrun_ffi.h, checks the
-- host's ABI version, keeps the state's session handle, names the status codes once, and
-- converts series arguments (nt.array, history views, plain tables) to pointer + length.
-- Nothing here is reachable from strategy code: the session, pointers and scratch buffers
-- live in this module's upvalues; strategies hold only const handles (nt_array, nt_series)
-- whose memory address is an integer, never a pointer they could index or move.
local ffi = require "ffi"

ffi.cdef(require "nt._cdef")
local C = ffi.C

local M = { C = C, ffi = ffi }

M.ABI_VERSION = 5
local host_abi = C.ntrun_ffi_abi_version()
if host_abi ~= M.ABI_VERSION then
  error(string.format("nt: the host speaks C ABI version %d but this nt library needs %d: "
    .. "use the nt library that ships with this ntrun", host_abi, M.ABI_VERSION), 0)
end

-- The state's session (host-owned, outlives the state).
M.session = ffi.cast("ntrun_session_t*", require "nt._session")

-- Status codes, named once.
M.OK = C.NTRUN_OK
M.EINVAL = C.NTRUN_EINVAL
M.ENOMEM = C.NTRUN_ENOMEM
M.ESTATE = C.NTRUN_ESTATE
M.ENOTFOUND = C.NTRUN_ENOTFOUND
M.EREJECTED = C.NTRUN_EREJECTED
M.EINTERNAL = C.NTRUN_EINTERNAL

function M.strerror(status)
  return ffi.string(C.ntrun_ffi_strerror(status))
end

local ERR_LEN = 512
local errbuf = ffi.new("char[?]", ERR_LEN)
--- The session's error message (NTRUN_EINTERNAL and data errors), or nil.
function M.session_error()
  local n = C.ntrun_ffi_session_error(M.session, errbuf, ERR_LEN)
  if n == 0 then return nil end
  return ffi.string(errbuf)
end

-- Handles strategy code holds: every field const (writes raise "attempt to write to constant
-- location"), the address an integer. The layout is private to the nt library: only these
-- modules turn _a back into a pointer, and only after a bounds check.
ffi.cdef [[
typedef struct nt_array { const int64_t len; const uint64_t _a; } nt_array;
typedef struct nt_series { const int64_t len; const uint64_t _a; } nt_series;
]]
M.array_ct = ffi.typeof("nt_array")
M.series_ct = ffi.typeof("nt_series")
local double_ptr = ffi.typeof("double*")
local const_double_ptr = ffi.typeof("const double*")
local u64 = ffi.typeof("uint64_t")
M.double_ptr = double_ptr

--- The memory of an array or series handle as a pointer (trusted modules only).
function M.ptr(h)
  return ffi.cast(double_ptr, h._a)
end
--- An address as the integer a handle keeps.
function M.addr(p)
  return ffi.cast(u64, ffi.cast(const_double_ptr, p))
end

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

--- True for an nt.array or a series view (the only cdata the library accepts as a series).
function M.is_series(x)
  return type(x) == "cdata" and (ffi.istype(M.array_ct, x) or ffi.istype(M.series_ct, x))
end

--- Returns (const double*, length) for an nt.array, a series view or a table of numbers.
--- `slot` (1..4) picks the scratch buffer for tables when a call takes several series.
function M.series(x, name, slot, level)
  level = (level or 1) + 1
  local ty = type(x)
  if ty == "cdata" then
    if ffi.istype(M.array_ct, x) or ffi.istype(M.series_ct, x) then
      return ffi.cast(double_ptr, x._a), tonumber(x.len)
    end
  elseif ty == "table" then
    return fill_scratch(x, slot or 1, name, level)
  end
  error(string.format("bad '%s' argument: expected an nt.array, a series or a table of numbers (got %s)",
    name, ty == "cdata" and "a foreign cdata value" or ty), level)
end

--- Checks an integer argument in [lo, hi]; `where` ("nt.dtw.knn") names the option's function.
function M.int_arg(v, name, lo, hi, level, where)
  if type(v) ~= "number" or v ~= math.floor(v) or v < lo or v > (hi or 2 ^ 31 - 1) then
    error(string.format("bad '%s' %s: must be an integer >= %d%s (got %s)", name,
      where and ("option to " .. where) or "argument", lo, hi and (" and <= " .. hi) or "", tostring(v)),
      (level or 1) + 1)
  end
  return v
end

function M.num_arg(v, name, level)
  if type(v) ~= "number" or v ~= v then
    error(string.format("bad '%s' argument: must be a number (got %s)", name, tostring(v)), (level or 1) + 1)
  end
  return v
end

return M
