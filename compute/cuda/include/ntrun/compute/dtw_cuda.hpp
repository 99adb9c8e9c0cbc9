// The CUDA back-end of DTW batches: one query against K equal-length candidates on a GPU.
// Built when nvcc is found (NTRUN_HAVE_CUDA=1); otherwise the same API reports its absence.
//
// Results are bit-identical to dtw::reference::distance and dtw::batch: every cell of the
// recurrence is one subtraction, one abs (or one multiply), one exact min and one add, with
// no fused multiply-add, so no two correct implementations can round differently.
// Definitions, build options and limits: docs/cuda.md.
#pragma once

#include <cstddef>
#include <span>

#include "ntrun/compute/dtw.hpp"

namespace ntrun::compute::dtw::cuda {

/// True when this build contains the CUDA back-end (configured with nvcc found).
[[nodiscard]] bool compiled() noexcept;

/// True when a CUDA device can run the kernel now (driver, device and a matching kernel
/// image). Never throws; the answer for the current device is cached at the first call.
[[nodiscard]] bool device_present() noexcept;

/// Name of the device batch() runs on, or a sentence saying why there is none.
[[nodiscard]] const char* device_name() noexcept;

/// Distances of `query` against the K = candidates_flat.size() / length candidates stored
/// row-major (candidate k at [k*length, (k+1)*length)), written to out[0..K) in input order.
/// Throws std::invalid_argument for bad input (the rules of dtw.hpp: empty series, NaN/inf,
/// length 0 or not dividing the size, K = 0, out.size() != K, band < |n - length|), and
/// std::runtime_error when there is no back-end or device, or the device fails.
void batch(std::span<const double> query, std::span<const double> candidates_flat,
           std::size_t length, const options& opt, std::span<double> out);

namespace detail {
/// The kernel's own per-candidate code and memory layout run on the CPU, serially: lets the
/// tests check the device code path on machines without a GPU. Not a fast path. Same
/// validation and exceptions as batch().
void batch_on_host(std::span<const double> query, std::span<const double> candidates_flat,
                   std::size_t length, const options& opt, std::span<double> out);
}  // namespace detail

}  // namespace ntrun::compute::dtw::cuda
