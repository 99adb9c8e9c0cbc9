// Kelly sizing: single bet from win rate and payoff or from a return history, multi-asset
// Kelly (fraction * Sigma^-1 mu under a leverage cap) and the expected log growth of weights.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>
#pragma GCC diagnostic pop

#include "ntrun/compute/risk.hpp"
#include "risk_detail.hpp"

namespace ntrun::compute::risk {
namespace {

using detail::bad_argument;
using detail::num;

void check_sizing(double fraction, double cap, const char* cap_name) {
  if (!(fraction >= 0 && std::isfinite(fraction)))
    bad_argument("fraction",
                 "must be finite and >= 0, e.g. 0.5 for half Kelly (got " + num(fraction) + ")");
  if (!(cap > 0 && std::isfinite(cap)))
    bad_argument(cap_name, "must be finite and > 0 (got " + num(cap) + ")");
}

}  // namespace

double kelly(double p, double b, double fraction, double cap) {
  if (!(p >= 0 && p <= 1))
    bad_argument("p", "win probability must be in [0, 1] (got " + num(p) + ")");
  if (!(b > 0 && std::isfinite(b)))
    bad_argument("b", "payoff ratio (win / loss) must be finite and > 0 (got " + num(b) + ")");
  check_sizing(fraction, cap, "cap");
  const double f = (p * b - (1 - p)) / b * fraction;
  return std::clamp(f, -cap, cap);
}

double kelly_from_returns(std::span<const double> returns, double fraction, double cap) {
  detail::check_series(returns, "returns");
  check_sizing(fraction, cap, "cap");
  double win_sum = 0, loss_sum = 0;
  std::size_t wins = 0, losses = 0;
  for (const double r : returns) {
    if (r > 0) {
      win_sum += r;
      ++wins;
    } else if (r < 0) {
      loss_sum -= r;
      ++losses;
    }
  }
  // Zero returns are neither wins nor losses: the optimum of E[log(1 + f r)] over the
  // win/lose/zero outcomes is (p_w b - p_l) / (b (p_w + p_l)), the binary bet conditioned on
  // a decided outcome. Counting zeros as losses would bias f down.
  if (wins + losses == 0) return 0;
  const double p = static_cast<double>(wins) / static_cast<double>(wins + losses);
  // Limits of (p b - q) / b: no losses -> b = inf -> f = p; no wins -> b = 0 -> f = -inf.
  double f = 0;
  if (losses == 0)
    f = p * fraction;
  else if (wins == 0)
    f = -std::numeric_limits<double>::infinity();
  else {
    const double b =
        (win_sum / static_cast<double>(wins)) / (loss_sum / static_cast<double>(losses));
    f = (p * b - (1 - p)) / b * fraction;
  }
  if (fraction == 0) f = 0;
  return std::clamp(f, -cap, cap);
}

std::vector<double> kelly_portfolio(std::span<const double> mu, std::span<const double> covariance,
                                    double fraction, double max_leverage) {
  detail::check_series(mu, "mu");
  const std::size_t n = mu.size();
  if (covariance.size() != n * n)
    bad_argument("covariance", "has " + std::to_string(covariance.size()) +
                                   " values, expected mu.size()^2 = " + std::to_string(n * n));
  detail::check_series(covariance, "covariance");
  check_sizing(fraction, max_leverage, "max_leverage");
  const auto size = static_cast<Eigen::Index>(n);
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> c(
      covariance.data(), size, size);
  const Eigen::MatrixXd a = 0.5 * (c + c.transpose());
  const Eigen::LLT<Eigen::MatrixXd> llt(a);
  // Positive definite with no pivot negligible next to its variance: the singular test of the
  // Monte Carlo Cholesky (docs/risk.md), so near-collinear assets fail loudly, not with huge w.
  bool ok = llt.info() == Eigen::Success;
  for (Eigen::Index i = 0; ok && i < size; ++i) {
    const double l = llt.matrixLLT()(i, i);
    ok = std::isfinite(l) && l * l > 1e-12 * a(i, i);
  }
  if (!ok)
    bad_argument("covariance",
                 "is singular or not positive definite (collinear or constant "
                 "assets); drop redundant assets or shrink it (ledoit_wolf)");
  const Eigen::VectorXd w =
      fraction * llt.solve(Eigen::Map<const Eigen::VectorXd>(mu.data(), size));
  const double gross = w.cwiseAbs().sum();
  const double scale = gross > max_leverage ? max_leverage / gross : 1.0;
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = w(static_cast<Eigen::Index>(i)) * scale;
  return out;
}

double expected_log_growth(std::span<const double> weights, std::span<const double> returns,
                           std::size_t cols) {
  detail::check_series(weights, "weights");
  const std::size_t rows = detail::check_matrix(returns, cols, "returns");
  if (weights.size() != cols)
    bad_argument("weights", std::to_string(weights.size()) + " weights for " +
                                std::to_string(cols) + " columns (pass one weight per asset)");
  double sum = 0;
  for (std::size_t t = 0; t < rows; ++t) {
    double r = 0;
    for (std::size_t i = 0; i < cols; ++i) r += weights[i] * returns[t * cols + i];
    if (!(1 + r > 0)) return -std::numeric_limits<double>::infinity();  // ruin in that period
    sum += std::log1p(r);
  }
  return sum / static_cast<double>(rows);
}

}  // namespace ntrun::compute::risk
