// Private building blocks of the DTW nearest-neighbour search (dtw_search.cpp): z-normalisation
// statistics, envelopes, LB_Kim, LB_Keogh (both ways) and the early-abandoning banded DTW.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ntrun/compute/dtw.hpp"

namespace ntrun::compute::dtw::search_detail {

// Sums are "raw": abs sums |x - y|, sq sums (x - y)^2 (the root is taken by the caller).
// Every lower bound here is <= the DTW sum computed by dtw_sum on the same numbers, up to the
// rounding of a differently ordered sum of non-negative terms; callers prune only above
// `bound * (1 + margin)` with a margin that covers it (see docs/dtw_search.md).

enum class isa : std::uint8_t { scalar, avx2, avx512 };

/// The widest SIMD level of this CPU (detected once) that the kernels use.
[[nodiscard]] isa simd_level() noexcept;

/// Tests only: use at most `level` from now on (to run the AVX2 and scalar paths here too).
void limit_simd_level(isa level) noexcept;

template <cost C>
[[nodiscard]] inline double cell(double a, double b) noexcept {
  const double d = a - b;
  if constexpr (C == cost::abs) {
    return std::abs(d);
  } else {
    return d * d;
  }
}

/// Windows whose start is a multiple of this get exact (two-pass) statistics; the others slide
/// from there, so a window's statistics do not depend on how the scan was split into chunks.
inline constexpr std::size_t stats_block = 1024;

/// normalised(x) = (x - mean) * inv_std; a constant series has inv_std = 0 (all zeros).
struct norm_stats {
  double mean = 0;
  double inv_std = 1;
};

[[nodiscard]] inline double normalise(double x, double mean, double inv_std) noexcept {
  return (x - mean) * inv_std;
}

/// Population mean and 1/std of x[0..m), two passes.
[[nodiscard]] norm_stats exact_stats(const double* x, std::size_t m) noexcept;

/// Statistics of the windows x[s .. s+m) for s in [s_begin, s_end); s_begin must be a multiple
/// of stats_block. Results depend on s only (not on s_begin).
void window_stats(const double* x, std::size_t m, std::size_t s_begin, std::size_t s_end,
                  double* mean, double* inv_std) noexcept;

/// Doubles of scratch that envelope() needs for `count` positions and radius r.
[[nodiscard]] inline std::size_t envelope_scratch(std::size_t count, std::size_t r) noexcept {
  return 3 * (count + 2 * r);
}

/// up[p - begin] / lo[p - begin] = max / min of x[p - r .. p + r] (clipped to [0, n)) for p in
/// [begin, end), begin < end <= n (van Herk / Gil-Werman: O(1) per point whatever r).
void envelope(const double* x, std::size_t n, std::size_t r, std::size_t begin, std::size_t end,
              double* up, double* lo, double* scratch) noexcept;

/// true when every x[0..n) is finite.
[[nodiscard]] bool all_finite(const double* x, std::size_t n) noexcept;

/// LB_Kim (hierarchical, up to `layers` <= 3 cell layers at each end) of query q (n points,
/// already normalised) against t (m points, normalised on the fly). Stops early once above
/// `limit`. One layer is the first and last points only, the cheapest test.
[[nodiscard]] double lb_kim(const double* q, std::size_t n, const double* t, std::size_t m,
                            norm_stats ts, cost c, double limit, std::size_t layers) noexcept;

/// LB_Keogh with the query's envelope: sum over i of dist(normalised t_i, [lo_i, up_i]); the
/// term of position i goes to terms[i]. Returns a value > limit (terms then incomplete) as soon
/// as a partial sum exceeds it.
[[nodiscard]] double lb_keogh_eq(const double* t, const double* up, const double* lo, std::size_t m,
                                 norm_stats ts, cost c, double limit, double* terms) noexcept;

/// LB_Keogh with the candidate's envelope (raw up/lo, normalised on the fly): sum over i of
/// dist(q_i, [lo_i, up_i]).
[[nodiscard]] double lb_keogh_ec(const double* q, const double* up, const double* lo, std::size_t m,
                                 norm_stats ts, cost c, double limit, double* terms) noexcept;

/// Per-position lower-bound terms for early abandoning (from the two LB_Keogh above): every
/// path visits each row i (query position) at a cell costing >= rows[i], and each column j at a
/// cell costing >= cols[j]. Null pointers: none.
struct path_terms {
  const double* rows = nullptr;
  double rows_total = 0;
  const double* cols = nullptr;
  double cols_total = 0;
};

/// Doubles of scratch dtw_sum needs for a candidate of m points.
[[nodiscard]] inline std::size_t dtw_scratch(std::size_t m) noexcept {
  return 3 * (m + 2);
}

/// DTW sum of a (n points) against b (m points) over the cells with |i - j| <= w (w >= max(n, m):
/// no band; the caller has checked that a path exists). A cell is dropped once its value plus
/// what the rest of any path through it must still cost (from `bounds`) exceeds `limit`, and the
/// result is +inf when every path does (EAPruned-style). Cells on a best path are never dropped,
/// so a result <= limit is the exact DTW sum, the same bits as with limit = +inf (which is the
/// plain brute-force DTW). `rows` has dtw_scratch(m) doubles. Scalar on purpose.
[[nodiscard]] double dtw_sum(const double* a, std::size_t n, const double* b, std::size_t m,
                             std::size_t w, const path_terms& bounds, double limit, cost c,
                             double* rows) noexcept;

/// Up to `lanes` candidates of one length m, gathered for dtw_lanes: lane l of position j is
/// at [j * lanes + l]. Needs simd_level() == isa::avx512.
struct lane_batch {
  static constexpr std::size_t lanes = 8;
  lane_batch(std::size_t n, std::size_t m)
      : b(m * lanes), rows(n * lanes), cols(m * lanes), work(2 * (m + 2) * lanes) {}
  /// Lane `size` takes candidate tz (normalised) with its terms; returns true when full.
  bool add(const double* tz, const path_terms& t, std::size_t id) noexcept;
  std::size_t size = 0;
  std::size_t id[lanes] = {};
  double rows_total[lanes] = {};
  double cols_total[lanes] = {};
  std::vector<double> b, rows, cols, work;
};

/// dtw_sum of the query against every lane of the batch (8 at once in AVX-512 registers, each
/// lane with its own bounds; the same bits as dtw_sum lane by lane) into out[0..size).
void dtw_lanes(const double* q, std::size_t n, std::size_t m, std::size_t w, lane_batch& batch,
               double limit, cost c, double* out) noexcept;

}  // namespace ntrun::compute::dtw::search_detail
