// Benchmarks of compute/dtw on random-walk float64 data. Each reports "cells_per_s" (DTW cells
// in the band per wall-clock second) and "x_ref", that rate over the scalar full-matrix
// reference's, measured in the same run on the same shapes.
//
// Budgets (issue 3, this 2-core Zen 4 machine, AVX-512 dispatch):
//   BM_batch/full/threads:1      1 query (100) x 10,000 candidates (100), full window  <= 12 ms
//   BM_batch/full/threads:2      the same on two cores                                 <=  8 ms
//   BM_batch/band10/threads:2    the same with band 10 on two cores                    <=  2 ms
//   BM_pair/1000                 one pair of length 1,000, full window                 <= 0.5 ms
// BM_batch_isa runs the first task on each dispatch path the CPU has (scalar, avx2, avx512).
// BM_threshold places detail::default_parallel_min_cells: K pairs of 100 x 100 serially and
// on two threads (threshold forced to 0); oneTBB pays from the K where two threads win.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <vector>

#include "../compute/src/dtw_kernels.hpp"
#include "ntrun/compute/dtw.hpp"

namespace dtw = ntrun::compute::dtw;
using clock_type = std::chrono::steady_clock;

namespace {

std::vector<double> walk(std::size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> step(0.0, 1.0);
  std::vector<double> x(n);
  double p = 0;
  for (auto& v : x) v = p += step(rng);
  return x;
}

struct data_set {
  std::vector<double> query;
  std::vector<std::vector<double>> cands;
  std::vector<std::span<const double>> views;
};

const data_set& batch_data() {
  static const data_set d = [] {
    std::mt19937_64 rng(1);
    data_set s;
    s.query = walk(100, rng);
    for (int k = 0; k < 10'000; ++k) s.cands.push_back(walk(100, rng));
    s.views.assign(s.cands.begin(), s.cands.end());
    return s;
  }();
  return d;
}

std::uint64_t cells_of(std::size_t n, std::size_t m, std::int64_t band) {
  const dtw::options opt{.band = band};
  return dtw::detail::band_cells(n, m, dtw::detail::normalised_band(opt, n, m));
}

// Cells per second of the scalar reference on n x n pairs (random walks), once per shape.
double reference_rate(std::size_t n, std::int64_t band) {
  static std::map<std::pair<std::size_t, std::int64_t>, double> rates;
  auto it = rates.find({n, band});
  if (it != rates.end()) return it->second;
  std::mt19937_64 rng(99);
  const auto a = walk(n, rng), b = walk(n, rng);
  const std::size_t reps = std::max<std::size_t>(3, 2'000'000 / (n * n));
  double best = 1e300, sink = 0;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = clock_type::now();
    for (std::size_t r = 0; r < reps; ++r) sink += dtw::reference::distance(a, b, {.band = band});
    best = std::min(best, std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  benchmark::DoNotOptimize(sink);
  const double rate = static_cast<double>(reps * cells_of(n, n, band)) / best;
  rates[{n, band}] = rate;
  return rate;
}

// Runs `body` under the benchmark loop and reports the wall-clock cell rate and x_ref.
template <class F>
void timed(benchmark::State& state, double cells_per_call, double ref_rate, F body) {
  const auto t0 = clock_type::now();
  for (auto _ : state) body();
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  const double rate = cells_per_call * static_cast<double>(state.iterations()) / secs;
  state.counters["cells_per_s"] = rate;
  state.counters["x_ref"] = rate / ref_rate;
}

// One query against 10,000 candidates; range(0) = band (-1: none), range(1) = threads.
void BM_batch(benchmark::State& state) {
  const data_set& d = batch_data();
  const dtw::options opt{.band = state.range(0)};
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(state.range(1)));
  std::vector<double> out(d.cands.size());
  timed(state, static_cast<double>(d.cands.size() * cells_of(100, 100, opt.band)),
        reference_rate(100, opt.band), [&] {
          dtw::batch(d.query, d.views, opt, out);
          benchmark::DoNotOptimize(out.data());
        });
  state.SetLabel(dtw::kernel_name());
}
BENCHMARK(BM_batch)
    ->Name("BM_batch/full/threads:1")
    ->Args({-1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_batch)
    ->Name("BM_batch/full/threads:2")
    ->Args({-1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_batch)
    ->Name("BM_batch/band10/threads:1")
    ->Args({10, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_batch)
    ->Name("BM_batch/band10/threads:2")
    ->Args({10, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The first task (full window, one thread) on dispatch path range(0): 0 scalar, 1 avx2,
// 2 avx512.
void BM_batch_isa(benchmark::State& state) {
  const auto which = static_cast<dtw::detail::isa>(state.range(0));
  if (!dtw::detail::force_isa(which)) {
    state.SkipWithError("this CPU lacks the instruction set");
    return;
  }
  const data_set& d = batch_data();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
  std::vector<double> out(d.cands.size());
  timed(state, 1e8, reference_rate(100, -1), [&] {
    dtw::batch(d.query, d.views, {}, out);
    benchmark::DoNotOptimize(out.data());
  });
  state.SetLabel(dtw::kernel_name());
  dtw::detail::reset_isa();
}
BENCHMARK(BM_batch_isa)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same through batch_windows over a 10,099-point series (stride 1, 10,000 windows).
void BM_batch_windows(benchmark::State& state) {
  std::mt19937_64 rng(2);
  const auto q = walk(100, rng);
  const auto s = walk(10'099, rng);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(state.range(0)));
  std::vector<double> out(dtw::num_windows(s.size(), 100, 1));
  timed(state, 1e8, reference_rate(100, -1), [&] {
    dtw::batch_windows(q, s, 100, 1, {}, out);
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(BM_batch_windows)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One pair of length range(0), band range(1): anti-diagonals when wide, row tiles when narrow.
void BM_pair(benchmark::State& state) {
  std::mt19937_64 rng(3);
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::int64_t band = state.range(1);
  const auto a = walk(n, rng), b = walk(n, rng);
  timed(state, static_cast<double>(cells_of(n, n, band)), reference_rate(n, band),
        [&] { benchmark::DoNotOptimize(dtw::distance(a, b, {.band = band})); });
  state.SetLabel(dtw::kernel_name());
}
BENCHMARK(BM_pair)->Name("BM_pair/1000")->Args({1000, -1})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pair)
    ->ArgNames({"n", "band"})
    ->Args({100, -1})
    ->Args({4000, -1})
    ->Args({1000, 100})
    ->Args({1000, 10})
    ->Args({128, 6})
    ->Unit(benchmark::kMicrosecond);

// The bounded pair with a cutoff it never reaches (row tiles, every row computed).
void BM_pair_bounded(benchmark::State& state) {
  std::mt19937_64 rng(4);
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::int64_t band = state.range(1);
  const auto a = walk(n, rng), b = walk(n, rng);
  timed(state, static_cast<double>(cells_of(n, n, band)), reference_rate(n, band),
        [&] { benchmark::DoNotOptimize(dtw::distance_bounded(a, b, {.band = band}, 1e300)); });
}
BENCHMARK(BM_pair_bounded)
    ->ArgNames({"n", "band"})
    ->Args({128, 6})
    ->Args({1000, -1})
    ->Unit(benchmark::kMicrosecond);

// The scalar reference itself: 100 pairs of 100 x 100 (so x_ref of a batch is a ratio of rates).
void BM_reference(benchmark::State& state) {
  const data_set& d = batch_data();
  const dtw::options opt{.band = state.range(0)};
  timed(state, 100.0 * static_cast<double>(cells_of(100, 100, opt.band)),
        reference_rate(100, opt.band), [&] {
          for (std::size_t k = 0; k < 100; ++k)
            benchmark::DoNotOptimize(dtw::reference::distance(d.query, d.cands[k], opt));
        });
}
BENCHMARK(BM_reference)->ArgName("band")->Arg(-1)->Arg(10)->Unit(benchmark::kMillisecond);

// 64 pairs (four AVX-512 blocks) of n x n, n = range(0), full window, on range(1) threads with
// TBB forced on: where two threads start to win, in cells, is the parallel threshold.
void BM_threshold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(5);
  const auto q = walk(n, rng);
  std::vector<std::vector<double>> cands;
  for (int k = 0; k < 64; ++k) cands.push_back(walk(n, rng));
  const std::vector<std::span<const double>> views(cands.begin(), cands.end());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(state.range(1)));
  dtw::detail::set_parallel_min_cells(0);
  std::vector<double> out(cands.size());
  timed(state, static_cast<double>(64 * n * n), reference_rate(n, -1), [&] {
    dtw::batch(q, views, {}, out);
    benchmark::DoNotOptimize(out.data());
  });
  dtw::detail::set_parallel_min_cells(dtw::detail::default_parallel_min_cells);
  state.counters["cells"] = static_cast<double>(64 * n * n);
}
BENCHMARK(BM_threshold)
    ->ArgNames({"n", "threads"})
    ->ArgsProduct({{8, 12, 16, 24, 32, 48, 64}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
