// Risk primitives: VaR and CVaR (expected shortfall) by historical simulation, parametric
// normal, Cornish-Fisher, Monte Carlo (multivariate normal / Student-t via Cholesky, Philox
// streams) and bootstrap; VaR backtests (Kupiec, Christoffersen); covariance estimators;
// Kelly sizing. Sign conventions and formulas: docs/risk.md.
//
// Conventions:
//   - returns are simple period returns (fractions, e.g. -0.02 for a 2% loss);
//   - VaR and CVaR are reported as POSITIVE loss fractions at confidence c in (0, 1):
//     VaR = -q_{1-c}(R), CVaR = -E[R | R <= -VaR], and CVaR >= VaR always;
//   - horizon h >= 1 periods: simulated methods compound h daily steps (prod(1 + r) - 1);
//     parametric methods scale mean by h and volatility by sqrt(h);
//   - every entry point validates its input and throws std::invalid_argument naming the
//     argument ("bad 'confidence' argument: must be in (0, 1) (got 1.5)").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ntrun::compute::risk {

enum class method : std::uint8_t {
  historical = 0,      ///< empirical quantile of the returns
  age_weighted = 1,    ///< historical with weights lambda^(age) (Boudoukh-Richardson-Whitelaw)
  filtered = 2,        ///< volatility-filtered historical (Hull-White, EWMA lambda)
  normal = 3,          ///< parametric normal
  cornish_fisher = 4,  ///< normal quantile adjusted for sample skewness and excess kurtosis
  monte_carlo = 5,     ///< multivariate normal (or Student-t, see `dof`) via Cholesky
  bootstrap = 6,       ///< resampled historical days (i.i.d. bootstrap)
};

struct var_options {
  method how = method::historical;
  double confidence = 0.99;
  std::int64_t horizon = 1;     ///< periods
  std::int64_t sims = 10'000;   ///< monte_carlo, bootstrap
  std::uint64_t seed = 0;       ///< monte_carlo, bootstrap: same seed, same numbers, any threads
  double lambda = 0.98;         ///< age_weighted decay; filtered: EWMA decay (0.94 is RiskMetrics)
  double dof = 0;               ///< monte_carlo: 0 = normal, > 2 = Student-t degrees of freedom
  /// Non-positive-definite covariance in monte_carlo: false = error, true = nearest-PSD repair
  /// (eigenvalue clipping, docs/risk.md).
  bool repair_covariance = false;
};

struct var_result {
  double var = 0;   ///< positive loss fraction
  double cvar = 0;  ///< expected shortfall, >= var
  double mean = 0;  ///< mean horizon return used or simulated
  double stdev = 0; ///< its standard deviation
  std::int64_t observations = 0;  ///< returns used, or paths simulated
  std::string method;             ///< e.g. "monte_carlo (student-t, 5 dof)"
};

/// VaR/CVaR of one return series.
[[nodiscard]] var_result value_at_risk(std::span<const double> returns, const var_options& opt);

/// VaR/CVaR of a portfolio: weights (sum need not be 1; short weights allowed) against a
/// row-major returns matrix (rows = periods, cols = assets, cols == weights.size()).
/// Historical-type methods use the portfolio return series; normal / cornish_fisher use the
/// sample covariance; monte_carlo simulates the assets jointly.
[[nodiscard]] var_result portfolio_var(std::span<const double> weights,
                                       std::span<const double> returns, std::size_t cols,
                                       const var_options& opt);

// ---- VaR backtesting -------------------------------------------------------------------
struct backtest_result {
  std::int64_t observations = 0;
  std::int64_t exceptions = 0;      ///< periods with loss > VaR
  double expected_rate = 0;         ///< 1 - confidence
  double observed_rate = 0;
  double kupiec_lr = 0;             ///< proportion of failures LR, chi2(1)
  double kupiec_p = 0;
  double christoffersen_lr = 0;     ///< independence LR, chi2(1)
  double christoffersen_p = 0;
  double conditional_lr = 0;        ///< kupiec + independence, chi2(2)
  double conditional_p = 0;
};
/// `returns[t]` against the VaR forecast `var[t]` made before period t (positive losses).
[[nodiscard]] backtest_result backtest_var(std::span<const double> returns,
                                           std::span<const double> var, double confidence);

// ---- covariance, volatility, beta ------------------------------------------------------
enum class cov_method : std::uint8_t { sample = 0, ewma = 1, ledoit_wolf = 2 };
/// cols x cols covariance (row-major) of a row-major returns matrix; ewma uses `lambda`.
[[nodiscard]] std::vector<double> covariance(std::span<const double> returns, std::size_t cols,
                                             cov_method how, double lambda = 0.94,
                                             double* shrinkage_out = nullptr);
[[nodiscard]] std::vector<double> correlation(std::span<const double> covariance,
                                              std::size_t cols);
[[nodiscard]] double volatility(std::span<const double> returns);  ///< sample stdev (n-1)
[[nodiscard]] double beta(std::span<const double> asset, std::span<const double> market);

// ---- Kelly -----------------------------------------------------------------------------
/// f = (p*b - q)/b for win probability p and payoff ratio b (win/loss), times `fraction`,
/// clamped to [-cap, cap] (cap > 0).
[[nodiscard]] double kelly(double p, double b, double fraction = 1.0, double cap = 1.0);
/// Kelly from a return history: p = share of positive returns, b = mean win / |mean loss|.
[[nodiscard]] double kelly_from_returns(std::span<const double> returns, double fraction = 1.0,
                                        double cap = 1.0);
/// Multi-asset Kelly: w = fraction * Sigma^-1 mu, scaled down so sum |w| <= max_leverage.
[[nodiscard]] std::vector<double> kelly_portfolio(std::span<const double> mu,
                                                  std::span<const double> covariance,
                                                  double fraction = 1.0,
                                                  double max_leverage = 1.0);
/// Expected log growth per period of holding weights w: E[log(1 + w.r)] over the history.
[[nodiscard]] double expected_log_growth(std::span<const double> weights,
                                         std::span<const double> returns, std::size_t cols);

}  // namespace ntrun::compute::risk
