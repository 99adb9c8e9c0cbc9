-- Time helpers: ns timestamps (int64 cdata or numbers) to calendar strings, UTC.
local M = {}

local function civil(days)
  -- Howard Hinnant's days-to-civil algorithm.
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local ffi = require "ffi"
local NS_PER_DAY = 86400000000000LL

-- Whole days and the nanoseconds into the day, in int64 arithmetic (a double cannot hold
-- today's timestamps to the nanosecond).
local function split(ns, fn)
  local t = type(ns)
  if t ~= "number" and not (t == "cdata" and ffi.istype("int64_t", ns)) then
    error(string.format("bad 'ns' argument to nt.time.%s: nanoseconds expected (got %s)", fn, t), 3)
  end
  if t == "number" and ns ~= ns then error("bad 'ns' argument to nt.time." .. fn .. ": NaN", 3) end
  local n = ffi.cast("int64_t", ns)
  local days = n / NS_PER_DAY -- truncates toward zero
  local rem = n - days * NS_PER_DAY
  if rem < 0 then days, rem = days - 1, rem + NS_PER_DAY end
  return tonumber(days), tonumber(rem)
end

--- "YYYY-MM-DD" of a ns timestamp.
function M.date(ns)
  local y, m, d = civil((split(ns, "date")))
  return string.format("%04d-%02d-%02d", y, m, d)
end

--- "YYYY-MM-DDTHH:MM:SSZ" of a ns timestamp.
function M.iso(ns)
  local days, rem = split(ns, "iso")
  local y, m, d = civil(days)
  local secs = math.floor(rem / 1e9) -- sub-second digits are dropped, as in the reports
  return string.format("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, math.floor(secs / 3600),
    math.floor(secs / 60) % 60, secs % 60)
end

--- Seconds since the epoch (a Lua number) of a ns timestamp.
function M.seconds(ns) return tonumber(ns) / 1e9 end

return M
