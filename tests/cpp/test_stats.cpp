// Tests of ntrun::compute::stats: hand-worked values, straightforward reference loops over
// random series, edge cases, and the backtest report computing the same numbers through it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "ntrun/compute/stats.hpp"
#include "ntrun/report/metrics.hpp"

namespace {

namespace stats = ntrun::compute::stats;
using ntrun::equity_point;
using ntrun::ns_per_day;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

// Uniform in [lo, hi), from the top 53 bits, the same on every platform.
double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>(rng() >> 11) * 0x1.0p-53);
}

std::vector<double> random_returns(std::mt19937_64& rng, std::size_t n, bool rounded) {
  std::vector<double> r(n);
  for (double& v : r) {
    v = uniform(rng, -0.03, 0.035);
    if (rounded) v = std::round(v * 200) / 200;  // ties and exact zeros
  }
  return r;
}

struct ref_drawdown {
  double max_dd;
  std::size_t peak, trough, longest_start, longest_end;
};

// O(n^2): every point's peak is searched from scratch; every running maximum starts a period
// that lasts until the first later point back at its level (or the end).
ref_drawdown reference_drawdowns(const std::vector<double>& e) {
  ref_drawdown out{0, 0, 0, 0, 0};
  for (std::size_t j = 0; j < e.size(); ++j) {
    std::size_t p = 0;
    for (std::size_t k = 0; k <= j; ++k) {
      if (e[k] >= e[p]) p = k;  // the latest of equal highs
    }
    const double dd = (e[p] - e[j]) / e[p];
    if (dd > out.max_dd) out = {dd, p, j, out.longest_start, out.longest_end};
  }
  for (std::size_t i = 0; i < e.size(); ++i) {
    bool is_peak = true;
    for (std::size_t k = 0; k < i; ++k) is_peak = is_peak && e[k] <= e[i];
    if (!is_peak) continue;
    std::size_t j = i + 1;
    while (j < e.size() && e[j] < e[i]) ++j;
    if (j == i + 1) continue;  // never under water
    const std::size_t end = std::min(j, e.size() - 1);
    if (end - i > out.longest_end - out.longest_start) {
      out.longest_start = i;
      out.longest_end = end;
    }
  }
  return out;
}

// Sorted copy, then type-7 interpolation: the textbook definition.
double reference_quantile(std::vector<double> x, double p) {
  std::sort(x.begin(), x.end());
  const double h = static_cast<double>(x.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= x.size()) return x[lo];
  return x[lo] + (h - static_cast<double>(lo)) * (x[lo + 1] - x[lo]);
}

std::vector<equity_point> daily(const std::vector<double>& values) {
  std::vector<equity_point> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.push_back({.ts = static_cast<std::int64_t>(i) * ns_per_day, .equity = values[i]});
  }
  return out;
}

}  // namespace

TEST_CASE("stats: hand-worked mean, stdev, Sharpe and Sortino") {
  const std::vector<double> x{1, 2, 3, 4};
  CHECK(stats::mean(x) == 2.5);
  CHECK(stats::stdev(x) == doctest::Approx(1.2909944487));  // sqrt(5 / 3)

  // docs/metrics.md's worked example: returns 0.1, -0.1, 0.212121.
  const std::vector<double> r{0.1, -0.1, 120.0 / 99.0 - 1};
  CHECK(stats::mean(r) == doctest::Approx(0.0707070707));
  CHECK(stats::stdev(r) == doctest::Approx(0.1581090432));
  CHECK(stats::sharpe(r, 252) == doctest::Approx(7.099150860568081));
  CHECK(stats::sortino(r, 252) == doctest::Approx(19.441230221024796));

  // Excess over 0.01 a period: 0.01, -0.02, 0.02; mean 0.003333, sample stdev 0.0208167,
  // downside deviation sqrt(0.0004 / 3) = 0.0115470.
  const std::vector<double> s{0.02, -0.01, 0.03};
  CHECK(stats::sharpe(s, 1, 0.01) == doctest::Approx(0.1601281538));
  CHECK(stats::sharpe(s, 252, 0.01) == doctest::Approx(0.1601281538 * std::sqrt(252.0)));
  CHECK(stats::sortino(s, 1, 0.01) == doctest::Approx(0.2886751346));
}

