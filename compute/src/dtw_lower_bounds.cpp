// Building blocks of the DTW search: statistics, envelopes, LB_Kim, LB_Keogh (scalar, AVX2 and
// AVX-512 behind a run-time dispatch) and the early-abandoning banded DTW (scalar on purpose:
// its sums must be the same bits on every machine).
#include "dtw_lower_bounds.hpp"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>

// GCC contracts a * b + c into an FMA wherever the target has one (the AVX2 and AVX-512
// functions here), even across intrinsics; a bound computed with a fused normalisation can then
// exceed the DTW of the same window by a rounding, which would prune an exact tie. Off for this
// file: every normalised value is the same bits on every path.
#pragma GCC optimize("fp-contract=off")

namespace ntrun::compute::dtw::search_detail {
namespace {

isa detect_isa() noexcept {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return isa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return isa::avx2;
  return isa::scalar;
}

const isa k_detected = detect_isa();
std::atomic<isa> g_isa{k_detected};  // lowered only by tests (limit_simd_level)

// Distance of x to [lo, up] (lo <= up): at most one of the two terms is non-zero.
template <cost C>
inline double outside(double x, double up, double lo) noexcept {
  const double d = std::max(x - up, 0.0) + std::max(lo - x, 0.0);
  if constexpr (C == cost::abs) {
    return d;
  } else {
    return d * d;
  }
}

struct moments {
  double mean;
  double m2;
};

moments two_pass(const double* x, std::size_t m) noexcept {
  double s = 0;
  for (std::size_t i = 0; i < m; ++i) s += x[i];
  const double mean = s / static_cast<double>(m);
  double m2 = 0;
  for (std::size_t i = 0; i < m; ++i) m2 += (x[i] - mean) * (x[i] - mean);
  return {.mean = mean, .m2 = m2};
}

// 1/std = sqrt(m / m2); 0 (normalise to zeros) when m2 is 0 or denormal, or the mean overflowed.
// sqrt and division are correctly rounded, so the vector path gives the scalar path's bits.
void inverse_std(double& mean, double& m2, double dm) noexcept {
  const double inv = std::sqrt(dm / m2);
  const bool ok = m2 > 0 && inv < infinity && std::abs(mean) < infinity;
  m2 = ok ? inv : 0.0;
  mean = ok ? mean : 0.0;
}

__attribute__((target("avx512f"))) void inverse_stds_avx512(double* mean, double* m2,
                                                            std::size_t count, double dm) {
  const __m512d vm = _mm512_set1_pd(dm);
  const __m512d inf = _mm512_set1_pd(infinity);
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m512d v = _mm512_loadu_pd(m2 + i);
    const __m512d mu = _mm512_loadu_pd(mean + i);
    const __m512d inv = _mm512_maskz_sqrt_pd(0xff, _mm512_maskz_div_pd(0xff, vm, v));
    const __mmask8 ok = _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_GT_OQ) &
                        _mm512_cmp_pd_mask(inv, inf, _CMP_LT_OQ) &
                        _mm512_cmp_pd_mask(_mm512_abs_pd(mu), inf, _CMP_LT_OQ);
    _mm512_storeu_pd(m2 + i, _mm512_maskz_mov_pd(ok, inv));
    _mm512_storeu_pd(mean + i, _mm512_maskz_mov_pd(ok, mu));
  }
  for (; i < count; ++i) inverse_std(mean[i], m2[i], dm);
}

/// In place: m2[i] becomes 1/std (see inverse_std).
void inverse_stds(double* mean, double* m2, std::size_t count, std::size_t m) noexcept {
  const double dm = static_cast<double>(m);
  if (simd_level() == isa::avx512) return inverse_stds_avx512(mean, m2, count, dm);
  for (std::size_t i = 0; i < count; ++i) inverse_std(mean[i], m2[i], dm);
}

// ---- LB_Keogh kernels: KIND 0 = query envelope (t normalised), 1 = candidate envelope ----

template <int Kind, cost C>
inline double keogh_term(const double* v, const double* up, const double* lo, std::size_t i,
                         norm_stats ts) noexcept {
  if constexpr (Kind == 0) {
    return outside<C>(normalise(v[i], ts.mean, ts.inv_std), up[i], lo[i]);
  } else {
    return outside<C>(v[i], normalise(up[i], ts.mean, ts.inv_std),
                      normalise(lo[i], ts.mean, ts.inv_std));
  }
}

