// VaR/CVaR entry points (value_at_risk, portfolio_var) and the non-simulated methods: historical
// (plain, age-weighted, volatility-filtered), parametric normal and Cornish-Fisher; the normal
// distribution helpers and empirical tails. Formulas and conventions: docs/risk.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ntrun/compute/risk.hpp"
#include "risk_detail.hpp"

namespace ntrun::compute::risk {
namespace detail {

double normal_pdf(double x) noexcept {
  return 0.39894228040143267794 * std::exp(-0.5 * x * x);
}
double normal_cdf(double x) noexcept {
  return 0.5 * std::erfc(-x * 0.70710678118654752440);
}

namespace {
// Acklam's approximation of the lower half, p <= 0.5 (relative error < 1.15e-9).
double acklam_lower(double p) noexcept {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
}  // namespace

double inverse_normal_cdf(double p) {
  if (!(p > 0 && p < 1)) bad_argument("p", "must be in (0, 1) (got " + num(p) + ")");
  // Work in the lower tail, where Phi(x) - p has no cancellation; 1 - p is exact for p >= 0.5.
  const bool upper = p > 0.5;
  const double lo = upper ? 1 - p : p;
  double x = acklam_lower(lo);
  for (int i = 0; i < 2; ++i) {  // Halley: cubic convergence, two steps reach rounding level
    const double e = normal_cdf(x) - lo;
    const double u = e * 2.50662827463100050242 * std::exp(0.5 * x * x);
    x -= u / (1 + 0.5 * x * u);
  }
  return upper ? -x : x;
}

moments sample_moments(std::span<const double> x) {
  const auto n = static_cast<double>(x.size());
  double sum = 0;
  for (const double v : x) sum += v;
  const double mean = sum / n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (const double v : x) {
    const double d = v - mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  moments m{.mean = mean};
  if (x.size() > 1) m.stdev = std::sqrt(m2 / (n - 1));
  if (m2 > 0) {
    const double p2 = m2 / n;
    m.skew = (m3 / n) / (p2 * std::sqrt(p2));
    m.exkurt = (m4 / n) / (p2 * p2) - 3;
  }
  return m;
}

std::size_t tail_rank(std::size_t n, double alpha) noexcept {
  // 1e-7 absorbs the representation error of 1 - c (1 - 0.99 = 0.010000000000000009).
  const double j = std::ceil(alpha * static_cast<double>(n) - 1e-7);
  return std::clamp<std::size_t>(j < 1 ? 1 : static_cast<std::size_t>(j), 1, n);
}

namespace {
// VaR/CVaR from x[0 .. j-1] sorted ascending: the j smallest of n outcomes. Summing in
// ascending order makes the result independent of how the tail was selected.
tail tail_from_sorted(std::span<const double> x, std::size_t j, std::size_t n, double alpha) {
  const double q = x[j - 1];
  // Deviations below the quantile are <= 0, so CVaR >= VaR holds in floating point too.
  double below = 0;
  for (std::size_t i = 0; i + 1 < j; ++i) below += x[i] - q;
  const double an = alpha * static_cast<double>(n);
  const double last = std::clamp(an - static_cast<double>(j - 1), 0.0, 1.0);
  const double mass = static_cast<double>(j - 1) + last;  // = alpha n up to the tolerance
  return {.var = -q, .cvar = -(q + below / mass)};
}
}  // namespace

tail tail_of_candidates(std::span<double> c, std::size_t n, double alpha) {
  const std::size_t j = tail_rank(n, alpha);
  const auto at = c.begin() + static_cast<std::ptrdiff_t>(j - 1);
  std::nth_element(c.begin(), at, c.end());
  std::sort(c.begin(), at);
  return tail_from_sorted(c, j, n, alpha);
}

tail empirical_tail(std::span<double> x, double alpha) {
  return tail_of_candidates(x, x.size(), alpha);
}

tail empirical_tail_sorted(std::span<double> x, double alpha) {
  std::sort(x.begin(), x.end());
  return tail_from_sorted(x, tail_rank(x.size(), alpha), x.size(), alpha);
}

tail weighted_tail(std::span<const double> x, std::span<const double> w, double alpha) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Ties broken by index: the same input always gives the same bits.
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return x[a] < x[b] || (x[a] == x[b] && a < b); });
  double cum = 0;
  std::size_t k = 0;
  for (; k + 1 < order.size() && cum + w[order[k]] < alpha - 1e-12; ++k) cum += w[order[k]];
  // order[k] holds the quantile; below it, deviations weigh in fully, the quantile partially.
  const double q = x[order[k]];
  double below = 0;
  for (std::size_t i = 0; i < k; ++i) below += w[order[i]] * (x[order[i]] - q);
  const double mass = cum + std::clamp(alpha - cum, 0.0, w[order[k]]);
  return {.var = -q, .cvar = -(q + (mass > 0 ? below / mass : 0.0))};
}

var_result cornish_fisher(double mean, double stdev, double skew, double exkurt, double confidence,
                          std::int64_t horizon) {
  const double alpha = 1 - confidence;
  const auto h = static_cast<double>(horizon);
  // Moments of a sum of h i.i.d. periods: skew / sqrt(h), excess kurtosis / h.
  const double s = skew / std::sqrt(h), k = exkurt / h;
  const double mu = mean * h, sigma = stdev * std::sqrt(h);
  const double z = inverse_normal_cdf(alpha), z2 = z * z, z3 = z2 * z;
  const double zcf = z + (z2 - 1) * s / 6 + (z3 - 3 * z) * k / 24 - (2 * z3 - 5 * z) * s * s / 36;
  // E[cf(Z) | Z <= z] in closed form (integrals of z^k phi(z) over (-inf, z]).
  const double tail_mean =
      -normal_pdf(z) / alpha * (1 + s * z / 6 + k * (z2 - 1) / 24 - s * s * (2 * z2 - 1) / 36);
  var_result r{};
  r.var = -(mu + sigma * zcf);
  r.mean = mu;
  r.stdev = sigma;
  // Outside the expansion's domain of validity (quantile not monotone) the tail mean can sit
  // above the quantile; CVaR >= VaR is kept by clamping (docs/risk.md).
  r.cvar = std::max(-(mu + sigma * tail_mean), r.var);
  r.method = "cornish_fisher";
  return r;
}

}  // namespace detail

