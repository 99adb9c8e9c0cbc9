// Benchmarks of compute/indicators: per-update cost of each incremental indicator (the
// "per_update" counter), directly and through the C ABI, and whole-series throughput over
// 1e6 points.
//
// Budget: an FFI primitive call (indicator update) under 10 ns; the C++ update behind it
// should take a few ns. Updates run back to back on one object, so the figure is the
// dependency-chain latency a strategy sees, not a vectorised throughput.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "ntrun/compute/indicators.hpp"
#include "ntrun_ffi.h"

namespace nc = ntrun::compute;

namespace {

constexpr std::size_t k_batch = 4096;  // fits in L1 with the indicator state

std::vector<double> walk(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 0.001);
  std::vector<double> x(n);
  double p = 100;
  for (auto& v : x) v = p *= std::exp(step(rng));
  return x;
}

const std::vector<double>& batch() {
  static const std::vector<double> x = walk(k_batch, 1);
  return x;
}

// Inverted rate: CPU seconds per update, printed with an SI prefix ("4.2ns").
void per_update(benchmark::State& state) {
  state.counters["per_update"] =
      benchmark::Counter(static_cast<double>(state.iterations() * k_batch),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <class Indicator, class... Args>
void bm_update(benchmark::State& state, Args... args) {
  const std::vector<double>& x = batch();
  Indicator ind(args...);
  for (auto _ : state)
    for (const double v : x) benchmark::DoNotOptimize(ind.update(v));
  per_update(state);
}

void bm_sma(benchmark::State& s) {
  bm_update<nc::sma>(s, static_cast<int>(s.range(0)));
}
void bm_ema(benchmark::State& s) {
  bm_update<nc::ema>(s, static_cast<int>(s.range(0)));
}
void bm_rstd(benchmark::State& s) {
  bm_update<nc::rolling_std>(s, static_cast<int>(s.range(0)));
}
void bm_rsi(benchmark::State& s) {
  bm_update<nc::rsi>(s, static_cast<int>(s.range(0)));
}
void bm_macd(benchmark::State& s) {
  bm_update<nc::macd>(s, 12, 26, 9);
}
void bm_bbands(benchmark::State& s) {
  bm_update<nc::bollinger>(s, static_cast<int>(s.range(0)), 2.0);
}

void bm_rstd_zscore(benchmark::State& state) {
  const std::vector<double>& x = batch();
  nc::rolling_std ind(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (const double v : x) {
      ind.update(v);
      benchmark::DoNotOptimize(ind.zscore());
    }
  per_update(state);
}

void bm_atr(benchmark::State& state) {
  const std::vector<double>& x = batch();
  nc::atr ind(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (const double v : x) benchmark::DoNotOptimize(ind.update(v * 1.001, v * 0.999, v));
  per_update(state);
}

void bm_ols(benchmark::State& state) {
  const std::vector<double>& x = batch();
  nc::rolling_ols ind(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (std::size_t i = 0; i < k_batch; ++i)
      benchmark::DoNotOptimize(ind.update(x[i], x[k_batch - 1 - i]));
  per_update(state);
}

BENCHMARK(bm_sma)->Arg(20)->Arg(1000);
BENCHMARK(bm_ema)->Arg(20);
BENCHMARK(bm_rstd)->Arg(20)->Arg(1000);
BENCHMARK(bm_rstd_zscore)->Arg(20);
BENCHMARK(bm_rsi)->Arg(14);
BENCHMARK(bm_macd);
BENCHMARK(bm_bbands)->Arg(20);
BENCHMARK(bm_atr)->Arg(14);
BENCHMARK(bm_ols)->Arg(60);

// ---- the same updates through the C ABI (what a LuaJIT FFI call reaches) -----------------

void bm_ffi_sma(benchmark::State& state) {
  const std::vector<double>& x = batch();
  ntrun_sma_t* s = ntrun_ffi_sma_new(nullptr, 20);
  for (auto _ : state)
    for (const double v : x) benchmark::DoNotOptimize(ntrun_ffi_sma_update(s, v));
  per_update(state);
  ntrun_ffi_sma_free(nullptr, s);
}

void bm_ffi_rstd_zscore(benchmark::State& state) {
  const std::vector<double>& x = batch();
  ntrun_rstd_t* s = ntrun_ffi_rstd_new(nullptr, 20);
  for (auto _ : state)
    for (const double v : x) {
      benchmark::DoNotOptimize(ntrun_ffi_rstd_update(s, v));
      benchmark::DoNotOptimize(ntrun_ffi_rstd_zscore(s));
    }
  per_update(state);
  ntrun_ffi_rstd_free(nullptr, s);
}

void bm_ffi_rsi(benchmark::State& state) {
  const std::vector<double>& x = batch();
  ntrun_rsi_t* s = ntrun_ffi_rsi_new(nullptr, 14);
  for (auto _ : state)
    for (const double v : x) benchmark::DoNotOptimize(ntrun_ffi_rsi_update(s, v));
  per_update(state);
  ntrun_ffi_rsi_free(nullptr, s);
}

void bm_ffi_macd(benchmark::State& state) {
  const std::vector<double>& x = batch();
  ntrun_macd_t* s = ntrun_ffi_macd_new(nullptr, 12, 26, 9);
  ntrun_macd_out_t out{};
  for (auto _ : state)
    for (const double v : x) {
      ntrun_ffi_macd_update(s, v, &out);
      benchmark::DoNotOptimize(out);
    }
  per_update(state);
  ntrun_ffi_macd_free(nullptr, s);
}

void bm_ffi_ols(benchmark::State& state) {
  const std::vector<double>& x = batch();
  ntrun_ols_t* s = ntrun_ffi_ols_new(nullptr, 60);
  ntrun_ols_out_t out{};
  for (auto _ : state)
    for (std::size_t i = 0; i < k_batch; ++i) {
      ntrun_ffi_ols_update(s, x[i], x[k_batch - 1 - i], &out);
      benchmark::DoNotOptimize(out);
    }
  per_update(state);
  ntrun_ffi_ols_free(nullptr, s);
}

BENCHMARK(bm_ffi_sma);
BENCHMARK(bm_ffi_rstd_zscore);
BENCHMARK(bm_ffi_rsi);
BENCHMARK(bm_ffi_macd);
BENCHMARK(bm_ffi_ols);

// ---- whole series over 1e6 points ---------------------------------------------------------

constexpr std::size_t k_series = 1'000'000;

const std::vector<double>& series() {
  static const std::vector<double> x = walk(k_series, 2);
  return x;
}

template <class F>
void bm_series(benchmark::State& state, F&& run) {
  const std::vector<double>& x = series();
  std::vector<double> a(k_series), b(k_series), c(k_series);
  for (auto _ : state) {
    run(x, a, b, c);
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * k_series));
}

using cvec = const std::vector<double>;
using mvec = std::vector<double>;

void bm_sma_series(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::sma_series(x, 20, a); });
}
void bm_ema_series(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::ema_series(x, 20, a); });
}
void bm_rstd_series(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::rolling_std_series(x, 20, a); });
}
void bm_zscore_series(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::zscore_series(x, 20, a); });
}
void bm_rsi_series(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::rsi_series(x, 14, a); });
}
void bm_macd_series(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec& b, mvec& c) { nc::macd_series(x, 12, 26, 9, a, b, c); });
}
void bm_bbands_series(benchmark::State& s) {
  bm_series(s,
            [](cvec& x, mvec& a, mvec& b, mvec& c) { nc::bollinger_series(x, 20, 2.0, a, b, c); });
}
void bm_atr_series(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::atr_series(x, x, x, 14, a); });
}
void bm_ols_series(benchmark::State& s) {
  bm_series(s,
            [](cvec& x, mvec& a, mvec& b, mvec& c) { nc::rolling_ols_series(x, x, 60, a, b, c); });
}
void bm_log_returns(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::log_returns(x, a); });
}
void bm_pct_returns(benchmark::State& s) {
  bm_series(s, [](cvec& x, mvec& a, mvec&, mvec&) { nc::pct_returns(x, a); });
}

BENCHMARK(bm_sma_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_ema_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_rstd_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_zscore_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_rsi_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_macd_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_bbands_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_atr_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_ols_series)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_log_returns)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_pct_returns)->Unit(benchmark::kMillisecond);

}  // namespace
