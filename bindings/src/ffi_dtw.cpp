// C ABI over compute/dtw: distance, path, batch, windows, knn and subsequence search.
// Errors become NTRUN_EINVAL with compute's message (which names the argument) copied into
// the caller's buffer.
#include <algorithm>
#include <span>
#include <stdexcept>
#include <vector>

#include "ntrun/compute/dtw.hpp"
#include "ntrun/compute/dtw_search.hpp"
#include "ffi_guard.hpp"
#include "ntrun_ffi.h"

namespace dtw = ntrun::compute::dtw;

namespace {

using ntrun::bindings::guarded;
using ntrun::bindings::input_span;

dtw::options to_options(const ntrun_dtw_opts_t* o) {
  if (!o) return {};
  if (o->cost != NTRUN_DTW_ABS && o->cost != NTRUN_DTW_SQ) {
    throw std::invalid_argument("bad 'cost' argument: must be abs or sq");
  }
  return {.metric = o->cost == NTRUN_DTW_SQ ? dtw::cost::sq : dtw::cost::abs, .band = o->band};
}

dtw::search_options to_search_options(const ntrun_dtw_opts_t* o) {
  if (!o) return {};
  if (o->k < 1) throw std::invalid_argument("bad 'k' argument: must be >= 1");
  if (o->exclusion < 0) throw std::invalid_argument("bad 'exclusion' argument: must be >= 0");
  return {.k = static_cast<std::size_t>(o->k),
          .dtw = to_options(o),
          .znorm = o->znorm != 0,
          .exclusion = static_cast<std::size_t>(o->exclusion),
          .prune = o->prune != 0};
}

/// The candidates as spans, in a per-thread vector reused across calls (no allocation on the
/// fast path: the Lua call overhead budget is under 100 ns).
std::span<const std::span<const double>> candidate_spans(const double* const* candidates,
                                                         const int64_t* lengths, int64_t count) {
  if (count < 0 || (count > 0 && (!candidates || !lengths))) {
    throw std::invalid_argument("bad 'candidates' argument: no data");
  }
  thread_local std::vector<std::span<const double>> spans;
  spans.clear();
  for (int64_t k = 0; k < count; ++k) spans.push_back(input_span(candidates[k], lengths[k], "candidates"));
  return spans;
}

void copy_matches(const std::vector<dtw::neighbour>& found, ntrun_dtw_match_t* out, int64_t cap,
                  int64_t* written) {
  if (cap < 0 || (cap > 0 && !out) || !written) throw std::invalid_argument("bad 'out' argument");
  const auto n = std::min<std::size_t>(found.size(), static_cast<std::size_t>(cap));
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {.index = static_cast<int64_t>(found[i].index), .distance = found[i].distance};
  }
  *written = static_cast<int64_t>(n);
}

}  // namespace

extern "C" {

int32_t ntrun_ffi_dtw_distance(const double* a, int64_t n, const double* b, int64_t m,
                               const ntrun_dtw_opts_t* opts, double* out, char* err,
                               size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    if (!out) throw std::invalid_argument("bad 'out' argument");
    *out = dtw::distance(input_span(a, n, "a"), input_span(b, m, "b"), to_options(opts));
  });
}

int32_t ntrun_ffi_dtw_path(const double* a, int64_t n, const double* b, int64_t m,
                           const ntrun_dtw_opts_t* opts, int64_t* pairs, int64_t cap,
                           int64_t* len, double* distance, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    if (!len || cap < 0 || (cap > 0 && !pairs)) throw std::invalid_argument("bad 'out' argument");
    double d = 0;
    const auto p = dtw::path(input_span(a, n, "a"), input_span(b, m, "b"), to_options(opts), &d);
    if (static_cast<int64_t>(p.size()) > cap) {
      throw std::invalid_argument("bad 'cap' argument: the path has more pairs than room");
    }
    for (std::size_t i = 0; i < p.size(); ++i) {
      pairs[2 * i] = p[i].first;
      pairs[2 * i + 1] = p[i].second;
    }
    *len = static_cast<int64_t>(p.size());
    if (distance) *distance = d;
  });
}

int32_t ntrun_ffi_dtw_batch(const double* query, int64_t n, const double* const* candidates,
                            const int64_t* lengths, int64_t count, const ntrun_dtw_opts_t* opts,
                            double* out, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    const auto c = candidate_spans(candidates, lengths, count);
    if (count > 0 && !out) throw std::invalid_argument("bad 'out' argument");
    dtw::batch(input_span(query, n, "query"), c, to_options(opts),
               {out, static_cast<std::size_t>(count)});
  });
}

int32_t ntrun_ffi_dtw_batch_windows(const double* query, int64_t n, const double* s, int64_t len,
                                    int64_t window, int64_t stride, const ntrun_dtw_opts_t* opts,
                                    double* out, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    if (window < 1) throw std::invalid_argument("bad 'window' argument: must be >= 1");
    if (stride < 1) throw std::invalid_argument("bad 'stride' argument: must be >= 1");
    const auto sv = input_span(s, len, "series");
    const std::size_t k = dtw::num_windows(sv.size(), static_cast<std::size_t>(window),
                                           static_cast<std::size_t>(stride));
    if (k > 0 && !out) throw std::invalid_argument("bad 'out' argument");
    dtw::batch_windows(input_span(query, n, "query"), sv, static_cast<std::size_t>(window),
                       static_cast<std::size_t>(stride), to_options(opts), {out, k});
  });
}

int32_t ntrun_ffi_dtw_knn(const double* query, int64_t n, const double* const* candidates,
                          const int64_t* lengths, int64_t count, const ntrun_dtw_opts_t* opts,
                          ntrun_dtw_match_t* out, int64_t cap, int64_t* written, char* err,
                          size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    const auto c = candidate_spans(candidates, lengths, count);
    copy_matches(dtw::knn(input_span(query, n, "query"), c, to_search_options(opts)), out, cap,
                 written);
  });
}

int32_t ntrun_ffi_dtw_search(const double* query, int64_t n, const double* s, int64_t len,
                             const ntrun_dtw_opts_t* opts, ntrun_dtw_match_t* out, int64_t cap,
                             int64_t* written, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    copy_matches(
        dtw::search(input_span(query, n, "query"), input_span(s, len, "series"), to_search_options(opts)),
        out, cap, written);
  });
}

const char* ntrun_ffi_dtw_kernel(void) noexcept { return dtw::kernel_name(); }

}  // extern "C"
