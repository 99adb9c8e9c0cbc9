-- Spec of the swarm example: the run is deterministic (byte-identical reports), every
-- decision follows from its logged votes under the bundle's rule (majority of risk, momentum
-- and meanrev, risk's reject a veto), and the executor placed exactly the approved trades.
local bt = require "nt.backtest"

local DIR = spec_dir

describe("swarm", function()
  local r = bt.run(DIR, { quiet = true })

  it("completes with every agent up", function()
    assert.equals(0, r.exit_code, r.errors[1])
    for _, a in ipairs(r.agents.list) do assert.equals("up", a.status, a.name) end
    assert.equals(0, r.agents.bad_messages)
  end)

  it("gives a byte-identical report when run again", function()
    local again = bt.run(DIR, { quiet = true })
    assert.equals(r.json, again.json)
  end)

  it("decides each proposal as its votes say (majority, risk's reject a veto)", function()
    local a = r.agents
    assert.is_true(a.proposals > 20)
    assert.equals(a.proposals, a.approved + a.rejected)
    assert.equals(a.proposals, #a.decisions)
    local vetoes = 0
    for _, d in ipairs(a.decisions) do
      local yes, no, veto = 0, 0, false
      for _, v in ipairs(d.votes) do
        local who, choice = v:match("^(%w+): (%w+)")
        if choice == "approve" then yes = yes + 1 end
        if choice == "reject" then
          no = no + 1
          if who == "risk" then veto = true end
        end
      end
      -- 3 voters: a majority needs 2 taking a side and more approvals than rejections.
      local expect = not veto and yes > no and yes + no >= 2
      assert.equals(expect, d.approved, d.reason .. " / " .. table.concat(d.votes, "; "))
      if veto then vetoes = vetoes + 1 end
    end
    assert.is_true(vetoes > 0, "the risk agent never vetoed: the VaR limit is not exercised")
  end)

  it("places one order per approved decision, of its side and quantity", function()
    assert.equals(r.agents.approved, r.metrics.num_orders)
    local bought, sold = 0, 0
    for _, d in ipairs(r.agents.decisions) do
      if d.approved then
        if d.side == "buy" then bought = bought + d.quantity else sold = sold + d.quantity end
      end
    end
    local traded = 0
    for _, t in ipairs(r.trades) do traded = traded + t.quantity end
    -- Closed trades cover what was bought and sold again; an open position is the rest.
    local open = 0
    for _, p in ipairs(r.open_positions) do open = open + p.quantity end
    assert.equals(bought, traded + open)
    assert.equals(sold, traded)
  end)

  it("trades exactly as the same logic written as one strategy (one_strategy/)", function()
    local one = bt.run(DIR .. "/one_strategy", { quiet = true })
    assert.equals(0, one.exit_code, one.errors[1])
    assert.equals(#one.trades, #r.trades)
    for i, t in ipairs(one.trades) do
      local s = r.trades[i]
      assert.equals(t.entry_time, s.entry_time)
      assert.equals(t.exit_time, s.exit_time)
      assert.equals(t.quantity, s.quantity)
      assert.equals(t.pnl, s.pnl)
    end
    assert.equals(one.metrics.final_equity, r.metrics.final_equity)
  end)
end)
