// Dynamic time warping: distance, alignment path, one-against-many batches and
// nearest-neighbour / subsequence search. Definitions (exact): docs/dtw.md.
//
// Conventions:
//   - series a (length n) and b (length m), cells (i, j) with 0 <= i < n, 0 <= j < m;
//   - cost abs: sum of |a_i - b_j| along the best path (no root);
//     cost sq: square root of the sum of (a_i - b_j)^2 along the best path (dtaidistance);
//   - band w >= 0 (Sakoe-Chiba): only cells with |i - j| <= w; band < 0 means no band.
//     A band narrower than |n - m| leaves no path: that is an error, not +inf.
// Every entry point validates its input and throws std::invalid_argument naming the argument
// ("bad 'band' argument: ..."): empty series, NaN/inf values, window longer than the series,
// k = 0, stride = 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

namespace ntrun::compute::dtw {

enum class cost : std::uint8_t { abs = 0, sq = 1 };

struct options {
  cost metric = cost::abs;
  std::int64_t band = -1;  ///< Sakoe-Chiba half-width; < 0: none
};

inline constexpr double infinity = std::numeric_limits<double>::infinity();

// ---- the scalar reference: the full matrix, obviously correct; the test oracle ----
namespace reference {
[[nodiscard]] double distance(std::span<const double> a, std::span<const double> b,
                              const options& opt);
/// Path from (0, 0) to (n-1, m-1); backtracking prefers diagonal, then left (i, j-1), then up
/// (i-1, j) on ties.
[[nodiscard]] std::vector<std::pair<std::int64_t, std::int64_t>> path(std::span<const double> a,
                                                                      std::span<const double> b,
                                                                      const options& opt,
                                                                      double* distance_out);
}  // namespace reference

// ---- the fast back-ends behind one dispatch ----

/// Distance of one pair (two rows of memory, no allocation for lengths up to a few thousand).
[[nodiscard]] double distance(std::span<const double> a, std::span<const double> b,
                              const options& opt);

/// Same, but gives up early and returns +inf once the distance is sure to exceed `cutoff`
/// (every cell of a row above it); `cutoff` is in the units of the returned distance.
[[nodiscard]] double distance_bounded(std::span<const double> a, std::span<const double> b,
                                      const options& opt, double cutoff);

/// Alignment path and distance (O(n*m) memory).
[[nodiscard]] std::vector<std::pair<std::int64_t, std::int64_t>> path(std::span<const double> a,
                                                                      std::span<const double> b,
                                                                      const options& opt,
                                                                      double* distance_out);

/// Distances of one query against K candidates (any lengths), written to out[0..K) in input
/// order. SIMD across candidates of equal length, oneTBB above a measured size threshold;
/// results are bit-identical to the serial path.
void batch(std::span<const double> query, std::span<const std::span<const double>> candidates,
           const options& opt, std::span<double> out);

/// Distances of the query against the windows series[s*stride .. s*stride+window) for
/// s = 0 .. out.size()-1 (out.size() must equal (series.size() - window) / stride + 1).
void batch_windows(std::span<const double> query, std::span<const double> series,
                   std::size_t window, std::size_t stride, const options& opt,
                   std::span<double> out);

[[nodiscard]] inline std::size_t num_windows(std::size_t series_len, std::size_t window,
                                             std::size_t stride) noexcept {
  return series_len < window || stride == 0 ? 0 : (series_len - window) / stride + 1;
}

/// Which SIMD kernel the dispatch picked on this machine: "avx512", "avx2" or "scalar".
[[nodiscard]] const char* kernel_name() noexcept;

}  // namespace ntrun::compute::dtw
