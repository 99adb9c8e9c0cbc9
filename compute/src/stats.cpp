// Performance statistics (ntrun/compute/stats.hpp): one implementation for the backtest report
// and nt.stats. Definitions and NaN rules: docs/metrics.md, "Statistics in nt.stats".
#include "ntrun/compute/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ntrun::compute::stats {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

[[nodiscard]] bool valid_periods(double periods_per_year) {
  return std::isfinite(periods_per_year) && periods_per_year > 0;
}

// Mean of x - shift. The report computes sum / n with shift 0, and x - 0.0 == x, so its
// figures are unchanged bit for bit.
[[nodiscard]] double shifted_mean(std::span<const double> x, double shift) {
  if (x.empty()) return nan_v;
  double sum = 0;
  for (double v : x) sum += v - shift;
  return sum / static_cast<double>(x.size());
}

// Two-pass sample stdev of x - shift around its mean m (n >= 2).
[[nodiscard]] double shifted_stdev(std::span<const double> x, double shift, double m) {
  double dev_sq = 0;
  for (double v : x) {
    const double d = (v - shift) - m;
    dev_sq += d * d;
  }
  return std::sqrt(dev_sq / static_cast<double>(x.size() - 1));
}

// Quantile of the n values at p, linear interpolation between order statistics at
// h = (n - 1) p (numpy's default 'linear', Hyndman-Fan / R type 7). Reorders `v`.
[[nodiscard]] double quantile_linear(std::vector<double>& v, double p) {
  const std::size_t n = v.size();
  const double h = static_cast<double>(n - 1) * p;
  const auto lo = std::min(static_cast<std::size_t>(std::floor(h)), n - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = v[lo];
  if (lo + 1 >= n) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  const double t = h - static_cast<double>(lo);
  return a + (b - a) * t;
}

}  // namespace

double mean(std::span<const double> x) noexcept {
  return shifted_mean(x, 0);
}

double stdev(std::span<const double> x) noexcept {
  if (x.size() < 2) return nan_v;
  return shifted_stdev(x, 0, shifted_mean(x, 0));
}

double sharpe(std::span<const double> returns, double periods_per_year, double risk_free) noexcept {
  if (returns.size() < 2 || !valid_periods(periods_per_year)) return nan_v;
  const double m = shifted_mean(returns, risk_free);
  const double sd = shifted_stdev(returns, risk_free, m);
  if (!(sd > 0)) return nan_v;  // zero deviation, or a NaN somewhere in the inputs
  return m / sd * std::sqrt(periods_per_year);
}

double sortino(std::span<const double> returns, double periods_per_year, double target) noexcept {
  // One return is enough: the downside deviation divides by n, not n - 1.
  if (returns.empty() || !valid_periods(periods_per_year)) return nan_v;
  const double m = shifted_mean(returns, target);
  double downside_sq = 0;
  for (double v : returns) {
    // std::min(NaN, 0.0) is NaN, so a NaN return makes the result NaN rather than vanish.
    const double d = std::min(v - target, 0.0);
    downside_sq += d * d;
  }
  const double downside = std::sqrt(downside_sq / static_cast<double>(returns.size()));
  if (!(downside > 0)) return nan_v;  // no period below the target
  return m / downside * std::sqrt(periods_per_year);
}

namespace {

/// Drawdowns with the length of an underwater period given by length(start, end), so points
/// and calendar time share one walk.
template <class Length>
drawdown_info drawdowns_by(std::span<const double> equity, Length length) noexcept {
  drawdown_info out{.max_drawdown = nan_v};
  if (equity.empty() || !(equity.front() > 0)) return out;  // the first peak must divide
  for (double v : equity) {
    if (!std::isfinite(v)) return out;
  }
  out.max_drawdown = 0;
  // A drawdown starts at a running maximum and ends at the first later point at or above it
  // (equal counts as recovered), so with equal highs the later one is the peak.
  double peak = equity.front();
  std::size_t peak_at = 0;
  bool below = false;
  for (std::size_t i = 0; i < equity.size(); ++i) {
    const double v = equity[i];
    if (v >= peak) {
      if (below && length(peak_at, i) > length(out.longest_start, out.longest_end)) {
        out.longest_start = peak_at;
        out.longest_end = i;
      }
      below = false;
      peak = v;
      peak_at = i;
    } else {
      below = true;
      const double dd = (peak - v) / peak;
      if (dd > out.max_drawdown) {
        out.max_drawdown = dd;
        out.peak = peak_at;
        out.trough = i;
      }
    }
  }
  const std::size_t last = equity.size() - 1;
  if (below && length(peak_at, last) > length(out.longest_start, out.longest_end)) {
    out.longest_start = peak_at;
    out.longest_end = last;
  }
  return out;
}

}  // namespace

drawdown_info drawdowns(std::span<const double> equity) noexcept {
  return drawdowns_by(equity, [](std::size_t a, std::size_t b) { return b - a; });
}

drawdown_info drawdowns(std::span<const double> equity,
                        std::span<const std::int64_t> times) noexcept {
  if (times.size() != equity.size()) return {.max_drawdown = nan_v};
  // Unsigned difference: exact for any ordered pair of int64 timestamps.
  return drawdowns_by(equity, [&](std::size_t a, std::size_t b) {
    return static_cast<std::uint64_t>(times[b]) - static_cast<std::uint64_t>(times[a]);
  });
}

double calmar(double annual_return, double max_drawdown) noexcept {
  if (!(max_drawdown > 0)) return nan_v;
  return annual_return / max_drawdown;
}

double omega(std::span<const double> returns, double threshold) noexcept {
  double gains = 0;
  double losses = 0;
  for (double v : returns) {
    const double d = v - threshold;
    if (d > 0) {
      gains += d;
    } else if (d < 0) {
      losses -= d;
    } else if (std::isnan(d)) {
      return nan_v;
    }
  }
  if (!(losses > 0)) return nan_v;  // empty, or nothing below the threshold
  return gains / losses;
}

double tail_ratio(std::span<const double> returns) {
  if (returns.empty()) return nan_v;
  // A NaN breaks nth_element's ordering (and libstdc++'s unguarded partition with it); an
  // infinity makes the interpolation inf - inf.
  for (double v : returns) {
    if (!std::isfinite(v)) return nan_v;
  }
  std::vector<double> scratch(returns.begin(), returns.end());
  const double q95 = quantile_linear(scratch, 0.95);
  const double q05 = quantile_linear(scratch, 0.05);
  if (!(q05 != 0)) return nan_v;
  return std::abs(q95) / std::abs(q05);
}

}  // namespace ntrun::compute::stats
