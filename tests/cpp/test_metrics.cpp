// Tests of ntrun::report::compute_metrics: hand-worked examples, a brute-force reference over
// a random equity path, edge cases and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "ntrun/report/metrics.hpp"

namespace {

using namespace ntrun;
using namespace ntrun::report;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// Equity points one day apart (at 21:00 UTC), starting on day `first_day`.
std::vector<equity_point> daily(const std::vector<double>& values, std::int64_t first_day = 0) {
  std::vector<equity_point> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.push_back(
        {.ts = (first_day + static_cast<std::int64_t>(i)) * ns_per_day + 21 * 3600 * ns_per_second,
         .equity = values[i],
         .cash = values[i]});
  }
  return out;
}

trade pnl_trade(double pnl) {
  return {.quantity = 1, .entry_price = 100, .exit_price = 100 + pnl, .pnl = pnl};
}

run_record with_equity(const std::vector<double>& values) {
  return {.initial_capital = 100, .equity = daily(values)};
}

// Straightforward reference computations, written without the library's structure.
struct reference {
  double volatility, sharpe, sortino, max_dd, max_dd_days;
};

reference reference_metrics(const std::vector<equity_point>& eq, double ppy) {
  std::vector<double> r;
  for (std::size_t i = 1; i < eq.size(); ++i) r.push_back(eq[i].equity / eq[i - 1].equity - 1);
  double mean = 0;
  for (double x : r) mean += x / static_cast<double>(r.size());
  double var = 0;
  for (double x : r) var += (x - mean) * (x - mean) / static_cast<double>(r.size() - 1);
  double down = 0;
  for (double x : r) down += (x < 0 ? x * x : 0) / static_cast<double>(r.size());
  reference ref{};
  ref.volatility = std::sqrt(var) * std::sqrt(ppy);
  ref.sharpe = mean / std::sqrt(var) * std::sqrt(ppy);
  ref.sortino = mean / std::sqrt(down) * std::sqrt(ppy);
  // O(n^2) drawdown: the peak before each point is searched from scratch.
  ref.max_dd = 0;
  for (std::size_t j = 0; j < eq.size(); ++j) {
    double peak = eq[0].equity;
    for (std::size_t k = 0; k <= j; ++k) peak = std::max(peak, eq[k].equity);
    ref.max_dd = std::max(ref.max_dd, (peak - eq[j].equity) / peak);
  }
  // Each running-max point is a peak; its drawdown lasts until the first point back at it.
  ts_ns longest = 0;
  for (std::size_t i = 0; i < eq.size(); ++i) {
    bool is_peak = true;
    for (std::size_t k = 0; k < i; ++k) is_peak = is_peak && eq[k].equity <= eq[i].equity;
    if (!is_peak || i + 1 == eq.size()) continue;
    std::size_t j = i + 1;
    while (j < eq.size() && eq[j].equity < eq[i].equity) ++j;
    if (j == i + 1) continue;
    const ts_ns until = j < eq.size() ? eq[j].ts : eq.back().ts;
    longest = std::max(longest, until - eq[i].ts);
  }
  ref.max_dd_days = static_cast<double>(longest) / static_cast<double>(ns_per_day);
  return ref;
}

}  // namespace

