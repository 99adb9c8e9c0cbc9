-- Loads and validates a bundle manifest (BUNDLE/bundle.lua). The manifest runs once, in the
-- host's config state (never in a strategy's), in a restricted environment (no io, os,
-- require, ffi, load; copies of string, table and math) with an instruction budget whose
-- hook is cleared afterwards (in LuaJIT a hook belongs to the whole VM). Every key is
-- checked: unknown keys are errors that name the file and the allowed keys. Strategy states
-- get the validated params as plain data (M.serialize).
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

--- The name of `allowed` (a set) nearest to `name` within two edits, or nil.
local function nearest(name, allowed)
  local best, best_d = nil, 3
  for cand in pairs(allowed) do
    local d = distance(name, cand)
    if d < best_d or (d == best_d and best and cand < best) then best, best_d = cand, d end
  end
  return best
end
M.nearest = nearest

-- The message for the first key of t not in allowed (with a suggestion), or nil. Keys are
-- visited in sorted order, so the message does not depend on hashing.
local function unknown_key(t, allowed)
  local keys = {}
  for k in pairs(t) do
    if allowed[k] == nil then keys[#keys + 1] = tostring(k) end
  end
  if #keys == 0 then return nil end
  table.sort(keys)
  local best = nearest(keys[1], allowed)
  local hint = best and string.format("did you mean '%s'? ", best) or ""
  return string.format("unknown key '%s' (%sallowed: %s)", keys[1], hint, sorted_keys(allowed))
end
M.unknown_key = unknown_key

local function check_keys(file, where, t, allowed)
  local msg = unknown_key(t, allowed)
  if msg then fail(file, where, msg) end
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
  limits = true, history = true, from = true, to = true, seed = true, sandbox = true,
  trusted = true, agents = true, topology = true, hub = true, quorum = true,
  publish = true,
}
local AGENT = { name = true, file = true, role = true, subscribe = true, parent = true }
local QUORUM = { rule = true, deadline_ms = true, threshold = true, min_turnout = true, voters = true }
local VOTER = { name = true, weight = true, veto = true }
local RULES = { majority = true, supermajority = true, unanimous = true, weighted = true }
local TOPOLOGIES = { mesh = true, star = true, hierarchical = true }
local DATA = { file = true, zmq = true, symbol = true, symbols = true, layout = true, columns = true }
local COLUMNS = { time = true, open = true, high = true, low = true, close = true, volume = true }
local COMMISSION = { per_share = true, per_value = true, minimum = true }
local SLIPPAGE = { model = true, value = true }
local SLIPPAGE_MODELS = { none = true, fixed = true, percentage = true, volume = true }
local VENUE = { volume_cap = true }
local SANDBOX = { memory_mb = true, callback_ms = true }
local LIMITS = {
  max_position = true, max_order_notional = true, max_orders_per_second = true,
  max_leverage = true, allow_short = true, max_notional = true, max_gross_exposure = true,
  max_net_exposure = true, circuit_breaker = true, var_limit = true, var_confidence = true,
  var_window = true,
}
local BREAKER = { loss = true, window = true, max_drawdown = true, cooldown = true }
local K = require "nt._const" -- bounds shared with the host (compute/include/ntrun/constants.h)
-- Seconds beyond this overflow the host's int64 nanoseconds.
local MAX_SECONDS = K.MAX_SECONDS

