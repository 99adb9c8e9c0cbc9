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

local function split(ns)
  local s = tonumber(ns) / 1e9
  local days = math.floor(s / 86400)
  return days, s - days * 86400
end

--- "YYYY-MM-DD" of a ns timestamp.
function M.date(ns)
  local y, m, d = civil((split(ns)))
  return string.format("%04d-%02d-%02d", y, m, d)
end

--- "YYYY-MM-DDTHH:MM:SSZ" of a ns timestamp.
function M.iso(ns)
  local days, secs = split(ns)
  local y, m, d = civil(days)
  secs = math.floor(secs + 0.5)
  return string.format("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, math.floor(secs / 3600),
    math.floor(secs / 60) % 60, secs % 60)
end

--- Seconds since the epoch (a Lua number) of a ns timestamp.
function M.seconds(ns) return tonumber(ns) / 1e9 end

return M
