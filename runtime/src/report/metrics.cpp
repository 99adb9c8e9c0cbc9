// compute_metrics: returns, risk, trade and cost figures of a backtest run; the return and
// drawdown statistics come from ntrun::compute::stats, shared with nt.stats. docs/metrics.md
// is the specification; keep the two in step.
#include "ntrun/report/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <fmt/format.h>

#include "ntrun/compute/stats.hpp"

namespace ntrun::report {
namespace {

namespace stats = ntrun::compute::stats;

constexpr double ns_per_year = 365.25 * static_cast<double>(ns_per_day);

void validate(const run_record& run) {
  if (!std::isfinite(run.initial_capital) || run.initial_capital <= 0) {
    throw report_error(fmt::format(
        "report: initial_capital must be a positive finite number, got {}; set the bundle's "
        "capital to the starting cash of the account",
        run.initial_capital));
  }
  if (!std::isfinite(run.periods_per_year) || run.periods_per_year <= 0) {
    throw report_error(fmt::format(
        "report: periods_per_year must be a positive finite number, got {}; use 252 for "
        "trading days or 365 for calendar days",
        run.periods_per_year));
  }
  for (std::size_t i = 1; i < run.equity.size(); ++i) {
    if (run.equity[i].ts < run.equity[i - 1].ts) {
      throw report_error(fmt::format(
          "report: equity point {} (ts {}) is earlier than point {} (ts {}); the equity curve "
          "must be chronological",
          i, run.equity[i].ts, i - 1, run.equity[i - 1].ts));
    }
  }
}

// b - a for b >= a, exact even where the signed difference would overflow (the timestamps
// come from user data and may sit at the ends of the int64 range).
[[nodiscard]] double span_ns(ts_ns a, ts_ns b) {
  return static_cast<double>(static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a));
}

[[nodiscard]] bool positive_finite(double v) {
  return std::isfinite(v) && v > 0;
}

// CAGR over calendar time; over periods when all points share one timestamp.
[[nodiscard]] double annual_return(const run_record& run) {
  const auto& eq = run.equity;
  if (eq.size() < 2 || !positive_finite(eq.front().equity)) return undefined;
  const double e_end = eq.back().equity;
  if (std::isnan(e_end)) return undefined;
  if (e_end <= 0) return -1.0;  // the account is gone: -100 %, whatever the span
  const double ratio = e_end / eq.front().equity;
  const double elapsed = span_ns(eq.front().ts, eq.back().ts);
  if (elapsed > 0) return std::pow(ratio, ns_per_year / elapsed) - 1.0;
  const auto periods = static_cast<double>(eq.size() - 1);
  return std::pow(ratio, run.periods_per_year / periods) - 1.0;
}

// The longest time under water, in ns. stats::drawdowns measures it in points; the report
// measures calendar time, which differs when points are unevenly spaced (weekends, gaps).
// Same periods: from a running maximum to the first later point at or above it (or the end).
void drawdown_metrics(const std::vector<equity_point>& eq, metrics& m) {
  std::vector<double> values;
  std::vector<std::int64_t> times;
  values.reserve(eq.size());
  times.reserve(eq.size());
  for (const auto& p : eq) {
    values.push_back(p.equity);
    times.push_back(p.ts);
  }
  // NaN for an empty curve, a non-finite point or E[0] <= 0.
  const stats::drawdown_info d = stats::drawdowns(values, times);
  m.max_drawdown = d.max_drawdown;
  if (std::isnan(m.max_drawdown)) return;
  m.max_drawdown_duration_days =
      span_ns(times[d.longest_start], times[d.longest_end]) / static_cast<double>(ns_per_day);
}

void return_metrics(const run_record& run, metrics& m) {
  const std::vector<double> r = period_returns(run.equity);
  const double ppy = run.periods_per_year;
  m.volatility = stats::stdev(r) * std::sqrt(ppy);
  m.sharpe = stats::sharpe(r, ppy);
  m.sortino = stats::sortino(r, ppy);
}

void trade_metrics(const std::vector<trade>& trades, metrics& m) {
  m.num_trades = static_cast<std::int64_t>(trades.size());
  if (trades.empty()) return;
  for (const auto& t : trades) {
    if (!std::isfinite(t.pnl)) return;  // every trade figure reads every pnl
  }
  std::int64_t wins = 0;
  std::int64_t losses = 0;
  double gross_win = 0;
  double gross_loss = 0;
  double total = 0;
  double best = trades.front().pnl;
  double worst = trades.front().pnl;
  for (const auto& t : trades) {
    total += t.pnl;
    best = std::max(best, t.pnl);
    worst = std::min(worst, t.pnl);
    if (t.pnl > 0) {
      ++wins;
      gross_win += t.pnl;
    } else if (t.pnl < 0) {
      ++losses;
      gross_loss += t.pnl;
    }
  }
  const auto n = static_cast<double>(trades.size());
  m.win_rate = static_cast<double>(wins) / n;
  if (losses > 0) m.profit_factor = gross_win / -gross_loss;
  if (wins > 0) m.avg_win = gross_win / static_cast<double>(wins);
  if (losses > 0) m.avg_loss = gross_loss / static_cast<double>(losses);
  m.avg_trade = total / n;
  m.best_trade = best;
  m.worst_trade = worst;
}

void exposure_metrics(const run_record& run, metrics& m) {
  if (run.equity.empty()) return;
  double ratio_sum = 0;
  std::size_t ratio_count = 0;
  double equity_sum = 0;
  for (const auto& p : run.equity) {
    equity_sum += p.equity;
    // gross / equity means nothing once the account is at or below zero.
    if (p.equity > 0) {
      ratio_sum += p.gross_exposure / p.equity;
      ++ratio_count;
    }
  }
  if (ratio_count > 0) m.exposure = ratio_sum / static_cast<double>(ratio_count);
  const double mean_equity = equity_sum / static_cast<double>(run.equity.size());
  if (mean_equity > 0) m.turnover = run.traded_notional / mean_equity;
}

}  // namespace

std::vector<double> period_returns(const std::vector<equity_point>& equity) {
  std::vector<double> r;
  if (equity.size() < 2) return r;
  for (std::size_t i = 0; i + 1 < equity.size(); ++i) {
    if (!positive_finite(equity[i].equity)) return r;
  }
  r.reserve(equity.size() - 1);
  for (std::size_t i = 1; i < equity.size(); ++i) {
    r.push_back(equity[i].equity / equity[i - 1].equity - 1.0);
  }
  return r;
}

metrics compute_metrics(const run_record& run) {
  validate(run);
  metrics m;
  m.final_equity = run.equity.empty() ? run.initial_capital : run.equity.back().equity;
  m.total_return = m.final_equity / run.initial_capital - 1.0;
  m.annual_return = annual_return(run);
  return_metrics(run, m);
  drawdown_metrics(run.equity, m);
  m.calmar = stats::calmar(m.annual_return, m.max_drawdown);
  trade_metrics(run.trades, m);
  exposure_metrics(run, m);
  m.commissions = run.commissions;
  if (!run.equity.empty()) {
    m.start = run.equity.front().ts;
    m.end = run.equity.back().ts;
  }
  m.num_fills = run.num_fills;
  m.num_orders = run.num_orders;
  m.num_rejected = run.num_rejected;
  return m;
}

}  // namespace ntrun::report