--- Validates a limits table: the bundle's `limits`, or the argument of ctx:set_limits.
--- fail(where, msg) raises (where: the key path inside the table, "" for the table itself);
--- symbols: the declared symbol names (keys of per-symbol tables). Returns the normalised
--- table: every key with its default, or with `partial` only the keys given.
function M.check_limits(l, symbols, fail_at, partial)
  local function num(where, v)
    if type(v) ~= "number" then fail_at(where, "expected number, got " .. type(v)) end
    if v ~= v or v == math.huge or v == -math.huge then
      fail_at(where, "must be a finite number (got " .. tostring(v) .. ")")
    end
    return v
  end
  local function nonneg(where, v)
    if num(where, v) < 0 then fail_at(where, string.format("must be >= 0, 0 turns it off (got %s)", tostring(v))) end
    return v
  end
  local function fraction(where, v)
    if nonneg(where, v) > 1 then fail_at(where, string.format("must be a fraction in [0, 1] (got %s)", tostring(v))) end
    return v
  end
  local function whole(where, v, lo, hi)
    num(where, v)
    if v ~= math.floor(v) or v < lo or v > hi then
      fail_at(where, string.format("must be a whole number in %d..%d (got %s)", lo, hi, tostring(v)))
    end
    return v
  end
  local function seconds(where, v)
    if nonneg(where, v) > MAX_SECONDS then
      fail_at(where, string.format("must be at most %g seconds (got %s)", MAX_SECONDS, tostring(v)))
    end
    return v
  end
  local function per_symbol(where, v)
    if type(v) == "number" then return nonneg(where, v) end
    if type(v) ~= "table" then
      fail_at(where, "expected a number (every symbol) or a table { SYMBOL = number }, got " .. type(v))
    end
    local known = {}
    for _, name in ipairs(symbols) do known[name] = true end
    local out = {}
    for k, x in pairs(v) do
      if not known[k] then
        fail_at(where, string.format("unknown symbol '%s' (declared: %s)", tostring(k), table.concat(symbols, ", ")))
      end
      out[k] = nonneg(where .. "." .. k, x)
    end
    return out
  end
  local function breaker(where, v)
    if v == false then return { loss = 0, window = 0, max_drawdown = 0, cooldown = 0 } end
    if type(v) ~= "table" then fail_at(where, "expected a table { loss=, window=, max_drawdown=, cooldown= } or false, got " .. type(v)) end
    local msg = unknown_key(v, BREAKER)
    if msg then fail_at(where, msg) end
    local b = {
      loss = fraction(where .. ".loss", v.loss or 0),
      window = seconds(where .. ".window", v.window or 0),
      max_drawdown = fraction(where .. ".max_drawdown", v.max_drawdown or 0),
      cooldown = seconds(where .. ".cooldown", v.cooldown or 0),
    }
    if b.loss > 0 and b.window == 0 then
      fail_at(where .. ".window", "must be > 0 seconds when " .. where .. ".loss is set")
    end
    return b
  end
  local function confidence(where, v)
    if num(where, v) <= 0 or v >= 1 then fail_at(where, string.format("must be in (0, 1), e.g. 0.99 (got %s)", tostring(v))) end
    return v
  end
  local function boolean(where, v)
    if type(v) ~= "boolean" then fail_at(where, "expected boolean, got " .. type(v)) end
    return v
  end

  if type(l) ~= "table" then fail_at("", "expected table, got " .. type(l)) end
  local msg = unknown_key(l, LIMITS)
  if msg then fail_at("", msg) end
  -- In a fixed order, so the first problem reported does not depend on hashing.
  local rules = {
    { "max_position", per_symbol, 0 }, { "max_notional", per_symbol, 0 },
    { "max_order_notional", nonneg, 0 }, { "max_leverage", nonneg, 1 },
    { "max_orders_per_second", function(w, v) return whole(w, v, 0, K.MAX_ORDERS_PER_SECOND) end, 0 },
    { "allow_short", boolean, true },
    { "max_gross_exposure", nonneg, 0 }, { "max_net_exposure", nonneg, 0 },
    { "circuit_breaker", breaker, false },
    { "var_limit", nonneg, 0 }, { "var_confidence", confidence, 0.99 },
    { "var_window", function(w, v) return whole(w, v, 1, K.MAX_VAR_WINDOW) end, 250 },
  }
  local out = {}
  for _, rule in ipairs(rules) do
    local key, check, default = rule[1], rule[2], rule[3]
    local v = l[key]
    if v ~= nil then
      out[key] = check(key, v)
    elseif not partial then
      out[key] = check(key, default)
    end
  end
  return out
end

