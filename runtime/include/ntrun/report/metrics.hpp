// Backtest performance metrics: the run record the engine hands to the report, and
// compute_metrics, whose exact definitions are written down in docs/metrics.md.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "ntrun/market/types.hpp"

namespace ntrun::report {

/// Raised on a run record or report input that cannot be reported on (unsorted equity,
/// bad capital, unknown symbol id, a failing output stream).
class report_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Everything a finished (or stopped) backtest leaves behind for its report.
struct run_record {
  double initial_capital = 0;
  std::vector<equity_point> equity{};  ///< one point per UTC day (its last), chronological
  std::vector<trade> trades{};         ///< closed round trips, in closing order
  double commissions = 0;
  double traded_notional = 0;  ///< sum of |fill quantity * fill price| over all fills
  std::int64_t num_fills = 0;
  std::int64_t num_orders = 0;
  std::int64_t num_rejected = 0;
  double periods_per_year = 252;  ///< equity points per year, for annualising
};

inline constexpr double undefined = std::numeric_limits<double>::quiet_NaN();

/// Performance figures of one run. Field names are the JSON keys, in this order. A value that is
/// not defined for the run (Sharpe with zero volatility, win rate with no trades) is NaN, written
/// as null in JSON and "-" in the table.
struct metrics {
  double total_return = undefined;   ///< final_equity / initial_capital - 1
  double annual_return = undefined;  ///< CAGR over the equity curve's calendar span
  double volatility = undefined;     ///< annualised sample stdev of per-point returns
  double sharpe = undefined;
  double sortino = undefined;
  double calmar = undefined;
  double max_drawdown = undefined;  ///< positive fraction of the running peak
  double max_drawdown_duration_days = undefined;
  std::int64_t num_trades = 0;
  double win_rate = undefined;
  double profit_factor = undefined;
  double avg_win = undefined;
  double avg_loss = undefined;  ///< negative
  double avg_trade = undefined;
  double best_trade = undefined;
  double worst_trade = undefined;
  double exposure = undefined;  ///< mean gross_exposure / equity
  double turnover = undefined;  ///< traded_notional / mean equity
  double commissions = 0;
  double final_equity = undefined;
  ts_ns start = 0;  ///< first equity point (0 when the curve is empty)
  ts_ns end = 0;    ///< last equity point (0 when the curve is empty)
  std::int64_t num_fills = 0;
  std::int64_t num_orders = 0;
  std::int64_t num_rejected = 0;
};

/// Computes all metrics of a run. Throws report_error when initial_capital or
/// periods_per_year is not a positive finite number, or when equity timestamps decrease.
/// Non-finite equity or trade values never crash: they make the affected metrics NaN.
[[nodiscard]] metrics compute_metrics(const run_record& run);

/// Per-point simple returns of the equity curve, E[i] / E[i-1] - 1 for i >= 1. Empty when
/// the curve has fewer than two points or any divisor is not a positive finite number
/// (returns of a ruined account are not defined).
[[nodiscard]] std::vector<double> period_returns(const std::vector<equity_point>& equity);

}  // namespace ntrun::report
