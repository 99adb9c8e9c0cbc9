-- Time-series momentum on the S&P 500 index, daily bars 2000-2020.
return {
  name = "momentum",
  description = "Long the S&P 500 while its lookback return is above a threshold, sized to a volatility target; flat otherwise",
  strategy = "strategy.lua",
  data = {
    { file = "../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX" },
  },
  params = {
    symbol = "SPX",
    lookback = 126, -- bars (about six months) of the momentum return close[t] / close[t - lookback] - 1
    entry = 0.02, -- go long when the lookback return is above this ...
    exit = -0.02, -- ... and go flat when it falls below this (exit <= entry): a band against whipsaws
    fraction = 0.95, -- most of the equity put in at entry
    vol_target = 0.15, -- annualised volatility aimed at when sizing; 0 = always `fraction`
    vol_window = 20, -- bars of daily log returns behind the realised volatility
  },
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
}
