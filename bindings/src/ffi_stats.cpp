// C ABI over compute/stats: performance statistics of return and equity series (the code the
// backtest report uses). Undefined values, including bad pointers or lengths, are NaN.
#include <cmath>
#include <span>

#include "ntrun/compute/stats.hpp"
#include "ntrun_ffi.h"

namespace stats = ntrun::compute::stats;

namespace {

std::span<const double> maybe_span(const double* p, int64_t n) noexcept {
  if (n <= 0 || !p) return {};
  return {p, static_cast<std::size_t>(n)};
}

}  // namespace

extern "C" {

double ntrun_ffi_stats_mean(const double* x, int64_t n) noexcept {
  return stats::mean(maybe_span(x, n));
}
double ntrun_ffi_stats_stdev(const double* x, int64_t n) noexcept {
  return stats::stdev(maybe_span(x, n));
}
double ntrun_ffi_stats_sharpe(const double* r, int64_t n, double periods_per_year,
                              double risk_free) noexcept {
  return stats::sharpe(maybe_span(r, n), periods_per_year, risk_free);
}
double ntrun_ffi_stats_sortino(const double* r, int64_t n, double periods_per_year,
                               double target) noexcept {
  return stats::sortino(maybe_span(r, n), periods_per_year, target);
}
int32_t ntrun_ffi_stats_drawdowns(const double* equity, int64_t n, ntrun_drawdown_t* out) noexcept {
  if (!out) return NTRUN_EINVAL;
  const auto d = stats::drawdowns(maybe_span(equity, n));
  *out = ntrun_drawdown_t{.max_drawdown = d.max_drawdown,
                          .peak = static_cast<int64_t>(d.peak),
                          .trough = static_cast<int64_t>(d.trough),
                          .longest_start = static_cast<int64_t>(d.longest_start),
                          .longest_end = static_cast<int64_t>(d.longest_end)};
  return NTRUN_OK;
}
double ntrun_ffi_stats_calmar(double annual_return, double max_drawdown) noexcept {
  return stats::calmar(annual_return, max_drawdown);
}
double ntrun_ffi_stats_omega(const double* r, int64_t n, double threshold) noexcept {
  return stats::omega(maybe_span(r, n), threshold);
}
double ntrun_ffi_stats_tail_ratio(const double* r, int64_t n) noexcept {
  try {
    return stats::tail_ratio(maybe_span(r, n));
  } catch (...) {
    return std::nan("");
  }
}

}  // extern "C"
