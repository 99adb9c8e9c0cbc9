// DTW kernel bodies shared by the per-ISA translation units (dtw_kernels_<isa>.cpp): row tiles
// with SIMD lanes across candidates, and anti-diagonal wavefronts for one long pair.
//
// Include this only from those units, after every other header and after the unit's
// `#pragma GCC target`, and instantiate it with ops types from an anonymous namespace: every
// instantiation then has internal linkage and that unit's code generation, so the linker can
// never hand an AVX-512 copy of a function to code that runs on a CPU without it.
//
// It expects <cstddef> and ntrun/compute/dtw.hpp (cost, infinity) to be included already.
// An ops type O provides: vec, width, load/loadu/store/storeu, set1, add, sub, mul, min, abs,
// transpose (width x width, when width > 1) and opaque (an optimisation barrier that keeps
// (a-b)^2 rounded before the add: without it GCC fuses it into an FMA on FMA targets and the
// ISAs would stop agreeing bit for bit). The one-lane ops O1 also provide reduce_min.
#pragma once

namespace ntrun::compute::dtw::detail::kern {

using index = std::ptrdiff_t;

template <class O, class O1>
struct kernels {
  using vec = typename O::vec;
  static constexpr index lanes = O::width;

  static index imin(index x, index y) noexcept { return x < y ? x : y; }
  static index imax(index x, index y) noexcept { return x < y ? y : x; }

  template <class P, cost C>
  [[gnu::always_inline]] static typename P::vec cell_cost(typename P::vec x,
                                                          typename P::vec y) noexcept {
    const typename P::vec d = P::sub(x, y);
    if constexpr (C == cost::abs) {
      return P::abs(d);
    } else {
      return P::opaque(P::mul(d, d));
    }
  }

  // ---- row tiles: R rows of the query at once, G register groups of P::width lanes ----
  //
  // Layout: T[j*S + s] is element j of lane s's candidate, P[(j+1)*S + s] is D[i-1][j] of lane
  // s (the last row of the previous tile) and P[s] is D[i-1][-1] (0 before row 0, +inf after).
  // Per tile the state lives in registers: left[g][r] = D[i0+r][j-1]; the diagonal of row r is
  // the old left of row r-1, the "up" of row r the new value of row r-1. Cells outside the
  // band are +inf; only the band's columns are visited.