TEST_CASE("metrics: hand-worked equity 100, 110, 99, 120") {
  run_record run = with_equity({100, 110, 99, 120});
  run.equity[1].gross_exposure = 55;
  run.equity[2].gross_exposure = 49.5;
  run.traded_notional = 214.5;
  run.commissions = 3.5;
  run.num_fills = 4;
  run.num_orders = 5;
  run.num_rejected = 1;
  const metrics m = compute_metrics(run);

  const std::vector<double> r = period_returns(run.equity);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == doctest::Approx(0.1));
  CHECK(r[1] == doctest::Approx(-0.1));
  CHECK(r[2] == doctest::Approx(120.0 / 99.0 - 1));

  CHECK(m.total_return == doctest::Approx(0.2));
  CHECK(m.final_equity == 120);
  // mean 0.0707071, sample stdev 0.1581090, downside sqrt(0.01 / 3) = 0.0577350
  CHECK(m.volatility == doctest::Approx(0.1581090432 * std::sqrt(252.0)));
  CHECK(m.sharpe == doctest::Approx(7.099150860568081));
  CHECK(m.sortino == doctest::Approx(19.441230221024796));
  CHECK(m.max_drawdown == doctest::Approx(0.1));
  CHECK(m.max_drawdown_duration_days == doctest::Approx(2.0));  // day 1 peak, day 3 recovery
  // 1.2 over 3 calendar days, compounded to a year: 1.2^(365.25 / 3) - 1.
  CHECK(m.annual_return == doctest::Approx(std::pow(1.2, 365.25 / 3) - 1));
  CHECK(m.calmar == doctest::Approx(m.annual_return / 0.1));
  CHECK(m.exposure == doctest::Approx(0.25));  // (0 + 0.5 + 0.5 + 0) / 4
  CHECK(m.turnover == doctest::Approx(2.0));   // 214.5 / mean(100, 110, 99, 120)
  CHECK(m.commissions == 3.5);
  CHECK(m.start == run.equity.front().ts);
  CHECK(m.end == run.equity.back().ts);
  CHECK(m.num_fills == 4);
  CHECK(m.num_orders == 5);
  CHECK(m.num_rejected == 1);
}

TEST_CASE("metrics: CAGR over calendar time and over periods") {
  const ts_ns year = 31'557'600LL * ns_per_second;  // 365.25 days
  run_record run{.initial_capital = 100,
                 .equity = {{.ts = 0, .equity = 100}, {.ts = 2 * year, .equity = 121}}};
  CHECK(compute_metrics(run).annual_return == doctest::Approx(0.1));

  // All points at one timestamp: fall back to periods_per_year (4 points = 3 periods).
  run.equity = {{.ts = 5, .equity = 100},
                {.ts = 5, .equity = 100},
                {.ts = 5, .equity = 100},
                {.ts = 5, .equity = 121}};
  run.periods_per_year = 6;
  CHECK(compute_metrics(run).annual_return == doctest::Approx(std::pow(1.21, 2.0) - 1));

  run.equity.back().equity = 0;  // ruined: -100 %
  CHECK(compute_metrics(run).annual_return == -1.0);
  run.equity.back().equity = -50;
  CHECK(compute_metrics(run).annual_return == -1.0);
}

TEST_CASE("metrics: trade statistics") {
  run_record run = with_equity({100, 101});
  run.trades = {pnl_trade(50), pnl_trade(-20), pnl_trade(30), pnl_trade(-10), pnl_trade(0)};
  const metrics m = compute_metrics(run);
  CHECK(m.num_trades == 5);
  CHECK(m.win_rate == doctest::Approx(0.4));  // the flat trade counts, but not as a win
  CHECK(m.profit_factor == doctest::Approx(80.0 / 30.0));
  CHECK(m.avg_win == doctest::Approx(40));
  CHECK(m.avg_loss == doctest::Approx(-15));
  CHECK(m.avg_trade == doctest::Approx(10));
  CHECK(m.best_trade == 50);
  CHECK(m.worst_trade == -20);
}

TEST_CASE("metrics: all winning trades") {
  run_record run = with_equity({100, 101});
  run.trades = {pnl_trade(5), pnl_trade(7)};
  const metrics m = compute_metrics(run);
  CHECK(m.win_rate == 1.0);
  CHECK(std::isnan(m.profit_factor));  // no losses: undefined, not infinite
  CHECK(std::isnan(m.avg_loss));
  CHECK(m.avg_win == doctest::Approx(6));
  CHECK(m.worst_trade == 5);
}

