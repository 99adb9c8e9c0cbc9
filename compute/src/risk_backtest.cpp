// VaR backtests: Kupiec proportion of failures, Christoffersen independence and their sum, the
// conditional coverage test, with chi-square p-values. Formulas: docs/risk.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ntrun/compute/risk.hpp"
#include "risk_detail.hpp"

namespace ntrun::compute::risk {
namespace {

// k ln(p) with 0 ln 0 = 0: a cell with no observations contributes nothing.
double xlogy(double k, double p) {
  return k == 0 ? 0.0 : k * std::log(p);
}

// Log-likelihood of k successes in n Bernoulli(p) trials (without the binomial factor).
double bernoulli_ll(double k, double n, double p) {
  return xlogy(n - k, 1 - p) + xlogy(k, p);
}

}  // namespace

backtest_result backtest_var(std::span<const double> returns, std::span<const double> var,
                             double confidence) {
  detail::check_series(returns, "returns");
  detail::check_series(var, "var");
  if (var.size() != returns.size())
    detail::bad_argument("var", "has " + std::to_string(var.size()) + " forecasts for " +
                                    std::to_string(returns.size()) +
                                    " returns (one VaR per period, made before it)");
  detail::check_confidence(confidence);
  const std::size_t n = returns.size();
  backtest_result r{.observations = static_cast<std::int64_t>(n), .expected_rate = 1 - confidence};
  // Transition counts n_ij: period t-1 in state i, period t in state j (1 = exception).
  double n00 = 0, n01 = 0, n10 = 0, n11 = 0;
  bool prev = false;
  for (std::size_t t = 0; t < n; ++t) {
    const bool hit = -returns[t] > var[t];
    r.exceptions += hit ? 1 : 0;
    if (t > 0) (prev ? (hit ? n11 : n10) : (hit ? n01 : n00)) += 1;
    prev = hit;
  }
  const double p = r.expected_rate, x = static_cast<double>(r.exceptions);
  const auto nn = static_cast<double>(n);
  r.observed_rate = x / nn;
  r.kupiec_lr = std::max(0.0, -2 * (bernoulli_ll(x, nn, p) - bernoulli_ll(x, nn, x / nn)));
  r.kupiec_p = std::erfc(std::sqrt(r.kupiec_lr / 2));
  const double pi0 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
  const double pi1 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
  const double pi = n00 + n01 + n10 + n11 > 0 ? (n01 + n11) / (n00 + n01 + n10 + n11) : 0;
  const double restricted = bernoulli_ll(n01 + n11, n00 + n01 + n10 + n11, pi);
  const double unrestricted = bernoulli_ll(n01, n00 + n01, pi0) + bernoulli_ll(n11, n10 + n11, pi1);
  r.christoffersen_lr = std::max(0.0, -2 * (restricted - unrestricted));
  r.christoffersen_p = std::erfc(std::sqrt(r.christoffersen_lr / 2));
  r.conditional_lr = r.kupiec_lr + r.christoffersen_lr;
  r.conditional_p = std::exp(-r.conditional_lr / 2);
  return r;
}

}  // namespace ntrun::compute::risk
