// Performance statistics of return and equity series, shared by the backtest report
// (runtime/report) and the Lua API (nt.stats): Sharpe, Sortino, Calmar, max drawdown and its
// duration, Omega, tail ratio. Definitions: docs/metrics.md. Undefined values are NaN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ntrun::compute::stats {

[[nodiscard]] double mean(std::span<const double> x) noexcept;
/// Sample standard deviation (n - 1); NaN for fewer than 2 values.
[[nodiscard]] double stdev(std::span<const double> x) noexcept;
/// mean / stdev * sqrt(periods_per_year) of the excess returns (risk_free per period).
[[nodiscard]] double sharpe(std::span<const double> returns, double periods_per_year,
                            double risk_free = 0) noexcept;
/// mean / downside deviation * sqrt(periods_per_year); downside deviation =
/// sqrt(mean(min(r - target, 0)^2)) over all periods.
[[nodiscard]] double sortino(std::span<const double> returns, double periods_per_year,
                             double target = 0) noexcept;

struct drawdown_info {
  double max_drawdown = 0;       ///< positive fraction of the running peak
  std::size_t peak = 0;          ///< index of the peak before the deepest trough
  std::size_t trough = 0;        ///< index of the deepest trough
  std::size_t longest_start = 0; ///< start (a peak) of the longest time under water
  std::size_t longest_end = 0;   ///< its recovery, or the last index when never recovered
};
/// Drawdowns of an equity (or price) curve of positive values.
[[nodiscard]] drawdown_info drawdowns(std::span<const double> equity) noexcept;
/// The same, with the longest time under water measured in `times` (e.g. ns timestamps,
/// non-decreasing, one per point) instead of in points. NaN when the sizes differ.
[[nodiscard]] drawdown_info drawdowns(std::span<const double> equity,
                                      std::span<const std::int64_t> times) noexcept;

/// annual_return / max_drawdown (NaN when the drawdown is 0).
[[nodiscard]] double calmar(double annual_return, double max_drawdown) noexcept;
/// sum(max(r - threshold, 0)) / sum(max(threshold - r, 0)).
[[nodiscard]] double omega(std::span<const double> returns, double threshold = 0) noexcept;
/// |95th percentile| / |5th percentile| of the returns (linear interpolation).
[[nodiscard]] double tail_ratio(std::span<const double> returns);

}  // namespace ntrun::compute::stats