  // Column j of the tile; rows outside [first, last] are outside the band (+inf). Where first
  // and last are constants after unrolling, the checks fold away.
  template <class P, cost C, int G, int R, bool Track>
  [[gnu::always_inline]] static void step(index j, int first, int last,
                                          const typename P::vec (&q)[R],
                                          typename P::vec (&left)[G][R],
                                          typename P::vec (&diag0)[G], typename P::vec& row_min,
                                          const double* t, double* p) noexcept {
    constexpr index L = P::width;
    constexpr index S = G * L;
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
      const typename P::vec c = P::load(t + j * S + g * L);
      typename P::vec up = P::load(p + (j + 1) * S + g * L);
      typename P::vec dg = diag0[g];
      diag0[g] = up;
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        typename P::vec d = P::set1(infinity);
        if (r >= first && r <= last)
          d = P::add(cell_cost<P, C>(q[r], c), P::min(left[g][r], P::min(dg, up)));
        dg = left[g][r];
        left[g][r] = d;
        up = d;
      }
      P::store(p + (j + 1) * S + g * L, up);
      if constexpr (Track) row_min = P::min(row_min, up);
    }
  }

  // Column j with the rows in band computed at run time (tiles clipped by the matrix edge).
  template <class P, cost C, int G, int R, bool Track>
  [[gnu::always_inline]] static void step_checked(
      index j, index i0, index w, const typename P::vec (&q)[R], typename P::vec (&left)[G][R],
      typename P::vec (&diag0)[G], typename P::vec& row_min, const double* t, double* p) noexcept {
    const auto first = static_cast<int>(imax(0, j - i0 - w));
    const auto last = static_cast<int>(imin(R - 1, j - i0 + w));
    step<P, C, G, R, Track>(j, first, last, q, left, diag0, row_min, t, p);
  }

  // Rows i0 .. i0+R-1; returns the minimum of the tile's last row when Track.
  template <class P, cost C, int G, int R, bool Track>
  static typename P::vec tile(const double* query, index i0, index m, index w, const double* t,
                              double* p) noexcept {
    constexpr index L = P::width;
    using pv = typename P::vec;
    pv q[R];
    pv left[G][R];
    pv diag0[G];
    pv row_min = P::set1(infinity);
    const index j0 = imax(0, i0 - w);
    const index j1 = imin(m - 1, i0 + R - 1 + w);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) q[r] = P::set1(query[i0 + r]);
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
      diag0[g] = P::load(p + j0 * G * L + g * L);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) left[g][r] = P::set1(infinity);
    }
    // Columns [lo, hi] have every row of the tile inside the band. Left of them row r enters
    // the band at column j0 + r, right of them it leaves after hi + r: constant patterns
    // unless the matrix edge clips the band.
    const index lo = imax(j0, i0 + R - 1 - w);
    const index hi = imin(j1, i0 + w);
    if (lo <= hi) {
      if (j0 == i0 - w) {
#pragma GCC unroll 8
        for (int e = 0; e < R - 1; ++e)
          step<P, C, G, R, Track>(j0 + e, 0, e, q, left, diag0, row_min, t, p);
      } else {
        for (index j = j0; j < lo; ++j)
          step_checked<P, C, G, R, Track>(j, i0, w, q, left, diag0, row_min, t, p);
      }
      for (index j = lo; j <= hi; ++j)
        step<P, C, G, R, Track>(j, 0, R - 1, q, left, diag0, row_min, t, p);
      if (j1 == i0 + R - 1 + w) {
#pragma GCC unroll 8
        for (int e = 0; e < R - 1; ++e)
          step<P, C, G, R, Track>(hi + 1 + e, e + 1, R - 1, q, left, diag0, row_min, t, p);
      } else {
        for (index j = hi + 1; j <= j1; ++j)
          step_checked<P, C, G, R, Track>(j, i0, w, q, left, diag0, row_min, t, p);
      }
    } else {
      for (index j = j0; j <= j1; ++j)
        step_checked<P, C, G, R, Track>(j, i0, w, q, left, diag0, row_min, t, p);
    }
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) P::store(p + g * L, P::set1(infinity));
    return row_min;
  }

  // The last n % R rows, with a tile of exactly that height.
  template <class P, cost C, int G, int R, bool Track>
  static typename P::vec rest_tile(index rest, const double* query, index i0, index m, index w,
                                   const double* t, double* p) noexcept {
    if constexpr (R == 1) {
      return tile<P, C, G, 1, Track>(query, i0, m, w, t, p);
    } else {
      if (rest == R) return tile<P, C, G, R, Track>(query, i0, m, w, t, p);
      return rest_tile<P, C, G, R - 1, Track>(rest, query, i0, m, w, t, p);
    }
  }

  // All rows; with Track, stops (returning false) once a tile's last row exceeds `limit`.
  template <class P, cost C, int G, int R, bool Track>
  static bool rows(const double* query, index n, index m, index w, const double* t, double* p,
                   double limit) noexcept {
    index i0 = 0;
    for (; i0 + R <= n; i0 += R) {
      const typename P::vec mn = tile<P, C, G, R, Track>(query, i0, m, w, t, p);
      if constexpr (Track) {
        if (P::reduce_min(mn) > limit) return false;
      }
    }
    if constexpr (R > 1) {
      if (i0 < n) rest_tile<P, C, G, R - 1, Track>(n - i0, query, i0, m, w, t, p);
    }
    return true;
  }

  // P before row 0: D[-1][-1] = 0, D[-1][j] = +inf.
  template <class P>
  static void init_boundary(double* p, index m, index s) noexcept {
    const typename P::vec zero = P::set1(0), inf = P::set1(infinity);
    for (index k = 0; k < s; k += P::width) P::store(p + k, zero);
    for (index k = s; k < (m + 1) * s; k += P::width) P::store(p + k, inf);
  }

  // ---- one query against up to G*lanes candidates of length m, SIMD across candidates ----
  static constexpr std::size_t block_workspace(std::size_t m, int g) noexcept {
    return (2 * m + 1) * static_cast<std::size_t>(g) * O::width;
  }

  // Lane-interleaves the candidates: t[j*S + s] = cand[s][j]; W x W register transposes
  // where the ops provide them. Unused lanes repeat candidate 0 (valid data, results dropped).
  template <int G>
  static void interleave(const double* const* cand, index count, index m, double* t) noexcept {
    constexpr index W = lanes;
    constexpr index S = G * W;
    for (index g = 0; g < G; ++g) {
      const double* src[W];
      for (index k = 0; k < W; ++k) src[k] = cand[g * W + k < count ? g * W + k : 0];
      index j = 0;
      if constexpr (W > 1) {
        for (; j + W <= m; j += W) {
          vec r[W];
#pragma GCC unroll 8
          for (index k = 0; k < W; ++k) r[k] = O::loadu(src[k] + j);
          O::transpose(r);
#pragma GCC unroll 8
          for (index k = 0; k < W; ++k) O::store(t + (j + k) * S + g * W, r[k]);
        }
      }
      for (; j < m; ++j)
        for (index k = 0; k < W; ++k) t[j * S + g * W + k] = src[k][j];
    }
  }

  template <cost C, int G, int R>
  static void block(const double* query, index n, const double* const* cand, index count, index m,
                    index w, double* ws, double* out) noexcept {
    constexpr index S = G * lanes;
    double* t = ws;
    double* p = ws + m * S;
    interleave<G>(cand, count, m, t);
    init_boundary<O>(p, m, S);
    rows<O, C, G, R, false>(query, n, m, w, t, p, 0);
    for (index s = 0; s < count; ++s) out[s] = p[m * S + s];
  }

  // x - x is +0 for a finite x and NaN for NaN or +-inf; NaN then sticks in the sums.
  static bool all_finite(const double* x, index n) noexcept {
    constexpr index W = lanes;
    vec acc0 = O::set1(0), acc1 = O::set1(0);
    index i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      const vec a = O::loadu(x + i), b = O::loadu(x + i + W);
      acc0 = O::add(acc0, O::sub(a, a));
      acc1 = O::add(acc1, O::sub(b, b));
    }
    double sum[W];
    O::storeu(sum, O::add(acc0, acc1));
    double tail = 0;
    for (index k = 0; k < W; ++k) tail += sum[k];
    for (; i < n; ++i) tail += x[i] - x[i];
    return tail == 0;
  }

  // ---- one pair by rows (one lane); the bounded form abandons on a row above `limit` ----
  template <cost C, int R>
  static double pair_rows(const double* a, index n, const double* b, index m, index w, double limit,
                          bool track, double* ws) noexcept {
    init_boundary<O1>(ws, m, 1);
    const bool done = track ? rows<O1, C, 1, R, true>(a, n, m, w, b, ws, limit)
                            : rows<O1, C, 1, R, false>(a, n, m, w, b, ws, limit);
    return done ? ws[m] : infinity;
  }

  // ---- one pair by anti-diagonals k = i + j (cells of one diagonal are independent) ----
  //
  // dk[i+1] holds D[i][k-i]; dk[0] is row -1. Cell (i, j) reads left (i, j-1) = d(k-1)[i+1],
  // up (i-1, j) = d(k-1)[i] and diag (i-1, j-1) = d(k-2)[i]. Diagonal k covers
  // i in [lo_k, hi_k]; both ends move by at most one per diagonal, so the next two diagonals
  // read only [lo_k - 1, hi_k + 1] of it: those two guard cells are set to +inf, and lanes
  // past hi_k (computed from padding) are never read as valid cells.
  static constexpr std::size_t antidiag_workspace(std::size_t n, std::size_t m) noexcept {
    return 4 * (n + m + 2 * O::width + 8) + 3 * (n + O::width + 8);
  }

  template <cost C>
  static double antidiag(const double* a, index n, const double* b, index m, index w,
                         double* ws) noexcept {
    constexpr index L = lanes;
    const index dlen = n + 1 + L;
    double* ap = ws;
    double* br = ap + n + L;
    double* d0 = br + m + L;
    double* d1 = d0 + dlen;
    double* d2 = d1 + dlen;
    for (index i = 0; i < n; ++i) ap[i] = a[i];
    for (index i = n; i < n + L; ++i) ap[i] = 0;
    for (index j = 0; j < m; ++j) br[m - 1 - j] = b[j];
    for (index j = m; j < m + L; ++j) br[j] = 0;
    for (index i = 0; i < 3 * dlen; ++i) d0[i] = infinity;
    d0[0] = 0;  // D[-1][-1], read as the diagonal of cell (0, 0)
    for (index k = 0; k <= n + m - 2; ++k) {
      const index lo = imax(imax(0, k - m + 1), (k - w + 1) >> 1);
      const index hi = imin(imin(n - 1, k), (k + w) >> 1);
      const index boff = m - 1 - k;
      for (index i = lo; i <= hi; i += L) {
        const vec c = cell_cost<O, C>(O::loadu(ap + i), O::loadu(br + (boff + i)));
        const vec left = O::loadu(d1 + i + 1);
        const vec up = O::loadu(d1 + i);
        const vec dg = O::loadu(d0 + i);
        O::storeu(d2 + i + 1, O::add(c, O::min(left, O::min(dg, up))));
      }
      d2[lo] = infinity;
      d2[hi + 2] = infinity;
      double* const old = d0;
      d0 = d1;
      d1 = d2;
      d2 = old;
    }
    return d1[n];
  }
};

