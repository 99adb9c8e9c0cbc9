// Tests of the covariance estimators (sample, EWMA, Ledoit-Wolf against loops written from the
// papers), correlation, volatility, beta, and Kelly sizing (single, from returns, multi-asset,
// log growth) with hand-worked values and bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ntrun/compute/risk.hpp"

namespace risk = ntrun::compute::risk;
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

vec random_returns(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::student_t_distribution<double> t(5.0);
  vec r(rows * cols);
  for (std::size_t k = 0; k < rows; ++k) {
    const double m = 0.01 * t(g);
    for (std::size_t i = 0; i < cols; ++i)
      r[k * cols + i] =
          0.0002 * static_cast<double>(i) + (0.5 + 0.1 * static_cast<double>(i)) * m + 0.01 * t(g);
  }
  return r;
}

void check_matrix_near(const vec& got, const vec& want, double eps) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(eps));
}

}  // namespace

TEST_CASE("sample and EWMA covariance against reference loops") {
  const std::size_t rows = 300, cols = 4;
  const vec r = random_returns(rows, cols, 1);
  vec mean(cols), want(cols * cols);
  for (std::size_t t = 0; t < rows; ++t)
    for (std::size_t i = 0; i < cols; ++i) mean[i] += r[t * cols + i] / rows;
  for (std::size_t i = 0; i < cols; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      double s = 0;
      for (std::size_t t = 0; t < rows; ++t)
        s += (r[t * cols + i] - mean[i]) * (r[t * cols + j] - mean[j]);
      want[i * cols + j] = s / (rows - 1);
    }
  check_matrix_near(risk::covariance(r, cols, risk::cov_method::sample), want, 1e-12);
  // EWMA: S_t = lambda S_t-1 + (1 - lambda) r r' from S = 0, divided by 1 - lambda^n.
  const double lambda = 0.94;
  vec s(cols * cols, 0.0);
  for (std::size_t t = 0; t < rows; ++t)
    for (std::size_t i = 0; i < cols; ++i)
      for (std::size_t j = 0; j < cols; ++j)
        s[i * cols + j] =
            lambda * s[i * cols + j] + (1 - lambda) * r[t * cols + i] * r[t * cols + j];
  for (auto& v : s) v /= 1 - std::pow(lambda, static_cast<double>(rows));
  double shrink = -1;
  check_matrix_near(risk::covariance(r, cols, risk::cov_method::ewma, lambda, &shrink), s, 1e-12);
  CHECK(shrink == 0.0);
  // Hand-worked: two rows (1, 2), (3, 6): variances 2 and 8, covariance 4.
  check_matrix_near(risk::covariance(vec{1, 2, 3, 6}, 2, risk::cov_method::sample), {2, 4, 4, 8},
                    1e-15);
}