TEST_CASE("stats: hand-worked drawdowns") {
  const std::vector<double> a{100, 110, 99, 120};
  stats::drawdown_info d = stats::drawdowns(a);
  CHECK(d.max_drawdown == doctest::Approx(0.1));
  CHECK(d.peak == 1);
  CHECK(d.trough == 2);
  CHECK(d.longest_start == 1);
  CHECK(d.longest_end == 3);

  // Deep and short (0 -> 2), shallow and long (2 -> 6): the longest is not the deepest.
  const std::vector<double> b{100, 50, 100, 99, 98, 97, 101};
  d = stats::drawdowns(b);
  CHECK(d.max_drawdown == doctest::Approx(0.5));
  CHECK(d.peak == 0);
  CHECK(d.trough == 1);
  CHECK(d.longest_start == 2);
  CHECK(d.longest_end == 6);

  // Equal highs: the later one is the peak, and equal counts as recovered.
  const std::vector<double> c{100, 100, 90, 100, 95};
  d = stats::drawdowns(c);
  CHECK(d.max_drawdown == doctest::Approx(0.1));
  CHECK(d.peak == 1);
  CHECK(d.trough == 2);
  CHECK(d.longest_start == 1);
  CHECK(d.longest_end == 3);
}

TEST_CASE("stats: a drawdown never recovered lasts to the last index") {
  const std::vector<double> e{100, 120, 90, 100};
  const stats::drawdown_info d = stats::drawdowns(e);
  CHECK(d.max_drawdown == doctest::Approx(0.25));
  CHECK(d.peak == 1);
  CHECK(d.trough == 2);
  CHECK(d.longest_start == 1);
  CHECK(d.longest_end == 3);

  // Through zero: the drawdown exceeds 100 %, still defined since the peak is positive.
  const std::vector<double> ruin{100, 0, -20};
  CHECK(stats::drawdowns(ruin).max_drawdown == doctest::Approx(1.2));
  CHECK(stats::drawdowns(ruin).longest_end == 2);
}

TEST_CASE("stats: hand-worked Calmar, Omega and tail ratio") {
  CHECK(stats::calmar(0.3, 0.1) == doctest::Approx(3));
  CHECK(stats::calmar(-0.2, 0.4) == doctest::Approx(-0.5));

  const std::vector<double> r{0.02, -0.01, 0.03, -0.02};
  CHECK(stats::omega(r) == doctest::Approx(0.05 / 0.03));
  // Threshold 0.01: gains 0.01 + 0.02, losses 0.02 + 0.03.
  CHECK(stats::omega(r, 0.01) == doctest::Approx(0.6));
  const std::vector<double> at{0.01, 0.01, 0.03, -0.01};  // at the threshold counts neither
  CHECK(stats::omega(at, 0.01) == doctest::Approx(1.0));

  // 11 values, shuffled. Sorted: -0.05 -0.02 -0.01 0 0.01 0.02 0.03 0.04 0.06 0.10 0.20.
  // 95 %: h = 9.5, 0.10 + 0.5 * 0.10 = 0.15; 5 %: h = 0.5, -0.05 + 0.5 * 0.03 = -0.035.
  const std::vector<double> t{0.03, -0.01, 0.20, 0, -0.05, 0.06, 0.01, 0.10, -0.02, 0.04, 0.02};
  const std::vector<double> before = t;
  CHECK(stats::tail_ratio(t) == doctest::Approx(0.15 / 0.035));
  CHECK(t == before);  // works on a scratch copy
  // 21 values -10 .. 10: h = 19 and 1 exactly, so 9 and -9 without interpolation.
  std::vector<double> sym;
  for (int i = 10; i >= -10; --i) sym.push_back(i);
  CHECK(stats::tail_ratio(sym) == doctest::Approx(1.0));
}

TEST_CASE("stats: empty input and too few values give NaN") {
  const std::vector<double> none;
  CHECK(std::isnan(stats::mean(none)));
  CHECK(std::isnan(stats::stdev(none)));
  CHECK(std::isnan(stats::sharpe(none, 252)));
  CHECK(std::isnan(stats::sortino(none, 252)));
  CHECK(std::isnan(stats::omega(none)));
  CHECK(std::isnan(stats::tail_ratio(none)));
  const stats::drawdown_info d = stats::drawdowns(none);
  CHECK(std::isnan(d.max_drawdown));
  CHECK(d.peak == 0);
  CHECK(d.longest_end == 0);

  const std::vector<double> one{-0.02};
  CHECK(stats::mean(one) == -0.02);
  CHECK(std::isnan(stats::stdev(one)));
  CHECK(std::isnan(stats::sharpe(one, 252)));
  // The downside deviation divides by n, so one losing period is enough: -0.02 / 0.02.
  CHECK(stats::sortino(one, 252) == doctest::Approx(-std::sqrt(252.0)));
  CHECK(stats::omega(one) == 0);  // no gains over a loss of 0.02
  CHECK(stats::tail_ratio(one) == doctest::Approx(1.0));
  const std::vector<double> one_equity{100};
  CHECK(stats::drawdowns(one_equity).max_drawdown == 0);
}

