-- The Dow Jones 30 (daily closes 1991-2000) held long, sized by fractional Kelly and scaled to
-- a 99% one-day VaR budget. ntrun exec examples/dj30_risk/var_backtest.lua backtests the VaR.
return {
  name = "dj30_risk",
  description = "Dow Jones 30 long-only, fractional Kelly weights scaled to a VaR budget, monthly rebalance",
  strategy = "strategy.lua",
  data = {
    { file = "../data/dowjones30_daily_1991_2000.csv", layout = "wide",
      symbols = { "AA", "AXP", "T", "BA", "CAT", "C", "KO", "DD", "EK", "XOM", "GE", "GM", "HWP", "HD", "HON",
        "INTC", "IBM", "IP", "JPM", "JNJ", "MCD", "MRK", "MSFT", "MMM", "MO", "PG", "SBC", "UTX", "WMT", "DIS" } },
  },
  params = {
    lookback = 250,        -- daily returns used for Kelly and VaR
    rebalance = 21,        -- bars between rebalances
    confidence = 0.99,
    var_method = "historical",
    var_budget = 0.02,     -- 1-day portfolio VaR, fraction of equity
    kelly_fraction = 0.5,  -- half Kelly
    kelly_cap = 0.10,      -- largest weight per stock
    max_leverage = 1.0,    -- sum of weights
  },
  history = 300,
  capital = 1000000,
  commission = { per_share = 0.005, minimum = 1.0 },
  slippage = { model = "percentage", value = 0.0005 },
}
