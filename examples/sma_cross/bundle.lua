-- SMA crossover on the S&P 500 index, daily bars 2000-2020 (the default example bundle).
return {
  name = "sma_cross",
  description = "Long the S&P 500 while the fast SMA is above the slow SMA, flat otherwise",
  strategy = "strategy.lua",
  data = {
    { file = "../data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX",
      columns = { close = "close" } },
  },
  params = { fast = 50, slow = 200, fraction = 0.95 },
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
}
