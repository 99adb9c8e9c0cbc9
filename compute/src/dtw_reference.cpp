// The scalar DTW reference: the full (n+1) x (m+1) matrix and the textbook recurrence, written
// for obviousness, not speed. It is the oracle of the tests.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "dtw_kernels.hpp"
#include "ntrun/compute/dtw.hpp"

namespace ntrun::compute::dtw::reference {
namespace {

// D(i, j) for 0 <= i <= n, 0 <= j <= m is the cost of the best path from cell (0, 0) to cell
// (i-1, j-1); row 0 and column 0 are the boundary (D(0, 0) = 0, the rest +inf).
struct matrix {
  std::size_t n, m;
  std::vector<double> v;
  double& operator()(std::size_t i, std::size_t j) { return v[i * (m + 1) + j]; }
};

matrix fill(std::span<const double> a, std::span<const double> b, const options& opt) {
  detail::check_series(a, "a");
  detail::check_series(b, "b");
  detail::check_options(opt, a.size(), b.size());
  const std::size_t n = a.size(), m = b.size();
  detail::check_matrix_size(static_cast<std::uint64_t>(n + 1) * (m + 1), n, m);
  matrix d{.n = n, .m = m, .v = std::vector<double>((n + 1) * (m + 1), infinity)};
  d(0, 0) = 0;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::int64_t gap = static_cast<std::int64_t>(i) - static_cast<std::int64_t>(j);
      if (opt.band >= 0 && std::abs(gap) > opt.band) continue;  // outside the band: +inf
      const double diff = a[i - 1] - b[j - 1];
      const double c = opt.metric == cost::abs ? std::abs(diff) : diff * diff;
      d(i, j) = c + std::min({d(i - 1, j - 1), d(i - 1, j), d(i, j - 1)});
    }
  }
  return d;
}

double finish(double acc, cost metric) {
  return metric == cost::sq ? std::sqrt(acc) : acc;
}

}  // namespace

double distance(std::span<const double> a, std::span<const double> b, const options& opt) {
  matrix d = fill(a, b, opt);
  return finish(d(d.n, d.m), opt.metric);
}

std::vector<std::pair<std::int64_t, std::int64_t>> path(std::span<const double> a,
                                                        std::span<const double> b,
                                                        const options& opt, double* distance_out) {
  matrix d = fill(a, b, opt);
  if (distance_out != nullptr) *distance_out = finish(d(d.n, d.m), opt.metric);
  std::vector<std::pair<std::int64_t, std::int64_t>> steps;
  std::size_t i = d.n, j = d.m;
  while (true) {
    steps.emplace_back(static_cast<std::int64_t>(i) - 1, static_cast<std::int64_t>(j) - 1);
    if (i == 1 && j == 1) break;
    // The boundary is +inf, so the edges need no special case.
    const double dg = d(i - 1, j - 1), left = d(i, j - 1), up = d(i - 1, j);
    if (dg <= left && dg <= up) {
      --i;
      --j;
    } else if (left <= up) {
      --j;
    } else {
      --i;
    }
  }
  std::reverse(steps.begin(), steps.end());
  return steps;
}

}  // namespace ntrun::compute::dtw::reference
