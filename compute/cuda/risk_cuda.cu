// risk::cuda back-end on the GPU: the Monte Carlo path kernel (one thread per path, the
// scalar reference of compute/src/risk_mc.cpp step for step), its memory and launches.
#include <cuda_runtime.h>

#include "cuda_util.cuh"

#include <Random123/philox.h>
#include <Random123/boxmuller.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ntrun::compute::risk::cuda::detail {

// Declared, with the same signatures, in risk_cuda.cpp (the front) and risk_cuda_none.cpp.
bool backend_compiled() noexcept;
bool backend_kernel_ready() noexcept;
void backend_paths(const double* loading, std::size_t cols, double drift, std::uint32_t steps,
                   std::uint64_t seed, double* out, std::size_t sims);

namespace {

constexpr unsigned threads_per_block = 128;
// Paths per launch: bounds the device buffer (128 MiB) and the run time of one launch.
constexpr std::size_t launch_paths = std::size_t{1} << 24;

using philox = r123::Philox4x32;

__device__ std::uint64_t word64(const philox::ctr_type& r, int half) {
  return static_cast<std::uint64_t>(r[2 * half]) |
         (static_cast<std::uint64_t>(r[2 * half + 1]) << 32);
}

// path_scalar of risk_mc.cpp (normal model): same counters, same draws, same order of adds;
// -fmad=false keeps every product and sum rounded on its own, as on the CPU.
__global__ void paths_kernel(const double* __restrict__ loading, std::size_t cols, double drift,
                             std::uint32_t steps, std::uint64_t seed, std::uint64_t first,
                             std::size_t count, double* __restrict__ out) {
  const std::size_t i = std::size_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const std::uint64_t path = first + i;
  const philox::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  double total = 0;
  for (std::uint32_t s = 0; s < steps; ++s) {
    double acc = 0;
    for (std::uint32_t b = 0; 2 * std::size_t{b} < cols; ++b) {
      const philox::ctr_type ctr = {
          {static_cast<std::uint32_t>(path), static_cast<std::uint32_t>(path >> 32), s, b}};
      const philox::ctr_type r = philox{}(ctr, key);
      const r123::double2 z = r123::boxmuller(word64(r, 0), word64(r, 1));
      acc += loading[2 * b] * z.x;
      if (2 * std::size_t{b} + 1 < cols) acc += loading[2 * b + 1] * z.y;
    }
    const double ret = drift + acc;
    total += ret * (1 + total);  // compounding; exact ret for one step
  }
  out[i] = total;
}

constexpr const char* api = "risk::cuda::portfolio_paths";

void check(cudaError_t status, const char* what) { cuda_util::check(status, api, what); }

// Owns one device allocation (cuda_util.cuh), named for error messages.
struct device_array : cuda_util::device_array {
  explicit device_array(std::size_t doubles) : cuda_util::device_array(doubles, api) {}
};

}  // namespace

bool backend_compiled() noexcept {
  return true;
}

bool backend_kernel_ready() noexcept {
  // Fails when the fat binary has no image (SASS or PTX) the device can run.
  static const bool ready = [] {
    cudaFuncAttributes attributes{};
    if (cudaFuncGetAttributes(&attributes, paths_kernel) != cudaSuccess) {
      cudaGetLastError();
      return false;
    }
    return true;
  }();
  return ready;
}

void backend_paths(const double* loading, std::size_t cols, double drift, std::uint32_t steps,
                   std::uint64_t seed, double* out, std::size_t sims) {
  device_array d_loading(cols);
  check(cudaMemcpy(d_loading.get(), loading, cols * sizeof(double), cudaMemcpyHostToDevice),
        "cudaMemcpy (loading to the device)");
  const std::size_t chunk = sims < launch_paths ? sims : launch_paths;
  device_array d_out(chunk);
  for (std::size_t first = 0; first < sims; first += chunk) {
    const std::size_t count = sims - first < chunk ? sims - first : chunk;
    const auto blocks = static_cast<unsigned>((count + threads_per_block - 1) / threads_per_block);
    paths_kernel<<<blocks, threads_per_block>>>(d_loading.get(), cols, drift, steps, seed, first,
                                                count, d_out.get());
    check(cudaGetLastError(), "kernel launch");
    // Synchronous on the default stream: also reports a fault of the kernel.
    check(cudaMemcpy(out + first, d_out.get(), count * sizeof(double), cudaMemcpyDeviceToHost),
          "cudaMemcpy (paths to the host)");
  }
}

}  // namespace ntrun::compute::risk::cuda::detail
