// Tests of the VaR backtests: Kupiec and Christoffersen on hand-worked sequences, zero counts,
// bad input, and a rolling 250-day 99% historical VaR on the BMW daily returns (tests/data/).
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <fstream>
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

// Returns with an exception (loss of 2% against a VaR of 1%) where hits[t] is 1.
vec returns_from(const std::vector<int>& hits) {
  vec r;
  for (const int h : hits) r.push_back(h ? -0.02 : 0.0);
  return r;
}

vec read_bmw() {
  std::ifstream in(std::string(NTRUN_SOURCE_DIR) +
                   "/tests/data/bmw_daily_logreturns_1973_1996.csv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);  // header
  vec r;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    r.push_back(std::expm1(std::stod(line.substr(comma + 1))));  // log -> simple return
  }
  return r;
}

}  // namespace

TEST_CASE("Kupiec: hand-worked values") {
  // 250 days, 5 exceptions at 99%: LR = -2 ln[0.99^245 0.01^5] + 2 ln[0.98^245 0.02^5].
  std::vector<int> hits(250, 0);
  for (int i = 0; i < 5; ++i) hits[static_cast<std::size_t>(40 * i + 3)] = 1;
  const auto b = risk::backtest_var(returns_from(hits), vec(250, 0.01), 0.99);
  CHECK(b.observations == 250);
  CHECK(b.exceptions == 5);
  CHECK(b.expected_rate == doctest::Approx(0.01));
  CHECK(b.observed_rate == doctest::Approx(0.02));
  CHECK(b.kupiec_lr == doctest::Approx(1.956809788230622).epsilon(1e-12));
  CHECK(b.kupiec_p == doctest::Approx(0.16185491719604272).epsilon(1e-12));
  // No exception in 10 days at 95%: LR = -20 ln 0.95 (0 ln 0 = 0).
  const auto z = risk::backtest_var(vec(10, 0.0), vec(10, 0.01), 0.95);
  CHECK(z.exceptions == 0);
  CHECK(z.kupiec_lr == doctest::Approx(1.0258658877510116).epsilon(1e-12));
  CHECK(z.kupiec_p == doctest::Approx(0.3111316334870513).epsilon(1e-12));
  CHECK(z.christoffersen_lr == 0.0);
  CHECK(z.christoffersen_p == 1.0);
}

TEST_CASE("Christoffersen: independent and clustered sequences") {
  // 0 0 1 1 0 0 0 1 0 0: n00 = 4, n01 = 2, n10 = 2, n11 = 1, so pi0 = pi1 = pi and LR = 0.
  const auto even =
      risk::backtest_var(returns_from({0, 0, 1, 1, 0, 0, 0, 1, 0, 0}), vec(10, 0.01), 0.9);
  CHECK(even.christoffersen_lr == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(even.christoffersen_p == doctest::Approx(1.0));
  // 0 0 0 0 1 1 1 0 0 0: n00 = 5, n01 = 1, n10 = 1, n11 = 2; pi0 = 1/6, pi1 = 2/3, pi = 1/3.
  const auto clustered =
      risk::backtest_var(returns_from({0, 0, 0, 0, 1, 1, 1, 0, 0, 0}), vec(10, 0.01), 0.9);
  CHECK(clustered.exceptions == 3);
  CHECK(clustered.christoffersen_lr == doctest::Approx(2.231435513142097).epsilon(1e-12));
  CHECK(clustered.christoffersen_p == doctest::Approx(0.13522815768706664).epsilon(1e-12));
  CHECK(clustered.kupiec_lr == doctest::Approx(3.07327173607597).epsilon(1e-12));
  CHECK(clustered.conditional_lr == doctest::Approx(5.304707249218067).epsilon(1e-12));
  CHECK(clustered.conditional_p == doctest::Approx(0.07048512216119875).epsilon(1e-12));
  // Every period an exception: both rates 1, no information against independence.
  const auto all = risk::backtest_var(returns_from({1, 1, 1, 1}), vec(4, 0.01), 0.99);
  CHECK(all.exceptions == 4);
  CHECK(std::isfinite(all.kupiec_lr));
  CHECK(all.christoffersen_lr == 0.0);
}

TEST_CASE("rolling 250-day 99% historical VaR on BMW daily returns") {
  const vec r = read_bmw();
  REQUIRE(r.size() == 6146);
  const std::size_t window = 250;
  vec realised, forecast;
  for (std::size_t t = window; t < r.size(); ++t) {
    const auto v =
        risk::value_at_risk(std::span(r).subspan(t - window, window), {.confidence = 0.99});
    forecast.push_back(v.var);
    realised.push_back(r[t]);
  }
  const auto b = risk::backtest_var(realised, forecast, 0.99);
  MESSAGE("BMW 1973-1996, rolling 250-day 99% historical VaR: "
          << b.exceptions << " exceptions in " << b.observations << " days ("
          << 100 * b.observed_rate << "%), Kupiec LR " << b.kupiec_lr << " p " << b.kupiec_p
          << ", Christoffersen LR " << b.christoffersen_lr << " p " << b.christoffersen_p
          << ", conditional p " << b.conditional_p);
  CHECK(b.observations == 5896);
  CHECK(b.observed_rate > 0.005);
  CHECK(b.observed_rate < 0.03);
  CHECK(b.kupiec_p >= 0.0);
  CHECK(b.kupiec_p <= 1.0);
  CHECK(b.christoffersen_p >= 0.0);
  CHECK(b.christoffersen_p <= 1.0);
  CHECK(b.conditional_lr == doctest::Approx(b.kupiec_lr + b.christoffersen_lr));
}

TEST_CASE("backtest bad input names the argument") {
  check_bad([] { (void)risk::backtest_var(vec{}, vec{}, 0.99); }, "returns");
  check_bad([] { (void)risk::backtest_var(vec{0.1, 0.2}, vec{0.1}, 0.99); }, "var");
  check_bad([] { (void)risk::backtest_var(vec{0.1, NAN}, vec{0.1, 0.1}, 0.99); }, "returns");
  check_bad([] { (void)risk::backtest_var(vec{0.1}, vec{INFINITY}, 0.99); }, "var");
  check_bad([] { (void)risk::backtest_var(vec{0.1}, vec{0.1}, 1.0); }, "confidence");
}
