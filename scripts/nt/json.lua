-- nt.json: a small, strict JSON decoder (RFC 8259) for reading ntrun's reports from Lua.
-- null decodes to nt.json.null (a sentinel), so arrays keep their length.
local M = {}

M.null = setmetatable({}, { __tostring = function() return "null" end })

local byte, sub, find, char = string.byte, string.sub, string.find, string.char

local function fail(s, i, msg)
  local line = 1
  for _ in sub(s, 1, i - 1):gmatch("\n") do line = line + 1 end
  error(string.format("json: %s at line %d (byte %d)", msg, line, i), 0)
end

local function skip(s, i)
  local _, e = find(s, "^[ \t\r\n]*", i)
  return e + 1
end

local decode_value

local ESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function utf8(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + math.floor(cp / 262144), 0x80 + math.floor(cp / 4096) % 64,
    0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
end

local function decode_string(s, i)
  local out, j = {}, i + 1
  while true do
    local a, b = find(s, '^[^"\\%c]+', j)
    if a then out[#out + 1] = sub(s, a, b); j = b + 1 end
    local c = sub(s, j, j)
    if c == '"' then return table.concat(out), j + 1 end
    if c == "\\" then
      local e = sub(s, j + 1, j + 1)
      if e == "u" then
        local hex = sub(s, j + 2, j + 5)
        if not hex:match("^%x%x%x%x$") then fail(s, j, "bad \\u escape") end
        local cp = tonumber(hex, 16)
        j = j + 6
        if cp >= 0xD800 and cp <= 0xDBFF and sub(s, j, j + 1) == "\\u" then
          local lo = tonumber(sub(s, j + 2, j + 5), 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
            j = j + 6
          end
        end
        if cp >= 0xD800 and cp <= 0xDFFF then cp = 0xFFFD end -- a lone surrogate
        out[#out + 1] = utf8(cp)
      elseif ESC[e] then
        out[#out + 1] = ESC[e]
        j = j + 2
      else
        fail(s, j, "bad escape")
      end
    elseif c == "" then
      fail(s, j, "unterminated string")
    else
      fail(s, j, "control character in string")
    end
  end
end

function decode_value(s, i)
  i = skip(s, i)
  local c = byte(s, i)
  if c == 123 then -- {
    local t = {}
    i = skip(s, i + 1)
    if byte(s, i) == 125 then return t, i + 1 end
    while true do
      if byte(s, i) ~= 34 then fail(s, i, "expected a string key") end
      local k
      k, i = decode_string(s, i)
      i = skip(s, i)
      if byte(s, i) ~= 58 then fail(s, i, "expected ':'") end
      t[k], i = decode_value(s, i + 1)
      i = skip(s, i)
      local d = byte(s, i)
      if d == 125 then return t, i + 1 end
      if d ~= 44 then fail(s, i, "expected ',' or '}'") end
      i = skip(s, i + 1)
    end
  elseif c == 91 then -- [
    local t, n = {}, 0
    i = skip(s, i + 1)
    if byte(s, i) == 93 then return t, i + 1 end
    while true do
      n = n + 1
      t[n], i = decode_value(s, i)
      i = skip(s, i)
      local d = byte(s, i)
      if d == 93 then return t, i + 1 end
      if d ~= 44 then fail(s, i, "expected ',' or ']'") end
      i = i + 1
    end
  elseif c == 34 then
    return decode_string(s, i)
  end
  -- RFC 8259 numbers: -?(0|[1-9]digits)(.digits)?([eE][+-]?digits)?
  local a, b = find(s, "^-?%d+", i)
  if a then
    local int = sub(s, a, b)
    if int:match("^-?0%d") then fail(s, i, "bad number (leading zero)") end
    local c1, c2 = find(s, "^%.%d+", b + 1)
    if c1 then b = c2 elseif sub(s, b + 1, b + 1) == "." then fail(s, b + 1, "bad number (digits after '.')") end
    local e1, e2 = find(s, "^[eE][-+]?%d+", b + 1)
    if e1 then b = e2 elseif find(s, "^[eE]", b + 1) then fail(s, b + 1, "bad number (exponent)") end
    return tonumber(sub(s, a, b)), b + 1
  end
  if sub(s, i, i + 3) == "true" then return true, i + 4 end
  if sub(s, i, i + 4) == "false" then return false, i + 5 end
  if sub(s, i, i + 3) == "null" then return M.null, i + 4 end
  fail(s, i, "unexpected character")
end

--- Decodes a JSON text; raises "json: ... at line L" on malformed input.
function M.decode(s)
  if type(s) ~= "string" then error("bad argument to nt.json.decode: string expected", 2) end
  local v, i = decode_value(s, 1)
  i = skip(s, i)
  if i <= #s then fail(s, i, "trailing characters") end
  return v
end

return M
