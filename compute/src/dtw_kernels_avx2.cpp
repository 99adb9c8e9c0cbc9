// The AVX2 DTW kernels: 4 candidates per ymm register, several register groups and rows in
// flight (bodies in dtw_kernel_templates.hpp); dtw.cpp picks them when the CPU has AVX2 but not
// AVX-512.
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
#pragma GCC target("avx2")

#include "dtw_kernel_templates.hpp"

namespace ntrun::compute::dtw::detail {
namespace {

struct ops256 {
  using vec = __m256d;
  static constexpr int width = 4;
  static vec load(const double* p) noexcept { return _mm256_load_pd(p); }
  static vec loadu(const double* p) noexcept { return _mm256_loadu_pd(p); }
  static void store(double* p, vec v) noexcept { _mm256_store_pd(p, v); }
  static void storeu(double* p, vec v) noexcept { _mm256_storeu_pd(p, v); }
  static vec set1(double x) noexcept { return _mm256_set1_pd(x); }
  static vec add(vec x, vec y) noexcept { return _mm256_add_pd(x, y); }
  static vec sub(vec x, vec y) noexcept { return _mm256_sub_pd(x, y); }
  static vec mul(vec x, vec y) noexcept { return _mm256_mul_pd(x, y); }
  static vec min(vec x, vec y) noexcept { return _mm256_min_pd(x, y); }
  static vec abs(vec x) noexcept { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), x); }
  // 4 x 4 transpose: rows r[k] become columns.
  static void transpose(vec (&r)[4]) noexcept {
    const vec t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    const vec t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
  }
  static vec opaque(vec x) noexcept {
    asm("" : "+x"(x));
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
    asm("" : "+x"(x));
    return x;
  }
};

// Register groups x rows per tile: measured best on Zen 4 (bench/bench_dtw.cpp, docs/dtw.md).
constexpr int groups = 4;
static_assert(groups * ops256::width <= max_block_lanes);
constexpr int rows = 1;
using entry = kern::entry<kern::kernels<ops256, ops1>, groups, rows, 4, true>;

}  // namespace
}  // namespace ntrun::compute::dtw::detail

#pragma GCC pop_options

namespace ntrun::compute::dtw::detail {
const kernel_table& avx2_kernels() noexcept {
  static constexpr kernel_table table{.id = isa::avx2,
                                      .name = "avx2",
                                      .block_lanes = groups * ops256::width,
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
const kernel_table& avx2_kernels() noexcept {
  return scalar_kernels();
}
}  // namespace ntrun::compute::dtw::detail

#endif