TEST_CASE("Ledoit-Wolf constant-correlation shrinkage against the paper's formulas") {
  const std::size_t t = 120, p = 6;
  const vec r = random_returns(t, p, 7);
  // Loops straight from Ledoit & Wolf (2004), appendix: S with 1/T, pi, rho, gamma.
  vec x(t * p), mean(p);
  for (std::size_t k = 0; k < t; ++k)
    for (std::size_t i = 0; i < p; ++i) mean[i] += r[k * p + i] / t;
  for (std::size_t k = 0; k < t; ++k)
    for (std::size_t i = 0; i < p; ++i) x[k * p + i] = r[k * p + i] - mean[i];
  auto sm = [&](std::size_t i, std::size_t j) {
    double s = 0;
    for (std::size_t k = 0; k < t; ++k) s += x[k * p + i] * x[k * p + j];
    return s / t;
  };
  double rbar = 0;
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j)
      if (i != j) rbar += sm(i, j) / std::sqrt(sm(i, i) * sm(j, j));
  rbar /= static_cast<double>(p * (p - 1));
  double pi = 0, rho = 0, gamma = 0;
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j) {
      double pij = 0, tii = 0, tjj = 0;
      for (std::size_t k = 0; k < t; ++k) {
        const double a = x[k * p + i], b = x[k * p + j];
        pij += (a * b - sm(i, j)) * (a * b - sm(i, j));
        tii += (a * a - sm(i, i)) * (a * b - sm(i, j));
        tjj += (b * b - sm(j, j)) * (a * b - sm(i, j));
      }
      pi += pij / t;
      if (i == j)
        rho += pij / t;
      else
        rho +=
            rbar / 2 *
            (std::sqrt(sm(j, j) / sm(i, i)) * tii / t + std::sqrt(sm(i, i) / sm(j, j)) * tjj / t);
      const double f = i == j ? sm(i, i) : rbar * std::sqrt(sm(i, i) * sm(j, j));
      gamma += (f - sm(i, j)) * (f - sm(i, j));
    }
  const double delta = std::max(0.0, std::min(1.0, (pi - rho) / gamma / t));
  vec want(p * p);
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j) {
      const double f = i == j ? sm(i, i) : rbar * std::sqrt(sm(i, i) * sm(j, j));
      want[i * p + j] = delta * f + (1 - delta) * sm(i, j);
    }
  double shrink = -1;
  const vec got = risk::covariance(r, p, risk::cov_method::ledoit_wolf, 0.94, &shrink);
  MESSAGE("Ledoit-Wolf shrinkage intensity " << shrink);
  CHECK(shrink == doctest::Approx(delta).epsilon(1e-10));
  CHECK(shrink > 0.0);
  CHECK(shrink < 1.0);
  check_matrix_near(got, want, 1e-10);
  check_bad(
      [&] {
        vec flat = r;
        for (std::size_t k = 0; k < t; ++k) flat[k * p + 2] = 0.01;
        (void)risk::covariance(flat, p, risk::cov_method::ledoit_wolf);
      },
      "returns");
}

TEST_CASE("correlation, volatility, beta") {
  const vec cov = {0.04, 0.006, 0.006, 0.09};
  const vec c = risk::correlation(cov, 2);
  CHECK(c[0] == 1.0);
  CHECK(c[3] == 1.0);
  CHECK(c[1] == doctest::Approx(0.006 / (0.2 * 0.3)));
  CHECK(c[2] == doctest::Approx(0.1));
  CHECK(risk::volatility(vec{1, 2, 3, 4}) == doctest::Approx(1.2909944487358056));
  const vec m = {0.01, -0.02, 0.015, 0.0, -0.005};
  vec a;
  for (const double v : m) a.push_back(0.001 + 1.5 * v);
  CHECK(risk::beta(a, m) == doctest::Approx(1.5).epsilon(1e-12));
  check_bad([] { (void)risk::correlation(vec{0.0, 0.0, 0.0, 1.0}, 2); }, "covariance");
  check_bad([] { (void)risk::correlation(vec{1.0, 0.0, 0.0}, 2); }, "covariance");
  check_bad([] { (void)risk::volatility(vec{0.01}); }, "returns");
  check_bad([] { (void)risk::volatility(vec{}); }, "returns");
  check_bad([] { (void)risk::beta(vec{0.1, 0.2}, vec{0.1}); }, "market");
  check_bad([] { (void)risk::beta(vec{0.1, 0.2}, vec{0.1, 0.1}); }, "market");
  check_bad(
      [] {
        (void)risk::covariance(vec{0.1, 0.2, 0.3}, 2, risk::cov_method::sample);
      },
      "returns");
  check_bad([] { (void)risk::covariance(vec{0.1, 0.2}, 2, risk::cov_method::sample); }, "returns");
  check_bad(
      [] {
        (void)risk::covariance(vec{0.1, 0.2}, 1, risk::cov_method::ewma, 1.5);
      },
      "lambda");
  check_bad([] { (void)risk::covariance(vec{0.1, NAN}, 1, risk::cov_method::sample); }, "returns");
}