-- A regular file at path, checked without opening it: opening a FIFO blocks until a writer
-- comes. Returns true, or false and what the path is instead.
local function file_exists(path)
  local C = require("nt._core").C
  local kind = C.ntrun_ffi_path_kind(path)
  if kind == C.NTRUN_PATH_FILE then return true end
  if kind == C.NTRUN_PATH_DIR then return false, "a folder, not a file" end
  if kind == C.NTRUN_PATH_OTHER then return false, "not a regular file (a FIFO, device or socket)" end
  return false, "not found"
end

-- A name or a path: a non-empty string without NUL or other control characters.
local function text(file, where, v)
  expect(file, where, v, "string")
  if v == "" then fail(file, where, "must not be empty") end
  if v:find("%c") then fail(file, where, "must not hold control characters (NUL, newline, ...)") end
  return v
end

-- A ZeroMQ endpoint a live feed connects to or a run publishes on (docs/live.md):
-- tcp://HOST:PORT (PORT a number, or * to bind any), ipc:///path or inproc://name.
local function check_endpoint(file, where, v)
  text(file, where, v)
  local ok = v:match("^tcp://[^:/%s]+:%d+$") or v:match("^tcp://[^:/%s]+:%*$")
    or v:match("^ipc://.+$") or v:match("^inproc://[^%s]+$")
  if not ok then
    fail(file, where, string.format("bad ZeroMQ endpoint '%s': expected tcp://HOST:PORT, "
      .. "ipc:///path or inproc://name", v))
  end
  local port = v:match("^tcp://[^:/%s]+:(%d+)$")
  if port and (tonumber(port) < 1 or tonumber(port) > 65535) then
    fail(file, where, string.format("bad port %s in '%s': must be 1..65535", port, v))
  end
  return v
end
M.check_endpoint = check_endpoint

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

--- A shallow copy of t without the keys in skip (the manifest's and the strategies'
--- standard tables).
local function copy(t, skip)
  local out = {}
  for k, v in pairs(t) do
    if not (skip and skip[k]) then out[k] = v end
  end
  return out
end
M.copy = copy