// The kernel table's entry points for one ISA: G register groups x R rows per block tile, PR
// rows per pair tile, anti-diagonals for wide pairs when Antidiag.
template <class K, int G, int R, int PR, bool Antidiag>
struct entry {
  static std::size_t block_ws(std::size_t m) noexcept { return K::block_workspace(m, G); }

  static bool all_finite(const double* x, std::size_t n) noexcept {
    return K::all_finite(x, static_cast<index>(n));
  }

  static void block(const double* q, std::size_t n, const double* const* cand, std::size_t count,
                    std::size_t m, cost metric, std::size_t band, double* ws,
                    double* out) noexcept {
    const auto sn = static_cast<index>(n), sm = static_cast<index>(m);
    const auto sc = static_cast<index>(count), sw = static_cast<index>(band);
    if (metric == cost::abs)
      K::template block<cost::abs, G, R>(q, sn, cand, sc, sm, sw, ws, out);
    else
      K::template block<cost::sq, G, R>(q, sn, cand, sc, sm, sw, ws, out);
  }

  static std::size_t pair_ws(std::size_t n, std::size_t m) noexcept {
    const std::size_t rows = m + 1;
    const std::size_t diag = K::antidiag_workspace(n, m);
    return rows > diag ? rows : diag;
  }

  // Anti-diagonals pay off once diagonals are long enough to fill registers: measured on
  // Zen 4 with AVX2 and AVX-512, they win from length 32 and band 16 (docs/dtw.md). Without
  // SIMD they never win.
  static bool use_antidiag(std::size_t n, std::size_t m, std::size_t band) noexcept {
    return Antidiag && n >= 32 && m >= 32 && band >= 16;
  }