namespace {

using detail::bad_argument;
using detail::num;

void check_options(const var_options& opt) {
  detail::check_confidence(opt.confidence);
  if (opt.horizon < 1)
    bad_argument("horizon", "must be at least 1 period (got " + std::to_string(opt.horizon) + ")");
  if (opt.how > method::bootstrap)
    bad_argument("how", "unknown method " + std::to_string(static_cast<int>(opt.how)));
  const bool simulated = opt.how == method::monte_carlo || opt.how == method::bootstrap;
  if (simulated) {
    if (opt.sims < 1 || opt.sims > 1'000'000'000)
      bad_argument("sims", "must be in [1, 1e9] paths (got " + std::to_string(opt.sims) + ")");
    if (opt.horizon > std::numeric_limits<std::int32_t>::max())
      bad_argument("horizon", "must be below 2^31 steps for simulated methods");
  }
  if ((opt.how == method::age_weighted || opt.how == method::filtered) &&
      !(opt.lambda > 0 && opt.lambda <= 1))
    bad_argument("lambda", "must be in (0, 1], e.g. 0.98 (age_weighted) or 0.94 (filtered) (got " +
                               num(opt.lambda) + ")");
  if (opt.how == method::monte_carlo && !(opt.dof == 0 || (opt.dof > 2 && std::isfinite(opt.dof))))
    bad_argument("dof", "must be 0 (normal) or > 2 (Student-t with finite variance) (got " +
                            num(opt.dof) + ")");
}

// Overlapping h-period compounded returns; R += r (1 + R) keeps h = 1 exact.
void horizon_returns(std::span<const double> r, std::int64_t horizon, std::vector<double>& out) {
  const auto h = static_cast<std::size_t>(horizon);
  if (h > r.size())
    bad_argument("horizon", std::to_string(h) + " periods need at least as many returns (got " +
                                std::to_string(r.size()) + ")");
  out.resize(r.size() - h + 1);
  if (h == 1) {
    std::copy(r.begin(), r.end(), out.begin());
    return;
  }
  for (std::size_t t = 0; t < out.size(); ++t) {
    double acc = 0;
    for (std::size_t s = 0; s < h; ++s) acc += r[t + s] * (1 + acc);
    out[t] = acc;
  }
}

// Sum of f(x_i) over four interleaved accumulators: one dependent add chain would cost a
// 3-cycle latency per value (about 15 us of the 17,000-return budget of 50 us).
template <class F>
double sum4(std::span<const double> x, F f) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= x.size(); i += 4) {
    a0 += f(x[i]);
    a1 += f(x[i + 1]);
    a2 += f(x[i + 2]);
    a3 += f(x[i + 3]);
  }
  for (; i < x.size(); ++i) a0 += f(x[i]);
  return (a0 + a1) + (a2 + a3);
}

