// Covariance estimators (sample, EWMA, Ledoit-Wolf constant-correlation shrinkage), correlation,
// volatility, beta; the Cholesky factor with its nearest-PSD repair used by the Monte Carlo
// methods. Formulas: docs/risk.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
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

using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using detail::bad_argument;

Eigen::Map<const row_major> as_matrix(std::span<const double> x, std::size_t rows,
                                      std::size_t cols) {
  return {x.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols)};
}

std::vector<double> to_vector(const matrix& m) {
  std::vector<double> out(static_cast<std::size_t>(m.size()));
  Eigen::Map<row_major>(out.data(), m.rows(), m.cols()) = m;
  return out;
}

// Returns minus their column means. A constant column leaves rounding noise (~1e-18) after
// centring: it is made exactly zero, so the covariance is singular rather than a matrix of noise.
matrix centered(std::span<const double> returns, std::size_t rows, std::size_t cols,
                Eigen::RowVectorXd* mean_out = nullptr) {
  const auto x = as_matrix(returns, rows, cols);
  const Eigen::RowVectorXd mean = x.colwise().mean();
  matrix c = x.rowwise() - mean;
  for (Eigen::Index j = 0; j < c.cols(); ++j)
    if (c.col(j).cwiseAbs().maxCoeff() <= 1e-13 * x.col(j).cwiseAbs().maxCoeff())
      c.col(j).setZero();
  if (mean_out != nullptr) *mean_out = mean;
  return c;
}

// Ledoit & Wolf (2004), "Honey, I Shrunk the Sample Covariance Matrix", J. Portfolio Management
// 30(4): target F = constant correlation; S and the estimators use the 1/T divisor of the paper.
matrix ledoit_wolf(std::span<const double> returns, std::size_t rows, std::size_t cols,
                   double& shrinkage) {
  const matrix x = centered(returns, rows, cols);
  const auto t = static_cast<double>(rows);
  const auto p = static_cast<Eigen::Index>(cols);
  const matrix s = (x.transpose() * x) / t;
  const Eigen::VectorXd sd = s.diagonal().cwiseSqrt();
  for (Eigen::Index i = 0; i < p; ++i)
    if (!(sd(i) > 0))
      bad_argument("returns", "column " + std::to_string(i) +
                                  " has zero variance (Ledoit-Wolf needs every asset to vary)");
  shrinkage = 0;
  if (p == 1) return s;
  double rbar = 0;
  for (Eigen::Index i = 0; i < p; ++i)
    for (Eigen::Index j = 0; j < p; ++j)
      if (i != j) rbar += s(i, j) / (sd(i) * sd(j));
  rbar /= static_cast<double>(p * (p - 1));
  matrix f = rbar * (sd * sd.transpose());
  f.diagonal() = s.diagonal();
  // pi: asymptotic variances of sqrt(T) s_ij; rho: their covariances with the target.
  const matrix y = x.array().square().matrix();
  const matrix pi_mat = (y.transpose() * y) / t - s.cwiseProduct(s);
  const matrix x3 = x.array().cube().matrix();
  const matrix theta = (x3.transpose() * x) / t - s.diagonal().asDiagonal() * s;
  double rho = pi_mat.trace();
  for (Eigen::Index i = 0; i < p; ++i)
    for (Eigen::Index j = 0; j < p; ++j)
      if (i != j) rho += rbar * sd(j) / sd(i) * theta(i, j);
  const double gamma = (s - f).squaredNorm();
  if (gamma > 0) shrinkage = std::clamp((pi_mat.sum() - rho) / gamma / t, 0.0, 1.0);
  return shrinkage * f + (1 - shrinkage) * s;
}

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f")

using f64x8 = double __attribute__((vector_size(64)));

// Column means and the sample covariance of a row-major matrix with AVX-512: rows copied into
// 8-column blocks (zero padded), centred, then C^T C with four rows per pass so each covariance
// vector is loaded and stored once per four FMAs. Eigen's product is built for SSE2 here and is
// five times slower on this tall, narrow shape (2,500 x 30: 45 us against 230 us).
// Heap buffers hold doubles (std::vector<f64x8> would not get 64-byte alignment: attributes on
// template arguments are dropped), so vectors move through unaligned loads and stores.
inline f64x8 load(const double* p) {
  f64x8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, f64x8 v) {
  std::memcpy(p, &v, sizeof v);
}
inline f64x8 vabs(f64x8 v) {
  return v < 0 ? -v : v;
}
inline f64x8 vmax(f64x8 a, f64x8 b) {
  return a > b ? a : b;
}

