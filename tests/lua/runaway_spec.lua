-- The callback time budget (docs/sandbox.md, "Runaway callbacks"): a callback that never
-- returns is stopped at sandbox.callback_ms, interpreted or compiled by LuaJIT, with or
-- without pcall around it; the strategy is disabled, the others and the host run on, and the
-- report is written with the callback's name.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/runaway/"

local function run(name, opts) return nt.backtest.run(FIX .. name, opts or { quiet = true }) end

local function stopped(r, what, ms)
  assert.equals(1, r.exit_code)
  assert.equals("stopped: strategy error in strategy.lua", r.status)
  assert.contains(r.errors[1], "stopped: " .. what .. " ran longer than " .. ms .. " ms at ")
  assert.contains(r.errors[1], "sandbox.callback_ms in bundle.lua")
  assert.is_not_nil(nt.json.decode(r.json).metrics, "the report is written")
end

describe("a callback that never returns", function()
  it("is stopped inside compiled code (a loop LuaJIT compiled checks no hook)", function()
    local r = run("jit")
    stopped(r, "on_bar", 100)
    assert.contains(r.errors[1], "stopped inside compiled code")
    -- Bars 1 and 2 bought; the third bar's order was placed before the loop and is canceled
    -- with the strategy; the position of the first two stays.
    assert.equals(3, r.data.bars)
    assert.equals(2, r.metrics.num_fills)
  end)

  it("is stopped in the interpreter with its file:line (the count hook)", function()
    local r = run("interp")
    stopped(r, "on_bar", 100)
    assert.contains(r.errors[1], "interp/strategy.lua:8: stopped: on_bar")
    assert.is_nil(r.errors[1]:find("compiled code", 1, true), "the hook stopped it, with a line")
  end)

  it("cannot keep running by catching the budget's error with pcall", function()
    local r = run("pcall")
    stopped(r, "on_bar", 100)
    assert.contains(r.errors[1], "pcall/strategy.lua:")
  end)

  it("is stopped inside an error handler (xpcall)", function()
    stopped(run("xpcall"), "on_bar", 100)
  end)

  it("is stopped when it spends its time in host calls between compiled code", function()
    local r = run("host_calls")
    stopped(r, "on_bar", 100)
  end)

  it("in on_stop is stopped and the report still covers every bar", function()
    local r = run("on_stop")
    stopped(r, "on_stop", 100)
    assert.equals(8, r.data.bars)
    assert.equals(8, r.metrics.num_orders)
  end)

  it("at the strategy file's top level fails the run before the first bar, naming the file", function()
    local ok, err = pcall(nt.backtest.run, FIX .. "toplevel", { quiet = true })
    assert.is_false(ok)
    assert.contains(err, "strategy.lua: stopped: the strategy file's top level ran longer than 100 ms")
  end)

  it("stops only its own strategy: another in the bundle trades to the end of the data", function()
    local r = run("two")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: strategy error in looper.lua", r.status)
    assert.contains(r.errors[1], "looper.lua: stopped: on_bar ran longer than 100 ms")
    assert.equals(8, r.data.bars)
    assert.equals(8, r.metrics.num_orders, "trader.lua ordered on every bar")
  end)
end)

describe("callbacks under their budget", function()
  it("run to the end however long they take together (80 calls of ~10 ms, budget 200 ms)", function()
    local r = run("slow_ok")
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals("completed", r.status)
    assert.equals(8, r.data.bars)
  end)

  it("is not timed in a trusted run (--trusted): the same loop would run on", function()
    local r = nt.backtest.run(FIX .. "slow_ok", { quiet = true, trusted = true })
    assert.equals(0, r.exit_code, r.errors[1])
  end)
end)

describe("a trusted bundle", function()
  it("is refused unless the user trusts it too, with what it would get and how to run it", function()
    local ok, err = pcall(nt.backtest.run, spec_dir .. "/fixtures/trusted", { quiet = true })
    assert.is_false(ok)
    assert.contains(err, "trusted/bundle.lua: this bundle declares trusted = true")
    assert.contains(err, "Run it with --trusted")
  end)

  it("runs with io, os and ffi when trusted (ntrun run --trusted)", function()
    local r = nt.backtest.run(spec_dir .. "/fixtures/trusted", { quiet = true, trusted = true })
    assert.equals(0, r.exit_code, r.errors[1])
    assert.equals(8, r.metrics.num_orders, "the strategy read the 9-line CSV with io.lines")
  end)
end)

describe("a pattern match that backtracks for hours", function()
  it("is stopped inside LuaJIT's C matcher, where no hook runs", function()
    local r = run("pattern")
    stopped(r, "on_bar", 100)
    assert.contains(r.errors[1], "no line known")
  end)
end)
