-- Time helpers: ns timestamps (int64 cdata or numbers) to calendar strings, UTC, through the
-- host's one calendar conversion (the reports and the CSV reader use the same).
local core = require "nt._core"
local ffi, C = core.ffi, core.C

local M = {}

local civil = ffi.new("ntrun_civil_t")
local int64 = ffi.typeof("int64_t")

local function fields(ns, fn)
  local t = type(ns)
  if t ~= "number" and not (t == "cdata" and ffi.istype(int64, ns)) then
    error(string.format("bad 'ns' argument to nt.time.%s: nanoseconds expected (got %s)", fn, t), 3)
  end
  if t == "number" and (ns ~= ns or ns >= 2 ^ 63 or ns < -2 ^ 63) then
    error(string.format("bad 'ns' argument to nt.time.%s: %s is not a time in int64 nanoseconds", fn,
      tostring(ns)), 3)
  end
  C.ntrun_ffi_time_civil(ns, civil)
  return civil
end

--- "YYYY-MM-DD" of a ns timestamp.
function M.date(ns)
  local c = fields(ns, "date")
  return string.format("%04d-%02d-%02d", c.year, c.month, c.day)
end

--- "YYYY-MM-DDTHH:MM:SSZ" of a ns timestamp (sub-second digits are dropped, as in the reports).
function M.iso(ns)
  local c = fields(ns, "iso")
  return string.format("%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.minute, c.second)
end

--- Seconds since the epoch (a Lua number) of a ns timestamp.
function M.seconds(ns) return tonumber(ns) / 1e9 end

return M