template <int Kind, cost C>
double keogh_scalar(const double* v, const double* up, const double* lo, std::size_t m,
                    norm_stats ts, double limit, double* terms) noexcept {
  double s = 0;
  for (std::size_t i = 0; i < m; ++i) {
    terms[i] = keogh_term<Kind, C>(v, up, lo, i, ts);
    s += terms[i];
    if ((i & 15) == 15 && s > limit) return s;
  }
  return s;
}

// The unmasked AVX-512 max and extract intrinsics start from _mm512_undefined_pd(), which GCC 12
// reports as maybe-uninitialized under -Werror; the zero-masked forms below are the same code.
__attribute__((target("avx512f"))) inline __m512d max512(__m512d a, __m512d b) {
  return _mm512_maskz_max_pd(0xff, a, b);
}

__attribute__((target("avx512f"))) inline double sum512(__m512d v) {
  const __m256d q = _mm256_add_pd(_mm512_maskz_extractf64x4_pd(0xf, v, 0),
                                  _mm512_maskz_extractf64x4_pd(0xf, v, 1));
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(q), _mm256_extractf128_pd(q, 1));
  return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

template <int Kind, cost C>
__attribute__((target("avx512f"))) inline __m512d keogh_term512(const double* v, const double* up,
                                                                const double* lo, __m512d mean,
                                                                __m512d inv, __mmask8 mask,
                                                                double* terms) {
  const __m512d zero = _mm512_setzero_pd();
  __m512d x = _mm512_maskz_loadu_pd(mask, v);
  __m512d u = _mm512_maskz_loadu_pd(mask, up);
  __m512d l = _mm512_maskz_loadu_pd(mask, lo);
  if constexpr (Kind == 0) {
    x = _mm512_mul_pd(_mm512_sub_pd(x, mean), inv);
  } else {
    u = _mm512_mul_pd(_mm512_sub_pd(u, mean), inv);
    l = _mm512_mul_pd(_mm512_sub_pd(l, mean), inv);
  }
  __m512d d = _mm512_add_pd(max512(_mm512_sub_pd(x, u), zero), max512(_mm512_sub_pd(l, x), zero));
  d = _mm512_maskz_mov_pd(mask, d);
  if constexpr (C == cost::sq) d = _mm512_mul_pd(d, d);
  _mm512_mask_storeu_pd(terms, mask, d);
  return d;
}

template <int Kind, cost C>
__attribute__((target("avx512f"))) double keogh_avx512(const double* v, const double* up,
                                                       const double* lo, std::size_t m,
                                                       norm_stats ts, double limit, double* terms) {
  const __m512d mean = _mm512_set1_pd(ts.mean);
  const __m512d inv = _mm512_set1_pd(ts.inv_std);
  const __mmask8 all = 0xff;
  __m512d a0 = _mm512_setzero_pd();
  __m512d a1 = _mm512_setzero_pd();
  std::size_t i = 0;
  for (; i + 32 <= m; i += 32) {
    for (std::size_t j = i; j < i + 32; j += 16) {
      a0 = _mm512_add_pd(a0,
                         keogh_term512<Kind, C>(v + j, up + j, lo + j, mean, inv, all, terms + j));
      a1 = _mm512_add_pd(a1, keogh_term512<Kind, C>(v + j + 8, up + j + 8, lo + j + 8, mean, inv,
                                                    all, terms + j + 8));
    }
    const double s = sum512(_mm512_add_pd(a0, a1));
    if (s > limit) return s;
  }
  for (; i < m; i += 8) {
    const std::size_t left = std::min<std::size_t>(8, m - i);
    const auto mask = static_cast<__mmask8>((1u << left) - 1u);
    a0 = _mm512_add_pd(a0,
                       keogh_term512<Kind, C>(v + i, up + i, lo + i, mean, inv, mask, terms + i));
  }
  return sum512(_mm512_add_pd(a0, a1));
}

