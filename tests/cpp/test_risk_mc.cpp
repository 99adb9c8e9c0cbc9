// Tests of the simulated methods: AVX-512 kernel == scalar reference path by path, fast ==
// reference, same seed same bits on 1 or 2 threads, convergence to the closed forms (normal,
// Student-t, sqrt(T)), bootstrap hand cases, covariance errors and the nearest-PSD repair.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "../../compute/src/risk_detail.hpp"  // test hook: engines, reference Monte Carlo
#include "ntrun/compute/risk.hpp"

namespace ntrun::test {
bool skip_without(std::string_view name, bool present);  // tests/cpp/main.cpp
}  // namespace ntrun::test

namespace risk = ntrun::compute::risk;
namespace rd = ntrun::compute::risk::detail;
using vec = std::vector<double>;

namespace {

template <class F>
void check_bad(F&& f, const std::string& arg) {
  try {
    f();
    FAIL("no exception, expected one naming '" << arg << "'");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK_MESSAGE(what.find("'" + arg + "'") != std::string::npos, what);
  }
}

// rows x cols returns of a one-factor market model (realistic equity correlations).
vec factor_returns(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n;
  vec r(rows * cols);
  for (std::size_t t = 0; t < rows; ++t) {
    const double m = 0.01 * n(g);
    for (std::size_t i = 0; i < cols; ++i)
      r[t * cols + i] = 0.0003 + (0.6 + 0.05 * static_cast<double>(i % 9)) * m + 0.012 * n(g);
  }
  return r;
}

rd::mc_model some_model(std::size_t cols) {
  rd::mc_model m{.loading = vec(cols), .drift = 0.0004};
  for (std::size_t i = 0; i < cols; ++i) m.loading[i] = 0.002 * (1.0 + static_cast<double>(i % 4));
  return m;
}

}  // namespace

TEST_CASE("Philox normals: Random123 streams, counter-addressed") {
  const auto a = rd::philox_normals(42, 7, 0, 0);
  const auto b = rd::philox_normals(42, 7, 0, 0);
  const auto c = rd::philox_normals(43, 7, 0, 0);
  const auto d = rd::philox_normals(42, 8, 0, 0);
  CHECK(a.z0 == b.z0);
  CHECK(a.z1 == b.z1);
  CHECK(a.z0 != c.z0);
  CHECK(a.z0 != d.z0);
  // Moments of many draws: mean 0, variance 1 (standard errors 1e-3 and 1.4e-3).
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int p = 0; p < n / 2; ++p) {
    const auto z = rd::philox_normals(1, static_cast<std::uint64_t>(p), 3, 1);
    s += z.z0 + z.z1;
    s2 += z.z0 * z.z0 + z.z1 * z.z1;
  }
  CHECK(std::abs(s / n) < 0.01);
  CHECK(std::abs(s2 / n - 1) < 0.01);
  // chi2(dof): mean dof, variance 2 dof.
  for (const double dof : {2.5, 5.0, 30.0}) {
    double m = 0, v = 0;
    const int k = 100000;
    for (int p = 0; p < k; ++p) {
      const double x = rd::philox_chi2(9, static_cast<std::uint64_t>(p), 0, dof);
      m += x;
      v += x * x;
    }
    m /= k;
    v = v / k - m * m;
    CHECK(m == doctest::Approx(dof).epsilon(0.02));
    CHECK(v == doctest::Approx(2 * dof).epsilon(0.1));
  }
}

