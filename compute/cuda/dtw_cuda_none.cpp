// dtw::cuda back-end of a build without CUDA (nvcc not found, or NTRUN_CUDA=OFF): feature
// detection says so and batch() refuses; compiled() is false. See docs/cuda.md.
#include <stdexcept>

#include "dtw_cuda_kernel.hpp"

namespace ntrun::compute::dtw::cuda::detail {

bool backend_compiled() noexcept {
  return false;
}
bool backend_device_present() noexcept {
  return false;
}
const char* backend_device_name() noexcept {
  return "no CUDA back-end in this build";
}

void backend_batch(const job& /*work*/) {
  throw std::runtime_error("dtw::cuda::batch: no CUDA back-end in this build");
}

}  // namespace ntrun::compute::dtw::cuda::detail