void mean_stdev(std::span<const double> x, var_result& r) {
  r.mean = sum4(x, [](double v) { return v; }) / static_cast<double>(x.size());
  const double m2 = sum4(x, [m = r.mean](double v) { return (v - m) * (v - m); });
  r.stdev = x.size() > 1 ? std::sqrt(m2 / static_cast<double>(x.size() - 1)) : 0;
}

var_result historical(std::span<const double> returns, const var_options& opt) {
  thread_local std::vector<double> scratch;  // reused: the 1-day path allocates nothing
  horizon_returns(returns, opt.horizon, scratch);
  var_result r{};
  r.observations = static_cast<std::int64_t>(scratch.size());
  mean_stdev(scratch, r);
  const detail::tail t = detail::empirical_tail(scratch, 1 - opt.confidence);
  r.var = t.var;
  r.cvar = t.cvar;
  r.method = "historical";
  return r;
}

var_result age_weighted(std::span<const double> returns, const var_options& opt) {
  std::vector<double> x;
  horizon_returns(returns, opt.horizon, x);
  // w_t proportional to lambda^(m-1-t): the newest window weighs most.
  std::vector<double> w(x.size());
  double p = 1, total = 0;
  for (std::size_t i = x.size(); i-- > 0;) {
    w[i] = p;
    total += p;
    p *= opt.lambda;
  }
  double mean = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    w[i] /= total;
    mean += w[i] * x[i];
  }
  double var = 0;
  for (std::size_t i = 0; i < x.size(); ++i) var += w[i] * (x[i] - mean) * (x[i] - mean);
  const detail::tail t = detail::weighted_tail(x, w, 1 - opt.confidence);
  return {.var = t.var,
          .cvar = t.cvar,
          .mean = mean,
          .stdev = std::sqrt(var),
          .observations = static_cast<std::int64_t>(x.size()),
          .method = "age_weighted (lambda " + num(opt.lambda) + ")"};
}

var_result filtered(std::span<const double> returns, const var_options& opt) {
  const std::size_t n = returns.size();
  // sigma2[t] is the EWMA variance forecast for period t, started at the mean square.
  double s2 = 0;
  for (const double v : returns) s2 += v * v;
  s2 /= static_cast<double>(n);
  std::vector<double> sigma(n);
  for (std::size_t t = 0; t < n; ++t) {
    sigma[t] = std::sqrt(s2);
    s2 = opt.lambda * s2 + (1 - opt.lambda) * returns[t] * returns[t];
  }
  const double now = std::sqrt(s2);  // forecast for the next period
  std::vector<double> scaled(n);
  for (std::size_t t = 0; t < n; ++t)
    scaled[t] = sigma[t] > 0 ? returns[t] * (now / sigma[t]) : returns[t];
  std::vector<double> x;
  horizon_returns(scaled, opt.horizon, x);
  var_result r{};
  r.observations = static_cast<std::int64_t>(x.size());
  mean_stdev(x, r);
  const detail::tail t = detail::empirical_tail(x, 1 - opt.confidence);
  r.var = t.var;
  r.cvar = t.cvar;
  r.method = "filtered (EWMA lambda " + num(opt.lambda) + ")";
  return r;
}

void need_two(std::span<const double> returns, const char* what) {
  if (returns.size() < 2)
    bad_argument("returns", std::string("needs at least 2 values for ") + what + " (got " +
                                std::to_string(returns.size()) + ")");
}

