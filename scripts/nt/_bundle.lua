-- Loads and validates a bundle manifest (BUNDLE/bundle.lua). The manifest runs in a
-- restricted environment (no io, os, require, ffi, load) with an instruction budget, and
-- every key is checked: unknown keys are errors that name the file and the allowed keys.
local M = {}

local MAX_INSTRUCTIONS = 10000000

local function join(dir, path)
  if path:sub(1, 1) == "/" then return path end
  if dir == "" or dir == "." then return path end
  if dir:sub(-1) == "/" then return dir .. path end
  return dir .. "/" .. path
end
M.join = join

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = tostring(k) end
  table.sort(ks)
  return table.concat(ks, ", ")
end

-- A schema entry is a type name, "type|type", or a validation function(value, where) that
-- returns the normalised value or raises.
local function fail(file, where, msg)
  error(string.format("%s: %s%s", file, where ~= "" and ("'" .. where .. "': ") or "", msg), 0)
end

-- Edit distance, to suggest the key a typo meant.
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

local function check_keys(file, where, t, allowed)
  for k in pairs(t) do
    if allowed[k] == nil then
      local best, best_d = nil, 3
      for name in pairs(allowed) do
        local d = distance(tostring(k), name)
        if d < best_d or (d == best_d and best and name < best) then best, best_d = name, d end
      end
      local hint = best and string.format("did you mean '%s'? ", best) or ""
      fail(file, where, string.format("unknown key '%s' (%sallowed: %s)", tostring(k), hint, sorted_keys(allowed)))
    end
  end
end

local function expect(file, where, v, types)
  local ty = type(v)
  for want in types:gmatch("[^|]+") do
    if ty == want then return v end
  end
  fail(file, where, string.format("expected %s, got %s", types:gsub("|", " or "), ty))
end

local function positive(file, where, v, allow_zero)
  expect(file, where, v, "number")
  if v ~= v or v == math.huge or v < 0 or (v == 0 and not allow_zero) then
    fail(file, where, string.format("must be %s (got %s)", allow_zero and ">= 0" or "> 0", tostring(v)))
  end
  return v
end

local TOP = {
  name = true, description = true, strategy = true, strategies = true, data = true,
  params = true, capital = true, commission = true, slippage = true, venue = true,
  limits = true, history = true, from = true, to = true, seed = true,
}
local DATA = { file = true, symbol = true, symbols = true, layout = true, columns = true }
local COLUMNS = { time = true, open = true, high = true, low = true, close = true, volume = true }
local COMMISSION = { per_share = true, per_value = true, minimum = true }
local SLIPPAGE = { model = true, value = true }
local SLIPPAGE_MODELS = { none = true, fixed = true, percentage = true, volume = true }
local VENUE = { volume_cap = true }
local LIMITS = {
  max_position = true, max_order_notional = true, max_orders_per_second = true,
  max_leverage = true, allow_short = true,
}

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

local function check_date(file, where, v)
  expect(file, where, v, "string")
  if not v:match("^%d%d%d%d%-%d%d%-%d%d") then
    fail(file, where, string.format("expected a date 'YYYY-MM-DD' (got '%s')", v))
  end
  return v
end

-- Copies params, refusing functions, userdata and cycles (params must be plain data).
local function plain(file, where, v, seen)
  local ty = type(v)
  if ty == "number" or ty == "string" or ty == "boolean" then return v end
  if ty ~= "table" then fail(file, where, "params hold plain data only (got a " .. ty .. ")") end
  seen = seen or {}
  if seen[v] then fail(file, where, "params must not contain cycles") end
  seen[v] = true
  local out = {}
  for k, x in pairs(v) do out[k] = plain(file, where .. "." .. tostring(k), x, seen) end
  seen[v] = nil
  return out
end

local function evaluate(file)
  local env = {
    math = math, string = string, table = table, pairs = pairs, ipairs = ipairs,
    tostring = tostring, tonumber = tonumber, type = type, select = select, error = error,
    assert = assert, unpack = unpack, next = next,
  }
  local fn, err = loadfile(file, "t", env)
  if not fn then
    if not file_exists(file) then
      error(string.format("%s: no such file (a bundle is a folder with a bundle.lua)", file), 0)
    end
    error(err, 0)
  end
  -- Interpreted, so the count hook sees every instruction (compiled traces skip hooks).
  jit.off(fn, true)
  local co = coroutine.create(fn)
  debug.sethook(co, function()
    error(string.format("%s: took more than %d instructions (an endless loop?)", file, MAX_INSTRUCTIONS), 0)
  end, "", MAX_INSTRUCTIONS)
  local ok, res = coroutine.resume(co)
  if not ok then error(res, 0) end
  if type(res) ~= "table" then
    error(string.format("%s: must return a table (got %s)", file, type(res)), 0)
  end
  return res
end