template <int Kind, cost C>
__attribute__((target("avx2,fma"))) double keogh_avx2(const double* v, const double* up,
                                                      const double* lo, std::size_t m,
                                                      norm_stats ts, double limit, double* terms) {
  const __m256d mean = _mm256_set1_pd(ts.mean);
  const __m256d inv = _mm256_set1_pd(ts.inv_std);
  const __m256d zero = _mm256_setzero_pd();
  __m256d acc = zero;
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    __m256d x = _mm256_loadu_pd(v + i);
    __m256d u = _mm256_loadu_pd(up + i);
    __m256d l = _mm256_loadu_pd(lo + i);
    if constexpr (Kind == 0) {
      x = _mm256_mul_pd(_mm256_sub_pd(x, mean), inv);
    } else {
      u = _mm256_mul_pd(_mm256_sub_pd(u, mean), inv);
      l = _mm256_mul_pd(_mm256_sub_pd(l, mean), inv);
    }
    __m256d d = _mm256_add_pd(_mm256_max_pd(_mm256_sub_pd(x, u), zero),
                              _mm256_max_pd(_mm256_sub_pd(l, x), zero));
    if constexpr (C == cost::sq) d = _mm256_mul_pd(d, d);
    _mm256_storeu_pd(terms + i, d);
    acc = _mm256_add_pd(acc, d);
    if ((i & 31) == 28) {
      const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
      const double s = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
      if (s > limit) return s;
    }
  }
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  double s = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  for (; i < m; ++i) {
    terms[i] = keogh_term<Kind, C>(v, up, lo, i, ts);
    s += terms[i];
  }
  return s;
}

template <int Kind>
double keogh(const double* v, const double* up, const double* lo, std::size_t m, norm_stats ts,
             cost c, double limit, double* terms) noexcept {
  const bool sq = c == cost::sq;
  switch (simd_level()) {
    case isa::avx512:
      return sq ? keogh_avx512<Kind, cost::sq>(v, up, lo, m, ts, limit, terms)
                : keogh_avx512<Kind, cost::abs>(v, up, lo, m, ts, limit, terms);
    case isa::avx2:
      return sq ? keogh_avx2<Kind, cost::sq>(v, up, lo, m, ts, limit, terms)
                : keogh_avx2<Kind, cost::abs>(v, up, lo, m, ts, limit, terms);
    case isa::scalar:
      break;
  }
  return sq ? keogh_scalar<Kind, cost::sq>(v, up, lo, m, ts, limit, terms)
            : keogh_scalar<Kind, cost::abs>(v, up, lo, m, ts, limit, terms);
}