// Suite avx512: its own CTest entry, reported as skipped on a CPU without AVX-512.
TEST_CASE("AVX-512 kernel equals the scalar reference path by path" *
          doctest::test_suite("avx512")) {
  if (ntrun::test::skip_without("avx512", rd::avx512_available())) return;
  for (const std::size_t cols : {1ul, 2ul, 5ul, 30ul}) {
    for (const double dof : {0.0, 4.5}) {
      for (const std::int64_t h : {1, 3}) {
        const auto m = some_model(cols);
        const risk::var_options o{
            .how = risk::method::monte_carlo, .horizon = h, .sims = 2053, .seed = 77, .dof = dof};
        vec fast(2053), ref(2053);
        rd::simulate_paths(m, o, rd::engine::avx512, fast);
        rd::simulate_paths(m, o, rd::engine::scalar, ref);
        double worst = 0;
        for (std::size_t p = 0; p < fast.size(); ++p)
          worst = std::max(worst, std::abs(fast[p] - ref[p]) / (std::abs(ref[p]) + 1e-3));
        CHECK_MESSAGE(worst < 1e-13, "cols " << cols << " dof " << dof << " h " << h);
      }
    }
  }
}

TEST_CASE("fast Monte Carlo equals the scalar reference") {
  for (const double dof : {0.0, 6.0}) {
    const auto m = some_model(7);
    const risk::var_options o{.how = risk::method::monte_carlo,
                              .confidence = 0.99,
                              .horizon = 2,
                              .sims = 20000,
                              .seed = 5,
                              .dof = dof};
    const auto fast = rd::monte_carlo(m, o);
    const auto ref = rd::monte_carlo_reference(m, o);
    CHECK(fast.var == doctest::Approx(ref.var).epsilon(1e-12));
    CHECK(fast.cvar == doctest::Approx(ref.cvar).epsilon(1e-12));
    CHECK(fast.mean == doctest::Approx(ref.mean).epsilon(1e-10));
    CHECK(fast.stdev == doctest::Approx(ref.stdev).epsilon(1e-12));
    CHECK(fast.observations == 20000);
    CHECK(fast.method == ref.method);
  }
}

TEST_CASE("same seed, same numbers on 1 and 2 threads") {
  const vec r = factor_returns(500, 6, 3);
  const vec w = {0.2, 0.1, 0.3, -0.1, 0.25, 0.25};
  for (const auto how : {risk::method::monte_carlo, risk::method::bootstrap}) {
    const risk::var_options o{.how = how, .horizon = 3, .sims = 300000, .seed = 2024, .dof = 5};
    risk::var_result one, two;
    {
      tbb::global_control gc(tbb::global_control::max_allowed_parallelism, 1);
      one = risk::portfolio_var(w, r, 6, o);
    }
    {
      tbb::global_control gc(tbb::global_control::max_allowed_parallelism, 2);
      two = risk::portfolio_var(w, r, 6, o);
    }
    CHECK(one.var == two.var);
    CHECK(one.cvar == two.cvar);
    CHECK(one.mean == two.mean);
    CHECK(one.stdev == two.stdev);
    auto other = o;
    other.seed = 2025;
    CHECK(risk::portfolio_var(w, r, 6, other).var != one.var);
  }
}

TEST_CASE("concurrent and nested callers get the numbers of a lone caller") {
  // Agents call from their own threads and from inside oneTBB loops: per-thread scratch buffers
  // must not be shared between an outer call and a task stolen while it waits.
  const vec r = factor_returns(400, 4, 9);
  const vec w = {0.25, 0.25, 0.25, 0.25};
  std::vector<risk::var_options> opts;
  for (std::uint64_t s = 0; s < 6; ++s)
    opts.push_back({.how = s % 2 ? risk::method::bootstrap : risk::method::monte_carlo,
                    .sims = 150000 + 1000 * static_cast<std::int64_t>(s),
                    .seed = s});
  std::vector<risk::var_result> alone;
  for (const auto& o : opts) alone.push_back(risk::portfolio_var(w, r, 4, o));
  std::vector<risk::var_result> nested(opts.size());
  tbb::parallel_for(std::size_t{0}, opts.size(),
                    [&](std::size_t i) { nested[i] = risk::portfolio_var(w, r, 4, opts[i]); });
  for (std::size_t i = 0; i < opts.size(); ++i) {
    CHECK(nested[i].var == alone[i].var);
    CHECK(nested[i].cvar == alone[i].cvar);
    CHECK(nested[i].mean == alone[i].mean);
  }
}