TEST_CASE("Kelly: single bet, from returns, multi-asset, log growth") {
  CHECK(risk::kelly(0.6, 1.0) == doctest::Approx(0.2));
  CHECK(risk::kelly(0.6, 1.0, 0.5) == doctest::Approx(0.1));
  CHECK(risk::kelly(0.6, 1.0, 1.0, 0.15) == doctest::Approx(0.15));
  CHECK(risk::kelly(0.5, 2.0) == doctest::Approx(0.25));
  CHECK(risk::kelly(0.2, 1.0, 1.0, 0.5) == doctest::Approx(-0.5));  // -0.6 capped
  CHECK(risk::kelly_from_returns(vec{0.1, -0.05, 0.1, -0.05}) == doctest::Approx(0.25));
  CHECK(risk::kelly_from_returns(vec{0.1, 0.2}, 1.0, 0.8) == doctest::Approx(0.8));  // no loss
  CHECK(risk::kelly_from_returns(vec{-0.1, -0.2}, 1.0, 0.3) == doctest::Approx(-0.3));
  // Sigma = diag(0.04, 0.09), mu = (0.1, 0.09): Sigma^-1 mu = (2.5, 1).
  const vec mu = {0.1, 0.09}, cov = {0.04, 0.0, 0.0, 0.09};
  auto w = risk::kelly_portfolio(mu, cov, 1.0, 10.0);
  CHECK(w[0] == doctest::Approx(2.5));
  CHECK(w[1] == doctest::Approx(1.0));
  w = risk::kelly_portfolio(mu, cov, 0.5, 10.0);
  CHECK(w[0] == doctest::Approx(1.25));
  w = risk::kelly_portfolio(mu, cov, 1.0, 1.0);  // gross 3.5 scaled to 1
  CHECK(w[0] == doctest::Approx(2.5 / 3.5));
  CHECK(w[1] == doctest::Approx(1.0 / 3.5));
  const vec r = {0.1, -0.1};
  CHECK(risk::expected_log_growth(vec{1.0}, r, 1) ==
        doctest::Approx((std::log(1.1) + std::log(0.9)) / 2));
  CHECK(risk::expected_log_growth(vec{0.5, 0.5}, vec{0.1, 0.3, -0.1, 0.1}, 2) ==
        doctest::Approx((std::log(1.2) + std::log(1.0)) / 2));
  CHECK(risk::expected_log_growth(vec{20.0}, r, 1) == -std::numeric_limits<double>::infinity());
  // Bad input.
  check_bad([] { (void)risk::kelly(1.2, 1.0); }, "p");
  check_bad([] { (void)risk::kelly(0.5, 0.0); }, "b");
  check_bad([] { (void)risk::kelly(0.5, 1.0, -1.0); }, "fraction");
  check_bad([] { (void)risk::kelly(0.5, 1.0, 1.0, 0.0); }, "cap");
  check_bad([] { (void)risk::kelly_from_returns(vec{}); }, "returns");
  check_bad([&] { (void)risk::kelly_portfolio(mu, vec{0.04, 0.0, 0.0}); }, "covariance");
  check_bad([&] { (void)risk::kelly_portfolio(mu, vec{0.04, 0.06, 0.06, 0.09}); }, "covariance");
  check_bad([&] { (void)risk::kelly_portfolio(mu, vec{1.0, 2.0, 2.0, 1.0}); }, "covariance");
  check_bad([&] { (void)risk::kelly_portfolio(mu, cov, 1.0, 0.0); }, "max_leverage");
  check_bad([&] { (void)risk::kelly_portfolio(vec{NAN, 0.1}, cov); }, "mu");
  check_bad([&] { (void)risk::expected_log_growth(vec{1.0}, vec{0.1, 0.2}, 2); }, "weights");
}
