---@meta nt
-- LuaLS annotation stubs of the `nt` library and the strategy host (hand-written, held to the
-- real exports both ways by tests/lua/stubs_spec.lua). Never loaded at run time: point LuaLS at scripts/types
-- (workspace.library) for completion and type checks in strategies, research scripts and specs.

-- ---------------------------------------------------------------------------------------------
-- nt
-- ---------------------------------------------------------------------------------------------

---The `nt` library: arrays, indicators, time and JSON helpers, and (trusted scripts only)
---backtests. Strategies get it as the global `nt` and through `require "nt"`.
---@class nt
---@field version string ntrun's version, e.g. "0.1.0".
---@field abi_version integer The C ABI version this library speaks (checked against the host at load).
---@field ind nt.ind Technical indicators.
---@field dtw nt.dtw Dynamic time warping: distance, path, batches, nearest neighbours, subsequence search.
---@field time nt.time Timestamp helpers (UTC).
---@field json nt.json A strict JSON decoder.
---@field msg nt.msg Message builders for agents (docs/agents.md).
---@field risk nt.risk VaR/CVaR, VaR backtests, covariance, volatility, beta, Kelly sizing.
---@field stats nt.stats Performance statistics: Sharpe, Sortino, drawdowns, Omega, tail ratio.
---@field backtest nt.backtest Backtests from Lua; only in trusted states (`ntrun exec`, `ntrun test`).
nt = {}

---A new host-owned float64 array: `nt.array(n)` is zero-filled with length n; `nt.array(t)`
---copies a table of numbers; `nt.array(a)` copies an array or a series view.
---@param n integer Length, >= 0.
---@return nt.Array
---@overload fun(values: number[]): nt.Array
---@overload fun(copy_of: nt.Array|nt.SeriesView): nt.Array
function nt.array(n) end

---True when `x` is an nt.array (a series view is not).
---@param x any
---@return boolean
function nt.is_array(x) end

-- ---------------------------------------------------------------------------------------------
-- Arrays and series views
-- ---------------------------------------------------------------------------------------------

---Anything a series argument accepts: an nt.array, a history view or a table of numbers.
---@alias nt.Series nt.Array|nt.SeriesView|number[]

---A host-owned float64 array, indexed 1..#a (out-of-range or fractional indexes raise).
---`#a` is its length. Freed by the garbage collector.
---@class nt.Array
---@field data ffi.cdata* Pointer to the first value (0-based, for FFI code).
---@field len integer Length (an int64 cdata field; prefer `#a`).
---@operator len: integer
local Array = {}

---Sum of the values (0 when empty).
---@return number
function Array:sum() end

---Mean of the values (NaN when empty).
---@return number
function Array:mean() end

---The k-th value from the end (k = 1, the default, is the last); nil past the start.
---@param k? integer
---@return number?
function Array:last(k) end

---A fresh Lua table with the values.
---@return number[]
function Array:totable() end

---The length, like `#a`.
---@return integer
function Array:length() end

---Sets every value to v; returns the array.
---@param v number
---@return nt.Array
function Array:fill(v) end

---A read-only view of values i..j (1-based, inclusive; j defaults to #a; j = i - 1 gives an
---empty view) without a copy: later writes to the array show through it. The view does not
---keep the array alive: keep a reference to the array for as long as you use the view.
---Raises "bad range to slice" unless 1 <= i, i - 1 <= j <= #a (whole numbers).
---@param i integer
---@param j? integer
---@return nt.SeriesView
function Array:slice(i, j) end

---A read-only view of host memory (no copy), as returned by ctx:history: valid until the
---next bar of its symbol. Same read methods as nt.array, no :fill; writes raise. Copy it
---with `nt.array(view)` to keep or change the values.
---@class nt.SeriesView
---@field data ffi.cdata* Pointer to the first value (0-based).
---@field len integer Length (an int64 cdata field; prefer `#v`).
---@operator len: integer
local SeriesView = {}

