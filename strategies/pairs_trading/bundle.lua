-- Pairs trading on AUD/USD against NZD/USD (FRED H.10 noon rates, daily, 1971-2024).
return {
  name = "pairs_trading",
  description = "Rolling-OLS hedged AUD/NZD spread, traded on its z-score (enter at +/-entry, exit near 0, stop beyond stop)",
  strategy = "strategy.lua",
  data = {
    -- Wide file: one close per symbol and day, empty where a rate was not fixed that day.
    { file = "../data/fx_fred_h10_audnzd_daily_1971_2024.csv", layout = "wide", symbols = { "DEXUSAL", "DEXUSNZ" } },
  },
  params = {
    y = "DEXUSAL", -- the leg regressed (bought when the spread is cheap)
    x = "DEXUSNZ", -- the hedge leg, beta units of it per unit of y
    lookback = 60, -- bars (days when both rates exist) of the rolling OLS y = alpha + beta * x
    z_window = 20, -- bars over which the OLS residual is standardised
    entry = 2.0, -- open when |z| exceeds this ...
    exit = 0.5, -- ... close when the spread is back inside +/- exit (or overshot it)
    stop = 4.0, -- ... or when |z| exceeds this (no new entry until |z| < exit again)
    notional = 50000, -- USD in the y leg at entry; the x leg is beta times the y quantity
  },
  capital = 100000,
  -- About 0.2 bp of the traded value a fill, roughly an institutional FX spot cost.
  commission = { per_value = 0.00002 },
  slippage = { model = "none" },
  -- Two legs of up to ~notional each on a 100,000 account need a margin account.
  limits = { max_leverage = 3 },
}
