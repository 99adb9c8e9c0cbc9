-- Benchmark bundle: bench_engine replaces the data with generated bars.
return {
  name = "bench_bracket_every_bar",
  strategy = "strategy.lua",
  data = { { file = "../../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "X" } },
  capital = 1e12,
  commission = { per_share = 0.001 },
  history = 64,
}