---@return number
function SeriesView:sum() end
---@return number
function SeriesView:mean() end
---@param k? integer
---@return number?
function SeriesView:last(k) end
---@return number[]
function SeriesView:totable() end
---@return integer
function SeriesView:length() end
---A view of values i..j of this view (1-based, inclusive; j defaults to #v), without a copy;
---valid as long as this view's memory is (a history view: until the next bar of its symbol).
---@param i integer
---@param j? integer
---@return nt.SeriesView
function SeriesView:slice(i, j) end

-- ---------------------------------------------------------------------------------------------
-- nt.ind
-- ---------------------------------------------------------------------------------------------

---Technical indicators computed by the host, each two ways: `nt.ind.sma(20)` is an
---incremental object (`o:update(x)` returns the new value, O(1)); `nt.ind.sma(series, 20)`
---computes the whole series into an nt.array (NaN during warm-up). Updates refuse NaN;
---bad windows raise `bad 'window' argument: ...`.
---@class nt.ind
nt.ind = {}

---An incremental single-value indicator.
---@class nt.ind.Indicator
---@field window integer
---@field value number The last value returned by update (NaN before the first warm value).
local Indicator = {}

---Feeds one value; returns the indicator's value (NaN while warming up).
---@param x number Finite.
---@return number
function Indicator:update(x) end

---Rolling sample standard deviation (n - 1), which also tells the window mean and z-score.
---@class nt.ind.Std: nt.ind.Indicator
local Std = {}
---Mean of the current window (NaN until warm).
---@return number
function Std:mean() end
---(last x - mean) / std of the current window; NaN when std is 0 or not warm.
---@return number
function Std:zscore() end

---Simple moving average of the last `window` values; NaN until `window` values.
---@param window integer >= 1
---@return nt.ind.Indicator
---@overload fun(series: nt.Series, window: integer): nt.Array
function nt.ind.sma(window) end

---Exponential moving average, alpha = 2 / (window + 1), seeded with the SMA of the first
---`window` values.
---@param window integer >= 1
---@return nt.ind.Indicator
---@overload fun(series: nt.Series, window: integer): nt.Array
function nt.ind.ema(window) end

---Relative strength index with Wilder's smoothing, 0..100; NaN until window + 1 values,
---50 when nothing moved.
---@param window integer >= 1
---@return nt.ind.Indicator
---@overload fun(series: nt.Series, window: integer): nt.Array
function nt.ind.rsi(window) end

---Rolling sample standard deviation (n - 1 denominator).
---@param window integer >= 2
---@return nt.ind.Std
---@overload fun(series: nt.Series, window: integer): nt.Array
function nt.ind.std(window) end

---Rolling z-score (x - mean) / std over the window that includes x; NaN when std is 0.
---@param window integer >= 2
---@return nt.ind.Std update(x) returns the z-score.
---@overload fun(series: nt.Series, window: integer): nt.Array
function nt.ind.zscore(window) end

---@class nt.ind.Macd
local Macd = {}
---@param x number
---@return number macd EMA(fast) - EMA(slow)
---@return number signal EMA(signal) of macd, fed from the first defined macd
---@return number hist macd - signal
function Macd:update(x) end

---MACD. Object form: `nt.ind.macd(fast, slow?, signal?)` (defaults 26 and 9);
---series form: `nt.ind.macd(series, fast?, slow?, signal?)` (defaults 12, 26, 9) returns
---three arrays macd, signal, hist. fast must be < slow.
---@param fast integer
---@param slow? integer
---@param signal? integer
---@return nt.ind.Macd
---@overload fun(series: nt.Series, fast?: integer, slow?: integer, signal?: integer): nt.Array, nt.Array, nt.Array
function nt.ind.macd(fast, slow, signal) end

---@class nt.ind.BBands
local BBands = {}
---@param x number
---@return number middle SMA of the window
---@return number upper middle + k * sample std
---@return number lower middle - k * sample std
function BBands:update(x) end

---Bollinger bands (window >= 2, k >= 0, default 2). The series form returns three arrays
---middle, upper, lower.
---@param window integer
---@param k? number
---@return nt.ind.BBands
---@overload fun(series: nt.Series, window: integer, k?: number): nt.Array, nt.Array, nt.Array
function nt.ind.bbands(window, k) end

---@class nt.ind.Atr
---@field window integer
---@field value number
local Atr = {}
---Feeds one bar's high, low and close (or a bar); returns the ATR (NaN until warm).
---@param high number
---@param low number
---@param close number
---@return number
---@overload fun(self: nt.ind.Atr, bar: nt.Bar): number
function Atr:update(high, low, close) end

---Average true range, Wilder-smoothed; the first bar's true range is high - low.
---@param window integer >= 1
---@return nt.ind.Atr
---@overload fun(high: nt.Series, low: nt.Series, close: nt.Series, window: integer): nt.Array
function nt.ind.atr(window) end

---Log returns: out[1] = NaN, out[i] = log(x[i] / x[i-1]); every x must be > 0.
---@param series nt.Series
---@return nt.Array
function nt.ind.log_returns(series) end

---Simple returns: out[1] = NaN, out[i] = x[i] / x[i-1] - 1.
---@param series nt.Series
---@return nt.Array
function nt.ind.pct_returns(series) end

---@class nt.ind.Ols
local Ols = {}
---Feeds one (y, x) point.
---@param y number
---@param x number
---@return number beta slope of y on x over the window
---@return number alpha intercept
---@return number spread the latest point's residual y - alpha - beta * x
---@return number r2 coefficient of determination (NaN while var(y) is 0)
function Ols:update(y, x) end

---Rolling OLS hedge ratio of y on x (window >= 2); NaN until warm or while var(x) is 0.
---The series form returns three arrays beta, alpha, spread.
---@param window integer
---@return nt.ind.Ols
---@overload fun(y: nt.Series, x: nt.Series, window: integer): nt.Array, nt.Array, nt.Array
function nt.ind.ols(window) end

-- ---------------------------------------------------------------------------------------------
-- nt.dtw
-- ---------------------------------------------------------------------------------------------

---Dynamic time warping computed by the host (definitions: docs/dtw.md, docs/dtw_search.md),
---over nt.arrays, series views or tables of numbers, without copying host memory. Indices in
---results are 1-based. Series must be non-empty and finite; a bad argument raises an error
---naming it, e.g. "nt.dtw.distance: bad 'band' argument: a band of 1 leaves no warping path
---between lengths 3 and 5; ...".
---@class nt.dtw
nt.dtw = {}

---@alias nt.dtw.Cost "abs"|"sq"

---Options of nt.dtw.distance, similarity and path.
---@class nt.dtw.Options
---@field cost? nt.dtw.Cost "abs" (default): the sum of |a_i - b_j| along the best path; "sq": the square root of the sum of (a_i - b_j)^2 (dtaidistance's convention).
---@field band? integer Sakoe-Chiba half-width: only cells with |i - j| <= band; a whole number >= 0 and >= |#a - #b| (else no warping path: an error). Default none; any band >= max(#a, #b) is the same as none.

---Options of nt.dtw.batch. With `stride`, the second argument is one series and the query is
---compared with its windows.
---@class nt.dtw.BatchOptions: nt.dtw.Options
---@field stride? integer Step between window starts (>= 1); required to compare with the windows of one series.
---@field length? integer Window length (>= 1); default the query's length.

---Options of nt.dtw.knn.
---@class nt.dtw.KnnOptions: nt.dtw.Options
---@field k? integer Neighbours wanted, >= 1 (default 1); more than there are returns them all.
---@field window? integer The same as band (give one of the two, not both).
---@field znorm? boolean z-normalise the query and every candidate first: (x - mean) / std with the population std; a constant series becomes all zeros.
---@field prune? boolean false runs the plain brute force (the same answer, slower); default true.

---Options of nt.dtw.search.
---@class nt.dtw.SearchOptions: nt.dtw.KnnOptions
---@field exclusion? integer Two windows whose starts are closer than this are the same match (the better one is taken; a window not taken excludes nothing). 0 (default) means the query length: no two matches overlap; 1 allows every window.

---One match of nt.dtw.knn or nt.dtw.search.
---@class nt.dtw.Match
---@field index integer The candidate's position in the list (knn) or the window's first index in the series (search), 1-based.
---@field distance number Its DTW distance to the query (after z-normalisation when asked).

---The DTW distance of two series.
---@param a nt.Series
---@param b nt.Series
---@param opts? nt.dtw.Options
---@return number
function nt.dtw.distance(a, b, opts) end

---clamp(1 - d / (#a + #b), 0, 1) with d the abs-cost distance: 1 for identical series, 0 for
---far apart ones. cost = "sq" raises.
---@param a nt.Series
---@param b nt.Series
---@param opts? nt.dtw.Options
---@return number similarity In [0, 1].
function nt.dtw.similarity(a, b, opts) end

---The alignment path from {1, 1} to {#a, #b} (each step (0,1), (1,0) or (1,1); on ties the
---diagonal, then (i, j-1), then (i-1, j), looking back from the end), and the distance, which
---is the cost summed along it.
---@param a nt.Series
---@param b nt.Series
---@param opts? nt.dtw.Options
---@return integer[][] path Pairs {i, j}, 1-based.
---@return number distance
function nt.dtw.path(a, b, opts) end

---Distances of the query to each candidate of a list (any lengths), in input order, bit for
---bit what nt.dtw.distance returns; or, with opts.stride, to the windows
---series[s .. s + length - 1] for s = 1, 1 + stride, ... (floor((#series - length) / stride) + 1
---of them).
---@param query nt.Series
---@param candidates nt.Series[]
---@param opts? nt.dtw.Options
---@return nt.Array distances
---@overload fun(query: nt.Series, series: nt.Series, opts: nt.dtw.BatchOptions): nt.Array
function nt.dtw.batch(query, candidates, opts) end

---The k candidates nearest the query, best first (ties: the lower index).
---@param query nt.Series
---@param candidates nt.Series[] At least one; with a band, lengths within band of the query's.
---@param opts? nt.dtw.KnnOptions
---@return nt.dtw.Match[]
function nt.dtw.knn(query, candidates, opts) end

---Subsequence search: the k best windows of length #query in `series`, best first (ties: the
---lower start), none starting closer than the exclusion zone to a better one taken; fewer
---than k when the series has no room for more. Equal to the brute force (docs/dtw_search.md).
---@param query nt.Series
---@param series nt.Series At least as long as the query.
---@param opts? nt.dtw.SearchOptions
---@return nt.dtw.Match[]
function nt.dtw.search(query, series, opts) end

---The SIMD kernel the host picked on this machine.
---@return "avx512"|"avx2"|"scalar"
function nt.dtw.kernel() end

-- ---------------------------------------------------------------------------------------------
-- nt.risk
-- ---------------------------------------------------------------------------------------------

---VaR and CVaR (expected shortfall), VaR backtests, covariance, volatility, beta and Kelly
---sizing, computed by the host (compute/risk). VaR and CVaR are positive loss fractions of
---simple returns; CVaR >= VaR. Definitions: docs/risk.md. Bad input raises
---"nt.risk.FN: bad 'ARG' argument: ...".
---@class nt.risk
nt.risk = {}

---@alias nt.risk.Method "historical"|"age_weighted"|"filtered"|"normal"|"cornish_fisher"|"monte_carlo"|"bootstrap"
---@alias nt.risk.CovMethod "sample"|"ewma"|"ledoit_wolf"
---@alias nt.risk.Matrix number[][] A square matrix as a table of rows.

---Options of nt.risk.var and nt.risk.portfolio_var; an unknown key raises.
---@class nt.risk.VarOptions
---@field method? nt.risk.Method Default "historical".
---@field confidence? number In (0, 1); default 0.99.
---@field horizon? integer Periods >= 1 (default 1): overlapping compounded windows (historical family), sqrt(h) scaling (parametric), h compounded steps (simulated).
---@field sims? integer Paths of monte_carlo and bootstrap, in [1, 1e9]; default 10,000.
---@field seed? integer Random123 Philox key of monte_carlo and bootstrap (default 0): same seed, same numbers on any thread count.
---@field lambda? number Decay in (0, 1]: age_weighted default 0.98, filtered (EWMA volatility) default 0.94.
---@field dof? number monte_carlo: 0 (default) normal, > 2 multivariate Student-t with that many degrees of freedom.
---@field repair? boolean monte_carlo: clip a covariance that is not positive definite to the nearest PSD one instead of raising.

---nt.risk.var / nt.risk.portfolio_var's result.
---@class nt.risk.VarResult
---@field var number Value at Risk, a positive loss fraction (negative when the worst outcomes are gains).
---@field cvar number Expected shortfall: the mean loss of the worst 1 - confidence; >= var.
---@field mean number Mean of the horizon returns used or simulated (weighted for age_weighted).
---@field stdev number Their sample standard deviation (n - 1; 0 for one value).
---@field observations integer Returns (windows) used or paths simulated.
---@field method string E.g. "historical", "monte_carlo (student-t, 5 dof)".

---nt.risk.backtest's result: Kupiec proportion-of-failures, Christoffersen independence and
---conditional coverage tests (small p-values reject the VaR model).
---@class nt.risk.BacktestResult
---@field observations integer
---@field exceptions integer Periods with -return > var.
---@field expected_rate number 1 - confidence.
---@field observed_rate number exceptions / observations.
---@field kupiec_lr number
---@field kupiec_p number chi2(1) p-value of kupiec_lr.
---@field christoffersen_lr number
---@field christoffersen_p number chi2(1) p-value of christoffersen_lr.
---@field conditional_lr number kupiec_lr + christoffersen_lr.
---@field conditional_p number chi2(2) p-value of conditional_lr.

---@class nt.risk.CovOptions
---@field method? nt.risk.CovMethod Default "sample" (n - 1).
---@field lambda? number ewma decay in (0, 1]; default 0.94.

---@class nt.risk.KellyOptions
---@field fraction? number Multiplier of the full Kelly fraction (default 1; 0.5 = half Kelly).
---@field cap? number The result is clamped to [-cap, cap] (default 1).

---@class nt.risk.KellyPortfolioOptions
---@field fraction? number Multiplier of covariance^-1 * mu (default 1).
---@field max_leverage? number The weights are scaled down so that sum |w| <= max_leverage (default 1).

---VaR and CVaR of a return series.
---@param returns nt.Series Simple period returns (-0.02 is a 2% loss), finite, at least one.
---@param opts? nt.risk.VarOptions
---@return nt.risk.VarResult
function nt.risk.var(returns, opts) end

---VaR and CVaR of a portfolio: constant weights (rebalanced every period, any sign) on one
---return series per asset, all of the same length.
---@param weights nt.Series One per asset.
---@param columns nt.Series[] One return series per asset.
---@param opts? nt.risk.VarOptions
---@return nt.risk.VarResult
function nt.risk.portfolio_var(weights, columns, opts) end

---Kupiec and Christoffersen tests of VaR forecasts: var[t] (a positive loss) made before
---period t; an exception is -returns[t] > var[t].
---@param returns nt.Series
---@param var nt.Series As many as returns.
---@param confidence? number The forecasts' confidence (default 0.99).
---@return nt.risk.BacktestResult
function nt.risk.backtest(returns, var, confidence) end

---Covariance matrix of one return series per asset, and the Ledoit-Wolf shrinkage intensity
---in [0, 1] (0 for the other methods).
---@param columns nt.Series[]
---@param opts? nt.risk.CovOptions
---@return nt.risk.Matrix covariance
---@return number shrinkage
function nt.risk.covariance(columns, opts) end

---Correlation matrix of a covariance matrix (exactly 1 on the diagonal).
---@param covariance nt.risk.Matrix
---@return nt.risk.Matrix
function nt.risk.correlation(covariance) end

---Sample standard deviation (n - 1) of the returns, per period.
---@param returns nt.Series
---@return number
function nt.risk.volatility(returns) end

---cov(asset, market) / var(market).
---@param asset nt.Series
---@param market nt.Series As many returns as asset.
---@return number
function nt.risk.beta(asset, market) end

---Kelly fraction, clamped to [-cap, cap]: kelly(p, b, opts) = fraction * (p b - (1 - p)) / b
---from a win probability and payoff ratio, or kelly(returns, opts) with p the share of positive
---returns and b mean gain / |mean loss| (no losses: p; no gains: -cap).
---@param p number Win probability in [0, 1].
---@param b number Payoff ratio > 0.
---@param opts? nt.risk.KellyOptions
---@return number
---@overload fun(returns: nt.Series, opts?: nt.risk.KellyOptions): number
function nt.risk.kelly(p, b, opts) end

---Multi-asset Kelly weights fraction * covariance^-1 * mu, scaled down so that
---sum |w| <= max_leverage. Raises naming 'covariance' if it is not positive definite.
---@param mu nt.Series Expected period returns, one per asset.
---@param covariance nt.risk.Matrix #mu x #mu.
---@param opts? nt.risk.KellyPortfolioOptions
---@return nt.Array
function nt.risk.kelly_portfolio(mu, covariance, opts) end

---Expected log growth per period of holding the weights: mean of log(1 + w . r_t); -inf when
---a period would lose everything.
---@param weights nt.Series One per asset.
---@param columns nt.Series[] One return series per asset.
---@return number
function nt.risk.log_growth(weights, columns) end

---The run's live limits: `nt.risk.limits(ctx)` reads them (as ctx:limits()),
---`nt.risk.limits(ctx, changes)` changes them first (as ctx:set_limits) and returns the result.
---@param ctx nt.Ctx
---@param changes? nt.Limits Keys to change; the others keep their value.
---@return nt.Limits
function nt.risk.limits(ctx, changes) end

-- ---------------------------------------------------------------------------------------------
-- nt.stats
-- ---------------------------------------------------------------------------------------------

---Performance statistics of return and equity series, computed by the host (compute/stats),
---the same code as the backtest report. Undefined values are NaN. Definitions:
---docs/metrics.md ("Statistics in nt.stats").
---@class nt.stats
nt.stats = {}

---@class nt.stats.Options
---@field periods_per_year? number > 0; default 252.
---@field risk_free? number Per-period risk-free rate (sharpe), default 0.

---@class nt.stats.SortinoOptions
---@field periods_per_year? number > 0; default 252.
---@field target? number Per-period target return, default 0.

---1-based indices of a max_drawdown.
---@class nt.stats.Drawdown
---@field peak integer Index of the peak before the deepest drawdown.
---@field trough integer Index of its trough.
---@field longest_start integer First index of the longest time under water.
---@field longest_end integer Its last index.

---Arithmetic mean.
---@param x nt.Series
---@return number
function nt.stats.mean(x) end

---Sample standard deviation (n - 1).
---@param x nt.Series
---@return number
function nt.stats.stdev(x) end

---Annualised Sharpe ratio.
---@param returns nt.Series
---@param opts? nt.stats.Options
---@return number
function nt.stats.sharpe(returns, opts) end

---Annualised Sortino ratio.
---@param returns nt.Series
---@param opts? nt.stats.SortinoOptions
---@return number
function nt.stats.sortino(returns, opts) end

---Max drawdown of an equity curve (a positive fraction) and where it lies.
---@param equity nt.Series
---@return number max_drawdown
---@return nt.stats.Drawdown info
function nt.stats.max_drawdown(equity) end

---annual_return / max_drawdown.
---@param annual_return number
---@param max_drawdown number
---@return number
function nt.stats.calmar(annual_return, max_drawdown) end

---Omega ratio: gains above the threshold / losses below it.
---@param returns nt.Series
---@param threshold? number Default 0.
---@return number
function nt.stats.omega(returns, threshold) end

---|95th percentile| / |5th percentile| of the returns.
---@param returns nt.Series
---@return number
function nt.stats.tail_ratio(returns) end

-- ---------------------------------------------------------------------------------------------
-- nt.time, nt.json
-- ---------------------------------------------------------------------------------------------

---A timestamp in nanoseconds since the epoch: an int64 cdata (bar.ts_event, ctx:now()) or a number.
---@alias nt.Timestamp ffi.cdata*|number

---Timestamp helpers, UTC.
---@class nt.time
nt.time = {}

---"YYYY-MM-DD" of a ns timestamp.
---@param ns nt.Timestamp
---@return string
function nt.time.date(ns) end

---"YYYY-MM-DDTHH:MM:SSZ" of a ns timestamp.
---@param ns nt.Timestamp
---@return string
function nt.time.iso(ns) end

---Seconds since the epoch of a ns timestamp, as a Lua number.
---@param ns nt.Timestamp
---@return number
function nt.time.seconds(ns) end

---The value JSON null decodes to (one shared table, so arrays keep their length); prints as "null".
---@class nt.json.Null

---A strict JSON decoder (RFC 8259) for reading ntrun's reports.
---@class nt.json
---@field null nt.json.Null Compare with `v == nt.json.null`.
nt.json = {}

---Decodes a JSON text. Raises "json: <what> at line L (byte B)" on malformed input.
---@param text string
---@return any
function nt.json.decode(text) end

-- ---------------------------------------------------------------------------------------------
-- nt.backtest (trusted scripts only)
-- ---------------------------------------------------------------------------------------------

---Backtests from Lua. Only in trusted states (`ntrun exec`, `ntrun test`); reading
---`nt.backtest` in a strategy raises.
---@class nt.backtest
nt.backtest = {}

---Options of nt.backtest.run; each overrides the bundle.
---@class nt.backtest.Options
---@field data? string|string[] Data file(s) replacing the bundle's, one per data entry, in order (paths relative to the working directory).
---@field from? string First date, "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]".
---@field to? string Last date (a bare date includes that whole day).
---@field capital? number Starting cash.
---@field seed? integer Seed of math.random in the strategies.
---@field skip_bad_rows? boolean Skip and count bad CSV rows (listed in warnings) instead of stopping.
---@field quiet? boolean Hide strategy log lines below warn (default true).

---Performance, risk and trade metrics (docs/metrics.md). Undefined values are nt.json.null.
---@class nt.backtest.Metrics
---@field total_return number|nt.json.Null
---@field annual_return number|nt.json.Null
---@field volatility number|nt.json.Null
---@field sharpe number|nt.json.Null
---@field sortino number|nt.json.Null
---@field calmar number|nt.json.Null
---@field max_drawdown number|nt.json.Null
---@field max_drawdown_duration_days number|nt.json.Null
---@field num_trades integer
---@field win_rate number|nt.json.Null
---@field profit_factor number|nt.json.Null
---@field avg_win number|nt.json.Null
---@field avg_loss number|nt.json.Null
---@field avg_trade number|nt.json.Null
---@field best_trade number|nt.json.Null
---@field worst_trade number|nt.json.Null
---@field exposure number|nt.json.Null
---@field turnover number|nt.json.Null
---@field commissions number
---@field final_equity number
---@field start string|nt.json.Null "YYYY-MM-DDTHH:MM:SSZ", null for an empty curve.
---@field end string|nt.json.Null
---@field num_fills integer
---@field num_orders integer
---@field num_rejected integer

---A closed round trip (flat to flat).
---@class nt.backtest.Trade
---@field symbol string
---@field side "long"|"short"
---@field entry_time string
---@field exit_time string
---@field quantity number Largest absolute position held.
---@field entry_price number VWAP of the opening fills.
---@field exit_price number VWAP of the reducing fills.
---@field pnl number Net of commissions.
---@field commission number
---@field return number|nt.json.Null pnl / |entry_price * quantity|.
---@field exit_reason "stop_loss"|"take_profit"|"trailing_stop"|"stop"|"limit"|"market" What closed it.
---@field entry_tag integer Tag of the order whose fill opened it.
---@field exit_tag integer Tag of the order whose fill closed it.

---The equity curve: the last point of each UTC day.
---@class nt.backtest.EquityPoint
---@field time string
---@field equity number
---@field cash number
---@field gross_exposure number
---@field net_exposure number

---report.json decoded, plus the run's outcome.
---@class nt.backtest.Report
---@field ntrun string Version of the host that wrote it.
---@field bundle string Bundle name.
---@field status string "completed", "stopped: strategy error in FILE" or "stopped: data error".
---@field seed integer
---@field metrics nt.backtest.Metrics
---@field trades nt.backtest.Trade[]
---@field equity nt.backtest.EquityPoint[]
---@field warnings string[] E.g. skipped bad rows, orders still open at the end.
---@field exit_code integer 0 when completed, 1 after a strategy or data error.
---@field errors string[] Strategy errors (with file:line and traceback) and data errors.
---@field json string The report.json text itself (byte-identical across identical runs).

---Runs a bundle's backtest and returns its report. Raises when the run cannot start (bad
---bundle.lua, a strategy that does not load, a missing data file); errors during the run
---stop it and show in report.errors with exit_code 1.
---@param bundle string Bundle folder.
---@param opts? nt.backtest.Options
---@return nt.backtest.Report
function nt.backtest.run(bundle, opts) end

-- ---------------------------------------------------------------------------------------------
-- The strategy host: ctx, bars, events, callbacks
-- ---------------------------------------------------------------------------------------------

---@alias nt.Side "buy"|"sell"
---@alias nt.OrderType "market"|"limit"|"stop"|"stop_limit"
---@alias nt.TimeInForce "gtc"|"day"|"ioc"|"fok"
---@alias nt.OrderStatus "submitted"|"accepted"|"rejected"|"partially_filled"|"filled"|"canceled"|"expired"
---@alias nt.Field "open"|"high"|"low"|"close"|"volume"

---Options of ctx:buy / ctx:sell. The type follows from the prices unless given: limit ->
---limit, stop -> stop, both -> stop_limit, none -> market.
---@class nt.OrderOptions
---@field limit? number Limit price.
---@field price? number Alias of limit.
---@field stop? number Stop (trigger) price.
---@field type? nt.OrderType
---@field tif? nt.TimeInForce Default "gtc".
---@field tag? integer Strategy's own tag, echoed in every event of the order.
---@field reduce_only? boolean Fills only reduce the position: cut to it, canceled without one.
---@field trail? number Trailing stop: the stop follows each close by this amount.
---@field trail_percent? number Trailing stop by a fraction of the close (0.02 = 2%).

---ctx:submit_order's argument.
---@class nt.OrderRequest: nt.OrderOptions
---@field symbol string
---@field side nt.Side
---@field quantity number > 0

---An order of ctx:submit_orders: an order table plus its links.
---@class nt.ListOrder: nt.OrderRequest
---@field parent? integer Index of an earlier order of the list: waits for its first fill (OTO).
---@field oco? any Orders sharing this key cancel each other when one fills (OCO).

---ctx:bracket's argument: the entry's fields and its exits.
---@class nt.BracketSpec
---@field symbol string
---@field side? nt.Side The entry's side (default "buy").
---@field quantity number > 0
---@field limit? number Entry limit price (else market).
---@field price? number Alias of limit.
---@field stop? number Entry stop price.
---@field type? nt.OrderType
---@field tif? nt.TimeInForce The entry's.
---@field tag? integer Tags all three orders.
---@field stop_loss? number Stop price of the protective exit.
---@field take_profit? number Limit price of the target exit.
---@field trail? number The stop-loss trails each close by this amount.
---@field trail_percent? number ... or by this fraction of the close.

---ctx:modify_order's changes; fields left out are kept.
---@class nt.OrderChanges
---@field quantity? number
---@field limit? number
---@field price? number Alias of limit.
---@field stop? number

---A snapshot of an order (ctx:order).
---@class nt.OrderInfo
---@field id integer
---@field tag integer
---@field symbol string
---@field side nt.Side
---@field type nt.OrderType
---@field tif nt.TimeInForce
---@field status nt.OrderStatus
---@field quantity number
---@field filled_qty number
---@field avg_fill_price number
---@field limit number NaN when unused.
---@field stop number NaN when unused.
---@field ts_submitted ffi.cdata* int64 ns.
---@field parent integer? The OTO parent's id.
---@field oco integer? Its OCO group: the id of the group's first order.
---@field active boolean False while it waits for its parent's first fill.
---@field reduce_only boolean
---@field role "stop_loss"|"take_profit"|nil Set by ctx:bracket.
---@field trail number? Trailing amount.
---@field trail_percent number? Trailing fraction.

---@class nt.PositionInfo
---@field quantity number Signed: > 0 long, < 0 short.
---@field avg_price number VWAP of the open side (0 when flat).
---@field realised_pnl number Gross of commissions.
---@field unrealised_pnl number quantity * (last_price - avg_price).
---@field last_price number

---@class nt.Account
---@field equity number cash + marked positions.
---@field cash number
---@field gross_exposure number sum of |quantity * last|.
---@field net_exposure number sum of quantity * last.
---@field realised_pnl number
---@field commissions number

---ctx:set_timer's table form: `every` repeats (seconds), `at` is the first fire (seconds since
---the epoch; alone it fires once); `calendar` (without `every` or `at`) fires on a calendar
---boundary (docs/strategies.md, "Calendar timers").
---@class nt.TimerSpec
---@field every? number Seconds >= 0.
---@field at? number Seconds since the epoch.
---@field calendar? nt.Calendar After the last bar of the first timestamp of each UTC month or ISO week, or of the last of each UTC day.
---@field name? string Echoed in the timer event.

---Calendar timer kinds: the first timestamp of each UTC month with data (also the run's first),
---of each ISO week (Monday-based, UTC), the last timestamp of each UTC day.
---@alias nt.Calendar "month_start"|"week_start"|"session_close"

---The circuit breaker's state (docs/fill_model.md, "Circuit breaker").
---@alias nt.RiskState "normal"|"halted"|"reducing"

---ctx:risk_info's table.
---@class nt.RiskInfo
---@field state nt.RiskState
---@field since number When the state began, seconds since the epoch.
---@field resume_at number? When the cooldown ends it (nil in normal, or when halted for good).
---@field reason "loss_window"|"max_drawdown"|nil What tripped it; nil in normal.
---@field equity number Equity at the last update.
---@field peak_equity number Since the start, or since the last resumption.
---@field drawdown number 1 - equity / peak_equity.
---@field window_loss number 1 - equity / highest equity within the loss window.
---@field trip_equity number? Equity when it last tripped (nil before the first trip).
---@field trips integer Times it tripped.

---circuit_breaker in limits: fractions of equity, seconds of simulated time; 0 = rule off.
---@class nt.BreakerLimits
---@field loss? number Halt after this fraction lost within `window` seconds.
---@field window? number Seconds; > 0 when loss is set.
---@field max_drawdown? number Halt at this fraction below the equity peak.
---@field cooldown? number Seconds halted, then as long reducing; 0 = halted for good.

---The bundle's `limits` table, ctx:limits() and ctx:set_limits' argument (docs/bundles.md).
---0 turns a limit off.
---@class nt.Limits
---@field max_position? number|table<string, number> |units| per symbol, or { SYMBOL = n }.
---@field max_notional? number|table<string, number> |position| * price per symbol.
---@field max_order_notional? number quantity * price of one order.
---@field max_gross_exposure? number Fraction of equity (1.5 = 150%).
---@field max_net_exposure? number |net exposure| as a fraction of equity.
---@field max_leverage? number Buying power: gross <= max_leverage * equity (default 1).
---@field allow_short? boolean Default true.
---@field max_orders_per_second? integer Simulated time.
---@field circuit_breaker? nt.BreakerLimits|false false turns it off.
---@field var_limit? number Historical VaR of the post-trade portfolio as a fraction of equity.
---@field var_confidence? number In (0, 1); default 0.99.
---@field var_window? integer Returns per symbol; default 250.

---A bar, read in place from the host (valid during the callback only; copy what you keep).
---@class nt.Bar
---@field ts_event ffi.cdata* Bar time, int64 ns since the epoch (UTC).
---@field ts_init ffi.cdata* When the host created the event, int64 ns.
---@field sid integer Symbol id (0-based index into ctx.symbols).
---@field flags integer Bit 0: close-only source (open = high = low = close); bit 1: the last bar of its timestamp.
---@field open number
---@field high number
---@field low number
---@field close number
---@field volume number 0 when the source has none.
---@field symbol string Computed: the symbol's name.
---@field ts ffi.cdata* Computed: same as ts_event.
---@field time number Computed: seconds since the epoch.
---@field date string Computed: "YYYY-MM-DD".
---@field last_of_time boolean Computed: the last bar of its timestamp (every symbol's bar of that time has been delivered).

---An order event passed to on_order_* callbacks: a read-only view valid during the callback
---(the same object carries the next event; copy the fields you keep).
---@class nt.OrderEvent
---@field order_id integer 0 for a rejected order (match it by tag).
---@field tag integer
---@field symbol string? nil for an unknown symbol.
---@field side nt.Side
---@field type nt.OrderType
---@field status nt.OrderStatus Status after this event.
---@field quantity number Fills: this fill's quantity; otherwise the order's.
---@field price number Fills: this fill's price after slippage; NaN otherwise.
---@field commission number Fills: this fill's commission.
---@field filled_qty number Cumulative.
---@field remaining number Order quantity - filled_qty.
---@field position number Fills: the strategy's position in the symbol after this fill (ctx:position() already counts every fill of the bar).
---@field reason string? Rejected/canceled/expired: e.g. "insufficient_cash", "canceled_by_strategy", "day_expired".
---@field ts ffi.cdata* Event time, int64 ns.
---@field time number Event time in seconds.

---A timer event passed to on_timer.
---@class nt.TimerEvent
---@field id integer The id ctx:set_timer returned.
---@field name string? The name given to ctx:set_timer.
---@field ts ffi.cdata* Scheduled time, int64 ns.
---@field time number Scheduled time in seconds.
---@field calendar nt.Calendar? The calendar of a calendar timer, nil for others.

---The strategy context passed to every callback.
---@class nt.Ctx
---@field params table The bundle's params (plain data).
---@field symbols string[] Symbols of the run, in declaration order.
---@field bundle string Bundle name.
---@field state table Free for the strategy's own state.
local Ctx = {}

---The last n values (oldest first) of a bar field, read in place from the host's ring
---buffer: fewer than n while the history is short; valid until the next bar of that symbol.
---@param symbol string
---@param field? nt.Field Default "close".
---@param n integer 0..history (the bundle's `history`, default 1000).
---@return nt.SeriesView
function Ctx:history(symbol, field, n) end

---Last close of a symbol.
---@param symbol string
---@return number
function Ctx:price(symbol) end

---Buys `quantity` of `symbol` (market unless opts give prices). Returns the order id, or nil
---and the rejection reason (e.g. "invalid_quantity", "unknown_symbol", "insufficient_cash",
---"max_position", "no_reference_price"); the rejection also reaches on_order_rejected. Bad
---argument types (a string quantity, an unknown type or tif) raise instead.
---@param symbol string
---@param quantity number
---@param opts? nt.OrderOptions
---@return integer? id
---@return string? reason
function Ctx:buy(symbol, quantity, opts) end

---Sells `quantity` of `symbol`; see ctx:buy.
---@param symbol string
---@param quantity number
---@param opts? nt.OrderOptions
---@return integer? id
---@return string? reason
function Ctx:sell(symbol, quantity, opts) end

---Submits an order described by a table; see ctx:buy.
---@param order nt.OrderRequest
---@return integer? id
---@return string? reason
function Ctx:submit_order(order) end

---Orders linked to each other, accepted or rejected as one (docs/fill_model.md, contingent
---orders). Returns the ids in list order, or nil and the failing rule.
---@param list nt.ListOrder[]
---@return integer[]? ids
---@return string? reason
function Ctx:submit_orders(list) end

---An entry with a stop-loss and/or a take-profit that wake on its first fill, cancel each other
---(OCO) and only reduce the position. Returns the three ids (nil for a leg not asked for), or
---nil and the failing rule.
---@param spec nt.BracketSpec
---@return integer? entry
---@return integer|string? stop_loss The stop-loss id, or the reason when rejected.
---@return integer? take_profit
function Ctx:bracket(spec) end

---Trades toward a target position with a market order for the difference (ignores open
---orders). Returns nil, "no_change" when already there.
---@param symbol string
---@param target number Signed target quantity.
---@param opts? nt.OrderOptions
---@return integer? id
---@return string? reason
function Ctx:order_target(symbol, target, opts) end

---Trades toward `fraction * equity / last close` units of `symbol` (signed; 0 closes) with a
---market order for the difference from this strategy's position (open orders are not
---counted; units are not rounded). Errors: an unknown symbol, a fraction that is not a finite
---number, a symbol without a price yet. Returns nil, "no_change" when already there.
---@param symbol string
---@param fraction number Of equity, e.g. 0.5; negative for a short.
---@param opts? nt.OrderOptions
---@return integer? id
---@return string? reason
function Ctx:order_target_percent(symbol, fraction, opts) end

---Trades each symbol of `weights` (fractions of equity by symbol name, e.g. `{SPX = 0.5,
---DJI = 0.3}`; 0 closes, symbols left out keep their position) toward `weight * equity / last
---close` units: every sell first, then the buys, in the order of ctx.symbols. The buys are
---scaled down together to fit cash plus the sells' proceeds at last closes (commission and
---slippage are not reserved) and the buying power the pre-trade check leaves before the sells
---fill. Errors (before any order): an unknown symbol (with the nearest name), a weight that is
---not a finite number, a symbol without a price yet.
---@param weights table<string, number>
---@param opts? nt.OrderOptions Applied to every order.
---@return table<string, integer> ids Order ids by symbol.
---@return table<string, string> reasons By symbol without an order: a rejection, "no_change", or "insufficient_cash" (nothing left for the buy).
function Ctx:order_target_weights(weights, opts) end

---Cancels an open order of this strategy; false when it is not open (or unknown).
---@param id integer
---@return boolean
function Ctx:cancel_order(id) end

---Changes an open order from the next bar on; false when refused.
---@param id integer
---@param changes nt.OrderChanges
---@return boolean
function Ctx:modify_order(id, changes) end

---A snapshot of an order, or nil for an unknown id.
---@param id integer
---@return nt.OrderInfo?
function Ctx:order(id) end

---Ids of this strategy's open orders, by id.
---@return integer[]
function Ctx:open_orders() end

---Signed position of a symbol (> 0 long, < 0 short).
---@param symbol string
---@return number
function Ctx:position(symbol) end

---@param symbol string
---@return nt.PositionInfo
function Ctx:position_info(symbol) end

---@return nt.Account
function Ctx:account() end

---Account equity: cash + marked positions.
---@return number
function Ctx:equity() end

---@return number
function Ctx:cash() end

---Simulated time in ns (int64 cdata).
---@return ffi.cdata*
function Ctx:now() end

---Simulated time in seconds since the epoch.
---@return number
function Ctx:time() end

---Simulated date, "YYYY-MM-DD" (UTC).
---@return string
function Ctx:date() end

---Sets a timer on the simulated clock: `ctx:set_timer(seconds)` repeats every `seconds` from
---now; the table form gives `every`, `at` and `name`. Timers fire before the bars of their
---time. `{calendar = "month_start"|"week_start"|"session_close", name =}` fires after the
---last bar of each timestamp on that boundary (orders placed then fill from the next
---timestamp on). Returns the timer id.
---@param every number|nt.TimerSpec
---@return integer
function Ctx:set_timer(every) end

---Cancels a timer; false when unknown.
---@param id integer
---@return boolean
function Ctx:cancel_timer(id) end

---The run's circuit breaker state: "normal", "halted" or "reducing".
---@return nt.RiskState
function Ctx:risk_state() end

---The breaker's state with its details.
---@return nt.RiskInfo
function Ctx:risk_info() end

---The run's limits, every key (per-symbol ones as { SYMBOL = n }).
---@return nt.Limits
function Ctx:limits() end

---Changes the run's limits (shared by its strategies): keys left out keep their value; a
---per-symbol or circuit_breaker table replaces the previous one. Errors name the key.
---@param changes nt.Limits
function Ctx:set_limits(changes) end

---Logs the arguments (tostring'ed, space-separated) at info level, stamped with the simulated time.
---@param ... any
function Ctx:log(...) end

---Agents: publishes a message made by nt.msg.signal{...} or nt.msg.risk{...} on its kind's topic ("signals", "risk") or on `topic`.
---@param msg table
---@param topic? string
function Ctx:publish(msg, topic) end

---Agents: proposes a trade to the quorum; the decision comes to on_decision. Returns the proposal id.
---@param t {symbol: string, side: "buy"|"sell", quantity: number, deadline_ms?: number, reason?: string}
---@return integer
function Ctx:propose(t) end

---Agents: votes on a proposal (on_proposal's return value votes for you; this is for later votes).
---@param proposal integer
---@param choice "approve"|"reject"|"abstain"
---@param opts? {weight?: number, reason?: string}
function Ctx:vote(proposal, choice, opts) end

---Logs at the given level.
---@param level "debug"|"info"|"warn"|"error"
---@param ... any
function Ctx:log_at(level, ...) end

---A strategy's callbacks: define them as globals in the strategy file, or return a table of
---them. Every one is optional.
---@class nt.Strategy
---@field on_start? fun(ctx: nt.Ctx) Once, before the first event.
---@field on_bar? fun(ctx: nt.Ctx, bar: nt.Bar) Each bar of every symbol, in time order.
---@field on_timestamp? fun(ctx: nt.Ctx, ts: ffi.cdata*) After the last bar of each timestamp (every symbol's bar of that time has been delivered): rebalance here.
---@field on_order_accepted? fun(ctx: nt.Ctx, ev: nt.OrderEvent)
---@field on_order_filled? fun(ctx: nt.Ctx, ev: nt.OrderEvent) Each fill, partial or final.
---@field on_order_rejected? fun(ctx: nt.Ctx, ev: nt.OrderEvent)
---@field on_order_canceled? fun(ctx: nt.Ctx, ev: nt.OrderEvent)
---@field on_order_expired? fun(ctx: nt.Ctx, ev: nt.OrderEvent) Falls back to on_order_canceled.
---@field on_order_modified? fun(ctx: nt.Ctx, ev: nt.OrderEvent)
---@field on_timer? fun(ctx: nt.Ctx, ev: nt.TimerEvent)
---@field on_risk_state? fun(ctx: nt.Ctx, state: nt.RiskState, info: table) The circuit breaker's state changed (info: previous, reason, ts, time).
---@field on_save? fun(ctx: nt.Ctx): table For a code reload (`ntrun run --watch`): the state to hand to the new code; default ctx.state.
---@field on_load? fun(ctx: nt.Ctx, state: table) For a code reload: takes the old code's state (sets ctx.state); default ctx.state = state.
---@field on_stop? fun(ctx: nt.Ctx) Once, after the last event (not after a strategy error).
---@field on_message? fun(ctx: nt.Ctx, msg: table) Agents: a message on a subscribed topic (a read-only view, valid during the call).
---@field on_proposal? fun(ctx: nt.Ctx, p: table): any Agents: a proposal to vote on; return "approve", "reject" or "abstain" (and a reason), or nil for no vote.
---@field on_decision? fun(ctx: nt.Ctx, d: table) Agents: the quorum's decision (d.approved, d.id, d.reason, d.votes).

-- In a strategy's environment `print` goes to the run log, `math.random` draws from the run's
-- seeded generator (same seed, same numbers) and `math.randomseed` raises; reading an
-- undefined global raises; `require` reaches nt, nt.array, nt.ind, nt.time and the bundle's
-- own Lua files only.

---@type fun(ctx: nt.Ctx)?
on_start = nil
---@type fun(ctx: nt.Ctx, bar: nt.Bar)?
on_bar = nil
---@type fun(ctx: nt.Ctx, ts: ffi.cdata*)?
on_timestamp = nil
---@type fun(ctx: nt.Ctx, ev: nt.OrderEvent)?
on_order_accepted = nil
---@type fun(ctx: nt.Ctx, ev: nt.OrderEvent)?
on_order_filled = nil
---@type fun(ctx: nt.Ctx, ev: nt.OrderEvent)?
on_order_rejected = nil
---@type fun(ctx: nt.Ctx, ev: nt.OrderEvent)?
on_order_canceled = nil
---@type fun(ctx: nt.Ctx, ev: nt.OrderEvent)?
on_order_expired = nil
---@type fun(ctx: nt.Ctx, ev: nt.OrderEvent)?
on_order_modified = nil
---@type fun(ctx: nt.Ctx, ev: nt.TimerEvent)?
on_timer = nil
---@type fun(ctx: nt.Ctx, state: nt.RiskState, info: table)?
on_risk_state = nil
---@type (fun(ctx: nt.Ctx): table)?
on_save = nil
---@type fun(ctx: nt.Ctx, state: table)?
on_load = nil
---@type fun(ctx: nt.Ctx)?
on_stop = nil
---@type fun(ctx: nt.Ctx, msg: table)?
on_message = nil
---@type (fun(ctx: nt.Ctx, p: table): any)?
on_proposal = nil
---@type fun(ctx: nt.Ctx, d: table)?
on_decision = nil

---@class nt.msg
local msg = {}
---A trading signal: symbol, direction ("long"/"short"/"flat" or 1/-1/0), strength and confidence in [0, 1], horizon (seconds), source.
---@param t {symbol: string, direction: string|integer, strength?: number, confidence?: number, horizon?: number, source?: string}
---@return table
function msg.signal(t) end
---A risk report: state ("normal", "halted", "reducing"), var, cvar, confidence, equity, gross, horizon, reason.
---@param t table
---@return table
function msg.risk(t) end

return nt
