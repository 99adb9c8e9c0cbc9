-- Mean reversion on the S&P 500 index, daily bars 2000-2020: Bollinger bands + Wilder RSI.
return {
  name = "mean_reversion",
  description = "Buy the S&P 500 when it closes below its lower Bollinger band with RSI oversold; sell at the middle band or once RSI recovers",
  strategy = "strategy.lua",
  data = {
    { file = "../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX" },
  },
  params = {
    symbol = "SPX",
    bb_window = 20, -- bars of the Bollinger middle band (SMA) and of its sample standard deviation
    bb_k = 2.0, -- band width in standard deviations
    rsi_window = 14, -- Wilder RSI period
    oversold = 30, -- buy only while RSI is below this ...
    exit_rsi = 50, -- ... and sell once RSI is above this, or the close is above the middle band
    fraction = 0.95, -- of equity put in at entry
  },
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
}
