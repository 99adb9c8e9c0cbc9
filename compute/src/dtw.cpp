// DTW front-end: argument checks, run-time dispatch between the ISA kernels, thread-local
// workspaces, pair distance (plain and bounded) and the batch driver (SIMD blocks, oneTBB).
#include "ntrun/compute/dtw.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "dtw_kernels.hpp"

namespace ntrun::compute::dtw {
namespace detail {
namespace {

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

[[noreturn]] void throw_bad(const char* name, std::size_t item, const std::string& rule) {
  std::string msg = std::string("bad '") + name + "' argument: ";
  // Positions count from 1 in messages: they reach Lua users verbatim.
  if (item != not_an_item) msg += "candidate " + std::to_string(item + 1) + " (from 1): ";
  throw std::invalid_argument(msg + rule);
}

}  // namespace

void check_series(std::span<const double> s, const char* name, std::size_t item) {
  if (s.empty()) throw_bad(name, item, "must not be empty (got a series of length 0)");
  if (active_kernels().all_finite(s.data(), s.size())) [[likely]]
    return;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!std::isfinite(s[i]))
      throw_bad(name, item,
                "values must be finite (got " + format_number(s[i]) + " at position " +
                    std::to_string(i + 1) + ", counting from 1)");
  }
}

void check_options(const options& opt, std::size_t n, std::size_t m, std::size_t item) {
  if (opt.metric != cost::abs && opt.metric != cost::sq)
    throw_bad(
        "metric", not_an_item,
        "must be cost::abs or cost::sq (got " + std::to_string(static_cast<int>(opt.metric)) + ")");
  const std::size_t gap = n > m ? n - m : m - n;
  if (opt.band >= 0 && static_cast<std::uint64_t>(opt.band) < gap)
    throw_bad("band", item,
              "a band of " + std::to_string(opt.band) + " leaves no warping path between lengths " +
                  std::to_string(n) + " and " + std::to_string(m) +
                  "; use a band >= |n - m| = " + std::to_string(gap) + ", or no band");
}

void check_matrix_size(std::uint64_t cells, std::size_t n, std::size_t m) {
  if (cells > max_matrix_cells)
    throw_bad("b", not_an_item,
              "the " + std::to_string(n) + " x " + std::to_string(m) + " matrix has " +
                  std::to_string(cells) + " cells in the band, more than the " +
                  std::to_string(max_matrix_cells) + " a full matrix may hold; use a band");
}

std::size_t normalised_band(const options& opt, std::size_t n, std::size_t m) noexcept {
  const std::size_t none = std::max(n, m);
  if (opt.band < 0 || static_cast<std::uint64_t>(opt.band) >= none) return none;
  return static_cast<std::size_t>(opt.band);
}

std::uint64_t band_cells(std::size_t n, std::size_t m, std::size_t band) noexcept {
  std::uint64_t cells = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i > band ? i - band : 0;
    const std::size_t hi = std::min(m - 1, i + band);
    if (hi >= lo) cells += hi - lo + 1;
  }
  return cells;
}

// ---- dispatch ----
namespace {

const kernel_table& detected_kernels() noexcept {
  static const kernel_table& best = [&]() -> const kernel_table& {
    if (isa_supported(isa::avx512)) return avx512_kernels();
    if (isa_supported(isa::avx2)) return avx2_kernels();
    return scalar_kernels();
  }();
  return best;
}

std::atomic<const kernel_table*> forced{nullptr};
std::atomic<std::uint64_t> parallel_cells{default_parallel_min_cells};

}  // namespace

std::uint64_t parallel_min_cells() noexcept {
  return parallel_cells.load(std::memory_order_relaxed);
}
void set_parallel_min_cells(std::uint64_t cells) noexcept {
  parallel_cells.store(cells, std::memory_order_relaxed);
}

bool isa_supported(isa which) noexcept {
#if defined(__x86_64__)
  __builtin_cpu_init();
  switch (which) {
    case isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl");
    case isa::avx2:
      return __builtin_cpu_supports("avx2");
    case isa::scalar:
      return true;
  }
  return false;
#else
  return which == isa::scalar;
#endif
}

const kernel_table& active_kernels() noexcept {
  const kernel_table* f = forced.load(std::memory_order_acquire);
  return f != nullptr ? *f : detected_kernels();
}

