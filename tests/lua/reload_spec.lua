-- Specs of the runner's reload (nt._runner.reload, what `ntrun run --watch` calls between two
-- events): the new file is compiled in a fresh environment, the state is handed over (on_save
-- and on_load, or ctx.state as it is), and every broken version is refused with file:line
-- while the old code stays in place (its callbacks still run). One strategy per Lua state:
-- this spec's state holds it. tests/e2e/watch.sh drives the same through the CLI.
local runner = require "nt._runner"

local path = os.tmpname()
local function save(src)
  local f = assert(io.open(path, "w"))
  f:write(src)
  f:close()
end

-- A version of the strategy: on_stop records which version's code ran (the old code must
-- still be the one called after a refused reload).
local function version(v, extra)
  return string.format([[
local V = %d
function on_start(ctx) ctx.state.n = 0; ctx.state.made_by = V end
function on_bar(ctx) ctx.state.n = ctx.state.n + 1 end
function on_stop(ctx) ctx.state.stopped_by = V end
%s
]], v, extra or "")
end

local function contains(text, part)
  if not tostring(text):find(part, 1, true) then
    error(string.format("%q does not contain %q", tostring(text), part), 2)
  end
end

-- The code in force: its on_stop says which version it is.
local function running(ctx)
  runner.stop()
  return ctx.state.stopped_by
end

save(version(1))
local ctx = runner.load(path, spec_dir, "reload_spec", "return { a = 1 }")
runner.start()
ctx.state.n = 41

describe("nt._runner.reload", function()
  it("swaps the callbacks and carries ctx.state over by default", function()
    local state = ctx.state
    save(version(2))
    assert.equals(true, (runner.reload()))
    assert.equals(2, running(ctx))
    assert.equals(state, ctx.state) -- the same table, not a copy
    assert.equals(41, ctx.state.n)
    assert.equals(1, ctx.state.made_by) -- on_start does not run again
  end)

  it("refuses a syntax error with file:line; the old code goes on", function()
    save(version(3, "function on_bar(ctx, bar"))
    local ok, msg = runner.reload()
    assert.equals(false, ok)
    contains(msg, path .. ":")
    contains(msg, "expected")
    assert.equals(2, running(ctx))
    assert.equals(41, ctx.state.n)
  end)

  it("refuses an error at load with its line", function()
    save(version(4, "local x = nil\nx.field = 1"))
    local ok, msg = runner.reload()
    assert.equals(false, ok)
    contains(msg, path .. ":6:")
    assert.equals(2, running(ctx))
  end)

  it("refuses an error in on_load and restores ctx.state", function()
    local state = ctx.state
    save(version(5, "function on_load(ctx, state) ctx.state = { broken = true }; error('no way') end"))
    local ok, msg = runner.reload()
    assert.equals(false, ok)
    contains(msg, "in on_load: ")
    contains(msg, "no way")
    assert.equals(state, ctx.state)
    assert.equals(2, running(ctx))
  end)

  it("refuses a callback that is not a function, and a misspelled one", function()
    save(version(6, "on_timer = 5"))
    local ok, msg = runner.reload()
    assert.equals(false, ok)
    contains(msg, "'on_timer' must be a function (got number)")
    save(version(7, "function onBar(ctx, bar) end"))
    ok, msg = runner.reload()
    assert.equals(false, ok)
    contains(msg, "'onBar' is not a callback")
    contains(msg, "did you mean 'on_bar'?")
    save(version(8, "return 42"))
    ok, msg = runner.reload()
    assert.equals(false, ok)
    contains(msg, "returns nothing or a table of callbacks")
    assert.equals(2, running(ctx))
  end)

  it("hands on_save's state to on_load, which sets ctx.state", function()
    save(version(9, "function on_save(ctx) return { count = ctx.state.n, from = V } end"))
    assert.equals(true, (runner.reload()))
    save(version(10, "function on_load(ctx, state) ctx.state = { n = state.count, from = state.from } end"))
    assert.equals(true, (runner.reload()))
    assert.equals(10, running(ctx))
    assert.equals(41, ctx.state.n)
    assert.equals(9, ctx.state.from)
  end)

  it("goes on with ctx.state when the running code's on_save fails (it cannot lock the code in)", function()
    save(version(20, "function on_save() error('broken save') end"))
    assert.equals(true, (runner.reload()))
    local state = ctx.state
    save(version(21))
    local ok, warning = runner.reload()
    assert.equals(true, ok)
    contains(warning, "on_save failed")
    contains(warning, "broken save")
    assert.equals(state, ctx.state)
    assert.equals(21, running(ctx))
  end)

  it("refuses a state on_save hands over that nothing can take", function()
    save(version(11, "function on_save() return 7 end"))
    assert.equals(true, (runner.reload()))
    save(version(12))
    local ok, msg = runner.reload()
    assert.equals(false, ok)
    contains(msg, "on_save returned a number")
    assert.equals(11, running(ctx))
    save(version(13, "function on_load(ctx, state) ctx.state = { n = state } end"))
    assert.equals(true, (runner.reload()))
    assert.equals(7, ctx.state.n)
  end)

  it("gives new params to the new code, and keeps the old ones when refused", function()
    save(version(14, "function on_load(ctx, state) state.a = ctx.params.a; ctx.state = state end"))
    assert.equals(true, (runner.reload("return { a = 2 }")))
    assert.equals(2, ctx.params.a)
    assert.equals(2, ctx.state.a)
    save(version(15, "error('no')"))
    assert.equals(false, (runner.reload("return { a = 3 }")))
    assert.equals(2, ctx.params.a)
  end)

  it("starts from fresh globals: a file-scope value of the old code is gone", function()
    save(version(16, "leftover = 1"))
    assert.equals(true, (runner.reload()))
    save(version(17, "function on_load(ctx, state) state.saw = pcall(function() return leftover end); "
      .. "ctx.state = state end"))
    assert.equals(true, (runner.reload()))
    assert.equals(false, ctx.state.saw) -- reading it raised: undefined global
  end)

  it("removes its temporary strategy file", function()
    assert.is_true(os.remove(path))
  end)
end)
