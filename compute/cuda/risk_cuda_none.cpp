// risk::cuda back-end of a build without CUDA (nvcc not found, or NTRUN_CUDA=OFF): compiled()
// is false, no kernel is loadable, and the path simulation refuses. See docs/cuda.md.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace ntrun::compute::risk::cuda::detail {

// Declared, with the same signatures, in risk_cuda.cpp (the front) and risk_cuda.cu.
bool backend_compiled() noexcept;
bool backend_kernel_ready() noexcept;
void backend_paths(const double* loading, std::size_t cols, double drift, std::uint32_t steps,
                   std::uint64_t seed, double* out, std::size_t sims);

bool backend_compiled() noexcept {
  return false;
}
bool backend_kernel_ready() noexcept {
  return false;
}
void backend_paths(const double* /*loading*/, std::size_t /*cols*/, double /*drift*/,
                   std::uint32_t /*steps*/, std::uint64_t /*seed*/, double* /*out*/,
                   std::size_t /*sims*/) {
  throw std::runtime_error("risk::cuda::portfolio_paths: no CUDA back-end in this build");
}

}  // namespace ntrun::compute::risk::cuda::detail
