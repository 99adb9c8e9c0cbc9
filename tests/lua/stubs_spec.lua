-- The LuaLS stubs (scripts/types/nt.lua) are written by hand: these specs hold them to the real
-- exports, both ways, so an editor never offers a function the host lacks or misses one it has.
local nt = require "nt"

local STUBS = spec_dir .. "/../../scripts/types/nt.lua"
local LUACHECKRC = spec_dir .. "/../../.luacheckrc"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

local stubs = read(STUBS)

local function sorted(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- Names in `a` missing from `b`, as text.
local function missing(a, b)
  local out = {}
  for _, k in ipairs(sorted(a)) do
    if not b[k] then out[#out + 1] = k end
  end
  return table.concat(out, ", ")
end

local function stub_set(pattern)
  local set = {}
  for name in stubs:gmatch(pattern) do set[name] = true end
  return set
end

describe("the LuaLS stubs", function()
  it("declare exactly the public functions of nt and its modules", function()
    local declared = stub_set("\nfunction (nt[%w_%.]*)%(")
    local real = {}
    local modules = { nt = nt, ["nt.ind"] = nt.ind, ["nt.dtw"] = nt.dtw, ["nt.risk"] = nt.risk,
      ["nt.stats"] = nt.stats, ["nt.time"] = nt.time, ["nt.json"] = nt.json, ["nt.backtest"] = nt.backtest }
    for prefix, mod in pairs(modules) do
      for k, v in pairs(mod) do
        if type(v) == "function" and not tostring(k):find("^_") then real[prefix .. "." .. k] = true end
      end
    end
    assert.equals("", missing(real, declared), "exported but not in the stubs")
    assert.equals("", missing(declared, real), "in the stubs but not exported")
  end)

  it("declare exactly the methods of ctx", function()
    local declared = stub_set("\nfunction Ctx:([%w_]+)%(")
    local ctx = require("nt.ctx").new({}, "stubs")
    local real = {}
    for k, v in pairs(debug.getmetatable(ctx).__index) do
      if type(v) == "function" then real[k] = true end
    end
    assert.is_true(next(real) ~= nil, "ctx has methods")
    assert.equals("", missing(real, declared), "ctx methods not in the stubs")
    assert.equals("", missing(declared, real), "stub methods ctx lacks")
  end)

  it("declare exactly the methods of arrays and series views", function()
    local methods = require("nt._array")._methods
    for class, real_methods in pairs({ Array = methods.array, SeriesView = methods.series }) do
      local declared = stub_set("\nfunction " .. class .. ":([%w_]+)%(")
      local real = {}
      for k in pairs(real_methods) do real[k] = true end
      assert.equals("", missing(real, declared), class .. " methods not in the stubs")
      assert.equals("", missing(declared, real), class .. " stub methods the host lacks")
    end
  end)

  it("declare the callbacks the runner calls, as .luacheckrc does", function()
    local real = {}
    for _, name in ipairs(require("nt._runner").CALLBACKS) do real[name] = true end
    local declared = stub_set("\n(on_[%w_]+) = nil")
    assert.equals("", missing(real, declared), "callbacks missing from the stubs")
    assert.equals("", missing(declared, real), "stub callbacks the runner never calls")
    local rc = read(LUACHECKRC)
    local listed = {}
    for name in rc:match("globals = (%b{})"):gmatch('"(on_[%w_]+)"') do listed[name] = true end
    assert.equals("", missing(real, listed), "callbacks missing from .luacheckrc")
    assert.equals("", missing(listed, real), ".luacheckrc callbacks the runner never calls")
  end)
end)
