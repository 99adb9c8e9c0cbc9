// Tests of the non-simulated VaR/CVaR methods: inverse normal CDF, parametric normal against the
// textbook formulas, historical / age-weighted / filtered against hand-worked cases and reference
// loops, Cornish-Fisher against a published example, CVaR >= VaR everywhere, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../compute/src/risk_detail.hpp"  // test hook: tails, Cornish-Fisher from moments
#include "ntrun/compute/risk.hpp"

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

vec fat_tailed(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::student_t_distribution<double> t(3.0);
  vec r(n);
  for (auto& v : r) v = 0.0003 + 0.01 * t(g);
  return r;
}

// Reference: sort, VaR = -x_(j), CVaR = -(x_(1) + ... + x_(j-1) + (alpha n - (j-1)) x_(j)) / (alpha
// n).
rd::tail naive_tail(vec x, double alpha) {
  std::sort(x.begin(), x.end());
  const double an = alpha * static_cast<double>(x.size());
  std::size_t j = 1;
  while (static_cast<double>(j) < an - 1e-7) ++j;
  double sum = 0;
  for (std::size_t i = 0; i + 1 < j; ++i) sum += x[i];
  const double last = std::min(1.0, an - static_cast<double>(j - 1));
  return {.var = -x[j - 1], .cvar = -(sum + last * x[j - 1]) / (static_cast<double>(j - 1) + last)};
}

}  // namespace

TEST_CASE("inverse normal CDF reaches double precision") {
  CHECK(rd::inverse_normal_cdf(0.99) == doctest::Approx(2.3263478740408408).epsilon(1e-15));
  CHECK(rd::inverse_normal_cdf(0.01) == doctest::Approx(-2.3263478740408408).epsilon(1e-15));
  CHECK(rd::inverse_normal_cdf(0.975) == doctest::Approx(1.9599639845400536).epsilon(1e-15));
  CHECK(rd::inverse_normal_cdf(0.999) == doctest::Approx(3.090232306167813).epsilon(1e-15));
  CHECK(rd::inverse_normal_cdf(1e-10) == doctest::Approx(-6.361340902404056).epsilon(1e-14));
  CHECK(rd::inverse_normal_cdf(0.5) == 0.0);
  for (double p = 1e-6; p < 1; p += 0.0137) {
    const double x = rd::inverse_normal_cdf(p);
    CHECK(rd::normal_cdf(x) == doctest::Approx(p).epsilon(1e-13));
  }
  check_bad([] { (void)rd::inverse_normal_cdf(1.0); }, "p");
}

TEST_CASE("parametric normal VaR/CVaR follow the textbook formulas") {
  // +-a with a chosen so that the sample stdev (n - 1) is exactly 1%: mean 0, sigma 0.01.
  const std::size_t m = 500;
  const double a = 0.01 * std::sqrt((2.0 * m - 1) / (2.0 * m));
  vec r;
  for (std::size_t i = 0; i < m; ++i) {
    r.push_back(a);
    r.push_back(-a);
  }
  const auto res = risk::value_at_risk(r, {.how = risk::method::normal, .confidence = 0.99});
  CHECK(res.var == doctest::Approx(0.023263478740408408).epsilon(1e-12));
  CHECK(res.cvar == doctest::Approx(0.02665214220345808).epsilon(1e-12));  // phi(z)/(1-c) sigma
  CHECK(res.method == "normal");

  // General case against the formula written out here, with drift and a 10-day horizon.
  const vec x = fat_tailed(3000, 11);
  double mu = 0, s2 = 0;
  for (const double v : x) mu += v;
  mu /= static_cast<double>(x.size());
  for (const double v : x) s2 += (v - mu) * (v - mu);
  const double sigma = std::sqrt(s2 / static_cast<double>(x.size() - 1));
  const double h = 10, c = 0.975, z = -1.9599639845400536;
  const double phi = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
  const auto n10 =
      risk::value_at_risk(x, {.how = risk::method::normal, .confidence = c, .horizon = 10});
  CHECK(n10.var == doctest::Approx(-(mu * h + z * sigma * std::sqrt(h))).epsilon(1e-12));
  CHECK(n10.cvar ==
        doctest::Approx(-(mu * h - sigma * std::sqrt(h) * phi / (1 - c))).epsilon(1e-12));
  CHECK(n10.stdev == doctest::Approx(sigma * std::sqrt(h)).epsilon(1e-12));
}

