-- The event loop's speed rests on LuaJIT compiling the runner (scripts/nt/_runner.lua) and the
-- strategy's callbacks together into traces: these specs record the trace compiler's work in
-- each strategy state (nt.backtest.run{jit_log = true}, scripts/nt/_jitlog.lua) and fail on
-- any trace abort in the hot path (the runner, ctx, nt.ind, nt.array, the strategy file).
local nt = require "nt"

local ROOT = spec_dir .. "/../../"
local HOT = { "_runner.lua", "ctx.lua", "ind.lua", "array.lua", "strategy.lua" }

local function jit_report(bundle)
  local r = nt.backtest.run(ROOT .. bundle, { jit_log = true })
  assert.equals(0, r.exit_code, r.errors[1])
  local traces, aborts = nil, {}
  for _, line in ipairs(r.jit) do
    local n = line:match("^[^:]+: traces (%d+) started")
    if n then traces = tonumber(n) end
    local where = line:match("^[^:]+: abort %d+ at ([^:]+):")
    if where then
      for _, hot in ipairs(HOT) do
        if where:sub(-#hot) == hot then aborts[#aborts + 1] = line end
      end
    end
  end
  return traces, aborts
end

describe("the hot path compiles", function()
  it("SMA crossover (examples/sma_cross): the runner and on_bar trace with no aborts", function()
    local traces, aborts = jit_report("examples/sma_cross")
    assert.truthy(traces and traces >= 1, "at least one trace")
    assert.same({}, aborts)
  end)

  it("an empty on_bar (bench/bundles/empty_bar): one trace, no aborts", function()
    local traces, aborts = jit_report("bench/bundles/empty_bar")
    assert.truthy(traces and traces >= 1, "at least one trace")
    assert.same({}, aborts)
  end)

  it("an order every bar (bench/bundles/order_every_bar): submit and fill events trace with no aborts", function()
    local traces, aborts = jit_report("bench/bundles/order_every_bar")
    assert.truthy(traces and traces >= 1, "at least one trace")
    assert.same({}, aborts)
  end)

  it("the log sees aborts when there are some (a callback calling a function LuaJIT cannot compile)", function()
    local r = nt.backtest.run(spec_dir .. "/fixtures/jit_abort", { jit_log = true })
    assert.equals(0, r.exit_code, r.errors[1])
    local found = false
    for _, line in ipairs(r.jit) do
      if line:find("abort", 1, true) and line:find("strategy.lua", 1, true) then found = true end
    end
    assert.is_true(found, "an abort in the fixture's strategy.lua: " .. table.concat(r.jit, " | "))
  end)
end)
