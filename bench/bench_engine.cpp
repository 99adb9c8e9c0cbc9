// Backtest throughput with Lua strategies over generated bars (no CSV: ingest is measured in
// bench_csv), the host->Lua callback cost, the order path through Lua, an FFI primitive call,
// and peak memory against the bar count.
//
// Budgets (issue 2):
//   - SMA-crossover strategy with simulated fills over >= 10M bars: >= 5M bars/s, one core.
//   - Empty on_bar: >= 10M bars/s. Report the host->Lua callback cost per bar.
//   - Peak RSS for 10M bars streamed within 50 MB of that for 1M bars.
//   - Order path in-process (submit -> checks -> venue -> on_order_filled): under 1 us.
//   - The same with brackets (issue 8: bracket -> checks -> venue -> its events back to Lua):
//     under 1.5 us per bracket; `bracket_every_bar` reports orders (3 per bracket).
//   - An FFI primitive call from Lua (an indicator update): under 10 ns.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cmath>
#include <memory>
#include <string>

#include "ntrun/backtest/engine.hpp"
#include "ntrun/host/backtest_run.hpp"
#include "ntrun/host/bundle.hpp"
#include "ntrun/host/lua_vm.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace {

/// A random walk of one symbol, one bar a minute, generated on the fly (no memory growth).
class random_walk final : public ntrun::backtest::bar_source {
 public:
  explicit random_walk(std::int64_t n) : n_(n) {}
  std::optional<ntrun::ts_ns> peek_ts() override {
    if (i_ >= n_) return std::nullopt;
    return t0_ + i_ * 60 * ntrun::ns_per_second;
  }
  bool next(ntrun::bar& out) override {
    if (i_ >= n_) return false;
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state_ >> 11) * 0x1.0p-53 - 0.5;
    const double open = price_;
    price_ = std::max(1.0, price_ * (1.0 + 0.002 * u));
    out = ntrun::bar{.ts_event = t0_ + i_ * 60 * ntrun::ns_per_second,
                     .ts_init = 0,
                     .sid = 0,
                     .open = open,
                     .high = std::max(open, price_) * 1.0005,
                     .low = std::min(open, price_) * 0.9995,
                     .close = price_,
                     .volume = 1000};
    out.ts_init = out.ts_event;
    ++i_;
    return true;
  }

 private:
  std::int64_t n_;
  std::int64_t i_ = 0;
  ntrun::ts_ns t0_ = 946684800LL * ntrun::ns_per_second;  // 2000-01-01
  std::uint64_t state_ = 42;
  double price_ = 100;
};

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

ntrun::host::run_result run_bundle(const char* name, std::int64_t bars, bool trusted = false) {
  ntrun::host::lua_vm vm;
  const auto b =
      ntrun::host::load_bundle(vm, std::string(NTRUN_SOURCE_DIR "/bench/bundles/") + name);
  ntrun::host::run_options opts;
  opts.quiet = true;
  opts.allow_trusted = trusted;  // the sandbox's cost: the same run without it
  return ntrun::host::run_bundle(b, {"X"}, std::make_unique<random_walk>(bars), opts);
}

void bench_bundle(benchmark::State& state, const char* name, bool trusted = false) {
  const std::int64_t bars = state.range(0);
  std::int64_t fills = 0, orders = 0;
  for (auto _ : state) {
    auto r = run_bundle(name, bars, trusted);
    if (r.exit_code != 0) {
      state.SkipWithError(r.errors.empty() ? "run failed" : r.errors.front().c_str());
      return;
    }
    fills = r.record.num_fills;
    orders = r.record.num_orders;
  }
  state.counters["orders"] = static_cast<double>(orders);
  state.SetItemsProcessed(state.iterations() * bars);
  state.counters["fills"] = static_cast<double>(fills);
  state.counters["ns_per_bar"] =
      benchmark::Counter(static_cast<double>(state.iterations() * bars),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

/// The engine alone, driven from C++ (no Lua): the floor under the Lua runs.
void BM_engine_no_lua(benchmark::State& state) {
  const std::int64_t bars = state.range(0);
  for (auto _ : state) {
    ntrun::backtest::engine eng({.symbols = {"X"}, .capital = 1e12, .history_capacity = 64},
                                std::make_unique<random_walk>(bars));
    std::int64_t n = 0;
    while (eng.next(0) != ntrun::backtest::event_kind::end) ++n;
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * bars);
  state.counters["ns_per_bar"] =
      benchmark::Counter(static_cast<double>(state.iterations() * bars),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_empty_on_bar(benchmark::State& state) {
  bench_bundle(state, "empty_bar");
}
void BM_sma_cross(benchmark::State& state) {
  bench_bundle(state, "sma_cross");
}
/// The same strategy trusted (ntrun run --trusted): no watchdog, no memory cap, no sandbox
/// environment. The sandbox's cost is BM_sma_cross over this.
void BM_sma_cross_trusted(benchmark::State& state) {
  bench_bundle(state, "sma_cross", true);
}
void BM_order_every_bar(benchmark::State& state) {
  bench_bundle(state, "order_every_bar");
}
void BM_bracket_every_bar(benchmark::State& state) {
  bench_bundle(state, "bracket_every_bar");
}

/// Lua loop of n FFI calls (sma:update) against the same loop doing plain arithmetic; the
/// difference per iteration is the cost of the call. Timed inside Lua with os.clock.
void BM_ffi_indicator_update(benchmark::State& state) {
  ntrun::host::lua_vm vm;
  lua_State* L = vm.state();
  static constexpr const char* code = R"(
    local nt = require "nt"
    local n = ...
    local s = nt.ind.sma(20)
    local x, acc = 100.0, 0.0
    local t0 = os.clock()
    for i = 1, n do x = x + 0.001; acc = acc + x * 0.5 end
    local t1 = os.clock()
    for i = 1, n do x = x + 0.001; acc = acc + s:update(x) end
    local t2 = os.clock()
    return (t2 - t1) / n * 1e9, (t1 - t0) / n * 1e9, acc
  )";
  double with_call = 0, baseline = 0;
  for (auto _ : state) {
    if (luaL_loadstring(L, code) != 0) {
      state.SkipWithError(lua_tostring(L, -1));
      return;
    }
    lua_pushinteger(L, static_cast<lua_Integer>(state.range(0)));
    if (auto err = vm.pcall(1, 3)) {
      state.SkipWithError(err->c_str());
      return;
    }
    with_call = lua_tonumber(L, -3);
    baseline = lua_tonumber(L, -2);
    lua_pop(L, 3);
  }
  state.counters["ns_per_update"] = with_call;
  state.counters["ns_loop_baseline"] = baseline;
  state.counters["ns_ffi_call"] = with_call - baseline;
}

}  // namespace

BENCHMARK(BM_engine_no_lua)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_empty_on_bar)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
// 1M first, then 10M: peak_rss_mb is the process peak, so the growth between them is what
// streaming ten times more bars costs.
BENCHMARK(BM_sma_cross)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_sma_cross_trusted)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_order_every_bar)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_bracket_every_bar)->Arg(1'000'000)->Arg(20'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_ffi_indicator_update)->Arg(50'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
