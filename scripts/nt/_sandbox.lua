-- The environment a strategy file runs in: an allow-list of globals, reading an undefined
-- global is an error (catches typos), math.random draws from the run's seeded generator,
-- print goes to the run log, and require reaches only the public nt modules (as read-only
-- proxies) and the bundle's own Lua files. Strategy code gets no raw pointer, no writable
-- handle and no host table: the string metatable is locked (getmetatable("") returns a
-- string), string.dump is gone from the state, and the nt library keeps its session and
-- cdata in upvalues (docs/architecture.md, "The seam"). CPU and memory budgets come with the
-- sandbox proper.
local core = require "nt._core"
local C = core.C
local S = core.session

local M = {}

local SAFE = {
  "assert", "error", "ipairs", "next", "pairs", "pcall", "xpcall", "select", "tonumber", "tostring",
  "type", "unpack", "rawequal", "rawget", "rawset", "setmetatable", "getmetatable", "_VERSION",
}
local PUBLIC_MODULES = {
  nt = true, ["nt.array"] = true, ["nt.ind"] = true, ["nt.time"] = true, ["nt.dtw"] = true,
  ["nt.stats"] = true, ["nt.risk"] = true, ["nt.msg"] = true,
}

local copy = require("nt._bundle").copy

-- A read-only proxy of a library table (nested tables proxied too): writes raise, and the
-- real module stays out of reach, so one strategy file cannot poison what the library (or
-- another file of the bundle) calls.
local proxies = setmetatable({}, { __mode = "k" })
local function readonly(t, name)
  if proxies[t] then return proxies[t] end
  local p = setmetatable({}, {
    __index = function(_, k)
      local v = t[k]
      if type(v) == "table" then return readonly(v, name .. "." .. tostring(k)) end
      return v
    end,
    __newindex = function(_, k)
      error(string.format("%s is read-only (cannot set '%s')", name, tostring(k)), 2)
    end,
    __metatable = false,
  })
  proxies[t] = p
  return p
end

local locked = false
-- Once per state: strings index the state's real `string` table through their metatable,
-- so the metatable is locked and string.dump (bytecode) leaves the state altogether.
local function lock_state()
  if locked then return end
  locked = true
  rawset(string, "dump", nil)
  local smt = debug.getmetatable("")
  smt.__metatable = "string"
end

function M.env(bundle_dir, ctx)
  lock_state()
  local env = {}
  for _, name in ipairs(SAFE) do env[name] = _G[name] end
  env.string = copy(string, { dump = true })
  env.table = copy(table)
  env.math = copy(math)
  local function uniform() return C.ntrun_ffi_random(S) end
  env.math.random = function(m, n)
    local u = uniform()
    if m == nil then return u end
    if n == nil then m, n = 1, m end
    m, n = core.int_arg(m, "m", -2 ^ 52, 2 ^ 52, 2), core.int_arg(n, "n", -2 ^ 52, 2 ^ 52, 2)
    if m > n then error("bad argument to math.random: interval is empty", 2) end
    return m + math.floor(u * (n - m + 1))
  end
  env.math.randomseed = function()
    error("math.randomseed is not available to strategies: the run's seed comes from --seed or the bundle's seed", 2)
  end
  env.print = function(...) ctx:log(...) end
  env.nt = readonly(require "nt", "nt")

  local loaded = {}
  env.require = function(name)
    if type(name) ~= "string" then error("bad argument to require: module name expected", 2) end
    if PUBLIC_MODULES[name] then return readonly(require(name), name) end
    if loaded[name] ~= nil then return loaded[name] end
    if name:find("^nt%.") or name:find("^_") or name:find("%.%.") or name:find("/") then
      error(string.format("module '%s' is not available to strategies", name), 2)
    end
    local path = (bundle_dir ~= "" and bundle_dir .. "/" or "") .. (name:gsub("%.", "/")) .. ".lua"
    -- A bundle's own regular files only: a link out of the bundle would let a parse error
    -- show another file's first line, and a FIFO would block the load.
    local kind = C.ntrun_ffi_path_kind(path)
    if kind ~= C.NTRUN_PATH_MISSING then
      if kind ~= C.NTRUN_PATH_FILE then
        error(string.format("module '%s' (%s) is not a regular file", name, path), 2)
      end
      if C.ntrun_ffi_path_inside(path, bundle_dir ~= "" and bundle_dir or ".") ~= 1 then
        error(string.format("module '%s' (%s) lies outside the bundle (a link?): strategies require "
          .. "only their bundle's own files", name, path), 2)
      end
    end
    local chunk, err = loadfile(path, "t", env)
    if not chunk then
      if err:find("cannot open") then
        error(string.format("module '%s' not found: strategies can require nt, nt.array, nt.ind, nt.time "
          .. "and Lua files of their bundle (looked for %s)", name, path), 2)
      end
      error(err, 0)
    end
    local res = chunk(name)
    if res == nil then res = true end
    loaded[name] = res
    return res
  end

  return setmetatable(env, {
    __index = function(_, k)
      error(string.format("undefined global '%s'", tostring(k)), 2)
    end,
    -- A new global that is not a callback is almost always a missing `local`, and it is lost
    -- when the code is reloaded: say so once per name, where it is written (luacheck's rule).
    -- Only the first write of a name gets here, so it costs nothing per bar.
    __newindex = function(t, k, v)
      if type(k) ~= "string" or not k:find("^on_") then
        local info = debug.getinfo(2, "Sl")
        local where = info and info.currentline and info.currentline > 0
          and string.format("%s:%d: ", info.short_src, info.currentline) or ""
        ctx:log_at("warn", string.format("%sglobal '%s' written: use a local (or ctx.state for state that "
          .. "must survive a reload)", where, tostring(k)))
      end
      rawset(t, k, v)
    end,
  })
end

--- A trusted bundle's environment (ntrun run --trusted): the sandbox's conveniences (print to
--- the run log, the seeded math.random, the bundle's own modules), and every other global of
--- the state (io, os, require of any module, ffi through it).
function M.trusted_env(bundle_dir, ctx)
  local env = M.env(bundle_dir, ctx)
  local bundle_require = env.require
  env.require = function(name)
    if type(name) == "string" and not name:find("^nt") then
      local path = (bundle_dir ~= "" and bundle_dir .. "/" or "") .. (name:gsub("%.", "/")) .. ".lua"
      if C.ntrun_ffi_path_kind(path) == C.NTRUN_PATH_FILE then return bundle_require(name) end
    end
    return require(name)
  end
  return setmetatable(env, {
    __index = function(_, k)
      local v = _G[k]
      if v == nil then error(string.format("undefined global '%s'", tostring(k)), 2) end
      return v
    end,
  })
end

return M
