-- The swarm's logic as one strategy: the reference of bench/scripts/swarm_vs_strategy.sh and
-- of the swarm's spec (the same data and params give the same trades). Keep the params equal
-- to ../bundle.lua's.
return {
  name = "swarm_one_strategy",
  strategy = "strategy.lua",
  data = {
    { file = "../../data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX" },
  },
  params = {
    symbol = "SPX",
    fast = 20, slow = 100,
    z_window = 20, z_entry = 1.5,
    window = 20, horizon = 5, k = 5, lookback = 500, band = 2,
    threshold = 0.5,
    fraction = 0.9,
    var_limit = 0.04,
    var_window = 250,
  },
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
  limits = { allow_short = false },
  history = 1000,
  seed = 7,
}