bool force_isa(isa which) noexcept {
  if (!isa_supported(which)) return false;
  const kernel_table* table = which == isa::avx512 ? &avx512_kernels()
                              : which == isa::avx2 ? &avx2_kernels()
                                                   : &scalar_kernels();
  forced.store(table, std::memory_order_release);
  return true;
}

void reset_isa() noexcept {
  forced.store(nullptr, std::memory_order_release);
}

// ---- per-thread workspace: grows, never shrinks, so steady-state calls never allocate ----
namespace {

class workspace {
 public:
  double* get(std::size_t doubles) {
    if (doubles > capacity_) {
      const std::size_t want = std::max(doubles, capacity_ + capacity_ / 2);
      buf_.reset(static_cast<double*>(::operator new(want * sizeof(double), align)));
      capacity_ = want;
    }
    return buf_.get();
  }

 private:
  static constexpr std::align_val_t align{64};
  struct release {
    void operator()(double* p) const noexcept { ::operator delete(p, align); }
  };
  std::unique_ptr<double, release> buf_;
  std::size_t capacity_ = 0;
};

double* thread_workspace(std::size_t doubles) {
  thread_local workspace ws;
  return ws.get(doubles);
}

}  // namespace
}  // namespace detail

namespace {

using detail::kernel_table;

double finish(double acc, cost metric) noexcept {
  return metric == cost::sq ? std::sqrt(acc) : acc;
}

// Distances of the query to `count` candidates of one length m; cand(k) gives candidate k's
// data and slot(k) where its result goes. Blocks have fixed boundaries (multiples of the
// kernel's lanes), so the split and each candidate's arithmetic do not depend on threads.
template <class Cand, class Slot>
void run_uniform(const kernel_table& ker, const double* q, std::size_t n, std::size_t count,
                 std::size_t m, cost metric, std::size_t band, const Cand& cand, const Slot& slot,
                 double* out) {
  const std::size_t lanes = ker.block_lanes;
  const std::size_t full = count / lanes;
  const std::size_t tail = count % lanes;
  const bool tail_pairs = tail > 0 && tail <= detail::block_min_fill(ker, n, m, band);
  const std::size_t items = full + (tail_pairs ? tail : (tail > 0 ? 1 : 0));

  auto run_item = [&](std::size_t it) {
    if (it >= full && tail_pairs) {
      const std::size_t k = full * lanes + (it - full);
      double* ws = detail::thread_workspace(ker.pair_workspace(n, m));
      out[slot(k)] = finish(ker.pair(q, n, cand(k), m, metric, band, ws), metric);
      return;
    }
    const std::size_t first = it * lanes;
    const std::size_t got = std::min(lanes, count - first);
    const double* ptrs[detail::max_block_lanes];
    double res[detail::max_block_lanes];
    for (std::size_t s = 0; s < got; ++s) ptrs[s] = cand(first + s);
    double* ws = detail::thread_workspace(ker.block_workspace(m));
    ker.block(q, n, ptrs, got, m, metric, band, ws, res);
    for (std::size_t s = 0; s < got; ++s) out[slot(first + s)] = finish(res[s], metric);
  };

  const std::uint64_t cells = count * detail::band_cells(n, m, band);
  if (items >= 2 && cells >= detail::parallel_min_cells()) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, items),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t it = r.begin(); it != r.end(); ++it) run_item(it);
                      });
  } else {
    for (std::size_t it = 0; it < items; ++it) run_item(it);
  }
}

}  // namespace

double distance(std::span<const double> a, std::span<const double> b, const options& opt) {
  detail::check_series(a, "a");
  detail::check_series(b, "b");
  detail::check_options(opt, a.size(), b.size());
  const kernel_table& ker = detail::active_kernels();
  const std::size_t band = detail::normalised_band(opt, a.size(), b.size());
  double* ws = detail::thread_workspace(ker.pair_workspace(a.size(), b.size()));
  return finish(ker.pair(a.data(), a.size(), b.data(), b.size(), opt.metric, band, ws), opt.metric);
}