TEST_CASE("historical VaR/CVaR: hand-worked cases") {
  const vec r = {-0.05, 0.02, -0.01, 0.03, -0.04, 0.01, 0.00, -0.02, 0.04, 0.05};
  // alpha n = 2: the 2nd smallest, and the mean of the two smallest.
  auto h = risk::value_at_risk(r, {.confidence = 0.8});
  CHECK(h.var == doctest::Approx(0.04));
  CHECK(h.cvar == doctest::Approx(0.045));
  CHECK(h.observations == 10);
  // alpha n = 2.5: the 3rd smallest; CVaR = (0.05 + 0.04 + 0.5 * 0.02) / 2.5.
  h = risk::value_at_risk(r, {.confidence = 0.75});
  CHECK(h.var == doctest::Approx(0.02));
  CHECK(h.cvar == doctest::Approx(0.04));
  // alpha n = 0.5: the worst return for both.
  h = risk::value_at_risk(r, {.confidence = 0.95});
  CHECK(h.var == doctest::Approx(0.05));
  CHECK(h.cvar == doctest::Approx(0.05));
  // 1 - 0.99 is 0.010000000000000009: alpha n = 1 must still pick the worst of 100.
  vec hundred(100);
  for (std::size_t i = 0; i < 100; ++i) hundred[i] = 0.001 * static_cast<double>(i) - 0.03;
  h = risk::value_at_risk(hundred, {.confidence = 0.99});
  CHECK(h.var == doctest::Approx(0.03));
  CHECK(h.cvar == doctest::Approx(0.03));
  // Two-day horizon: overlapping compounded returns (1 + r_t)(1 + r_t+1) - 1.
  vec two;
  for (std::size_t t = 0; t + 1 < r.size(); ++t) two.push_back((1 + r[t]) * (1 + r[t + 1]) - 1);
  const auto want = naive_tail(two, 0.2);
  h = risk::value_at_risk(r, {.confidence = 0.8, .horizon = 2});
  CHECK(h.observations == 9);
  CHECK(h.var == doctest::Approx(want.var).epsilon(1e-12));
  CHECK(h.cvar == doctest::Approx(want.cvar).epsilon(1e-12));
}

TEST_CASE("historical selection equals the sorted reference, serial and parallel") {
  for (const std::size_t n : {1ul, 7ul, 250ul, 17000ul, 300001ul}) {
    const vec x = fat_tailed(n, n);
    for (const double c : {0.9, 0.975, 0.99, 0.999}) {
      const auto want = naive_tail(x, 1 - c);
      vec a = x, b = x, s = x;
      const auto t1 = rd::empirical_tail(a, 1 - c);
      const auto t2 = rd::empirical_tail_parallel(b, 1 - c);
      const auto t3 = rd::empirical_tail_sorted(s, 1 - c);
      CHECK(t1.var == want.var);
      CHECK(t1.cvar == doctest::Approx(want.cvar).epsilon(1e-13));
      // Ascending summation of the selected tail: identical bits whatever the selection.
      CHECK(t2.var == t1.var);
      CHECK(t2.cvar == t1.cvar);
      CHECK(t3.cvar == t1.cvar);
    }
  }
}

TEST_CASE("age-weighted: hand-worked case, and lambda = 1 is plain historical") {
  // Weights 0.5^(3-t) / 1.875 = 1/15, 2/15, 4/15, 8/15; alpha = 0.1.
  const vec r = {-0.03, 0.01, -0.01, 0.02};
  const auto a =
      risk::value_at_risk(r, {.how = risk::method::age_weighted, .confidence = 0.9, .lambda = 0.5});
  CHECK(a.var == doctest::Approx(0.01));
  CHECK(a.cvar == doctest::Approx((0.03 / 15 + (0.1 - 1.0 / 15) * 0.01) / 0.1));
  CHECK(a.method == "age_weighted (lambda 0.5)");
  const vec x = fat_tailed(250, 3);
  const auto eq = risk::value_at_risk(
      x, {.how = risk::method::age_weighted, .confidence = 0.99, .lambda = 1.0});
  const auto hs = risk::value_at_risk(x, {.confidence = 0.99});
  CHECK(eq.var == doctest::Approx(hs.var).epsilon(1e-12));
  CHECK(eq.cvar == doctest::Approx(hs.cvar).epsilon(1e-12));
}

