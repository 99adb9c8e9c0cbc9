// Benchmarks of the report: metrics, JSON and the table over a 40-year daily run.
// Budgets (end of a backtest, once per run): compute_metrics on 10k points + 1k trades
// < 200 us; write_json of the same < 10 ms; format_table < 100 us.
#include <benchmark/benchmark.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ntrun/report/json.hpp"
#include "ntrun/report/metrics.hpp"
#include "ntrun/report/report.hpp"

namespace {

using namespace ntrun;
using namespace ntrun::report;

run_record make_run(std::size_t points, std::size_t trades) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> step(-0.02, 0.021);
  run_record run{.initial_capital = 1e6};
  double equity = 1e6;
  for (std::size_t i = 0; i < points; ++i) {
    equity *= 1 + step(rng);
    run.equity.push_back({.ts = static_cast<ts_ns>(i) * ns_per_day,
                          .equity = equity,
                          .cash = equity * 0.4,
                          .gross_exposure = equity * 0.6,
                          .net_exposure = equity * 0.2});
  }
  for (std::size_t i = 0; i < trades; ++i) {
    run.trades.push_back({.symbol = static_cast<symbol_id>(i % 4),
                          .is_long = i % 3 != 0,
                          .entry_ts = static_cast<ts_ns>(i) * 10 * ns_per_day,
                          .exit_ts = static_cast<ts_ns>(i) * 10 * ns_per_day + 5 * ns_per_day,
                          .quantity = 100,
                          .entry_price = 50 + step(rng) * 100,
                          .exit_price = 50 + step(rng) * 100,
                          .pnl = step(rng) * 1e4,
                          .commission = 1.5});
  }
  run.traded_notional = 1e9;
  return run;
}

const std::vector<std::string> names{"AAPL", "MSFT", "GOOG", "AMZN"};

void bm_compute_metrics(benchmark::State& state) {
  const run_record run = make_run(static_cast<std::size_t>(state.range(0)), 1000);
  for (auto _ : state) benchmark::DoNotOptimize(compute_metrics(run));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_compute_metrics)->Arg(10'000)->Arg(100'000);

void bm_write_json(benchmark::State& state) {
  const run_record run = make_run(static_cast<std::size_t>(state.range(0)), 1000);
  const metrics m = compute_metrics(run);
  const report_meta meta{.version = "0.1.0", .bundle_name = "bench", .symbols = names};
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream os;
    write_json(os, run, m, meta, names);
    bytes = os.str().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}
BENCHMARK(bm_write_json)->Arg(10'000)->Unit(benchmark::kMillisecond);

void bm_format_table(benchmark::State& state) {
  const run_record run = make_run(10'000, 1000);
  const metrics m = compute_metrics(run);
  const report_meta meta{.version = "0.1.0",
                         .bundle_name = "bench",
                         .symbols = names,
                         .warnings = {"one warning", "another warning"}};
  for (auto _ : state) benchmark::DoNotOptimize(format_table(m, meta));
}
BENCHMARK(bm_format_table)->Unit(benchmark::kMicrosecond);

}  // namespace
