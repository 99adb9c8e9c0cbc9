-- The full agent cycle of bench/scripts/agent_cycle.sh: at every bar three analysts signal,
-- the portfolio proposes (buy and sell in turn), risk and two analysts vote, the quorum
-- decides and the executor places the order, which fills at the next bar.
return {
  name = "cycle",
  agents = {
    { name = "a1", file = "analyst.lua", role = "analyst", subscribe = { "bars", "proposals" } },
    { name = "a2", file = "analyst.lua", role = "analyst", subscribe = { "bars", "proposals" } },
    { name = "a3", file = "analyst.lua", role = "analyst", subscribe = { "bars" } },
    { name = "risk", file = "risk.lua", role = "risk", subscribe = { "proposals" } },
    { name = "portfolio", file = "portfolio.lua", role = "portfolio", subscribe = { "signals", "decisions" } },
    { name = "executor", file = "executor.lua", role = "executor", subscribe = { "proposals", "decisions" } },
  },
  quorum = { rule = "majority", voters = { { name = "risk", veto = true }, "a1", "a2" } },
  data = { { file = "../../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX" } },
  capital = 1e9,
}
