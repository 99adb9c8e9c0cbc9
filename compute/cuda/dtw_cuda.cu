// dtw::cuda back-end on the GPU: device detection, and the batch kernel (one thread per
// candidate, the query read by all threads of a warp at once, one interleaved column each).
#include <cuda_runtime.h>

#include "cuda_util.cuh"

#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "dtw_cuda_kernel.hpp"

namespace ntrun::compute::dtw::cuda::detail {
namespace {

constexpr unsigned threads_per_block = 128;
// Device memory one launch may use (candidates, columns, distances); larger batches are cut
// into launches of this size, which also bounds the run time of one launch.
constexpr std::size_t launch_bytes = std::size_t{256} << 20;

// All threads run the same (n, m, w) loop nest, so warps never diverge, and the query value
// q[i] is one broadcast load for the whole warp.
__global__ void batch_kernel(const double* __restrict__ query, std::size_t n,
                             const double* __restrict__ candidates, std::size_t m,
                             std::size_t count, std::size_t w, bool sq,
                             double* __restrict__ columns, double* __restrict__ out) {
  const std::size_t k = std::size_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (k >= count) return;
  out[k] = candidate_distance(query, n, candidates + k * m, m, w, sq, columns + k, count);
}

constexpr const char* api = "dtw::cuda::batch";

void check(cudaError_t status, const char* what) { cuda_util::check(status, api, what); }

// Owns one device allocation (cuda_util.cuh), named for error messages.
struct device_array : cuda_util::device_array {
  explicit device_array(std::size_t doubles) : cuda_util::device_array(doubles, api) {}
};

}  // namespace

bool backend_compiled() noexcept {
  return true;
}

bool backend_device_present() noexcept {
  static const bool present = [] {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices <= 0) {
      cudaGetLastError();
      return false;
    }
    // Fails when the fat binary has no image (SASS or PTX) the device can run.
    cudaFuncAttributes attributes{};
    if (cudaFuncGetAttributes(&attributes, batch_kernel) != cudaSuccess) {
      cudaGetLastError();
      return false;
    }
    return true;
  }();
  return present;
}

const char* backend_device_name() noexcept {
  static char name[320] = {};
  static const bool filled = [] {
    int devices = 0;
    const cudaError_t status = cudaGetDeviceCount(&devices);
    if (status != cudaSuccess) {
      cudaGetLastError();
      // cudaErrorInsufficientDriver is also what a machine without any driver reports.
      std::snprintf(name, sizeof name, "no CUDA device: %s, %s%s", cudaGetErrorName(status),
                    cudaGetErrorString(status),
                    status == cudaErrorInsufficientDriver
                        ? " (no NVIDIA driver installed, or one older than the CUDA runtime)"
                        : "");
      return true;
    }
    if (devices <= 0) {
      std::snprintf(name, sizeof name, "no CUDA device");
      return true;
    }
    int device = 0;
    cudaDeviceProp properties{};
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaGetDeviceProperties(&properties, device) != cudaSuccess) {
      cudaGetLastError();
      std::snprintf(name, sizeof name, "CUDA device properties unavailable");
      return true;
    }
    std::snprintf(name, sizeof name, "%s (sm_%d%d)%s", properties.name, properties.major,
                  properties.minor, backend_device_present() ? "" : ", no usable kernel image");
    return true;
  }();
  return filled ? name : "";
}

void backend_batch(const job& work) {
  const std::size_t per_candidate = work.m + work.n + 1;  // doubles on the device
  if (per_candidate > launch_bytes / sizeof(double)) {
    throw std::runtime_error(
        "dtw::cuda::batch: series too long for the GPU back-end (query + candidate > " +
        std::to_string(launch_bytes / sizeof(double) - 1) + " values); use dtw::batch");
  }
  std::size_t chunk = launch_bytes / sizeof(double) / per_candidate;
  if (chunk > work.count) chunk = work.count;

  device_array query(work.n);
  device_array candidates(chunk * work.m);
  device_array columns(chunk * work.n);
  device_array out(chunk);
  check(cudaMemcpy(query.get(), work.query, work.n * sizeof(double), cudaMemcpyHostToDevice),
        "cudaMemcpy (query)");
  for (std::size_t first = 0; first < work.count; first += chunk) {
    const std::size_t count = work.count - first < chunk ? work.count - first : chunk;
    check(cudaMemcpy(candidates.get(), work.candidates + first * work.m,
                     count * work.m * sizeof(double), cudaMemcpyHostToDevice),
          "cudaMemcpy (candidates)");
    const auto blocks = static_cast<unsigned>((count + threads_per_block - 1) / threads_per_block);
    batch_kernel<<<blocks, threads_per_block>>>(query.get(), work.n, candidates.get(), work.m,
                                                count, work.band, work.sq, columns.get(),
                                                out.get());
    check(cudaGetLastError(), "kernel launch");
    // Synchronous copy on the legacy default stream: waits for the kernel, reports its faults.
    check(cudaMemcpy(work.out + first, out.get(), count * sizeof(double), cudaMemcpyDeviceToHost),
          "kernel run or cudaMemcpy (distances)");
  }
}

}  // namespace ntrun::compute::dtw::cuda::detail
