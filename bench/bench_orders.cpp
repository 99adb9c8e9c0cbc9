// Budget: Order path in-process (submit -> checks -> venue -> fill) median under 1 us; with
// brackets (issue 8: submit the list -> checks -> venue -> three fill/cancel events) median
// under 1.5 us.
// Measures one order through pre_trade_checks::check, simulated_venue::submit, on_bar (a market
// order filled at the next bar's open) and portfolio::apply; plus the matching scan over resting
// orders that do not fill. Run with --benchmark_repetitions=5 for the median.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "ntrun/market/checks.hpp"
#include "ntrun/market/portfolio.hpp"
#include "ntrun/market/venue.hpp"

using namespace ntrun;
using namespace ntrun::market;

namespace {

constexpr venue_config bench_venue{
    .num_symbols = 4,
    .slippage = {slippage_model::percentage, 0.0005},
    .commission = {.per_share = 0.005, .per_value = 0.0001, .minimum = 1},
};

/// The venue keeps every order record; start a fresh one this often so memory stays flat.
constexpr std::int64_t orders_per_venue = 1 << 16;

/// Reduce-only and the position limits from the portfolio, as the engine answers the venue.
struct portfolio_guard final : fill_guard {
  const portfolio* pf = nullptr;
  const pre_trade_checks* checks = nullptr;
  double allow(const order& o, double qty, double price, const char** why) override {
    double allowed = qty;
    if (o.request.reduce_only) {
      const double pos = pf->position(o.request.symbol).qty;
      const double room =
          o.request.side == order_side::sell ? std::max(pos, 0.0) : std::max(-pos, 0.0);
      if (room < allowed) *why = reason::reduce_only;
      allowed = std::min(room, allowed);
    }
    return checks->fill_allowance(o.request, allowed, price, *pf, why);
  }
};

/// What both order paths share: a venue (fresh every orders_per_venue rounds), the portfolio,
/// the checks (the limits a live bundle has) and the guard.
struct order_bench {
  std::optional<simulated_venue> venue;
  portfolio pf{{.initial_cash = 1e7, .num_symbols = 4}};
  pre_trade_checks checks{{.max_position = 1e6,
                           .max_order_notional = 1e6,
                           .max_orders_per_second = 100,
                           .max_leverage = 2}};
  portfolio_guard guard;
  std::vector<order_event> out;
  ts_ns now = 0;
  std::int64_t n = 0;

  order_bench() {
    guard.pf = &pf;
    guard.checks = &checks;
    guard.every_fill = checks.limits_fills();
    fresh();
    out.reserve(16);
    pf.mark(0, 100);
  }
  void fresh() {
    venue.emplace(bench_venue);
    venue->set_fill_guard(&guard);
  }
  /// The next round: 100 ms later, a fresh venue now and then (outside the timing).
  void next_round(benchmark::State& state, std::int64_t rounds_per_venue) {
    if (++n % rounds_per_venue == 0) {
      state.PauseTiming();
      fresh();
      state.ResumeTiming();
    }
    now += 100 * 1'000'000;
    out.clear();
  }
  void check(benchmark::State& state, const order_request& r) {
    const double ref = pre_trade_checks::reference_price(r, pf.position(0).last_price);
    if (checks.check(r, pf, ref, now) != nullptr) state.SkipWithError("check refused");
  }
  /// A bar at now + 1 through the venue, its fills into the portfolio, the mark.
  void bar(double open, double high, double low, double close) {
    const std::size_t from = out.size();
    venue->on_bar({.ts_event = now + 1,
                   .ts_init = now + 1,
                   .sid = 0,
                   .open = open,
                   .high = high,
                   .low = low,
                   .close = close,
                   .volume = 1e6},
                  out);
    for (std::size_t i = from; i < out.size(); ++i) {
      const order_event& e = out[i];
      if (e.kind == event_kind::filled || e.kind == event_kind::partially_filled) {
        pf.apply(e.fill_info);
      }
    }
    pf.mark(0, close);
  }
};

void bm_order_path(benchmark::State& state) {
  order_bench b;
  bool is_buy = true;
  for (auto _ : state) {
    b.next_round(state, orders_per_venue);
    const order_request req{.symbol = 0,
                            .side = is_buy ? order_side::buy : order_side::sell,
                            .type = order_type::market,
                            .quantity = 10,
                            .strategy = 0,
                            .tag = b.n};
    is_buy = !is_buy;
    b.check(state, req);
    benchmark::DoNotOptimize(b.venue->submit(req, b.now, b.out));
    b.bar(100, 101, 99, 100);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_order_path);

/// One bracket a round: the entry through the checks, the list into the venue, a bar that
/// fills the entry at its open and the stop-loss on its path (the take-profit canceled), the
/// fills into the portfolio.
void bm_bracket_path(benchmark::State& state) {
  order_bench b;
  std::array<order_request, 3> reqs{};
  const std::array<list_link, 3> links{
      list_link{}, list_link{.parent = 1, .oco = 1}, list_link{.parent = 1, .oco = 1}};
  std::array<order_id, 3> ids{};
  for (auto _ : state) {
    b.next_round(state, orders_per_venue / 4);
    reqs[0] = {.symbol = 0, .side = order_side::buy, .type = order_type::market, .quantity = 10,
               .tag = b.n};
    reqs[1] = {.symbol = 0, .side = order_side::sell, .type = order_type::stop, .quantity = 10,
               .stop_price = 99.5, .tag = b.n, .reduce_only = true, .role = order_role::stop_loss};
    reqs[2] = {.symbol = 0, .side = order_side::sell, .type = order_type::limit, .quantity = 10,
               .limit_price = 100.5, .tag = b.n, .reduce_only = true,
               .role = order_role::take_profit};
    b.check(state, reqs[0]);
    if (!b.venue->submit_list(reqs, links, b.now, b.out, ids)) state.SkipWithError("list refused");
    b.bar(100, 100.2, 99, 99.8);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_bracket_path);

/// on_bar over N resting limit orders that do not fill: the per-bar matching cost.
void bm_on_bar_resting(benchmark::State& state) {
  simulated_venue venue(bench_venue);
  std::vector<order_event> out;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    (void)venue.submit({.symbol = 1,
                        .side = order_side::buy,
                        .type = order_type::limit,
                        .quantity = 1,
                        .limit_price = 50.0 + static_cast<double>(i % 10)},
                       0, out);
  }
  ts_ns now = 0;
  for (auto _ : state) {
    out.clear();
    ++now;
    venue.on_bar({.ts_event = now,
                  .ts_init = now,
                  .sid = 1,
                  .open = 100,
                  .high = 101,
                  .low = 99,
                  .close = 100,
                  .volume = 1e6},
                 out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_on_bar_resting)->Arg(1)->Arg(16)->Arg(256);

}  // namespace