  static bool pair_is_simd(std::size_t n, std::size_t m, std::size_t band) noexcept {
    return use_antidiag(n, m, band);
  }

  static double pair(const double* a, std::size_t n, const double* b, std::size_t m, cost metric,
                     std::size_t band, double* ws) noexcept {
    const auto sn = static_cast<index>(n), sm = static_cast<index>(m);
    const auto sw = static_cast<index>(band);
    if (use_antidiag(n, m, band)) {
      return metric == cost::abs ? K::template antidiag<cost::abs>(a, sn, b, sm, sw, ws)
                                 : K::template antidiag<cost::sq>(a, sn, b, sm, sw, ws);
    }
    return metric == cost::abs
               ? K::template pair_rows<cost::abs, PR>(a, sn, b, sm, sw, infinity, false, ws)
               : K::template pair_rows<cost::sq, PR>(a, sn, b, sm, sw, infinity, false, ws);
  }

  static double pair_bounded(const double* a, std::size_t n, const double* b, std::size_t m,
                             cost metric, std::size_t band, double limit, double* ws) noexcept {
    const auto sn = static_cast<index>(n), sm = static_cast<index>(m);
    const auto sw = static_cast<index>(band);
    return metric == cost::abs
               ? K::template pair_rows<cost::abs, PR>(a, sn, b, sm, sw, limit, true, ws)
               : K::template pair_rows<cost::sq, PR>(a, sn, b, sm, sw, limit, true, ws);
  }
};

}  // namespace ntrun::compute::dtw::detail::kern
