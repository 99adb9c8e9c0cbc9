-- Benchmark bundle: bench_engine replaces the data with generated bars.
return {
  name = "bench_sma_cross",
  strategy = "strategy.lua",
  data = { { file = "../../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "X" } },
  params = { fast = 10, slow = 30 },
  capital = 1e12,
  commission = { per_share = 0.001 },
  history = 64,
}