double distance_bounded(std::span<const double> a, std::span<const double> b, const options& opt,
                        double cutoff) {
  detail::check_series(a, "a");
  detail::check_series(b, "b");
  detail::check_options(opt, a.size(), b.size());
  if (std::isnan(cutoff))
    throw std::invalid_argument("bad 'cutoff' argument: must not be NaN (use +inf for no bound)");
  if (cutoff < 0) return infinity;
  if (cutoff == infinity) return distance(a, b, opt);  // nothing to abandon: the fastest kernel
  // The kernel abandons once a row's accumulated cost exceeds `limit`; for sq, limit is a
  // little above cutoff^2 so that abandoning implies sqrt(final) > cutoff despite rounding.
  double limit = cutoff;
  if (opt.metric == cost::sq)
    limit = std::max(cutoff * cutoff * (1 + 4 * DBL_EPSILON), 4 * DBL_MIN);
  const kernel_table& ker = detail::active_kernels();
  const std::size_t band = detail::normalised_band(opt, a.size(), b.size());
  double* ws = detail::thread_workspace(ker.pair_workspace(a.size(), b.size()));
  const double d =
      finish(ker.pair_bounded(a.data(), a.size(), b.data(), b.size(), opt.metric, band, limit, ws),
             opt.metric);
  return d <= cutoff ? d : infinity;
}

void batch(std::span<const double> query, std::span<const std::span<const double>> candidates,
           const options& opt, std::span<double> out) {
  detail::check_series(query, "query");
  if (candidates.empty())
    throw std::invalid_argument(
        "bad 'candidates' argument: must hold at least one series (got K = 0)");
  bool same_length = true;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    detail::check_series(candidates[k], "candidates", k);
    detail::check_options(opt, query.size(), candidates[k].size(), k);
    same_length = same_length && candidates[k].size() == candidates[0].size();
  }
  if (out.size() != candidates.size())
    throw std::invalid_argument("bad 'out' argument: size must equal the number of candidates " +
                                std::to_string(candidates.size()) + " (got " +
                                std::to_string(out.size()) + ")");

  const kernel_table& ker = detail::active_kernels();
  const std::size_t n = query.size();
  auto identity = [](std::size_t k) { return k; };
  if (same_length) {
    const std::size_t m = candidates[0].size();
    run_uniform(
        ker, query.data(), n, candidates.size(), m, opt.metric, detail::normalised_band(opt, n, m),
        [&](std::size_t k) { return candidates[k].data(); }, identity, out.data());
    return;
  }
  // Mixed lengths: runs of equal length in (length, index) order, each a uniform batch. The
  // order is a local (not a reused buffer): TBB may run another batch() on this thread while
  // run_uniform waits.
  std::vector<std::size_t> order(candidates.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const std::size_t lx = candidates[x].size(), ly = candidates[y].size();
    return lx != ly ? lx < ly : x < y;
  });
  for (std::size_t begin = 0; begin < order.size();) {
    const std::size_t m = candidates[order[begin]].size();
    std::size_t end = begin + 1;
    while (end < order.size() && candidates[order[end]].size() == m) ++end;
    const std::size_t* run = order.data() + begin;
    run_uniform(
        ker, query.data(), n, end - begin, m, opt.metric, detail::normalised_band(opt, n, m),
        [&](std::size_t k) { return candidates[run[k]].data(); },
        [&](std::size_t k) { return run[k]; }, out.data());
    begin = end;
  }
}

void batch_windows(std::span<const double> query, std::span<const double> series,
                   std::size_t window, std::size_t stride, const options& opt,
                   std::span<double> out) {
  detail::check_series(query, "query");
  detail::check_series(series, "series");
  if (window == 0) throw std::invalid_argument("bad 'window' argument: must be >= 1 (got 0)");
  if (window > series.size())
    throw std::invalid_argument("bad 'window' argument: must not exceed the series length " +
                                std::to_string(series.size()) + " (got " + std::to_string(window) +
                                ")");
  if (stride == 0) throw std::invalid_argument("bad 'stride' argument: must be >= 1 (got 0)");
  detail::check_options(opt, query.size(), window);
  const std::size_t count = num_windows(series.size(), window, stride);
  if (out.size() != count)
    throw std::invalid_argument("bad 'out' argument: size must equal num_windows(" +
                                std::to_string(series.size()) + ", " + std::to_string(window) +
                                ", " + std::to_string(stride) + ") = " + std::to_string(count) +
                                " (got " + std::to_string(out.size()) + ")");
  const double* base = series.data();
  run_uniform(
      detail::active_kernels(), query.data(), query.size(), count, window, opt.metric,
      detail::normalised_band(opt, query.size(), window),
      [&](std::size_t k) { return base + k * stride; }, [](std::size_t k) { return k; },
      out.data());
}

const char* kernel_name() noexcept {
  return detail::active_kernels().name;
}

}  // namespace ntrun::compute::dtw