detail::mean_cov mean_cov_avx512(const double* x, std::size_t rows, std::size_t cols) {
  const std::size_t blocks = (cols + 7) / 8, width = 8 * blocks;
  std::vector<double> c(rows * width, 0.0), s(cols * width, 0.0);
  f64x8 sum[8 * 8] = {}, top_x[8 * 8] = {}, top_c[8 * 8] = {}, mean[8 * 8] = {};  // cols <= 512
  for (std::size_t t = 0; t < rows; ++t) {
    std::memcpy(&c[t * width], x + t * cols, cols * sizeof(double));
    for (std::size_t k = 0; k < blocks; ++k) {
      const f64x8 v = load(&c[t * width + 8 * k]);
      sum[k] += v;
      top_x[k] = vmax(top_x[k], vabs(v));
    }
  }
  for (std::size_t k = 0; k < blocks; ++k) mean[k] = sum[k] / static_cast<double>(rows);
  for (std::size_t t = 0; t < rows; ++t)
    for (std::size_t k = 0; k < blocks; ++k) {
      const f64x8 v = load(&c[t * width + 8 * k]) - mean[k];
      store(&c[t * width + 8 * k], v);
      top_c[k] = vmax(top_c[k], vabs(v));
    }
  std::size_t t = 0;
  for (; t + 4 <= rows; t += 4) {
    const double* r0 = &c[t * width];
    const double *r1 = r0 + width, *r2 = r1 + width, *r3 = r2 + width;
    for (std::size_t k = 0; k < blocks; ++k) {
      const f64x8 v0 = load(r0 + 8 * k), v1 = load(r1 + 8 * k);
      const f64x8 v2 = load(r2 + 8 * k), v3 = load(r3 + 8 * k);
      for (std::size_t i = 0; i < cols; ++i) {
        double* out = &s[i * width + 8 * k];
        store(out, load(out) + r0[i] * v0 + r1[i] * v1 + r2[i] * v2 + r3[i] * v3);
      }
    }
  }
  for (; t < rows; ++t)
    for (std::size_t k = 0; k < blocks; ++k)
      for (std::size_t i = 0; i < cols; ++i) {
        double* out = &s[i * width + 8 * k];
        store(out, load(out) + c[t * width + i] * load(&c[t * width + 8 * k]));
      }
  detail::mean_cov out{.mean = std::vector<double>(cols), .cov = std::vector<double>(cols * cols)};
  const double scale = 1.0 / static_cast<double>(rows - 1);
  for (std::size_t i = 0; i < cols; ++i) {
    out.mean[i] = mean[i / 8][i % 8];
    for (std::size_t j = 0; j < cols; ++j) out.cov[i * cols + j] = s[i * width + j] * scale;
  }
  // Constant columns: rounding noise after centring becomes an exact zero (see centered()).
  for (std::size_t j = 0; j < cols; ++j)
    if (top_c[j / 8][j % 8] <= 1e-13 * top_x[j / 8][j % 8])
      for (std::size_t i = 0; i < cols; ++i) out.cov[i * cols + j] = out.cov[j * cols + i] = 0;
  return out;
}

#pragma GCC pop_options
#endif

}  // namespace

namespace detail {

mean_cov sample_mean_cov(std::span<const double> returns, std::size_t cols) {
  const std::size_t rows = returns.size() / cols;
#if defined(__x86_64__)
  if (cols <= 512 && avx512_available()) return mean_cov_avx512(returns.data(), rows, cols);
#endif
  Eigen::RowVectorXd mean;
  const matrix c = centered(returns, rows, cols, &mean);
  matrix cov(c.cols(), c.cols());
  cov.setZero();
  cov.selfadjointView<Eigen::Lower>().rankUpdate(c.transpose(),
                                                 1.0 / static_cast<double>(rows - 1));
  cov.triangularView<Eigen::StrictlyUpper>() = cov.transpose();
  return {.mean = std::vector<double>(mean.data(), mean.data() + mean.size()),
          .cov = to_vector(cov)};
}

std::vector<double> covariance_factor(std::span<const double> cov, std::size_t cols, bool repair,
                                      std::string_view arg) {
  const auto c = as_matrix(cov, cols, cols);
  const matrix a = 0.5 * (c + c.transpose());
  const Eigen::LLT<matrix> llt(a);
  bool ok = llt.info() == Eigen::Success;
  if (ok) {
    const matrix l = llt.matrixL();
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      ok = ok && l(i, i) * l(i, i) > 1e-12 * a(i, i) && std::isfinite(l(i, i));
    if (ok) return to_vector(l);
  }
  if (!repair)
    bad_argument(arg,
                 "its covariance is singular or not positive definite (collinear or "
                 "constant assets, or fewer rows than assets); drop the redundant assets "
                 "or set repair_covariance = true (nt.risk: repair = true) for the nearest-PSD repair");
  const Eigen::SelfAdjointEigenSolver<matrix> eig(a);
  if (eig.info() != Eigen::Success)
    bad_argument(arg, "give a covariance whose eigen-decomposition failed");
  const double top = eig.eigenvalues().maxCoeff();
  if (!(top > 0)) bad_argument(arg, "give a covariance with no positive variance (all constant)");
  const Eigen::VectorXd clipped = eig.eigenvalues().cwiseMax(1e-10 * top).cwiseSqrt();
  return to_vector(eig.eigenvectors() * clipped.asDiagonal());
}

}  // namespace detail