TEST_CASE("filtered historical: EWMA recursion of docs/risk.md") {
  const vec r = fat_tailed(500, 5);
  const double lambda = 0.94;
  double s2 = 0;
  for (const double v : r) s2 += v * v;
  s2 /= static_cast<double>(r.size());
  vec sigma;
  for (const double v : r) {
    sigma.push_back(std::sqrt(s2));
    s2 = lambda * s2 + (1 - lambda) * v * v;
  }
  vec scaled;
  for (std::size_t t = 0; t < r.size(); ++t) scaled.push_back(r[t] * std::sqrt(s2) / sigma[t]);
  const auto want = naive_tail(scaled, 0.01);
  const auto f =
      risk::value_at_risk(r, {.how = risk::method::filtered, .confidence = 0.99, .lambda = lambda});
  CHECK(f.var == doctest::Approx(want.var).epsilon(1e-12));
  CHECK(f.cvar == doctest::Approx(want.cvar).epsilon(1e-12));
}

TEST_CASE("Cornish-Fisher: published example, normal limit, tail integral") {
  // Dowd, Measuring Market Risk (2005/2007); R package Dowd, CornishFisherVaR(3.2, 5.6, 2, 3, .9)
  // = 4.145348 (mu 3.2, sigma 5.6, skew 2, kurtosis 3 = excess 0, 90%), as printed in its docs.
  const auto d = rd::cornish_fisher(3.2, 5.6, 2, 0, 0.9, 1);
  CHECK(d.var == doctest::Approx(4.145348).epsilon(1e-6));
  CHECK(d.cvar >= d.var);
  // S = K = 0: exactly the normal method.
  const vec x = fat_tailed(2000, 9);
  const auto m = rd::sample_moments(x);
  const auto cf0 = rd::cornish_fisher(m.mean, m.stdev, 0, 0, 0.99, 1);
  const auto nrm = risk::value_at_risk(x, {.how = risk::method::normal, .confidence = 0.99});
  CHECK(cf0.var == doctest::Approx(nrm.var).epsilon(1e-14));
  CHECK(cf0.cvar == doctest::Approx(nrm.cvar).epsilon(1e-12));
  // CVaR: mean of the CF quantile over the tail, by a midpoint rule in u here.
  for (const double skew : {-0.8, -0.2, 0.0, 0.5}) {
    for (const double exk : {0.0, 1.5, 4.0}) {
      const double c = 0.99, alpha = 1 - c;
      const auto cf = rd::cornish_fisher(0.001, 0.02, skew, exk, c, 1);
      const int steps = 200000;
      double sum = 0;
      for (int i = 0; i < steps; ++i) {
        const double z = rd::inverse_normal_cdf(alpha * (i + 0.5) / steps);
        const double q = z + (z * z - 1) * skew / 6 + (z * z * z - 3 * z) * exk / 24 -
                         (2 * z * z * z - 5 * z) * skew * skew / 36;
        sum += 0.001 + 0.02 * q;
      }
      const double integral = -sum / steps;
      if (integral >= cf.var) CHECK(cf.cvar == doctest::Approx(integral).epsilon(2e-4));
      CHECK(cf.cvar >= cf.var);
    }
  }
  // Through the API: sample skewness and excess kurtosis (population moments).
  const auto api =
      risk::value_at_risk(x, {.how = risk::method::cornish_fisher, .confidence = 0.99});
  const auto direct = rd::cornish_fisher(m.mean, m.stdev, m.skew, m.exkurt, 0.99, 1);
  CHECK(api.var == direct.var);
  CHECK(api.cvar == direct.cvar);
}

TEST_CASE("CVaR >= VaR for every method on random inputs") {
  const risk::method all[] = {risk::method::historical,     risk::method::age_weighted,
                              risk::method::filtered,       risk::method::normal,
                              risk::method::cornish_fisher, risk::method::monte_carlo,
                              risk::method::bootstrap};
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const vec x = fat_tailed(300 + 97 * seed, seed);
    for (const auto how : all) {
      for (const double c : {0.5, 0.9, 0.99, 0.999}) {
        for (const std::int64_t h : {1, 5}) {
          const auto r = risk::value_at_risk(x, {.how = how,
                                                 .confidence = c,
                                                 .horizon = h,
                                                 .sims = 2000,
                                                 .seed = seed,
                                                 .lambda = 0.97,
                                                 .dof = seed % 2 ? 0.0 : 4.0});
          CHECK_MESSAGE(r.cvar >= r.var, r.method << " c=" << c << " h=" << h);
          CHECK(std::isfinite(r.var));
        }
      }
    }
  }
}

