// The AVX-512 DTW kernels: 8 candidates per zmm register, several register groups and rows in
// flight (bodies in dtw_kernel_templates.hpp); dtw.cpp picks them when the CPU has AVX-512.
#include <cstddef>
#include <cstdint>

#include "dtw_kernels.hpp"

#if defined(__x86_64__)
// GCC 12 reports its own _mm*_undefined_pd() (self-initialised on purpose) as maybe
// uninitialised where the intrinsics inline; the state applies to the header's lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl")

#include "dtw_kernel_templates.hpp"

namespace ntrun::compute::dtw::detail {
namespace {

struct ops512 {
  using vec = __m512d;
  static constexpr int width = 8;
  static vec load(const double* p) noexcept { return _mm512_load_pd(p); }
  static vec loadu(const double* p) noexcept { return _mm512_loadu_pd(p); }
  static void store(double* p, vec v) noexcept { _mm512_store_pd(p, v); }
  static void storeu(double* p, vec v) noexcept { _mm512_storeu_pd(p, v); }
  static vec set1(double x) noexcept { return _mm512_set1_pd(x); }
  static vec add(vec x, vec y) noexcept { return _mm512_add_pd(x, y); }
  static vec sub(vec x, vec y) noexcept { return _mm512_sub_pd(x, y); }
  static vec mul(vec x, vec y) noexcept { return _mm512_mul_pd(x, y); }
  static vec min(vec x, vec y) noexcept { return _mm512_min_pd(x, y); }
  static vec abs(vec x) noexcept { return _mm512_abs_pd(x); }
  // 8 x 8 transpose: rows r[k] become columns (pairs, then 128-bit and 256-bit halves).
  static void transpose(vec (&r)[8]) noexcept {
    const vec t0 = _mm512_unpacklo_pd(r[0], r[1]), t1 = _mm512_unpackhi_pd(r[0], r[1]);
    const vec t2 = _mm512_unpacklo_pd(r[2], r[3]), t3 = _mm512_unpackhi_pd(r[2], r[3]);
    const vec t4 = _mm512_unpacklo_pd(r[4], r[5]), t5 = _mm512_unpackhi_pd(r[4], r[5]);
    const vec t6 = _mm512_unpacklo_pd(r[6], r[7]), t7 = _mm512_unpackhi_pd(r[6], r[7]);
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    const vec u0 = _mm512_permutex2var_pd(t0, lo, t2), u1 = _mm512_permutex2var_pd(t1, lo, t3);
    const vec u2 = _mm512_permutex2var_pd(t0, hi, t2), u3 = _mm512_permutex2var_pd(t1, hi, t3);
    const vec u4 = _mm512_permutex2var_pd(t4, lo, t6), u5 = _mm512_permutex2var_pd(t5, lo, t7);
    const vec u6 = _mm512_permutex2var_pd(t4, hi, t6), u7 = _mm512_permutex2var_pd(t5, hi, t7);
    r[0] = _mm512_shuffle_f64x2(u0, u4, 0x44);
    r[1] = _mm512_shuffle_f64x2(u1, u5, 0x44);
    r[2] = _mm512_shuffle_f64x2(u2, u6, 0x44);
    r[3] = _mm512_shuffle_f64x2(u3, u7, 0x44);
    r[4] = _mm512_shuffle_f64x2(u0, u4, 0xEE);
    r[5] = _mm512_shuffle_f64x2(u1, u5, 0xEE);
    r[6] = _mm512_shuffle_f64x2(u2, u6, 0xEE);
    r[7] = _mm512_shuffle_f64x2(u3, u7, 0xEE);
  }
  static vec opaque(vec x) noexcept {
    asm("" : "+v"(x));
    return x;
  }
};

// One lane, for the row-tile pair kernel: scalar code in this unit's encoding.
struct ops1 {
  using vec = double;
  static constexpr int width = 1;
  static vec load(const double* p) noexcept { return *p; }
  static void store(double* p, vec v) noexcept { *p = v; }
  static vec set1(double x) noexcept { return x; }
  static vec add(vec x, vec y) noexcept { return x + y; }
  static vec sub(vec x, vec y) noexcept { return x - y; }
  static vec mul(vec x, vec y) noexcept { return x * y; }
  static vec min(vec x, vec y) noexcept { return x < y ? x : y; }
  static vec abs(vec x) noexcept { return __builtin_fabs(x); }
  static vec reduce_min(vec x) noexcept { return x; }
  static vec opaque(vec x) noexcept {
    asm("" : "+v"(x));
    return x;
  }
};

// Register groups x rows per tile: measured best on Zen 4 (bench/bench_dtw.cpp, docs/dtw.md).
constexpr int groups = 2;
static_assert(groups * ops512::width <= max_block_lanes);
constexpr int rows = 4;
using entry = kern::entry<kern::kernels<ops512, ops1>, groups, rows, 4, true>;

}  // namespace
}  // namespace ntrun::compute::dtw::detail

#pragma GCC pop_options

namespace ntrun::compute::dtw::detail {
const kernel_table& avx512_kernels() noexcept {
  static constexpr kernel_table table{.id = isa::avx512,
                                      .name = "avx512",
                                      .block_lanes = groups * ops512::width,
                                      .all_finite = entry::all_finite,
                                      .block_workspace = entry::block_ws,
                                      .block = entry::block,
                                      .pair_is_simd = entry::pair_is_simd,
                                      .pair_workspace = entry::pair_ws,
                                      .pair = entry::pair,
                                      .pair_bounded = entry::pair_bounded};
  return table;
}
}  // namespace ntrun::compute::dtw::detail

#else  // not x86-64: no such kernels, and dispatch never selects them

namespace ntrun::compute::dtw::detail {
const kernel_table& avx512_kernels() noexcept {
  return scalar_kernels();
}
}  // namespace ntrun::compute::dtw::detail

#endif
