// risk::cuda front: argument checks shared by every build, the portfolio model (loading
// F^T w and drift w.mu, summed in the CPU's order), and dispatch to the back-end
// (risk_cuda.cu or risk_cuda_none.cpp).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "ntrun/compute/dtw_cuda.hpp"
#include "ntrun/compute/risk_cuda.hpp"

namespace ntrun::compute::risk::cuda {
namespace detail {
// The back-end, in plain pointers: risk_cuda.cu is C++17 (no std::span).
bool backend_compiled() noexcept;
bool backend_kernel_ready() noexcept;
void backend_paths(const double* loading, std::size_t cols, double drift, std::uint32_t steps,
                   std::uint64_t seed, double* out, std::size_t sims);
}  // namespace detail

namespace {

constexpr const char* k_where = "risk::cuda::portfolio_paths";

[[noreturn]] void bad(const char* argument, const std::string& why) {
  throw std::invalid_argument(std::string(k_where) + ": bad '" + argument + "' argument: " + why);
}

void check_finite(std::span<const double> x, const char* argument) {
  if (x.empty()) bad(argument, "is empty (pass one value per asset)");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]))
      bad(argument, "value at index " + std::to_string(i) + " is not finite (NaN or inf)");
}

}  // namespace

bool compiled() noexcept {
  return detail::backend_compiled();
}

bool device_present() noexcept {
  // dtw's detection finds a driver, a device and a kernel image for it; the risk kernel
  // lives in the same fat binary, checked once more for its own image.
  static const bool present =
      compiled() && dtw::cuda::device_present() && detail::backend_kernel_ready();
  return present;
}

std::vector<double> portfolio_paths(std::span<const double> mu, std::span<const double> chol_lower,
                                    std::span<const double> weights, std::int64_t sims,
                                    std::int64_t horizon, std::uint64_t seed) {
  check_finite(mu, "mu");
  check_finite(weights, "weights");
  const std::size_t cols = mu.size();
  if (weights.size() != cols)
    bad("weights", std::to_string(weights.size()) + " weights for " + std::to_string(cols) +
                       " assets in mu (pass one weight per asset)");
  if (chol_lower.size() != cols * cols)
    bad("chol_lower", "size " + std::to_string(chol_lower.size()) + ", expected cols x cols = " +
                          std::to_string(cols * cols) + " (row-major factor of the covariance)");
  for (std::size_t i = 0; i < chol_lower.size(); ++i)
    if (!std::isfinite(chol_lower[i]))
      bad("chol_lower", "value at row " + std::to_string(i / cols) + ", column " +
                            std::to_string(i % cols) + " is not finite (NaN or inf)");
  if (sims < 1 || sims > 1'000'000'000)
    bad("sims", "must be in [1, 1e9] paths (got " + std::to_string(sims) + ")");
  if (horizon < 1 || horizon > std::numeric_limits<std::int32_t>::max())
    bad("horizon", "must be in [1, 2^31) steps (got " + std::to_string(horizon) + ")");

  if (!compiled())
    throw std::runtime_error(std::string(k_where) +
                             ": no CUDA back-end in this build (configured with NTRUN_CUDA=OFF "
                             "or without nvcc); use risk::portfolio_var with method "
                             "monte_carlo on the CPU, or rebuild with -DNTRUN_CUDA=ON");
  if (!device_present())
    throw std::runtime_error(std::string(k_where) + ": no usable CUDA device (" +
                             dtw::cuda::device_name() +
                             "); check risk::cuda::device_present() first, or use "
                             "risk::portfolio_var on the CPU");

  // Same loop as risk::portfolio_var, so the model's doubles match the CPU's.
  std::vector<double> loading(cols, 0.0);
  double drift = 0;
  for (std::size_t i = 0; i < cols; ++i) {
    drift += weights[i] * mu[i];
    for (std::size_t k = 0; k < cols; ++k) loading[k] += chol_lower[i * cols + k] * weights[i];
  }
  std::vector<double> out(static_cast<std::size_t>(sims));
  detail::backend_paths(loading.data(), cols, drift, static_cast<std::uint32_t>(horizon), seed,
                        out.data(), out.size());
  return out;
}

}  // namespace ntrun::compute::risk::cuda