--- Loads BUNDLE_DIR/bundle.lua and returns the normalised configuration.
function M.load(dir)
  dir = dir:gsub("/+$", "")
  if dir == "" then dir = "/" end
  local file = join(dir, "bundle.lua")
  local b = evaluate(file)
  check_keys(file, "", b, TOP)
  local out = { dir = dir }

  out.name = b.name ~= nil and expect(file, "name", b.name, "string") or dir:match("([^/]+)$") or dir

  if b.strategy ~= nil and b.strategies ~= nil then
    fail(file, "strategy", "give either 'strategy' or 'strategies', not both")
  end
  local list = b.strategies or b.strategy
  if list == nil then fail(file, "", "missing key 'strategy' (the strategy file, e.g. strategy = \"strategy.lua\")") end
  if type(list) == "string" then list = { list } end
  expect(file, "strategies", list, "table")
  if #list == 0 then fail(file, "strategies", "at least one strategy file is needed") end
  out.strategies = {}
  for i, s in ipairs(list) do
    expect(file, "strategies[" .. i .. "]", s, "string")
    local path = join(dir, s)
    if not file_exists(path) then fail(file, "strategy", string.format("file '%s' not found", path)) end
    out.strategies[i] = path
  end

  expect(file, "data", b.data, "table")
  if #b.data == 0 then fail(file, "data", "at least one data file is needed") end
  out.data = {}
  for i, d in ipairs(b.data) do
    local w = "data[" .. i .. "]"
    if type(d) == "string" then d = { file = d } end
    expect(file, w, d, "table")
    check_keys(file, w, d, DATA)
    expect(file, w .. ".file", d.file, "string")
    local e = { path = join(dir, d.file), layout = d.layout or "ohlcv", symbols = {}, columns = {} }
    if e.layout ~= "ohlcv" and e.layout ~= "wide" then
      fail(file, w .. ".layout", "must be \"ohlcv\" or \"wide\" (got \"" .. tostring(e.layout) .. "\")")
    end
    if not file_exists(e.path) then fail(file, w .. ".file", string.format("file '%s' not found", e.path)) end
    if d.symbol ~= nil and d.symbols ~= nil then fail(file, w, "give either 'symbol' or 'symbols'") end
    if d.symbol ~= nil then
      e.symbols[1] = expect(file, w .. ".symbol", d.symbol, "string")
    elseif d.symbols ~= nil then
      expect(file, w .. ".symbols", d.symbols, "table")
      for j, s in ipairs(d.symbols) do e.symbols[j] = expect(file, w .. ".symbols[" .. j .. "]", s, "string") end
    end
    if e.layout == "ohlcv" and #e.symbols ~= 1 then
      fail(file, w, "an ohlcv file holds one symbol: give symbol = \"NAME\"")
    end
    if e.layout == "wide" and #e.symbols == 0 then
      fail(file, w .. ".symbols", "a wide file needs the list of symbol columns to read")
    end
    if d.columns ~= nil then
      expect(file, w .. ".columns", d.columns, "table")
      check_keys(file, w .. ".columns", d.columns, COLUMNS)
      for k, v in pairs(d.columns) do e.columns[k] = expect(file, w .. ".columns." .. k, v, "string") end
    end
    out.data[i] = e
  end

  out.params = b.params ~= nil and plain(file, "params", expect(file, "params", b.params, "table")) or {}
  out.capital = b.capital ~= nil and positive(file, "capital", b.capital) or 100000

  local c = b.commission or {}
  expect(file, "commission", c, "table")
  check_keys(file, "commission", c, COMMISSION)
  out.commission = {
    per_share = positive(file, "commission.per_share", c.per_share or 0, true),
    per_value = positive(file, "commission.per_value", c.per_value or 0, true),
    minimum = positive(file, "commission.minimum", c.minimum or 0, true),
  }

  local s = b.slippage or { model = "none" }
  if type(s) == "string" then s = { model = s } end
  expect(file, "slippage", s, "table")
  check_keys(file, "slippage", s, SLIPPAGE)
  local model = s.model or "none"
  if not SLIPPAGE_MODELS[model] then
    fail(file, "slippage.model", "must be one of none, fixed, percentage, volume (got '" .. tostring(model) .. "')")
  end
  out.slippage = { model = model, value = positive(file, "slippage.value", s.value or 0, true) }

  local v = b.venue or {}
  expect(file, "venue", v, "table")
  check_keys(file, "venue", v, VENUE)
  out.venue = { volume_cap = positive(file, "venue.volume_cap", v.volume_cap or 0, true) }

  local l = b.limits or {}
  expect(file, "limits", l, "table")
  check_keys(file, "limits", l, LIMITS)
  out.limits = {
    max_position = positive(file, "limits.max_position", l.max_position or 0, true),
    max_order_notional = positive(file, "limits.max_order_notional", l.max_order_notional or 0, true),
    max_orders_per_second = positive(file, "limits.max_orders_per_second", l.max_orders_per_second or 0, true),
    max_leverage = positive(file, "limits.max_leverage", l.max_leverage or 1),
    allow_short = l.allow_short == nil and true or expect(file, "limits.allow_short", l.allow_short, "boolean"),
  }

  if b.history ~= nil then
    positive(file, "history", b.history)
    if b.history ~= math.floor(b.history) or b.history > 10000000 then
      fail(file, "history", "must be a whole number of bars <= 10000000")
    end
  end
  out.history = b.history or 1000
  out.from = b.from ~= nil and check_date(file, "from", b.from) or nil
  out.to = b.to ~= nil and check_date(file, "to", b.to) or nil
  out.seed = b.seed ~= nil and positive(file, "seed", b.seed, true) or 0
  out.description = b.description
  return out
end

return M