__attribute__((target("avx512f"))) bool all_finite_avx512(const double* x, std::size_t n) {
  const __m512d inf = _mm512_set1_pd(infinity);
  __mmask8 ok = 0xff;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    ok &= _mm512_cmp_pd_mask(_mm512_abs_pd(_mm512_loadu_pd(x + i)), inf, _CMP_LT_OQ);
  for (; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return ok == 0xff;
}

// up[] = max x[], lo[] = min x[] everywhere (the envelope without a band).
__attribute__((target("avx512f"))) void flat_envelope_avx512(const double* x, std::size_t n,
                                                             double* up, double* lo) {
  __m512d mx = _mm512_set1_pd(-infinity);
  __m512d mn = _mm512_set1_pd(infinity);
  for (std::size_t i = 0; i < n; i += 8) {
    const auto mask = static_cast<__mmask8>(n - i >= 8 ? 0xff : (1u << (n - i)) - 1u);
    mx = _mm512_mask_max_pd(mx, mask, mx, _mm512_maskz_loadu_pd(mask, x + i));
    mn = _mm512_mask_min_pd(mn, mask, mn, _mm512_maskz_loadu_pd(mask, x + i));
  }
  double hx[8];
  double hn[8];
  _mm512_storeu_pd(hx, mx);
  _mm512_storeu_pd(hn, mn);
  const __m512d vmx = _mm512_set1_pd(*std::max_element(hx, hx + 8));
  const __m512d vmn = _mm512_set1_pd(*std::min_element(hn, hn + 8));
  for (std::size_t i = 0; i < n; i += 8) {
    const auto mask = static_cast<__mmask8>(n - i >= 8 ? 0xff : (1u << (n - i)) - 1u);
    _mm512_mask_storeu_pd(up + i, mask, vmx);
    _mm512_mask_storeu_pd(lo + i, mask, vmn);
  }
}

// ---- LB_Kim ----

// Equal lengths >= 6, unrolled as in the UCR Suite: layers 0, 1, 2 at the front and the back,
// each cheaper than the next and checked in turn.
template <cost C>
double kim_equal(const double* q, const double* t, std::size_t m, norm_stats ts, double limit,
                 std::size_t layers) noexcept {
  const auto nz = [&](std::size_t j) { return normalise(t[j], ts.mean, ts.inv_std); };
  const double* qb = q + (m - 3);  // qb[2] = q[m-1]
  const double x0 = nz(0);
  const double y0 = nz(m - 1);
  double lb = cell<C>(q[0], x0) + cell<C>(qb[2], y0);
  if (lb > limit || layers < 2) return lb;
  const double x1 = nz(1);
  lb += std::min({cell<C>(q[0], x1), cell<C>(q[1], x0), cell<C>(q[1], x1)});
  if (lb > limit) return lb;
  const double y1 = nz(m - 2);
  lb += std::min({cell<C>(qb[2], y1), cell<C>(qb[1], y0), cell<C>(qb[1], y1)});
  if (lb > limit || layers < 3) return lb;
  const double x2 = nz(2);
  lb += std::min({cell<C>(q[0], x2), cell<C>(q[1], x2), cell<C>(q[2], x2), cell<C>(q[2], x1),
                  cell<C>(q[2], x0)});
  if (lb > limit) return lb;
  const double y2 = nz(m - 3);
  return lb + std::min({cell<C>(qb[2], y2), cell<C>(qb[1], y2), cell<C>(qb[0], y2),
                        cell<C>(qb[0], y1), cell<C>(qb[0], y0)});
}

template <cost C>
double kim(const double* q, std::size_t n, const double* t, std::size_t m, norm_stats ts,
           double limit, std::size_t max_layers) noexcept {
  if (n == m && m >= 6) return kim_equal<C>(q, t, m, ts, limit, max_layers);
  const std::size_t big = std::max(n, m);
  double lb = cell<C>(q[0], normalise(t[0], ts.mean, ts.inv_std));
  if (big == 1) return lb;
  lb += cell<C>(q[n - 1], normalise(t[m - 1], ts.mean, ts.inv_std));
  // Layer v at the front: cells with max(i, j) == v; at the back, the same counted from the
  // ends. Every path crosses each layer; layers are disjoint while 2 * layers <= max(n, m).
  const std::size_t layers = std::min(max_layers, big / 2);
  for (std::size_t v = 1; v < layers && lb <= limit; ++v) {
    double front = infinity;
    double back = infinity;
    for (std::size_t i = 0; i <= std::min(v, n - 1); ++i) {
      for (std::size_t j = 0; j <= std::min(v, m - 1); ++j) {
        if (i != v && j != v) continue;
        front = std::min(front, cell<C>(q[i], normalise(t[j], ts.mean, ts.inv_std)));
        back = std::min(back, cell<C>(q[n - 1 - i], normalise(t[m - 1 - j], ts.mean, ts.inv_std)));
      }
    }
    lb += front + back;
  }
  return lb;
}

}  // namespace

norm_stats exact_stats(const double* x, std::size_t m) noexcept {
  if (std::all_of(x, x + m, [&](double v) { return v == x[0]; }))
    return {.mean = x[0], .inv_std = 0};
  moments mo = two_pass(x, m);
  inverse_std(mo.mean, mo.m2, static_cast<double>(m));
  return {.mean = mo.mean, .inv_std = mo.m2};
}

void window_stats(const double* x, std::size_t m, std::size_t s_begin, std::size_t s_end,
                  double* mean_out, double* inv_out) noexcept {
  const double dm = static_cast<double>(m);
  moments mo{.mean = 0, .m2 = 0};
  double m2_peak = 0;
  bool fresh = false;      // mo holds the sliding state of window s - 1
  std::size_t change = 0;  // last p <= s + m - 1 with x[p] != x[p - 1]; constant iff <= s
  for (std::size_t s = s_begin; s < s_end; ++s) {
    const std::size_t e = s + m - 1;
    const bool block_start = s % stats_block == 0 || s == s_begin;
    if (block_start) {
      change = s;
      for (std::size_t p = e; p > s; --p) {
        if (x[p] != x[p - 1]) {
          change = p;
          break;
        }
      }
    } else if (x[e] != x[e - 1]) {
      change = e;
    }
    double* m2_out = inv_out;  // m2 for now; turned into 1/std below
    if (change <= s) {
      mean_out[s - s_begin] = x[s];
      m2_out[s - s_begin] = 0;
      fresh = false;
      continue;
    }
    bool exact = block_start || !fresh;
    if (!exact) {
      // Sliding Welford update; recomputed exactly when m2 has lost 10 bits against its recent
      // peak, which bounds the cancellation error of the running sums.
      const double xo = x[s - 1];
      const double xn = x[e];
      const double mean = mo.mean + (xn - xo) / dm;
      mo.m2 += (xn - xo) * ((xn - mean) + (xo - mo.mean));
      mo.mean = mean;
      m2_peak = std::max(m2_peak, mo.m2);
      exact = !(mo.m2 > m2_peak * 0x1p-10);
    }
    if (exact) {
      mo = two_pass(x + s, m);
      m2_peak = mo.m2;
      fresh = true;
    }
    mean_out[s - s_begin] = mo.mean;
    m2_out[s - s_begin] = mo.m2;
  }
  inverse_stds(mean_out, inv_out, s_end - s_begin, m);
}