TEST_CASE("metrics: no trades") {
  const metrics m = compute_metrics(with_equity({100, 101, 102}));
  CHECK(m.num_trades == 0);
  for (double v : {m.win_rate, m.profit_factor, m.avg_win, m.avg_loss, m.avg_trade, m.best_trade,
                   m.worst_trade}) {
    CHECK(std::isnan(v));
  }
}

TEST_CASE("metrics: random equity path against a reference computation") {
  std::mt19937_64 rng(12345);
  std::vector<double> values{1000};
  for (int i = 0; i < 2000; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
    values.push_back(values.back() * (1 + (u - 0.49) * 0.04));
  }
  run_record run{.initial_capital = 1000, .equity = daily(values, 18000)};
  // Irregular spacing (weekends, holidays) must not matter to the per-point figures.
  for (std::size_t i = 0; i < run.equity.size(); ++i) {
    run.equity[i].ts += static_cast<ts_ns>(i / 5) * 2 * ns_per_day;
  }
  const metrics m = compute_metrics(run);
  const reference ref = reference_metrics(run.equity, 252);
  CHECK(m.volatility == doctest::Approx(ref.volatility).epsilon(1e-10));
  CHECK(m.sharpe == doctest::Approx(ref.sharpe).epsilon(1e-10));
  CHECK(m.sortino == doctest::Approx(ref.sortino).epsilon(1e-10));
  CHECK(m.max_drawdown == doctest::Approx(ref.max_dd).epsilon(1e-12));
  CHECK(m.max_drawdown_duration_days == doctest::Approx(ref.max_dd_days));
  CHECK(m.max_drawdown > 0.05);  // the path does have a real drawdown to find
  const double years = static_cast<double>(run.equity.back().ts - run.equity.front().ts) /
                       (365.25 * static_cast<double>(ns_per_day));
  CHECK(m.annual_return ==
        doctest::Approx(std::pow(values.back() / values.front(), 1 / years) - 1).epsilon(1e-10));
  CHECK(m.total_return == doctest::Approx(values.back() / 1000 - 1));
}

TEST_CASE("metrics: one point") {
  const metrics m = compute_metrics(with_equity({105}));
  CHECK(m.total_return == doctest::Approx(0.05));
  CHECK(m.final_equity == 105);
  CHECK(std::isnan(m.annual_return));
  CHECK(std::isnan(m.volatility));
  CHECK(std::isnan(m.sharpe));
  CHECK(std::isnan(m.sortino));
  CHECK(m.max_drawdown == 0);
  CHECK(m.max_drawdown_duration_days == 0);
  CHECK(std::isnan(m.calmar));
  CHECK(m.start == m.end);
}

TEST_CASE("metrics: two points give one return: sortino but no sample stdev") {
  const metrics m = compute_metrics(with_equity({100, 90}));
  CHECK(std::isnan(m.volatility));
  CHECK(std::isnan(m.sharpe));
  CHECK(m.sortino == doctest::Approx(-1.0 * std::sqrt(252.0)));  // -0.1 / 0.1
}

TEST_CASE("metrics: empty equity curve") {
  const metrics m = compute_metrics({.initial_capital = 100});
  CHECK(m.final_equity == 100);
  CHECK(m.total_return == 0);
  CHECK(std::isnan(m.annual_return));
  CHECK(std::isnan(m.max_drawdown));
  CHECK(std::isnan(m.max_drawdown_duration_days));
  CHECK(std::isnan(m.exposure));
  CHECK(std::isnan(m.turnover));
  CHECK(m.start == 0);
  CHECK(m.end == 0);
}

TEST_CASE("metrics: flat equity") {
  const metrics m = compute_metrics(with_equity({100, 100, 100, 100}));
  CHECK(m.volatility == 0);
  CHECK(std::isnan(m.sharpe));   // zero volatility
  CHECK(std::isnan(m.sortino));  // no downside
  CHECK(m.max_drawdown == 0);
  CHECK(m.max_drawdown_duration_days == 0);
  CHECK(std::isnan(m.calmar));
  CHECK(m.annual_return == 0);
  CHECK(m.exposure == 0);
}