-- The manifest's string library: C functions that can run long outside the instruction
-- budget are refused (patterns, which backtrack exponentially) or bounded (rep).
local MAX_REP = 1000000
local function manifest_string(file)
  local s = copy(string, { dump = true })
  local function refuse(name)
    return function()
      error(string.format("%s: string.%s is not available in bundle.lua: a pattern runs in C, "
        .. "outside the manifest's instruction budget, and can run for hours; use string.sub, "
        .. "string.format or a plain string.find(s, text, 1, true)", file, name), 0)
    end
  end
  s.match, s.gmatch, s.gsub = refuse("match"), refuse("gmatch"), refuse("gsub")
  local find, rep = string.find, string.rep
  s.find = function(str, needle, init, is_plain)
    if is_plain ~= true then refuse("find (with a pattern)")() end
    return find(str, needle, init, true)
  end
  s.rep = function(str, n, sep)
    if type(n) == "number" and n * (#tostring(str) + #tostring(sep or "")) > MAX_REP then
      error(string.format("%s: string.rep of more than %d bytes in bundle.lua", file, MAX_REP), 0)
    end
    return rep(str, n, sep)
  end
  return s
end

local function evaluate(file)
  local mstring = manifest_string(file)
  local env = {
    math = copy(math), string = mstring, table = copy(table), pairs = pairs,
    ipairs = ipairs, tostring = tostring, tonumber = tonumber, type = type, select = select,
    error = error, assert = assert, unpack = unpack, next = next,
  }
  local present, what = file_exists(file)
  if not present then
    error(string.format("%s: %s (a bundle is a folder with a bundle.lua)", file,
      what == "not found" and "no such file" or ("is " .. what)), 0)
  end
  local fn, err = loadfile(file, "t", env)
  if not fn then error(err, 0) end
  -- Interpreted, so the count hook sees every instruction (compiled traces skip hooks).
  jit.off(fn, true)
  local co = coroutine.create(fn)
  debug.sethook(co, function()
    error(string.format("%s: took more than %d instructions (an endless loop?)", file, MAX_INSTRUCTIONS), 0)
  end, "", MAX_INSTRUCTIONS)
  -- Method calls on strings (("x"):rep(n)) go through the string metatable: point it at the
  -- manifest's library while the manifest runs.
  local string_mt = debug.getmetatable("")
  local string_index = string_mt.__index
  string_mt.__index = mstring
  local ok, res = coroutine.resume(co)
  string_mt.__index = string_index
  -- The hook is the VM's, not the coroutine's: clear it, or it would stop any long-running
  -- code later run in this state (a strategy sorting with a Lua comparator, say).
  debug.sethook(co)
  debug.sethook()
  if not ok then error(res, 0) end
  if type(res) ~= "table" then
    error(string.format("%s: must return a table (got %s)", file, type(res)), 0)
  end
  return res
end

local function ident(file, where, v)
  expect(file, where, v, "string")
  if not v:match("^[%a_][%w_]*$") or #v > 32 then
    fail(file, where, string.format("must be a name of letters, digits and _ (at most 32; got '%s')", v))
  end
  return v
end

--- Validates agents = {...}, topology, hub and quorum (docs/agents.md); returns the agents
--- (name, file, role, subscribe, parent) and sets b's topology/hub/quorum into the result's
--- fields agents.topology, agents.hub, agents.quorum.
function M.check_agents(file, dir, b)
  expect(file, "agents", b.agents, "table")
  if #b.agents == 0 then fail(file, "agents", "at least one agent is needed") end
  if #b.agents > 255 then fail(file, "agents", "at most 255 agents") end
  local out, seen = {}, {}
  for i, a in ipairs(b.agents) do
    local w = "agents[" .. i .. "]"
    expect(file, w, a, "table")
    check_keys(file, w, a, AGENT)
    if a.name == nil then fail(file, w, "missing key 'name' (the agent's name, e.g. name = \"risk\")") end
    local name = ident(file, w .. ".name", a.name)
    if seen[name] then fail(file, w .. ".name", "two agents are named '" .. name .. "'") end
    seen[name] = true
    if a.file == nil then fail(file, w, "missing key 'file' (the agent's Lua file)") end
    text(file, w .. ".file", a.file)
    local path = join(dir, a.file)
    local ok, what = file_exists(path)
    if not ok then
      fail(file, w .. ".file", string.format("file '%s' %s", path, what == "not found" and "not found" or ("is " .. what)))
    end
    local e = { name = name, file = path, role = a.role ~= nil and ident(file, w .. ".role", a.role) or "agent",
      subscribe = {}, parent = "" }
    if a.subscribe ~= nil then
      if type(a.subscribe) == "string" then a.subscribe = { a.subscribe } end
      expect(file, w .. ".subscribe", a.subscribe, "table")
      for j, t in ipairs(a.subscribe) do e.subscribe[j] = ident(file, w .. ".subscribe[" .. j .. "]", t) end
    end
    if a.parent ~= nil then e.parent = ident(file, w .. ".parent", a.parent) end
    out[i] = e
  end
  for i, e in ipairs(out) do
    if e.parent ~= "" and not seen[e.parent] then
      fail(file, "agents[" .. i .. "].parent", "no agent is named '" .. e.parent .. "'" ..
        (M.nearest(e.parent, seen) and (" (did you mean '" .. M.nearest(e.parent, seen) .. "'?)") or ""))
    end
    if e.parent == e.name then fail(file, "agents[" .. i .. "].parent", "an agent cannot be its own parent") end
  end
  local topo = b.topology or "mesh"
  if not TOPOLOGIES[topo] then
    fail(file, "topology", "must be \"mesh\", \"star\" or \"hierarchical\" (got " .. tostring(topo) .. ")")
  end
  out.topology = topo
  out.hub = ""
  if topo == "star" then
    if b.hub == nil then fail(file, "hub", "a star topology needs its hub: hub = \"<agent name>\"") end
    out.hub = ident(file, "hub", b.hub)
    if not seen[out.hub] then fail(file, "hub", "no agent is named '" .. out.hub .. "'") end
  elseif b.hub ~= nil then
    fail(file, "hub", "only a star topology has a hub (topology = \"star\")")
  end
  if topo == "hierarchical" then
    local roots = 0
    for _, e in ipairs(out) do if e.parent == "" then roots = roots + 1 end end
    if roots == 0 then fail(file, "agents", "a hierarchy needs a root: an agent without a parent") end
  end
  local q = b.quorum or {}
  expect(file, "quorum", q, "table")
  check_keys(file, "quorum", q, QUORUM)
  local rule = q.rule or "majority"
  if not RULES[rule] then
    fail(file, "quorum.rule", "must be majority, supermajority, unanimous or weighted (got " .. tostring(rule) .. ")")
  end
  local quorum = { rule = rule, deadline_ms = 60000, threshold = 0.5, min_turnout = -1, voters = {} }
  if q.deadline_ms ~= nil then
    quorum.deadline_ms = positive(file, "quorum.deadline_ms", q.deadline_ms)
    if q.deadline_ms > MAX_SECONDS * 1000 then fail(file, "quorum.deadline_ms", "is too large") end
  end
  if q.threshold ~= nil then
    if rule ~= "weighted" then fail(file, "quorum.threshold", "only the weighted rule has a threshold") end
    quorum.threshold = positive(file, "quorum.threshold", q.threshold)
    if q.threshold > 1 then fail(file, "quorum.threshold", "is a fraction of the weight: in (0, 1]") end
  end
  if q.min_turnout ~= nil then
    positive(file, "quorum.min_turnout", q.min_turnout, true)
    if q.min_turnout ~= math.floor(q.min_turnout) or q.min_turnout > 1024 then
      fail(file, "quorum.min_turnout", "must be a whole number of voters")
    end
    quorum.min_turnout = q.min_turnout
  end
  if q.voters ~= nil then
    expect(file, "quorum.voters", q.voters, "table")
    local vseen = {}
    for j, v in ipairs(q.voters) do
      local w = "quorum.voters[" .. j .. "]"
      if type(v) == "string" then v = { name = v } end
      expect(file, w, v, "table")
      check_keys(file, w, v, VOTER)
      local name = ident(file, w .. ".name", v.name)
      if not seen[name] then
        fail(file, w, "no agent is named '" .. name .. "'" ..
          (M.nearest(name, seen) and (" (did you mean '" .. M.nearest(name, seen) .. "'?)") or ""))
      end
      if vseen[name] then fail(file, w, "'" .. name .. "' is listed twice") end
      vseen[name] = true
      local weight = v.weight ~= nil and positive(file, w .. ".weight", v.weight) or 1
      if weight ~= math.floor(weight) or weight > 1000000 then
        fail(file, w .. ".weight", "must be a whole number in 1..1000000")
      end
      quorum.voters[j] = { name = name, weight = weight,
        veto = v.veto ~= nil and expect(file, w .. ".veto", v.veto, "boolean") or false }
    end
  end
  out.quorum = quorum
  return out
end

--- Loads BUNDLE_DIR/bundle.lua and returns the normalised configuration. data_override: an
--- optional list of data file paths replacing the bundle's, in order (`ntrun run --data`);
--- the bundle's own files need not exist then.
function M.load(dir, data_override)
  dir = dir:gsub("/+$", "")
  if dir == "" then dir = "/" end
  local file = join(dir, "bundle.lua")
  local b = evaluate(file)
  check_keys(file, "", b, TOP)
  local out = { dir = dir }

  out.name = b.name ~= nil and text(file, "name", b.name) or dir:match("([^/]+)$") or dir

  if b.strategy ~= nil and b.strategies ~= nil then
    fail(file, "strategy", "give either 'strategy' or 'strategies', not both")
  end
  if b.agents ~= nil and (b.strategy ~= nil or b.strategies ~= nil) then
    fail(file, "agents", "a bundle runs either strategies or agents: give 'agents' or 'strategy', not both")
  end
  if b.agents == nil and (b.topology ~= nil or b.hub ~= nil or b.quorum ~= nil) then
    fail(file, b.topology ~= nil and "topology" or b.hub ~= nil and "hub" or "quorum",
      "only a bundle with agents = {...} has a topology, a hub or a quorum")
  end
  local list = b.strategies or b.strategy
  if b.agents ~= nil then
    out.agents = M.check_agents(file, dir, b)
    list = {}
    for i, a in ipairs(b.agents) do list[i] = a.file end
  end
  if list == nil then fail(file, "", "missing key 'strategy' (the strategy file, e.g. strategy = \"strategy.lua\")") end
  if type(list) == "string" then list = { list } end
  expect(file, "strategies", list, "table")
  if #list == 0 then fail(file, "strategies", "at least one strategy file is needed") end
  out.strategies = {}
  for i, s in ipairs(list) do
    expect(file, "strategies[" .. i .. "]", s, "string")
    text(file, "strategies[" .. i .. "]", s)
    local path = join(dir, s)
    local ok, what = file_exists(path)
    if not ok then
      fail(file, "strategy", string.format("file '%s' %s", path, what == "not found" and "not found" or ("is " .. what)))
    end
    out.strategies[i] = path
  end

  expect(file, "data", b.data, "table")
  if #b.data == 0 then fail(file, "data", "at least one data file is needed") end
  if data_override ~= nil and #data_override ~= #b.data then
    error(string.format("--data: the bundle '%s' reads %d data file(s) but %d were given; give one --data "
      .. "per data entry, in order", tostring(b.name or dir), #b.data, #data_override), 0)
  end
  out.data = {}
  for i, d in ipairs(b.data) do
    local w = "data[" .. i .. "]"
    if type(d) == "string" then d = { file = d } end
    expect(file, w, d, "table")
    check_keys(file, w, d, DATA)
    if d.zmq ~= nil and d.file ~= nil then fail(file, w, "give either 'file' or 'zmq', not both") end
    local e
    if d.zmq ~= nil then
      -- A live feed (docs/live.md): bars arrive over ZeroMQ; Bar.symbol indexes `symbols`.
      e = { path = "", zmq = check_endpoint(file, w .. ".zmq", d.zmq), layout = "ohlcv", symbols = {},
        columns = {} }
      if d.layout ~= nil or d.columns ~= nil then
        fail(file, w, "'layout' and 'columns' describe CSV files; a zmq feed has neither")
      end
    else
      if d.file == nil then fail(file, w, "missing key 'file' (a CSV file) or 'zmq' (a live feed endpoint)") end
      text(file, w .. ".file", d.file)
      e = { path = join(dir, d.file), layout = d.layout or "ohlcv", symbols = {}, columns = {} }
    end
    if e.layout ~= "ohlcv" and e.layout ~= "wide" then
      fail(file, w .. ".layout", "must be \"ohlcv\" or \"wide\" (got \"" .. tostring(e.layout) .. "\")")
    end
    if e.zmq ~= nil then
      if data_override ~= nil then
        error(string.format("--data: %s is a zmq feed, not a file; use --feed ENDPOINT to change it", w), 0)
      end
    elseif data_override ~= nil then
      e.path = data_override[i]
      local ok, what = file_exists(e.path)
      if not ok then
        error(string.format("--data: file '%s' %s (it replaces %s)", e.path,
          what == "not found" and "not found" or ("is " .. what), w .. ".file"), 0)
      end
    else
      local ok, what = file_exists(e.path)
      if not ok then
        fail(file, w .. ".file", string.format("file '%s' %s", e.path, what == "not found" and "not found" or ("is " .. what)))
      end
    end
    if d.symbol ~= nil and d.symbols ~= nil then fail(file, w, "give either 'symbol' or 'symbols'") end
    if d.symbol ~= nil then
      e.symbols[1] = text(file, w .. ".symbol", d.symbol)
    elseif d.symbols ~= nil then
      expect(file, w .. ".symbols", d.symbols, "table")
      for j, s in ipairs(d.symbols) do e.symbols[j] = text(file, w .. ".symbols[" .. j .. "]", s) end
    end
    if e.zmq ~= nil then
      if #e.symbols == 0 then fail(file, w .. ".symbols", "a zmq feed needs its symbols (Bar.symbol is an index into them)") end
    elseif e.layout == "ohlcv" and #e.symbols ~= 1 then
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
  local feeds = 0
  for _, e in ipairs(out.data) do if e.zmq then feeds = feeds + 1 end end
  if feeds > 0 and #out.data ~= 1 then
    fail(file, "data", "a live run reads one zmq feed and nothing else (give its symbols in one entry)")
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

  local sb = b.sandbox or {}
  expect(file, "sandbox", sb, "table")
  check_keys(file, "sandbox", sb, SANDBOX)
  local mb = sb.memory_mb or K.DEFAULT_MEMORY_MB
  positive(file, "sandbox.memory_mb", mb)
  if mb > K.MAX_MEMORY_MB then
    fail(file, "sandbox.memory_mb", string.format("must be at most %d (MB; got %s)", K.MAX_MEMORY_MB, tostring(mb)))
  end
  local ms = sb.callback_ms or K.DEFAULT_CALLBACK_MS
  positive(file, "sandbox.callback_ms", ms)
  if ms < K.MIN_CALLBACK_MS or ms > K.MAX_CALLBACK_MS then
    fail(file, "sandbox.callback_ms", string.format("must be between %d and %d (milliseconds; got %s)",
      K.MIN_CALLBACK_MS, K.MAX_CALLBACK_MS, tostring(ms)))
  end
  out.sandbox = { memory_mb = mb, callback_ms = ms }
  -- A trusted bundle runs with the whole library (io, os, ffi) and no caps; the user says so
  -- on the command line too (--trusted), so a downloaded bundle cannot trust itself.
  out.publish = b.publish ~= nil and check_endpoint(file, "publish", b.publish) or nil
  out.trusted = b.trusted ~= nil and expect(file, "trusted", b.trusted, "boolean") or false

  local symbols = {}
  for _, e in ipairs(out.data) do
    for _, name in ipairs(e.symbols) do symbols[#symbols + 1] = name end
  end
  out.limits = M.check_limits(b.limits or {}, symbols, function(where, msg)
    fail(file, where == "" and "limits" or ("limits." .. where), msg)
  end)

  if b.history ~= nil then
    positive(file, "history", b.history)
    if b.history ~= math.floor(b.history) or b.history > K.MAX_HISTORY then
      fail(file, "history", string.format("must be a whole number of bars <= %d", K.MAX_HISTORY))
    end
  end
  out.history = b.history or 1000
  out.from = b.from ~= nil and check_date(file, "from", b.from) or nil
  out.to = b.to ~= nil and check_date(file, "to", b.to) or nil
  out.seed = b.seed ~= nil and positive(file, "seed", b.seed, true) or 0
  if out.seed ~= math.floor(out.seed) or out.seed > 2 ^ 53 then
    -- Lua numbers hold whole numbers exactly up to 2^53; a larger seed would change silently.
    fail(file, "seed", string.format("must be a whole number in 0..2^53 (got %s); larger seeds: --seed N",
      tostring(b.seed)))
  end
  out.description = b.description ~= nil and expect(file, "description", b.description, "string") or nil
  out.params_source = M.serialize(out.params)
  return out
end

-- Plain data as a Lua expression that rebuilds it (numbers exactly, keys sorted so the text
-- does not depend on hashing).
local function literal(v, out)
  local ty = type(v)
  if ty == "number" then
    if v ~= v then out[#out + 1] = "0/0"
    elseif v == math.huge then out[#out + 1] = "1/0"
    elseif v == -math.huge then out[#out + 1] = "-1/0"
    else out[#out + 1] = string.format("%.17g", v) end
  elseif ty == "string" then
    out[#out + 1] = string.format("%q", v)
  elseif ty == "boolean" then
    out[#out + 1] = tostring(v)
  else
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if type(a) ~= type(b) then return type(a) < type(b) end
      return a < b
    end)
    out[#out + 1] = "{"
    for _, k in ipairs(keys) do
      out[#out + 1] = "["
      literal(k, out)
      out[#out + 1] = "]="
      literal(v[k], out)
      out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  end
end

--- The text of a chunk returning a copy of plain data t (params: validated by plain()).
function M.serialize(t)
  local out = { "return " }
  literal(t, out)
  return table.concat(out)
end

return M
