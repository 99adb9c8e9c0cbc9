// The DTW of the search: early-abandoning, EAPruned-style (dead cells dropped against the bound
// minus the lower-bound terms of the rows and columns still ahead), one candidate at a time
// (scalar) or eight candidates in the lanes of AVX-512 registers. Both give the same bits for every
// result <= the limit.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "dtw_lower_bounds.hpp"

// Same bits on every path (see dtw_lower_bounds.cpp): no fused multiply-add contraction.
#pragma GCC optimize("fp-contract=off")

namespace ntrun::compute::dtw::search_detail {
namespace {

constexpr std::size_t none = static_cast<std::size_t>(-1);

// A cell (i, j) is dead once its value exceeds the limit minus what the rest of any path through
// it must still cost: each row after i and each column after j is visited at least once more, at
// a cell costing at least its LB_Keogh term. Hence a threshold per row (row terms still ahead) and
// one per column (column terms still ahead); a cell is live when under both.
template <cost C>
double dtw_t(const double* a, std::size_t n, const double* b, std::size_t m, std::size_t w,
             const path_terms& pt, double limit, double* rows) noexcept {
  // Index j + 1 of a row buffer holds column j. Live cells of the previous row lie in columns
  // [ps, pe]; the slots of columns ps - 1 and pe + 1 hold +inf, and nothing outside is read.
  double* prev = rows;
  double* cur = rows + (m + 2);
  double* col_thr = rows + 2 * (m + 2);
  const bool prune = limit < infinity;
  double suffix = 0;
  for (std::size_t j = m; j-- > 0;) {
    col_thr[j] = prune ? limit - suffix : infinity;
    if (pt.cols != nullptr) suffix += pt.cols[j];
  }
  double row_rest = pt.rows_total;
  const auto row_threshold = [&](std::size_t i) {
    if (!prune) return infinity;
    if (pt.rows == nullptr) return limit;
    row_rest -= pt.rows[i];
    return i + 1 < n ? limit - row_rest : limit;
  };
  double thr = row_threshold(0);
  double left = cell<C>(a[0], b[0]);
  if (!(left <= std::min(thr, col_thr[0]))) return infinity;  // every path starts at (0, 0)
  cur[1] = left;
  std::size_t ps = 0;
  std::size_t pe = 0;
  for (std::size_t j = 1; j <= std::min(m - 1, w) && pe == j - 1; ++j) {
    left = cell<C>(a[0], b[j]) + left;
    cur[j + 1] = left;
    if (left <= std::min(thr, col_thr[j])) pe = j;
  }
  for (std::size_t i = 1;; ++i) {
    cur[ps] = infinity;
    cur[pe + 2] = infinity;
    std::swap(prev, cur);
    if (i == n) break;
    thr = row_threshold(i);
    const std::size_t hi = std::min(m - 1, i + w);
    const double ai = a[i];
    std::size_t first = none;
    std::size_t last = none;
    std::size_t j = std::max(i > w ? i - w : 0, ps);
    left = infinity;
    for (const std::size_t e1 = std::min(hi, pe + 1); j <= e1; ++j) {
      left = cell<C>(ai, b[j]) + std::min(std::min(prev[j], prev[j + 1]), left);
      cur[j + 1] = left;
      if (left <= std::min(thr, col_thr[j])) {
        first = std::min(first, j);
        last = j;
      }
    }
    // Past the previous row's live cells only the left neighbour can be live.
    for (; j <= hi && last == j - 1; ++j) {
      left = cell<C>(ai, b[j]) + left;
      cur[j + 1] = left;
      if (left <= std::min(thr, col_thr[j])) last = j;
    }
    if (first == none) return infinity;
    ps = first;
    pe = last;
  }
  return pe == m - 1 ? prev[m] : infinity;
}

// ---- eight candidates per register: the same algorithm, a cell is live if live in any lane ----

constexpr std::size_t L = lane_batch::lanes;

template <cost C>
__attribute__((target("avx512f"))) inline __m512d cell8(__m512d a, const double* b) {
  const __m512d d = _mm512_sub_pd(a, _mm512_loadu_pd(b));
  if constexpr (C == cost::abs) {
    return _mm512_abs_pd(d);
  } else {
    return _mm512_mul_pd(d, d);
  }
}

// The unmasked max/min intrinsics start from _mm512_undefined_pd(), which GCC 12 reports as
// maybe-uninitialized under -Werror; the zero-masked forms are the same instructions.
__attribute__((target("avx512f"))) inline __m512d min8(__m512d a, __m512d b) {
  return _mm512_maskz_min_pd(0xff, b, a);  // min(a, b) = b < a ? b : a, as std::min
}

__attribute__((target("avx512f"))) inline __mmask8 live8(__mmask8 alive, __m512d v, __m512d thr) {
  return _mm512_mask_cmp_pd_mask(alive, v, thr, _CMP_LE_OQ);
}

template <cost C>
__attribute__((target("avx512f"))) void dtw_lanes_t(const double* q, std::size_t n, std::size_t m,
                                                    std::size_t w, lane_batch& bt, double limit,
                                                    double* out) {
  const __m512d inf = _mm512_set1_pd(infinity);
  const bool prune = limit < infinity;
  const __m512d lim = _mm512_set1_pd(limit);
  double* prev = bt.work.data();
  double* cur = prev + (m + 2) * L;
  const double* b = bt.b.data();
  // Column thresholds, in place of the column terms: limit - (terms of the columns after j).
  double* col_thr = bt.cols.data();
  __m512d suffix = _mm512_setzero_pd();
  for (std::size_t j = m; j-- > 0;) {
    const __m512d term = _mm512_loadu_pd(col_thr + j * L);
    _mm512_storeu_pd(col_thr + j * L, prune ? _mm512_sub_pd(lim, suffix) : inf);
    suffix = _mm512_add_pd(suffix, term);
  }
  __m512d row_rest = _mm512_loadu_pd(bt.rows_total);
  const auto row_threshold = [&](std::size_t i) {
    if (!prune) return inf;
    row_rest = _mm512_sub_pd(row_rest, _mm512_loadu_pd(bt.rows.data() + i * L));
    return i + 1 < n ? _mm512_sub_pd(lim, row_rest) : lim;
  };
  const auto live = [&](__mmask8 alive, __m512d v, __m512d thr, std::size_t j) {
    return live8(alive, v, min8(thr, _mm512_loadu_pd(col_thr + j * L)));
  };
  auto alive = static_cast<__mmask8>((1u << bt.size) - 1u);
  __m512d thr = row_threshold(0);
  const __m512d a0 = _mm512_set1_pd(q[0]);
  __m512d left = cell8<C>(a0, b);
  alive = live(alive, left, thr, 0);
  std::size_t ps = 0;
  std::size_t pe = 0;
  if (alive != 0) {
    _mm512_storeu_pd(cur + L, left);
    for (std::size_t j = 1; j <= std::min(m - 1, w) && pe == j - 1; ++j) {
      left = _mm512_add_pd(cell8<C>(a0, b + j * L), left);
      _mm512_storeu_pd(cur + (j + 1) * L, left);
      if (live(alive, left, thr, j) != 0) pe = j;
    }
  }
  for (std::size_t i = 1; alive != 0; ++i) {
    _mm512_storeu_pd(cur + ps * L, inf);
    _mm512_storeu_pd(cur + (pe + 2) * L, inf);
    std::swap(prev, cur);
    if (i == n) break;
    thr = row_threshold(i);
    const std::size_t hi = std::min(m - 1, i + w);
    const __m512d ai = _mm512_set1_pd(q[i]);
    std::size_t first = none;
    std::size_t last = none;
    __mmask8 seen = 0;
    std::size_t j = std::max(i > w ? i - w : 0, ps);
    left = inf;
    for (const std::size_t e1 = std::min(hi, pe + 1); j <= e1; ++j) {
      const __m512d up = min8(_mm512_loadu_pd(prev + j * L), _mm512_loadu_pd(prev + (j + 1) * L));
      left = _mm512_add_pd(cell8<C>(ai, b + j * L), min8(up, left));
      _mm512_storeu_pd(cur + (j + 1) * L, left);
      const __mmask8 now = live(alive, left, thr, j);
      if (now != 0) {
        first = std::min(first, j);
        last = j;
        seen |= now;
      }
    }
    for (; j <= hi && last == j - 1; ++j) {
      left = _mm512_add_pd(cell8<C>(ai, b + j * L), left);
      _mm512_storeu_pd(cur + (j + 1) * L, left);
      const __mmask8 now = live(alive, left, thr, j);
      if (now != 0) {
        last = j;
        seen |= now;
      }
    }
    alive = seen;  // a lane without a live cell in this row is abandoned
    ps = first;
    pe = last;
  }
  const __m512d v = _mm512_loadu_pd(prev + m * L);
  const __mmask8 done = alive != 0 && pe == m - 1 ? live8(alive, v, lim) : 0;
  _mm512_storeu_pd(out, _mm512_mask_mov_pd(inf, done, v));
}

}  // namespace

double dtw_sum(const double* a, std::size_t n, const double* b, std::size_t m, std::size_t w,
               const path_terms& bounds, double limit, cost c, double* rows) noexcept {
  w = std::min(w, std::max(n, m));
  return c == cost::sq ? dtw_t<cost::sq>(a, n, b, m, w, bounds, limit, rows)
                       : dtw_t<cost::abs>(a, n, b, m, w, bounds, limit, rows);
}

bool lane_batch::add(const double* tz, const path_terms& t, std::size_t lane_id) noexcept {
  const std::size_t l = size++;
  const std::size_t m = b.size() / lanes;
  const std::size_t n = rows.size() / lanes;
  for (std::size_t j = 0; j < m; ++j) b[j * lanes + l] = tz[j];
  for (std::size_t i = 0; i < n; ++i) rows[i * lanes + l] = t.rows != nullptr ? t.rows[i] : 0.0;
  for (std::size_t j = 0; j < m; ++j) cols[j * lanes + l] = t.cols != nullptr ? t.cols[j] : 0.0;
  rows_total[l] = t.rows_total;
  cols_total[l] = t.cols_total;
  id[l] = lane_id;
  return size == lanes;
}

void dtw_lanes(const double* q, std::size_t n, std::size_t m, std::size_t w, lane_batch& batch,
               double limit, cost c, double* out) noexcept {
  w = std::min(w, std::max(n, m));
  double all[L];
  if (c == cost::sq) {
    dtw_lanes_t<cost::sq>(q, n, m, w, batch, limit, all);
  } else {
    dtw_lanes_t<cost::abs>(q, n, m, w, batch, limit, all);
  }
  std::memcpy(out, all, batch.size * sizeof(double));
}

}  // namespace ntrun::compute::dtw::search_detail