TEST_CASE("Monte Carlo normal converges to parametric at 1,000,000 paths") {
  const std::size_t cols = 30;
  const vec r = factor_returns(2500, cols, 11);
  const vec w(cols, 1.0 / cols);
  const auto mc = risk::portfolio_var(
      w, r, cols,
      {.how = risk::method::monte_carlo, .confidence = 0.99, .sims = 1'000'000, .seed = 1});
  const auto pn =
      risk::portfolio_var(w, r, cols, {.how = risk::method::normal, .confidence = 0.99});
  MESSAGE("MC " << mc.var << " / " << mc.cvar << ", parametric " << pn.var << " / " << pn.cvar);
  CHECK(mc.var == doctest::Approx(pn.var).epsilon(0.01));
  CHECK(mc.cvar == doctest::Approx(pn.cvar).epsilon(0.01));
  CHECK(mc.stdev == doctest::Approx(pn.stdev).epsilon(0.005));
  CHECK(mc.method == "monte_carlo (normal)");
}

TEST_CASE("Student-t: covariance preserved, quantile of the scaled t") {
  // Unit-variance t with 5 dof: 99% quantile t_5(0.99) sqrt(3/5) = 3.36493 * 0.774597.
  const rd::mc_model m{.loading = {0.01}, .drift = 0};
  const auto t = rd::monte_carlo(m, {.how = risk::method::monte_carlo,
                                     .confidence = 0.99,
                                     .sims = 1'000'000,
                                     .seed = 8,
                                     .dof = 5});
  CHECK(t.var == doctest::Approx(0.01 * 3.3649300 * std::sqrt(0.6)).epsilon(0.015));
  CHECK(t.stdev == doctest::Approx(0.01).epsilon(0.01));
  CHECK(t.method == "monte_carlo (student-t, 5 dof)");
  const auto n = rd::monte_carlo(
      m, {.how = risk::method::monte_carlo, .confidence = 0.99, .sims = 1'000'000, .seed = 8});
  CHECK(t.cvar > n.cvar);  // fatter tail at the same variance
}

TEST_CASE("multi-day horizon: risk grows like sqrt(T) for i.i.d. normal") {
  // Daily steps r ~ N(0, sigma^2) compounded over 10 days. For small sigma the 10-day quantile is
  // sqrt(10) times the 1-day one up to the convexity of compounding, x^2 / 2 relative to x, i.e.
  // 0.4% at sigma = 0.1%; the Monte Carlo standard error of a 99% quantile at 1e6 paths is 0.16%.
  // Tolerance 1.5%.
  const risk::var_options o1{
      .how = risk::method::monte_carlo, .confidence = 0.99, .sims = 1'000'000, .seed = 4};
  auto o10 = o1;
  o10.horizon = 10;
  const rd::mc_model small{.loading = {0.001}, .drift = 0};
  const auto d1 = rd::monte_carlo(small, o1);
  const auto d10 = rd::monte_carlo(small, o10);
  MESSAGE("sigma 0.1%: 1-day " << d1.var << ", 10-day " << d10.var << ", ratio "
                               << d10.var / d1.var);
  CHECK(d10.var / d1.var == doctest::Approx(std::sqrt(10.0)).epsilon(0.015));
  CHECK(d10.cvar / d1.cvar == doctest::Approx(std::sqrt(10.0)).epsilon(0.015));
  // At sigma = 1% the convexity is 3.7%: the 10-day loss quantile is that of a log return
  // N(-10 sigma^2 / 2, 10 sigma^2) (sum of log(1 + r) ~ r - r^2 / 2), 1 - exp(-(...)); 0.5% apart.
  const rd::mc_model daily{.loading = {0.01}, .drift = 0};
  const auto big = rd::monte_carlo(daily, o10);
  const double z = 2.3263478740408408, s = 0.01;
  const double want = 1 - std::exp(-(std::sqrt(10.0) * s * z + 10 * s * s / 2));
  MESSAGE("sigma 1%: 10-day VaR " << big.var << ", lognormal approximation " << want
                                  << ", sqrt(10) x 1-day " << std::sqrt(10.0) * s * z);
  CHECK(big.var == doctest::Approx(want).epsilon(0.005));
  CHECK(big.var > rd::monte_carlo(daily, o1).var * 3);
}

