-- DTW pattern matching on the S&P 500 index, daily bars 2000-2020.
return {
  name = "dtw_pattern",
  description = "Find the past windows most like the last W closes (DTW, z-normalised); trade when what followed them agrees",
  strategy = "strategy.lua",
  data = { { file = "../../examples/data/sp500_index_ohlcv_daily_2000_2020.csv", symbol = "SPX" } },
  params = {
    symbol = "SPX",
    window = 20,       -- W: bars in the pattern
    horizon = 5,       -- H: bars after a match whose return is its outcome
    k = 10,            -- matches looked at
    band = 2,          -- Sakoe-Chiba half-width, in bars
    lookback = 1000,   -- bars of history searched
    min_agreement = 0.7, -- share of matches whose outcome has the sign of the mean outcome
    min_edge = 0.002,  -- |mean outcome| needed to trade
    stop_k = 1.5,      -- stop-loss at entry * (1 -/+ stop_k * spread of outcomes)
    take_k = 1.5,      -- take-profit at entry * (1 +/- take_k * spread of outcomes)
    fraction = 0.95,   -- share of cash per position
    allow_short = false,
  },
  history = 1100,
  capital = 100000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
}
