-- Specs of the boundary between strategy code and the host (docs/architecture.md, "The seam"):
-- a hostile strategy cannot reach memory, host handles, another strategy's orders or the
-- library's own tables, and each attempt is refused with an error while the host lives on.
-- The attacks run inside fixture strategies (fixtures/escape/), which raise when one is not
-- refused; the crash fixtures are the exact lines that aborted the host before ABI 3.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/escape/"

local function run(bundle, opts) return nt.backtest.run(FIX .. bundle, opts) end

describe("a hostile strategy", function()
  it("finds no pointer, no host handle and no writable handle field (checked in the strategy)", function()
    local r = run("memory")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
  end)

  it("cannot double-free an array by reassigning its data: an error with file:line, the report still made", function()
    local r = run("crash_free")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: strategy error in strategy.lua", r.status)
    assert.contains(r.errors[1], "strategy.lua:3: index data out of range (length 4)", "errors[1]")
    assert.is_not_nil(nt.json.decode(r.json).metrics, "the report is written")
  end)

  it("cannot lengthen an array to read past it", function()
    local r = run("crash_len")
    assert.equals(1, r.exit_code)
    assert.contains(r.errors[1], "strategy.lua:3: attempt to write to constant location", "errors[1]")
  end)

  it("cannot lengthen a history view and hand it to an indicator", function()
    local r = run("crash_view")
    assert.equals(1, r.exit_code)
    assert.contains(r.errors[1], "strategy.lua:3: attempt to write to constant location", "errors[1]")
  end)

  it("gets nothing from what its manifest did to string (the manifest runs in the host's config state)", function()
    local r = run("manifest")
    assert.equals(0, r.exit_code, r.errors[1])
  end)
end)

describe("a legitimate strategy", function()
  it("is not stopped by the manifest's instruction budget: sorting 1,000 values a bar for 1,256 bars", function()
    local r = run("hook_leak")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals(1256, r.data.bars)
  end)
end)

describe("require in a strategy", function()
  -- Load errors fail the run before any event: nt.backtest.run raises them.
  local function load_error(bundle)
    local ok, err = pcall(run, bundle)
    assert.is_false(ok, "the load must fail")
    return tostring(err)
  end

  it("refuses a module that links out of the bundle, without reading it", function()
    local err = load_error("link_out")
    assert.contains(err, "strategy.lua:1: module 'secret' (")
    assert.contains(err, "lies outside the bundle (a link?)")
    assert.is_nil(err:find("date,open", 1, true), "the linked file's text must not show")
  end)

  it("refuses a module that is a FIFO instead of waiting on it", function()
    local pipe = FIX .. "fifo_module/pipe.lua"
    os.remove(pipe)
    assert.is_true(os.execute("mkfifo '" .. pipe .. "'") == 0, "mkfifo")
    local ok, err = pcall(run, "fifo_module")
    os.remove(pipe)
    assert.is_false(ok, "the load must fail")
    assert.contains(tostring(err), "strategy.lua:1: module 'pipe' (")
    assert.contains(tostring(err), "is not a regular file")
  end)
end)

describe("the hostile suite (issue 9)", function()
  it("finds every other road out closed: coroutines, bytecode, the library's proxies, cdata", function()
    local r = run("reach")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
  end)

  it("cannot see another strategy's globals, state, params or orders", function()
    local r = run("isolation")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals(1, r.metrics.num_orders, "writer.lua's order")
  end)

  it("runs each attack to a report or a refusal and changes nothing outside its bundle", function()
    -- Every hostile fixture, escapes and floods and runaway loops alike: the host returns a
    -- result (or a load error) for each, and the files around the bundles are as they were.
    local root = spec_dir .. "/fixtures"
    local function listing()
      local p = io.popen("find '" .. root .. "' -type f | sort | xargs md5sum")
      local out = p:read("*a")
      p:close()
      return out
    end
    local before = listing()
    for _, group in ipairs({ "escape", "caps", "runaway" }) do
      local p = io.popen("ls '" .. root .. "/" .. group .. "'")
      for name in p:lines() do
        local ok, r = pcall(nt.backtest.run, root .. "/" .. group .. "/" .. name, { quiet = true })
        assert.truthy(not ok or type(r.exit_code) == "number", group .. "/" .. name)
      end
      p:close()
    end
    assert.equals(before, listing(), "files under tests/lua/fixtures")
  end)
end)