TEST_CASE("stats: constant series, all gains, zero drawdown") {
  const std::vector<double> flat{0.01, 0.01, 0.01, 0.01};
  CHECK(stats::stdev(flat) == 0);
  CHECK(std::isnan(stats::sharpe(flat, 252)));   // zero deviation
  CHECK(std::isnan(stats::sortino(flat, 252)));  // nothing below the target
  CHECK(std::isnan(stats::omega(flat)));         // no losses
  CHECK(stats::omega(flat, 0.02) == 0);          // all below: no gains
  CHECK(stats::tail_ratio(flat) == doctest::Approx(1.0));

  const std::vector<double> gains{0.01, 0.02, 0.03};
  CHECK(std::isnan(stats::sortino(gains, 252)));
  CHECK(std::isnan(stats::omega(gains)));
  CHECK(stats::sharpe(gains, 1) == doctest::Approx(2.0));  // mean 0.02, stdev 0.01

  const std::vector<double> rising{1, 2, 2, 3};
  const stats::drawdown_info d = stats::drawdowns(rising);
  CHECK(d.max_drawdown == 0);
  CHECK(d.peak == 0);
  CHECK(d.trough == 0);
  CHECK(d.longest_start == 0);
  CHECK(d.longest_end == 0);
  CHECK(std::isnan(stats::calmar(0.2, d.max_drawdown)));
  const std::vector<double> zeros{0, 0, 0};
  CHECK(std::isnan(stats::tail_ratio(zeros)));  // 5th percentile 0
}

TEST_CASE("stats: bad input gives NaN, never a crash") {
  const std::vector<double> r{0.01, -0.02, 0.03};
  for (double ppy : {0.0, -252.0, nan_v, inf_v}) {
    CHECK(std::isnan(stats::sharpe(r, ppy)));
    CHECK(std::isnan(stats::sortino(r, ppy)));
  }
  CHECK(std::isnan(stats::sharpe(r, 252, nan_v)));
  CHECK(std::isnan(stats::sortino(r, 252, nan_v)));
  CHECK(std::isnan(stats::omega(r, nan_v)));
  CHECK(std::isnan(stats::calmar(0.1, 0)));
  CHECK(std::isnan(stats::calmar(0.1, -0.1)));
  CHECK(std::isnan(stats::calmar(0.1, nan_v)));
  CHECK(std::isnan(stats::calmar(nan_v, 0.1)));

  const std::vector<double> with_nan{0.01, nan_v, -0.02, 0.03};
  CHECK(std::isnan(stats::mean(with_nan)));
  CHECK(std::isnan(stats::stdev(with_nan)));
  CHECK(std::isnan(stats::sharpe(with_nan, 252)));
  CHECK(std::isnan(stats::sortino(with_nan, 252)));
  CHECK(std::isnan(stats::omega(with_nan)));
  CHECK(std::isnan(stats::tail_ratio(with_nan)));
  std::vector<double> many_nan(1000, nan_v);
  many_nan[500] = 0.01;
  CHECK(std::isnan(stats::tail_ratio(many_nan)));
  const std::vector<double> with_inf{0.01, inf_v, -0.02};
  CHECK(std::isnan(stats::tail_ratio(with_inf)));

  for (const std::vector<double>& e :
       {std::vector<double>{100, nan_v, 90}, std::vector<double>{100, inf_v, 90},
        std::vector<double>{0, 10, 5}, std::vector<double>{-5, 10, 5}}) {
    CHECK(std::isnan(stats::drawdowns(e).max_drawdown));
  }
}