std::vector<double> covariance(std::span<const double> returns, std::size_t cols, cov_method how,
                               double lambda, double* shrinkage_out) {
  const std::size_t rows = detail::check_matrix(returns, cols, "returns");
  if (shrinkage_out != nullptr) *shrinkage_out = 0;
  switch (how) {
    case cov_method::sample: {
      if (rows < 2) bad_argument("returns", "need at least 2 rows for a sample covariance");
      return detail::sample_mean_cov(returns, cols).cov;
    }
    case cov_method::ewma: {
      if (!(lambda > 0 && lambda <= 1))
        bad_argument("lambda",
                     "must be in (0, 1], RiskMetrics uses 0.94 (got " + detail::num(lambda) + ")");
      // Zero-mean RiskMetrics weights lambda^(n-1-t), normalised to sum 1 (no seed matrix).
      std::vector<double> w(rows);
      double p = 1, total = 0;
      for (std::size_t t = rows; t-- > 0;) {
        w[t] = p;
        total += p;
        p *= lambda;
      }
      matrix x = as_matrix(returns, rows, cols);
      for (std::size_t t = 0; t < rows; ++t)
        x.row(static_cast<Eigen::Index>(t)) *= std::sqrt(w[t] / total);
      return to_vector(x.transpose() * x);
    }
    case cov_method::ledoit_wolf: {
      if (rows < 2) bad_argument("returns", "need at least 2 rows for Ledoit-Wolf shrinkage");
      double shrinkage = 0;
      const matrix out = ledoit_wolf(returns, rows, cols, shrinkage);
      if (shrinkage_out != nullptr) *shrinkage_out = shrinkage;
      return to_vector(out);
    }
  }
  bad_argument("how", "unknown covariance method " + std::to_string(static_cast<int>(how)));
}

std::vector<double> correlation(std::span<const double> covariance, std::size_t cols) {
  if (cols == 0) bad_argument("cols", "must be at least 1");
  if (covariance.size() != cols * cols)
    bad_argument("covariance",
                 "has " + std::to_string(covariance.size()) +
                     " values, expected cols x cols = " + std::to_string(cols * cols));
  detail::check_series(covariance, "covariance");
  std::vector<double> sd(cols);
  for (std::size_t i = 0; i < cols; ++i) {
    if (!(covariance[i * cols + i] > 0))
      bad_argument("covariance", "variance of asset " + std::to_string(i) +
                                     " is not positive (correlation undefined)");
    sd[i] = std::sqrt(covariance[i * cols + i]);
  }
  std::vector<double> out(cols * cols);
  for (std::size_t i = 0; i < cols; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      out[i * cols + j] = i == j ? 1.0 : covariance[i * cols + j] / (sd[i] * sd[j]);
  return out;
}

double volatility(std::span<const double> returns) {
  detail::check_series(returns, "returns");
  if (returns.size() < 2) bad_argument("returns", "need at least 2 values for a volatility");
  return detail::sample_moments(returns).stdev;
}

double beta(std::span<const double> asset, std::span<const double> market) {
  detail::check_series(asset, "asset");
  detail::check_series(market, "market");
  if (asset.size() != market.size())
    bad_argument("market", "has " + std::to_string(market.size()) + " returns, 'asset' has " +
                               std::to_string(asset.size()) + " (align the two series)");
  if (asset.size() < 2) bad_argument("asset", "need at least 2 returns for a beta");
  const double ma = detail::sample_moments(asset).mean;
  const double mm = detail::sample_moments(market).mean;
  double cov = 0, var = 0;
  for (std::size_t i = 0; i < asset.size(); ++i) {
    cov += (asset[i] - ma) * (market[i] - mm);
    var += (market[i] - mm) * (market[i] - mm);
  }
  if (!(var > 0)) bad_argument("market", "has zero variance (beta undefined)");
  return cov / var;
}

}  // namespace ntrun::compute::risk
