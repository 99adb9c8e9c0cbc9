// The portable DTW kernels (no SIMD extensions): the same bodies as the SIMD units with one
// lane per register group, so they give the same bits; the fallback on any CPU.
#include <cstddef>
#include <cstdint>

#include "dtw_kernels.hpp"

#include "dtw_kernel_templates.hpp"

namespace ntrun::compute::dtw::detail {
namespace {

struct ops1 {
  using vec = double;
  static constexpr int width = 1;
  static vec load(const double* p) noexcept { return *p; }
  static vec loadu(const double* p) noexcept { return *p; }
  static void store(double* p, vec v) noexcept { *p = v; }
  static void storeu(double* p, vec v) noexcept { *p = v; }
  static vec set1(double x) noexcept { return x; }
  static vec add(vec x, vec y) noexcept { return x + y; }
  static vec sub(vec x, vec y) noexcept { return x - y; }
  static vec mul(vec x, vec y) noexcept { return x * y; }
  static vec min(vec x, vec y) noexcept { return x < y ? x : y; }
  static vec abs(vec x) noexcept { return __builtin_fabs(x); }
  static vec reduce_min(vec x) noexcept { return x; }
  static vec opaque(vec x) noexcept {
#if defined(__x86_64__)
    asm("" : "+x"(x));
#else
    asm("" : "+m"(x));
#endif
    return x;
  }
};

// Register groups x rows per tile: measured best on Zen 4 (bench/bench_dtw.cpp, docs/dtw.md).
constexpr int groups = 4;
static_assert(groups * 1 <= max_block_lanes);
constexpr int rows = 1;
using entry = kern::entry<kern::kernels<ops1, ops1>, groups, rows, 4, false>;

}  // namespace

const kernel_table& scalar_kernels() noexcept {
  static constexpr kernel_table table{.id = isa::scalar,
                                      .name = "scalar",
                                      .block_lanes = groups,
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
