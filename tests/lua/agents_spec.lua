-- Agents (docs/agents.md): messages, quorum votes and what goes wrong, on real data. The
-- swarm example's own spec (examples/swarm/swarm_spec.lua) checks its decisions and trades.
local nt = require "nt"

local FIX = spec_dir .. "/fixtures/agents/"

local function run(name)
  return nt.backtest.run(FIX .. name, { quiet = true })
end

local function agent(r, name)
  for _, a in ipairs(r.agents.list) do
    if a.name == name then return a end
  end
end

describe("agents", function()
  it("go on without an agent that failed: the quorum shrinks and the report says so", function()
    local r = run("fault")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: agent error in crash", r.status)
    assert.contains(r.errors[1], "crash.lua:4: the analyst broke on its 50th bar")
    assert.contains(agent(r, "crash").status, "stopped at 2000-03-")
    assert.equals("up", agent(r, "a").status)
    -- Every bar proposed; unanimous among a, b, crash: approved while crash voted, and after it
    -- failed by a and b alone (it is excluded, not silent: no proposal waits for it).
    local bars = r.data.bars
    assert.equals(bars, r.agents.proposals)
    assert.equals(bars, r.agents.approved)
    local last = r.agents.decisions[#r.agents.decisions]
    assert.is_true(last.approved)
    assert.contains(table.concat(last.votes, "; "), "crash: excluded")
    local first = r.agents.decisions[1]
    assert.contains(table.concat(first.votes, "; "), "crash: approve")
  end)

  it("count duplicate and ineligible votes, and a star routes through its hub", function()
    local r = run("votes")
    assert.equals(0, r.exit_code, r.errors[1])
    local a = r.agents
    assert.equals("star", a.topology)
    assert.equals(5, a.proposals)
    -- v1 approves then rejects (the second vote is a duplicate: the first stands); v2
    -- approves; the outsider's vote (it is no voter) comes first and is not eligible.
    assert.equals(5, a.votes_duplicate)
    assert.equals(5, a.votes_not_eligible)
    assert.equals(5, a.approved)
    assert.contains(a.decisions[1].reason, "approved (majority: 2 approve, 0 reject")
    assert.contains(table.concat(a.decisions[1].votes, "; "), "v1: approve (first thought)")
    -- The outsider's signals reach the hub only (v1, v2 do not subscribe to signals anyway);
    -- the hub hears one signal per bar from it.
    assert.equals(r.data.bars, agent(r, "outsider").sent - 5) -- its signals, plus its 5 votes
  end)

  it("refuse orders from an agent that is not an executor", function()
    local r = run("hostile_order")
    assert.equals(1, r.exit_code)
    assert.contains(r.errors[1], "sneaky.lua:4:")
    assert.contains(r.errors[1], "only an executor agent places orders")
    assert.equals(0, r.metrics.num_orders)
  end)

  it("refuse unknown message fields and symbols, with the line", function()
    local r = run("hostile_bad_key")
    assert.contains(r.errors[1], "sneaky.lua:5:")
    assert.contains(r.errors[1], "'symbl'")
    r = run("hostile_bad_symbol")
    assert.contains(r.errors[1], "unknown symbol 'NOPE'")
  end)

  it("cap a message storm", function()
    local r = run("hostile_storm")
    assert.equals(1, r.exit_code)
    assert.contains(r.errors[1], "a message storm")
  end)

  it("stop a message loop with a clear error", function()
    local r = run("loop")
    assert.equals(1, r.exit_code)
    assert.equals("stopped: a message loop", r.status)
    assert.contains(r.errors[1], "still exchanging messages after 1000 rounds")
  end)

  it("validate the agents' keys in bundle.lua", function()
    local ok, err = pcall(nt.backtest.run, FIX .. "bad_hub", { quiet = true })
    assert.is_false(ok)
    assert.contains(err, "hub")
    assert.contains(err, "no agent is named 'y'")
  end)
end)