TEST_CASE("bootstrap: hand-worked cases") {
  const vec two = {-0.1, 0.1};
  auto b = risk::value_at_risk(
      two, {.how = risk::method::bootstrap, .confidence = 0.99, .sims = 10000, .seed = 1});
  CHECK(b.var == doctest::Approx(0.1));
  CHECK(b.cvar == doctest::Approx(0.1));
  CHECK(std::abs(b.mean) < 0.004);  // half the draws each way: standard error 0.001
  // Two days: -0.19 with probability 1/4, -0.01 with 1/2, 0.21 with 1/4.
  b = risk::value_at_risk(
      two,
      {.how = risk::method::bootstrap, .confidence = 0.99, .horizon = 2, .sims = 10000, .seed = 1});
  CHECK(b.var == doctest::Approx(0.19));
  CHECK(b.cvar == doctest::Approx(0.19));
  b = risk::value_at_risk(
      two,
      {.how = risk::method::bootstrap, .confidence = 0.5, .horizon = 2, .sims = 100000, .seed = 1});
  CHECK(b.var == doctest::Approx(0.01));  // the median outcome
  const auto flat = risk::value_at_risk(vec(10, -0.02), {.how = risk::method::bootstrap});
  CHECK(flat.var == doctest::Approx(0.02));
  CHECK(flat.observations == 10000);
}

TEST_CASE("singular covariance: error naming 'returns', or the nearest-PSD repair") {
  // Assets 0 and 1 identical: the covariance is singular.
  const vec base = factor_returns(300, 2, 5);
  vec r;
  for (std::size_t t = 0; t < 300; ++t) {
    r.push_back(base[2 * t]);
    r.push_back(base[2 * t]);
    r.push_back(base[2 * t + 1]);
  }
  const vec w = {0.3, 0.3, 0.4};
  risk::var_options o{
      .how = risk::method::monte_carlo, .confidence = 0.99, .sims = 200000, .seed = 2};
  check_bad([&] { (void)risk::portfolio_var(w, r, 3, o); }, "returns");
  o.repair_covariance = true;
  const auto fixed = risk::portfolio_var(w, r, 3, o);
  const auto pn = risk::portfolio_var(w, r, 3, {.how = risk::method::normal, .confidence = 0.99});
  CHECK(fixed.var == doctest::Approx(pn.var).epsilon(0.02));
  CHECK(fixed.cvar >= fixed.var);
  // Fewer rows than assets: singular as well.
  const vec few = factor_returns(3, 5, 1);
  check_bad(
      [&] { (void)risk::portfolio_var(vec(5, 0.2), few, 5, {.how = risk::method::monte_carlo}); },
      "returns");
  // A constant series has nothing to simulate, even with the repair.
  check_bad(
      [] {
        (void)risk::value_at_risk(vec(20, 0.01),
                                  {.how = risk::method::monte_carlo, .repair_covariance = true});
      },
      "returns");
  // The repaired factor reproduces the clipped matrix.
  const vec cov = {1, 1, 1, 1};  // rank 1
  const vec f = rd::covariance_factor(cov, 2, true, "covariance");
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j)
      CHECK(f[i * 2] * f[j * 2] + f[i * 2 + 1] * f[j * 2 + 1] ==
            doctest::Approx(1.0).epsilon(1e-9));
}
