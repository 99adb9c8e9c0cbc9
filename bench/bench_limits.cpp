// Budget: a pre-trade limit check <= 50 ns with every limit on except the VaR (per-symbol
// position and notional tables, gross and net exposure, buying power, circuit breaker, rate
// window). With the VaR limit on (historical, 250 returns, post-trade portfolio) <= 2 us for a
// few held symbols; reported against a full-sort reference of the same VaR in the same run.
// Also the breaker's per-timestamp update. Run with --benchmark_repetitions=5 for the median.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "ntrun/market/checks.hpp"
#include "ntrun/market/portfolio.hpp"

using namespace ntrun;
using namespace ntrun::market;

namespace {

constexpr std::size_t num_symbols = 30;

/// A portfolio holding `held` of the 30 symbols (alternately long and short), marked near 100.
portfolio make_portfolio(std::size_t held) {
  portfolio pf({.initial_cash = 1e7, .num_symbols = num_symbols});
  for (std::size_t s = 0; s < num_symbols; ++s) {
    const auto sid = static_cast<symbol_id>(s);
    const double price = 100 + static_cast<double>(s);
    if (s < held) {
      pf.apply(fill{.symbol = sid,
                    .side = s % 2 == 0 ? order_side::buy : order_side::sell,
                    .quantity = 100,
                    .price = price});
    }
    pf.mark(sid, price);
  }
  return pf;
}

check_config all_limits(double var_limit, std::uint32_t var_window) {
  return check_config{
      .max_position = 1e6,
      .max_order_notional = 1e7,
      .max_orders_per_second = 1'000'000,
      .allow_short = true,
      .max_leverage = 4,
      .max_notional = 0,
      .max_position_by_symbol = std::vector<double>(num_symbols, 1e6),
      .max_notional_by_symbol = std::vector<double>(num_symbols, 1e8),
      .max_gross_exposure = 3,
      .max_net_exposure = 2,
      .breaker = {.loss = 0.05,
                  .window = 300 * ns_per_second,
                  .max_drawdown = 0.15,
                  .cooldown = 3600 * ns_per_second},
      .var = {.limit = var_limit, .confidence = 0.99, .window = var_window},
  };
}

/// Deterministic returns: every symbol gets var_window + 1 closes of a bounded random walk.
void feed_closes(pre_trade_checks& c, std::uint32_t window) {
  std::uint64_t seed = 42;
  for (std::size_t s = 0; s < num_symbols; ++s) {
    double price = 100 + static_cast<double>(s);
    for (std::uint32_t i = 0; i <= window; ++i) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      price *= 1 + (static_cast<double>(seed >> 11) / 9007199254740992.0 - 0.5) * 0.04;
      c.on_close(static_cast<symbol_id>(s), price);
    }
  }
}

void run_checks(benchmark::State& state, double var_limit, std::uint32_t window, std::size_t held) {
  const portfolio pf = make_portfolio(held);
  pre_trade_checks c(all_limits(var_limit, window), num_symbols);
  feed_closes(c, window);
  (void)c.on_equity(0, pf.equity());
  order_request req{.symbol = 0, .side = order_side::buy, .quantity = 10};
  ts_ns now = 0;
  std::int64_t refused = 0;
  for (auto _ : state) {
    now += 1'000'000;  // 1 ms of simulated time: the rate window stays below its cap
    const char* why = c.check(req, pf, 100, now);
    refused += why != nullptr;
    benchmark::DoNotOptimize(why);
  }
  state.counters["refused"] = static_cast<double>(refused);
}

void bm_check_all_limits_var_off(benchmark::State& state) {
  run_checks(state, 0, 250, static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(bm_check_all_limits_var_off)->Arg(4)->Arg(30);

void bm_check_all_limits_var_on(benchmark::State& state) {
  run_checks(state, 0.5, static_cast<std::uint32_t>(state.range(0)),
             static_cast<std::size_t>(state.range(1)));
}
BENCHMARK(bm_check_all_limits_var_on)
    ->Args({250, 1})
    ->Args({250, 4})
    ->Args({250, 30})
    ->Args({1000, 4});

/// The scalar reference of the VaR part: scenario P&L then a full sort, not a selection.
void bm_var_reference_sort(benchmark::State& state) {
  const auto window = static_cast<std::uint32_t>(state.range(0));
  const auto held = static_cast<std::size_t>(state.range(1));
  const portfolio pf = make_portfolio(held);
  // Returns as the checks keep them, rebuilt here as plain per-symbol vectors.
  std::vector<std::vector<double>> rets(num_symbols);
  std::uint64_t seed = 42;
  for (std::size_t s = 0; s < num_symbols; ++s) {
    double price = 100 + static_cast<double>(s);
    for (std::uint32_t i = 0; i <= window; ++i) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const double next =
          price * (1 + (static_cast<double>(seed >> 11) / 9007199254740992.0 - 0.5) * 0.04);
      if (i > 0) rets[s].push_back(next / price - 1);
      price = next;
    }
  }
  std::vector<double> pnl(window);
  for (auto _ : state) {
    std::fill(pnl.begin(), pnl.end(), 0.0);
    for (std::size_t s = 0; s < num_symbols; ++s) {
      const position_view p = pf.position(static_cast<symbol_id>(s));
      const double q = p.qty + (s == 0 ? 10.0 : 0.0);
      if (q == 0) continue;
      const double x = p.qty * p.last_price + (s == 0 ? 10.0 * 100 : 0.0);
      for (std::size_t k = 0; k < window; ++k) pnl[k] += x * rets[s][k];
    }
    std::vector<double> losses(pnl.size());
    for (std::size_t k = 0; k < pnl.size(); ++k) losses[k] = -pnl[k];
    std::sort(losses.begin(), losses.end());
    benchmark::DoNotOptimize(losses[static_cast<std::size_t>(0.99 * window + 0.5) - 1]);
  }
}
BENCHMARK(bm_var_reference_sort)->Args({250, 1})->Args({250, 4})->Args({250, 30})->Args({1000, 4});

/// The breaker's update after each timestamp's bars (loss window of 300 one-second points).
void bm_breaker_on_equity(benchmark::State& state) {
  circuit_breaker b({.loss = 0.5,
                     .window = 300 * ns_per_second,
                     .max_drawdown = 0.9,
                     .cooldown = 3600 * ns_per_second});
  ts_ns now = 0;
  double equity = 1e6;
  std::uint64_t seed = 7;
  for (auto _ : state) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    equity *= 1 + (static_cast<double>(seed >> 11) / 9007199254740992.0 - 0.5) * 0.002;
    now += ns_per_second;
    benchmark::DoNotOptimize(b.on_equity(now, equity));
  }
}
BENCHMARK(bm_breaker_on_equity);

}  // namespace
