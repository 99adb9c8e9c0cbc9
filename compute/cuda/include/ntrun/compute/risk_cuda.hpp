// The CUDA back-end of Monte Carlo VaR paths: the horizon portfolio returns of the
// multivariate-normal model of risk.hpp, one GPU thread per path. Built when nvcc is found
// (NTRUN_HAVE_CUDA=1); otherwise the same API reports its absence. See docs/cuda.md.
//
// Same Philox4x32-10 streams as the CPU (compute/src/risk_mc.cpp): key = seed, counter =
// (path low 32 bits, path high 32 bits, step, block), Random123 boxmuller, the same order of
// draws and adds. The device's log/sincospi round differently from the CPU's, so paths agree
// to about 1e-15 relative, not bit for bit. Normal model only; Student-t stays on the CPU.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ntrun::compute::risk::cuda {

/// True when this build contains the CUDA back-end (configured with nvcc found).
[[nodiscard]] bool compiled() noexcept;

/// True when a CUDA device can run the risk kernel now (the DTW detection of dtw_cuda.hpp,
/// plus a loadable image of this kernel). Never throws; cached at the first call.
[[nodiscard]] bool device_present() noexcept;

/// Horizon returns of paths 0 .. sims-1 (index = path): each step draws z ~ N(0, I) and
/// returns r = w.mu + (F^T w).z, compounded over `horizon` steps (prod(1 + r) - 1).
/// `chol_lower` is the cols x cols factor F (row-major, F F^T = covariance; every entry is
/// used, so a repaired non-triangular factor works too); cols = mu.size() = weights.size().
/// Throws std::invalid_argument for bad input (empty, NaN/inf, size mismatches, sims outside
/// [1, 1e9], horizon outside [1, 2^31)), and std::runtime_error when there is no back-end or
/// device, or the device fails.
[[nodiscard]] std::vector<double> portfolio_paths(std::span<const double> mu,
                                                  std::span<const double> chol_lower,
                                                  std::span<const double> weights,
                                                  std::int64_t sims, std::int64_t horizon,
                                                  std::uint64_t seed);

}  // namespace ntrun::compute::risk::cuda