TEST_CASE("stats: random series against reference loops") {
  std::mt19937_64 rng(2024);
  std::vector<std::size_t> sizes{2, 3, 4, 5, 7, 10, 19, 20, 21, 22, 40, 101, 1000, 5000};
  for (int rounded = 0; rounded < 2; ++rounded) {
    for (std::size_t n : sizes) {
      CAPTURE(n);
      CAPTURE(rounded);
      const std::vector<double> r = random_returns(rng, n, rounded != 0);
      const double nd = static_cast<double>(n);
      const double rf = 0.0002;
      double m = 0;
      for (double v : r) m += (v - rf) / nd;
      double var = 0;
      for (double v : r) var += (v - rf - m) * (v - rf - m) / (nd - 1);
      double down = 0;
      for (double v : r) down += (v < 0.001 ? (v - 0.001) * (v - 0.001) : 0) / nd;
      double gains = 0;
      double losses = 0;
      for (double v : r) {
        if (v > 0.001) gains += v - 0.001;
        if (v < 0.001) losses += 0.001 - v;
      }
      double plain_mean = 0;
      for (double v : r) plain_mean += v / nd;
      CHECK(stats::mean(r) == doctest::Approx(plain_mean).epsilon(1e-12));
      CHECK(stats::sharpe(r, 252, rf) ==
            doctest::Approx(m / std::sqrt(var) * std::sqrt(252.0)).epsilon(1e-10));
      double m_target = 0;
      for (double v : r) m_target += (v - 0.001) / nd;
      if (down > 0) {
        CHECK(stats::sortino(r, 12, 0.001) ==
              doctest::Approx(m_target / std::sqrt(down) * std::sqrt(12.0)).epsilon(1e-10));
      }
      if (losses > 0) {
        CHECK(stats::omega(r, 0.001) == doctest::Approx(gains / losses).epsilon(1e-10));
      }
      const double q05 = reference_quantile(r, 0.05);
      if (q05 != 0) {
        CHECK(
            stats::tail_ratio(r) ==
            doctest::Approx(std::abs(reference_quantile(r, 0.95)) / std::abs(q05)).epsilon(1e-12));
      }

      std::vector<double> e{1000};
      for (double v : r) e.push_back(rounded ? std::round(e.back() * (1 + v)) : e.back() * (1 + v));
      const stats::drawdown_info d = stats::drawdowns(e);
      const ref_drawdown ref = reference_drawdowns(e);
      CHECK(d.max_drawdown == doctest::Approx(ref.max_dd).epsilon(1e-14));
      CHECK(d.peak == ref.peak);
      CHECK(d.trough == ref.trough);
      CHECK(d.longest_start == ref.longest_start);
      CHECK(d.longest_end == ref.longest_end);
    }
  }
}

TEST_CASE("stats: the report's metrics are these statistics, bit for bit") {
  std::mt19937_64 rng(77);
  std::vector<double> values{1000};
  for (int i = 0; i < 1500; ++i) values.push_back(values.back() * (1 + uniform(rng, -0.02, 0.021)));
  const ntrun::report::run_record run{.initial_capital = 1000, .equity = daily(values)};
  const ntrun::report::metrics m = ntrun::report::compute_metrics(run);
  const std::vector<double> r = ntrun::report::period_returns(run.equity);

  // The formulas metrics.cpp used before it called stats::, written out the same way.
  const auto n = static_cast<double>(r.size());
  double sum = 0;
  for (double x : r) sum += x;
  const double mean = sum / n;
  double dev_sq = 0;
  double downside_sq = 0;
  for (double x : r) {
    dev_sq += (x - mean) * (x - mean);
    downside_sq += std::min(x, 0.0) * std::min(x, 0.0);
  }
  const double ann = std::sqrt(252.0);
  const double sd = std::sqrt(dev_sq / (n - 1));
  CHECK(m.volatility == sd * ann);
  CHECK(m.sharpe == mean / sd * ann);
  CHECK(m.sortino == mean / std::sqrt(downside_sq / n) * ann);

  const stats::drawdown_info d = stats::drawdowns(values);
  CHECK(m.max_drawdown == d.max_drawdown);
  CHECK(m.max_drawdown == reference_drawdowns(values).max_dd);
  CHECK(m.max_drawdown > 0.05);
  // Evenly spaced days: the report's calendar duration is the longest period in points.
  CHECK(m.max_drawdown_duration_days == static_cast<double>(d.longest_end - d.longest_start));
  CHECK(m.calmar == stats::calmar(m.annual_return, d.max_drawdown));
  CHECK(m.sharpe == stats::sharpe(r, 252));
  CHECK(m.sortino == stats::sortino(r, 252));
}

TEST_CASE("drawdowns with times measure the longest time under water, not the most points") {
  // Two underwater periods of 2 points each: 100 -> 90 -> 100 over 2 days, then
  // 100 -> 95 -> 101 over 11 days (a gap in the data); the points rule picks the first, the
  // time rule the second.
  const std::vector<double> equity = {100, 90, 100, 95, 101};
  const std::int64_t day = 86'400'000'000'000LL;
  const std::vector<std::int64_t> times = {0, day, 2 * day, 3 * day, 13 * day};
  const auto by_points = ntrun::compute::stats::drawdowns(equity);
  CHECK(by_points.longest_start == 0);
  CHECK(by_points.longest_end == 2);
  const auto by_time = ntrun::compute::stats::drawdowns(equity, times);
  CHECK(by_time.longest_start == 2);
  CHECK(by_time.longest_end == 4);
  CHECK(by_time.max_drawdown == by_points.max_drawdown);
  CHECK(std::isnan(
      ntrun::compute::stats::drawdowns(equity, std::vector<std::int64_t>{0, 1}).max_drawdown));
}
