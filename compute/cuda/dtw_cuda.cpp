// dtw::cuda front: argument checks shared by every build, dispatch to the back-end
// (dtw_cuda.cu or dtw_cuda_none.cpp), and the host emulation of the kernel.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dtw_cuda_kernel.hpp"
#include "ntrun/compute/dtw_cuda.hpp"

namespace ntrun::compute::dtw::cuda {
namespace {

[[noreturn]] void bad(const char* argument, const std::string& why) {
  throw std::invalid_argument("dtw::cuda::batch: bad '" + std::string(argument) +
                              "' argument: " + why);
}

[[nodiscard]] detail::job validate(std::span<const double> query,
                                   std::span<const double> candidates_flat, std::size_t length,
                                   const options& opt, std::span<double> out) {
  if (query.empty()) bad("query", "empty series");
  if (length == 0) bad("length", "must be > 0 (the length of every candidate)");
  if (candidates_flat.empty()) bad("candidates", "no candidates (K = 0)");
  if (candidates_flat.size() % length != 0) {
    bad("candidates", "size " + std::to_string(candidates_flat.size()) +
                          " is not a multiple of length " + std::to_string(length));
  }
  const std::size_t count = candidates_flat.size() / length;
  if (out.size() != count) {
    bad("out", "size " + std::to_string(out.size()) + ", expected K = " + std::to_string(count) +
                   " (one distance per candidate)");
  }
  if (opt.metric != cost::abs && opt.metric != cost::sq) {
    bad("metric", "unknown cost " + std::to_string(static_cast<int>(opt.metric)) +
                      " (use cost::abs or cost::sq)");
  }
  const std::size_t n = query.size();
  const std::size_t longest = n > length ? n : length;
  const std::size_t gap = n > length ? n - length : length - n;
  std::size_t band = longest;
  if (opt.band >= 0) {
    const auto w = static_cast<std::uint64_t>(opt.band);
    if (w < gap) {
      bad("band", std::to_string(opt.band) + " is narrower than |n - m| = " + std::to_string(gap) +
                      ": no warping path; use band >= |n - m|, or band < 0 for none");
    }
    if (w < longest) band = static_cast<std::size_t>(w);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(query[i])) {
      bad("query", "value at index " + std::to_string(i) + " is not finite (NaN or inf)");
    }
  }
  for (std::size_t i = 0; i < candidates_flat.size(); ++i) {
    if (!std::isfinite(candidates_flat[i])) {
      bad("candidates", "candidate " + std::to_string(i / length) + ", index " +
                            std::to_string(i % length) + " is not finite (NaN or inf)");
    }
  }
  return {.query = query.data(),
          .n = n,
          .candidates = candidates_flat.data(),
          .m = length,
          .count = count,
          .band = band,
          .sq = opt.metric == cost::sq,
          .out = out.data()};
}

}  // namespace

bool compiled() noexcept {
  return detail::backend_compiled();
}
bool device_present() noexcept {
  return detail::backend_device_present();
}
const char* device_name() noexcept {
  return detail::backend_device_name();
}

void batch(std::span<const double> query, std::span<const double> candidates_flat,
           std::size_t length, const options& opt, std::span<double> out) {
  const detail::job work = validate(query, candidates_flat, length, opt, out);
  if (!compiled()) {
    throw std::runtime_error(
        "dtw::cuda::batch: no CUDA back-end in this build (configured with NTRUN_CUDA=OFF or "
        "without nvcc); use dtw::batch on the CPU, or rebuild with -DNTRUN_CUDA=ON");
  }
  if (!device_present()) {
    throw std::runtime_error(std::string("dtw::cuda::batch: no usable CUDA device (") +
                             device_name() +
                             "); check dtw::cuda::device_present() first, or use dtw::batch");
  }
  detail::backend_batch(work);
}

namespace detail {
void batch_on_host(std::span<const double> query, std::span<const double> candidates_flat,
                   std::size_t length, const options& opt, std::span<double> out) {
  const job work = validate(query, candidates_flat, length, opt, out);
  // The device layout: one interleaved column for all candidates in flight.
  std::vector<double> columns(work.n * work.count);
  for (std::size_t k = 0; k < work.count; ++k) {
    work.out[k] = candidate_distance(work.query, work.n, work.candidates + k * work.m, work.m,
                                     work.band, work.sq, columns.data() + k, work.count);
  }
}
}  // namespace detail

}  // namespace ntrun::compute::dtw::cuda
