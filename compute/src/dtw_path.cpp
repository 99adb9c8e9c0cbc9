// DTW alignment path (fast form): the in-band cells of the matrix stored row by row, filled
// with the kernels' recurrence (same bits as distance()), then backtracked.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "dtw_kernels.hpp"
#include "ntrun/compute/dtw.hpp"

namespace ntrun::compute::dtw {
namespace {

using index = std::ptrdiff_t;

// (a - b)^2 rounded before the add, as in the kernels (no FMA contraction).
double cell_cost(double x, double y, cost metric) noexcept {
  const double d = x - y;
  if (metric == cost::abs) return std::fabs(d);
  double sq = d * d;
#if defined(__x86_64__)
  asm("" : "+x"(sq));
#endif
  return sq;
}

// Row i holds columns [lo(i), hi(i)] at offset off[i].
class banded_matrix {
 public:
  banded_matrix(index n, index m, index band)
      : m_(m), band_(band), off_(static_cast<std::size_t>(n) + 1) {
    for (index i = 0; i < n; ++i)
      off_[i + 1] = off_[i] + static_cast<std::size_t>(hi(i) - lo(i) + 1);
    cells_.assign(off_.back(), infinity);
  }
  [[nodiscard]] index lo(index i) const noexcept { return std::max<index>(0, i - band_); }
  [[nodiscard]] index hi(index i) const noexcept { return std::min(m_ - 1, i + band_); }
  /// D[i][j] with the boundary: D[-1][-1] = 0, other cells outside the matrix or band +inf.
  [[nodiscard]] double at(index i, index j) const noexcept {
    if (i < 0 || j < 0) return i < 0 && j < 0 ? 0.0 : infinity;
    if (j < lo(i) || j > hi(i)) return infinity;
    return cells_[off_[i] + static_cast<std::size_t>(j - lo(i))];
  }
  void set(index i, index j, double v) noexcept {
    cells_[off_[i] + static_cast<std::size_t>(j - lo(i))] = v;
  }

 private:
  index m_;
  index band_;
  std::vector<std::size_t> off_;
  std::vector<double> cells_;
};

}  // namespace

std::vector<std::pair<std::int64_t, std::int64_t>> path(std::span<const double> a,
                                                        std::span<const double> b,
                                                        const options& opt, double* distance_out) {
  detail::check_series(a, "a");
  detail::check_series(b, "b");
  detail::check_options(opt, a.size(), b.size());
  const std::size_t w = detail::normalised_band(opt, a.size(), b.size());
  detail::check_matrix_size(detail::band_cells(a.size(), b.size(), w), a.size(), b.size());
  const auto n = static_cast<index>(a.size());
  const auto m = static_cast<index>(b.size());
  banded_matrix d(n, m, static_cast<index>(w));
  for (index i = 0; i < n; ++i) {
    for (index j = d.lo(i); j <= d.hi(i); ++j) {
      const double best = std::min(d.at(i, j - 1), std::min(d.at(i - 1, j - 1), d.at(i - 1, j)));
      d.set(i, j, cell_cost(a[i], b[j], opt.metric) + best);
    }
  }
  if (distance_out != nullptr) {
    const double acc = d.at(n - 1, m - 1);
    *distance_out = opt.metric == cost::sq ? std::sqrt(acc) : acc;
  }
  // Backtrack to (0, 0); ties prefer the diagonal, then left (i, j-1), then up (i-1, j).
  std::vector<std::pair<std::int64_t, std::int64_t>> steps;
  steps.reserve(static_cast<std::size_t>(n + m));
  index i = n - 1, j = m - 1;
  steps.emplace_back(i, j);
  while (i > 0 || j > 0) {
    if (i == 0) {
      --j;
    } else if (j == 0) {
      --i;
    } else {
      const double dg = d.at(i - 1, j - 1), left = d.at(i, j - 1), up = d.at(i - 1, j);
      if (dg <= left && dg <= up) {
        --i;
        --j;
      } else if (left <= up) {
        --j;
      } else {
        --i;
      }
    }
    steps.emplace_back(i, j);
  }
  std::reverse(steps.begin(), steps.end());
  return steps;
}

}  // namespace ntrun::compute::dtw
