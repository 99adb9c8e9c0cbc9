-- The event loop's speed rests on LuaJIT compiling the runner (scripts/nt/_runner.lua) and the
-- strategy's callbacks together into traces: these specs record the trace compiler's work in
-- each strategy state (nt.backtest.run{jit_log = true}, scripts/nt/_jitlog.lua) and fail on
-- any trace abort in the hot path (the runner, ctx, nt.ind, nt.array, the strategy file).
local nt = require "nt"

local ROOT = spec_dir .. "/../../"
local HOT = { "_runner.lua", "ctx.lua", "ind.lua", "array.lua", "strategy.lua" }

-- LuaJIT gives up on a bytecode location after a few aborts there (and blacklists it): a hot
-- location aborting this often is code that will not compile. Fewer are the normal retries of
-- trace selection ("leaving loop in root trace", a C symbol seen for the first time).
local MAX_ABORTS_AT = 3

local function is_hot(loc)
  for _, hot in ipairs(HOT) do
    if loc:sub(-#hot) == hot then return true end
  end
  return false
end

--- Runs a bundle with the trace log; returns the locations where compiled traces start, the
--- hot locations that kept aborting (with their reasons), and the log.
local function jit_report(bundle, root)
  local r = nt.backtest.run((root or ROOT) .. bundle, { jit_log = true })
  assert.equals(0, r.exit_code, r.errors[1])
  local roots, counts, why = {}, {}, {}
  for _, line in ipairs(r.jit) do
    local from = line:match("^[^:]+: trace %d+ from (.+)$")
    if from then roots[#roots + 1] = from end
    local at, reason = line:match("^[^:]+: abort %d+ at ([^:]+:%d+): (.*)$")
    if at and is_hot(at:match("^[^:]+")) then
      counts[at] = (counts[at] or 0) + 1
      why[at] = reason
    end
  end
  local stuck = {}
  for at, n in pairs(counts) do
    if n > MAX_ABORTS_AT then stuck[#stuck + 1] = string.format("%s (%d aborts: %s)", at, n, why[at]) end
  end
  table.sort(stuck)
  return roots, stuck, r.jit
end

local function has_root_in(roots, file)
  for _, loc in ipairs(roots) do
    if loc:find(file, 1, true) then return true end
  end
  return false
end

describe("the hot path compiles", function()
  for _, bundle in ipairs({ "examples/sma_cross", "bench/bundles/empty_bar", "bench/bundles/order_every_bar" }) do
    it(bundle .. ": the runner's event loop is a compiled trace and no hot location keeps aborting", function()
      -- Trace selection varies from run to run: check several runs.
      for _ = 1, 5 do
        local roots, stuck, log = jit_report(bundle)
        assert.is_true(has_root_in(roots, "_runner.lua"), "a trace from the runner: " .. table.concat(log, " | "))
        assert.equals("", table.concat(stuck, "; "), "hot locations that keep aborting")
      end
    end)
  end

  it("sees code that will not compile (a closure made in on_bar: NYI bytecode 51)", function()
    local _, stuck, log = jit_report("jit_abort", spec_dir .. "/fixtures/")
    assert.truthy(#stuck >= 1, "a stuck location: " .. table.concat(log, " | "))
    assert.truthy(stuck[1]:find("strategy.lua:", 1, true), stuck[1])
    assert.truthy(stuck[1]:find("NYI", 1, true), stuck[1])
  end)
end)