TEST_CASE("metrics: drawdown never recovered lasts to the end") {
  run_record run{.initial_capital = 100,
                 .equity = {{.ts = 0, .equity = 100},
                            {.ts = 1 * ns_per_day, .equity = 120},
                            {.ts = 2 * ns_per_day, .equity = 90},
                            {.ts = 5 * ns_per_day + ns_per_day / 2, .equity = 100}}};
  const metrics m = compute_metrics(run);
  CHECK(m.max_drawdown == doctest::Approx(0.25));
  CHECK(m.max_drawdown_duration_days == doctest::Approx(4.5));
}

TEST_CASE("metrics: the longest drawdown need not be the deepest") {
  // Deep and short: 100 -> 50 -> 100 in 2 days; shallow and long: 100 -> 99 for 10 days.
  run_record run{.initial_capital = 100,
                 .equity = {{.ts = 0, .equity = 100},
                            {.ts = 1 * ns_per_day, .equity = 50},
                            {.ts = 2 * ns_per_day, .equity = 100},
                            {.ts = 3 * ns_per_day, .equity = 99},
                            {.ts = 13 * ns_per_day, .equity = 101}}};
  const metrics m = compute_metrics(run);
  CHECK(m.max_drawdown == doctest::Approx(0.5));
  CHECK(m.max_drawdown_duration_days == doctest::Approx(11));  // day 2 peak, day 13 recovery
}

TEST_CASE("metrics: bad input throws report_error with a clear message") {
  CHECK_THROWS_AS((void)compute_metrics({.initial_capital = 0}), report_error);
  CHECK_THROWS_AS((void)compute_metrics({.initial_capital = -5}), report_error);
  CHECK_THROWS_AS((void)compute_metrics({.initial_capital = nan_v}), report_error);
  CHECK_THROWS_AS((void)compute_metrics({.initial_capital = 100, .periods_per_year = 0}),
                  report_error);
  CHECK_THROWS_AS((void)compute_metrics({.initial_capital = 100, .periods_per_year = nan_v}),
                  report_error);
  run_record unsorted = with_equity({100, 101, 102});
  std::swap(unsorted.equity[0].ts, unsorted.equity[2].ts);
  CHECK_THROWS_WITH_AS((void)compute_metrics(unsorted), doctest::Contains("must be chronological"),
                       report_error);
}

TEST_CASE("metrics: non-finite and ruinous values give NaN, never a crash") {
  run_record run = with_equity({100, nan_v, 90});
  run.trades = {pnl_trade(1), pnl_trade(nan_v)};
  metrics m = compute_metrics(run);
  CHECK(std::isnan(m.volatility));
  CHECK(std::isnan(m.max_drawdown));
  CHECK(std::isnan(m.win_rate));
  CHECK(std::isnan(m.best_trade));
  CHECK(m.num_trades == 2);

  // Equity through zero: returns are undefined past it, the drawdown exceeds 100 %.
  m = compute_metrics(with_equity({100, 0, -20}));
  CHECK(period_returns(with_equity({100, 0, -20}).equity).empty());
  CHECK(std::isnan(m.volatility));
  CHECK(m.max_drawdown == doctest::Approx(1.2));
  CHECK(m.annual_return == -1.0);
  CHECK(m.exposure == 0);  // only the positive-equity point counts

  // Timestamps at the ends of the int64 range: no overflow.
  run = {.initial_capital = 100,
         .equity = {{.ts = std::numeric_limits<ts_ns>::min(), .equity = 100},
                    {.ts = 0, .equity = 90},
                    {.ts = std::numeric_limits<ts_ns>::max(), .equity = 95}}};
  m = compute_metrics(run);
  CHECK(m.max_drawdown_duration_days > 100'000);
  CHECK(std::isfinite(m.annual_return));
}