var_result normal(std::span<const double> returns, const var_options& opt) {
  need_two(returns, "method normal");
  const detail::moments m = detail::sample_moments(returns);
  const double alpha = 1 - opt.confidence;
  const auto h = static_cast<double>(opt.horizon);
  const double mu = m.mean * h, sigma = m.stdev * std::sqrt(h);
  const double z = detail::inverse_normal_cdf(alpha);  // negative
  return {.var = -(mu + z * sigma),
          .cvar = -(mu - sigma * detail::normal_pdf(z) / alpha),
          .mean = mu,
          .stdev = sigma,
          .observations = static_cast<std::int64_t>(returns.size()),
          .method = "normal"};
}

var_result cornish_fisher(std::span<const double> returns, const var_options& opt) {
  need_two(returns, "method cornish_fisher");
  const detail::moments m = detail::sample_moments(returns);
  double spread = 0, scale = 0;  // relative test: a constant series leaves rounding noise
  for (const double v : returns) {
    spread = std::max(spread, std::abs(v - m.mean));
    scale = std::max(scale, std::abs(v));
  }
  if (!(spread > 1e-13 * scale))
    bad_argument("returns", "have zero variance: skewness and kurtosis are undefined");
  var_result r =
      detail::cornish_fisher(m.mean, m.stdev, m.skew, m.exkurt, opt.confidence, opt.horizon);
  r.observations = static_cast<std::int64_t>(returns.size());
  return r;
}

var_result monte_carlo_series(std::span<const double> returns, const var_options& opt) {
  need_two(returns, "method monte_carlo");
  const detail::mean_cov mc = detail::sample_mean_cov(returns, 1);
  const std::vector<double> f =
      detail::covariance_factor(mc.cov, 1, opt.repair_covariance, "returns");
  return detail::monte_carlo({.loading = {f[0]}, .drift = mc.mean[0]}, opt);
}

var_result dispatch_series(std::span<const double> returns, const var_options& opt) {
  switch (opt.how) {
    case method::historical:
      return historical(returns, opt);
    case method::age_weighted:
      return age_weighted(returns, opt);
    case method::filtered:
      return filtered(returns, opt);
    case method::normal:
      return normal(returns, opt);
    case method::cornish_fisher:
      return cornish_fisher(returns, opt);
    case method::monte_carlo:
      return monte_carlo_series(returns, opt);
    case method::bootstrap:
      return detail::bootstrap(returns, opt);
  }
  bad_argument("how", "unknown method");
}

}  // namespace

var_result value_at_risk(std::span<const double> returns, const var_options& opt) {
  detail::check_series(returns, "returns");
  check_options(opt);
  return dispatch_series(returns, opt);
}

var_result portfolio_var(std::span<const double> weights, std::span<const double> returns,
                         std::size_t cols, const var_options& opt) {
  detail::check_series(weights, "weights");
  const std::size_t rows = detail::check_matrix(returns, cols, "returns");
  if (weights.size() != cols)
    bad_argument("weights", std::to_string(weights.size()) + " weights for " +
                                std::to_string(cols) + " columns (pass one weight per asset)");
  check_options(opt);
  if (opt.how == method::monte_carlo) {
    if (rows < 2) bad_argument("returns", "needs at least 2 rows for method monte_carlo");
    const detail::mean_cov mc = detail::sample_mean_cov(returns, cols);
    const std::vector<double> f =
        detail::covariance_factor(mc.cov, cols, opt.repair_covariance, "returns");
    detail::mc_model model{.loading = std::vector<double>(cols, 0.0)};
    for (std::size_t i = 0; i < cols; ++i) {
      model.drift += weights[i] * mc.mean[i];
      for (std::size_t k = 0; k < cols; ++k) model.loading[k] += f[i * cols + k] * weights[i];
    }
    return detail::monte_carlo(model, opt);
  }
  // The other methods see the portfolio return series; its sample variance equals
  // w' S w for the sample covariance S.
  std::vector<double> series(rows);
  for (std::size_t t = 0; t < rows; ++t) {
    double acc = 0;
    for (std::size_t i = 0; i < cols; ++i) acc += weights[i] * returns[t * cols + i];
    series[t] = acc;
  }
  return dispatch_series(series, opt);
}

}  // namespace ntrun::compute::risk