void envelope(const double* x, std::size_t n, std::size_t r, std::size_t begin, std::size_t end,
              double* up, double* lo, double* scratch) noexcept {
  if (begin == 0 && end == n && r + 1 >= n) {  // every position sees the whole series
    if (simd_level() == isa::avx512) return flat_envelope_avx512(x, n, up, lo);
    double mx = x[0];
    double mn = x[0];
    for (std::size_t i = 1; i < n; ++i) {
      mx = std::max(mx, x[i]);
      mn = std::min(mn, x[i]);
    }
    std::fill(up, up + n, mx);
    std::fill(lo, lo + n, mn);
    return;
  }
  // y[k] = x[begin - r + k] (or the neutral element outside [0, n)); out[p - begin] is the
  // extremum of y[p - begin .. p - begin + 2r]: block prefix (g) and suffix (h) extrema.
  const std::size_t width = 2 * r + 1;
  const std::size_t len = end - begin + 2 * r;
  double* y = scratch;
  double* g = scratch + len;
  double* h = scratch + 2 * len;
  const auto pass = [&](double neutral, auto pick, double* out) {
    for (std::size_t k = 0; k < len; ++k) {
      const std::size_t p = begin + k;  // x index + r
      y[k] = p >= r && p - r < n ? x[p - r] : neutral;
    }
    for (std::size_t b0 = 0; b0 < len; b0 += width) {
      const std::size_t b1 = std::min(len, b0 + width);
      g[b0] = y[b0];
      for (std::size_t k = b0 + 1; k < b1; ++k) g[k] = pick(g[k - 1], y[k]);
      h[b1 - 1] = y[b1 - 1];
      for (std::size_t k = b1 - 1; k > b0; --k) h[k - 1] = pick(h[k], y[k - 1]);
    }
    for (std::size_t k = 0; k + 2 * r < len; ++k) out[k] = pick(h[k], g[k + 2 * r]);
  };
  pass(
      -infinity, [](double u, double v) { return std::max(u, v); }, up);
  pass(
      infinity, [](double u, double v) { return std::min(u, v); }, lo);
}

isa simd_level() noexcept {
  return g_isa.load(std::memory_order_relaxed);
}

void limit_simd_level(isa level) noexcept {
  g_isa.store(std::min(level, k_detected));
}

bool all_finite(const double* x, std::size_t n) noexcept {
  if (simd_level() == isa::avx512) return all_finite_avx512(x, n);
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok &= std::isfinite(x[i]);
  return ok;
}

double lb_kim(const double* q, std::size_t n, const double* t, std::size_t m, norm_stats ts, cost c,
              double limit, std::size_t layers) noexcept {
  return c == cost::sq ? kim<cost::sq>(q, n, t, m, ts, limit, layers)
                       : kim<cost::abs>(q, n, t, m, ts, limit, layers);
}

double lb_keogh_eq(const double* t, const double* up, const double* lo, std::size_t m,
                   norm_stats ts, cost c, double limit, double* terms) noexcept {
  return keogh<0>(t, up, lo, m, ts, c, limit, terms);
}

double lb_keogh_ec(const double* q, const double* up, const double* lo, std::size_t m,
                   norm_stats ts, cost c, double limit, double* terms) noexcept {
  return keogh<1>(q, up, lo, m, ts, c, limit, terms);
}

}  // namespace ntrun::compute::dtw::search_detail
