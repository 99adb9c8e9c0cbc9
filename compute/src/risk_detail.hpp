// Private helpers shared by the risk sources (risk_*.cpp) and the test hook of the risk tests
// and benchmark: argument checks, normal distribution, empirical tails, Cholesky, Monte Carlo
// engines. Eigen stays out of this header (ntrun_compute links it privately).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/compute/risk.hpp"

namespace ntrun::compute::risk::detail {

// ---- argument checks: std::invalid_argument("bad 'ARG' argument: WHY") ----------------------
[[noreturn]] inline void bad_argument(std::string_view arg, std::string_view why) {
  std::string msg = "bad '";
  msg.append(arg).append("' argument: ").append(why);
  throw std::invalid_argument(msg);
}

/// Compact "%.10g" for messages.
inline std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

inline void check_confidence(double confidence) {
  if (!(confidence > 0 && confidence < 1))
    bad_argument("confidence", "must be in (0, 1), e.g. 0.99 (got " + num(confidence) + ")");
}

/// Non-empty and every value finite; names the first bad index.
inline void check_series(std::span<const double> x, std::string_view arg) {
  if (x.empty()) bad_argument(arg, "is empty (pass at least one value)");
  // v - v is 0 for finite v and NaN for inf or NaN: a branch-free pass first, the index search
  // only when something is wrong.
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::size_t k = 0;
  for (; k + 4 <= x.size(); k += 4) {
    a0 += x[k] - x[k];
    a1 += x[k + 1] - x[k + 1];
    a2 += x[k + 2] - x[k + 2];
    a3 += x[k + 3] - x[k + 3];
  }
  for (; k < x.size(); ++k) a0 += x[k] - x[k];
  if ((a0 + a1) + (a2 + a3) == 0) return;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]))
      bad_argument(arg, "value " + num(x[i]) + " at index " + std::to_string(i) +
                            " is not finite (drop or fill missing periods first)");
}

/// cols > 0, size a non-zero multiple of cols, every value finite; returns the row count.
inline std::size_t check_matrix(std::span<const double> x, std::size_t cols, std::string_view arg) {
  if (cols == 0) bad_argument("cols", "must be at least 1");
  if (x.empty()) bad_argument(arg, "is empty (pass rows x cols returns, row-major)");
  if (x.size() % cols != 0)
    bad_argument(arg, "size " + std::to_string(x.size()) + " is not a multiple of cols = " +
                          std::to_string(cols) + " (row-major rows x cols expected)");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]))
      bad_argument(arg, "value " + num(x[i]) + " at row " + std::to_string(i / cols) + ", column " +
                            std::to_string(i % cols) + " is not finite");
  return x.size() / cols;
}

// ---- normal distribution ---------------------------------------------------------------
[[nodiscard]] double normal_pdf(double x) noexcept;
[[nodiscard]] double normal_cdf(double x) noexcept;
/// Acklam's rational approximation refined by Halley steps on erfc: full double precision.
[[nodiscard]] double inverse_normal_cdf(double p);

// ---- sample statistics -----------------------------------------------------------------
struct moments {
  double mean = 0;
  double stdev = 0;   ///< sample, n - 1 (0 for n = 1)
  double skew = 0;    ///< m3 / m2^1.5, population central moments
  double exkurt = 0;  ///< m4 / m2^2 - 3
};
[[nodiscard]] moments sample_moments(std::span<const double> x);

// ---- empirical tails (docs/risk.md "Quantile definition") --------------------------------
struct tail {
  double var = 0;
  double cvar = 0;
};
/// j = max(1, ceil(alpha * n - 1e-7)): the rank of the VaR return among n equally likely ones.
[[nodiscard]] std::size_t tail_rank(std::size_t n, double alpha) noexcept;
/// VaR/CVaR of n equally likely outcomes from `candidates`, which hold (at least) the j
/// smallest of them; reorders `candidates`.
[[nodiscard]] tail tail_of_candidates(std::span<double> candidates, std::size_t n, double alpha);
/// VaR/CVaR of equally weighted outcomes by selection; reorders `x`.
[[nodiscard]] tail empirical_tail(std::span<double> x, double alpha);
/// Same numbers for large n: sampled threshold, parallel compaction, then selection.
[[nodiscard]] tail empirical_tail_parallel(std::span<double> x, double alpha);
/// Full sort: the scalar reference of the two above.
[[nodiscard]] tail empirical_tail_sorted(std::span<double> x, double alpha);
/// Outcomes with probabilities `w` (sum 1): quantile where the cumulative weight reaches alpha.
[[nodiscard]] tail weighted_tail(std::span<const double> x, std::span<const double> w,
                                 double alpha);

/// Parametric Cornish-Fisher VaR/CVaR from the moments of one period (docs/risk.md).
[[nodiscard]] var_result cornish_fisher(double mean, double stdev, double skew, double exkurt,
                                        double confidence, std::int64_t horizon);

// ---- covariance and factors (risk_cov.cpp) ---------------------------------------------
struct mean_cov {
  std::vector<double> mean;  ///< cols
  std::vector<double> cov;   ///< cols x cols, row-major, n - 1
};
[[nodiscard]] mean_cov sample_mean_cov(std::span<const double> returns, std::size_t cols);
/// Lower-triangular F (row-major) with F F^T = cov. Not positive definite (a pivot
/// L_ii^2 <= 1e-12 * cov_ii, or LLT failure): error naming `arg`, unless `repair`, which
/// clips eigenvalues to 1e-10 * lambda_max and returns Q sqrt(Lambda) (not triangular).
[[nodiscard]] std::vector<double> covariance_factor(std::span<const double> cov, std::size_t cols,
                                                    bool repair, std::string_view arg);

// ---- Monte Carlo and bootstrap (risk_mc.cpp) -------------------------------------------
/// One simulated period of the portfolio: r = drift + t_scale * loading . z, z ~ N(0, I).
struct mc_model {
  std::vector<double> loading;  ///< F^T w
  double drift = 0;             ///< w . mu
};
enum class engine : std::uint8_t { automatic = 0, scalar = 1, avx512 = 2 };
[[nodiscard]] bool avx512_available() noexcept;
/// The horizon returns of paths [0, sims) into `out`; engine picks the kernel (scalar = the
/// reference path, same numbers to ~1e-15). Uses oneTBB over fixed blocks of paths.
void simulate_paths(const mc_model& model, const var_options& opt, engine how,
                    std::span<double> out);
[[nodiscard]] var_result monte_carlo(const mc_model& model, const var_options& opt,
                                     engine how = engine::automatic);
/// The scalar reference: one path after another, Random123 Philox + boxmuller, full sort.
[[nodiscard]] var_result monte_carlo_reference(const mc_model& model, const var_options& opt);
[[nodiscard]] var_result bootstrap(std::span<const double> returns, const var_options& opt);

/// The standard normal pair of counter (path, step, block) under `seed` (Random123 boxmuller).
struct normal_pair {
  double z0 = 0;
  double z1 = 0;
};
[[nodiscard]] normal_pair philox_normals(std::uint64_t seed, std::uint64_t path, std::uint32_t step,
                                         std::uint32_t block) noexcept;
/// chi2(dof) for path/step (Marsaglia-Tsang gamma on counter blocks from 2^31).
[[nodiscard]] double philox_chi2(std::uint64_t seed, std::uint64_t path, std::uint32_t step,
                                 double dof) noexcept;

}  // namespace ntrun::compute::risk::detail
