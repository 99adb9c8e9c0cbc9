// Internal to ntrun_compute_cuda: the per-candidate DTW recurrence, compiled both by nvcc
// (the kernel) and by the C++ compiler (the host emulation), and the back-end interface.
// C++17 only: nvcc compiles this header too.
#pragma once

#include <math.h>

#include <cstddef>

#if defined(__CUDACC__)
#define NTRUN_DTW_HD __host__ __device__
#else
#define NTRUN_DTW_HD
#endif

namespace ntrun::compute::dtw::cuda::detail {

// A product that is never fused with the following add: the CPU kernels round the product
// and the sum separately, so must the device (-fmad=false says the same to nvcc).
NTRUN_DTW_HD inline double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

NTRUN_DTW_HD inline double min_of(double a, double b) {
  return b < a ? b : a;
}

/// DTW of the query q[0..n) against the candidate c[0..m), cells with |i - j| <= w only.
/// Preconditions (checked by the caller): n, m >= 1, finite values, |n - m| <= w <= max(n, m)
/// (w = max(n, m) is "no band").
/// `column` holds one column of the matrix over the query: D[i][j-1] at column[i * stride]
/// before column j is processed, D[i][j] after. On the device stride is the number of
/// candidates in flight, so that the 32 threads of a warp touch 32 adjacent doubles.
/// Cells outside the band are +inf and are never written: a column only reads entries written
/// by the previous column, or never written (still +inf), see docs/cuda.md.
NTRUN_DTW_HD inline double candidate_distance(const double* q, std::size_t n, const double* c,
                                              std::size_t m, std::size_t w, bool sq, double* column,
                                              std::size_t stride) {
  const double inf = HUGE_VAL;
  for (std::size_t i = 0; i < n; ++i) column[i * stride] = inf;
  for (std::size_t j = 0; j < m; ++j) {
    const double b = c[j];
    const std::size_t lo = j > w ? j - w : 0;
    const std::size_t hi = j + w < n - 1 ? j + w : n - 1;
    // D[lo-1][j-1] (in the band of column j-1), or the corner D[-1][-1] = 0, or +inf.
    double diag = lo > 0 ? column[(lo - 1) * stride] : (j == 0 ? 0.0 : inf);
    double up = inf;  // D[lo-1][j]: outside the band or above the matrix
    for (std::size_t i = lo; i <= hi; ++i) {
      const double left = column[i * stride];
      const double d = q[i] - b;
      const double cell = (sq ? mul_rn(d, d) : fabs(d)) + min_of(diag, min_of(left, up));
      column[i * stride] = cell;
      diag = left;
      up = cell;
    }
  }
  const double total = column[(n - 1) * stride];
  return sq ? sqrt(total) : total;
}

/// One validated batch, in the back-end's terms (plain pointers: the .cu is C++17).
struct job {
  const double* query = nullptr;
  std::size_t n = 0;
  const double* candidates = nullptr;  ///< count * m doubles, row-major
  std::size_t m = 0;
  std::size_t count = 0;
  std::size_t band = 0;  ///< effective half-width: |n - m| <= band <= max(n, m)
  bool sq = false;
  double* out = nullptr;  ///< count doubles
};

// Implemented by dtw_cuda.cu, or by dtw_cuda_none.cpp in a build without CUDA.
bool backend_compiled() noexcept;
bool backend_device_present() noexcept;
const char* backend_device_name() noexcept;
void backend_batch(const job& work);  ///< throws std::runtime_error on device failure

}  // namespace ntrun::compute::dtw::cuda::detail
