-- A 20-day breakout on the S&P 500 with a bracket: a 5% trailing stop and a 10% target.
return {
  name = "sp500_breakout",
  description = "Buy a 20-day closing high of the S&P 500; exit by a 5% trailing stop or a 10% target",
  strategy = "strategy.lua",
  data = {
    { file = "../data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX" },
  },
  params = { lookback = 20, trail = 0.05, target = 0.10, fraction = 0.95 },
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
  limits = { allow_short = false },
}
