-- A trading swarm on the S&P 500 (docs/agents.md): three analysts publish signals, a portfolio
-- agent proposes trades from the combined signals, a risk agent (with a veto) and two analysts
-- vote, and an executor places the approved orders.
return {
  name = "swarm",
  description = "Three analysts, a portfolio proposer, a risk voter with a veto and an executor, by quorum",
  agents = {
    { name = "dtw", file = "agents/dtw.lua", role = "analyst", subscribe = { "bars" } },
    { name = "momentum", file = "agents/momentum.lua", role = "analyst", subscribe = { "bars", "proposals" } },
    { name = "meanrev", file = "agents/meanrev.lua", role = "analyst", subscribe = { "bars", "proposals" } },
    { name = "risk", file = "agents/risk.lua", role = "risk", subscribe = { "bars", "proposals" } },
    { name = "portfolio", file = "agents/portfolio.lua", role = "portfolio", subscribe = { "signals", "decisions", "liveness" } },
    { name = "executor", file = "agents/executor.lua", role = "executor", subscribe = { "proposals", "decisions" } },
  },
  topology = "mesh",
  quorum = {
    rule = "majority",
    deadline_ms = 60000,
    voters = { { name = "risk", veto = true }, "momentum", "meanrev" },
  },
  data = {
    { file = "../data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX" },
  },
  params = {
    symbol = "SPX",
    fast = 20, slow = 100,        -- momentum: SMA crossover
    z_window = 20, z_entry = 1.5,  -- mean reversion: z-score of the close
    window = 20, horizon = 5, k = 5, lookback = 500, band = 2, -- DTW analyst
    threshold = 0.5,               -- portfolio: |combined score| to be in the market
    fraction = 0.9,                -- portfolio: share of equity when long
    var_limit = 0.04,              -- risk: 99% one-day historical VaR of the position / equity
    var_window = 250,
  },
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
  limits = { allow_short = false },
  history = 1000,
  seed = 7,
}