TEST_CASE("portfolio: historical-type methods use the portfolio return series") {
  const std::size_t rows = 400, cols = 3;
  const vec a = fat_tailed(rows * cols, 21);
  const vec w = {0.5, -0.2, 0.7};
  vec p(rows);
  for (std::size_t t = 0; t < rows; ++t)
    for (std::size_t i = 0; i < cols; ++i) p[t] += w[i] * a[t * cols + i];
  for (const auto how : {risk::method::historical, risk::method::normal,
                         risk::method::cornish_fisher, risk::method::bootstrap}) {
    const risk::var_options o{.how = how, .confidence = 0.99, .sims = 1000, .seed = 3};
    const auto port = risk::portfolio_var(w, a, cols, o);
    const auto ser = risk::value_at_risk(p, o);
    CHECK(port.var == doctest::Approx(ser.var).epsilon(1e-12));
    CHECK(port.cvar == doctest::Approx(ser.cvar).epsilon(1e-12));
  }
}

TEST_CASE("bad input names the argument") {
  const vec r = {0.01, -0.02, 0.03};
  const auto var = [&](risk::var_options o) { (void)risk::value_at_risk(r, o); };
  check_bad([] { (void)risk::value_at_risk(vec{}, {}); }, "returns");
  check_bad([] { (void)risk::value_at_risk(vec{0.01, NAN}, {}); }, "returns");
  check_bad([] { (void)risk::value_at_risk(vec{0.01, INFINITY}, {}); }, "returns");
  check_bad([&] { var({.confidence = 0}); }, "confidence");
  check_bad([&] { var({.confidence = 1}); }, "confidence");
  check_bad([&] { var({.confidence = 1.5}); }, "confidence");
  check_bad([&] { var({.confidence = NAN}); }, "confidence");
  check_bad([&] { var({.horizon = 0}); }, "horizon");
  check_bad([&] { var({.horizon = 4}); }, "horizon");  // more periods than returns
  check_bad([&] { var({.how = risk::method::monte_carlo, .sims = 0}); }, "sims");
  check_bad([&] { var({.how = risk::method::bootstrap, .sims = -5}); }, "sims");
  check_bad([&] { var({.how = risk::method::monte_carlo, .dof = 2}); }, "dof");
  check_bad([&] { var({.how = risk::method::monte_carlo, .dof = 1.5}); }, "dof");
  check_bad([&] { var({.how = risk::method::monte_carlo, .dof = -3}); }, "dof");
  check_bad([&] { var({.how = risk::method::age_weighted, .lambda = 0}); }, "lambda");
  check_bad([&] { var({.how = risk::method::filtered, .lambda = 1.2}); }, "lambda");
  check_bad([&] { var({.how = static_cast<risk::method>(42)}); }, "how");
  check_bad([] { (void)risk::value_at_risk(vec{0.01}, {.how = risk::method::normal}); }, "returns");
  check_bad(
      [] {
        (void)risk::value_at_risk(vec{0.01, 0.01}, {.how = risk::method::cornish_fisher});
      },
      "returns");
  const vec m = {0.01, 0.02, -0.01, 0.0, 0.03, -0.02};  // 3 rows x 2 cols
  check_bad([&] { (void)risk::portfolio_var(vec{1, 0, 0}, m, 2, {}); }, "weights");
  check_bad([&] { (void)risk::portfolio_var(vec{}, m, 2, {}); }, "weights");
  check_bad([&] { (void)risk::portfolio_var(vec{1, NAN}, m, 2, {}); }, "weights");
  check_bad([&] { (void)risk::portfolio_var(vec{1, 0, 0, 0}, m, 4, {}); }, "returns");
  check_bad([&] { (void)risk::portfolio_var(vec{}, m, 0, {}); }, "weights");
  check_bad([&] { (void)risk::portfolio_var(vec{1}, m, 0, {}); }, "cols");
  // A constant series is fine for the non-parametric methods.
  const auto flat = risk::value_at_risk(vec(50, 0.001), {.confidence = 0.99});
  CHECK(flat.var == doctest::Approx(-0.001));
  CHECK(flat.cvar == doctest::Approx(-0.001));
}
