// Backtest engine: event order, no look-ahead fills, timers, strategy queues, equity sampling,
// history windows, and the C ABI's view of the same engine.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "ntrun/backtest/engine.hpp"
#include "ntrun_ffi.h"

using namespace ntrun;
using backtest::event_kind;

namespace {

class vector_source final : public backtest::bar_source {
 public:
  explicit vector_source(std::vector<bar> bars) : bars_(std::move(bars)) {}
  std::optional<ts_ns> peek_ts() override {
    if (i_ >= bars_.size()) return std::nullopt;
    return bars_[i_].ts_event;
  }
  bool next(bar& out) override {
    if (i_ >= bars_.size()) return false;
    out = bars_[i_++];
    return true;
  }

 private:
  std::vector<bar> bars_;
  std::size_t i_ = 0;
};

constexpr ts_ns day(int d) {
  return ns_per_day * (18262 + d);
}  // 2020-01-01 + d

bar make_bar(int d, symbol_id s, double o, double h, double l, double c, double v = 1000) {
  return bar{.ts_event = day(d),
             .ts_init = day(d),
             .symbol = s,
             .open = o,
             .high = h,
             .low = l,
             .close = c,
             .volume = v};
}

std::unique_ptr<backtest::engine> make_engine(std::vector<bar> bars, int strategies = 1,
                                              std::vector<std::string> symbols = {"A"}) {
  backtest::engine_config cfg{.symbols = std::move(symbols),
                              .num_strategies = strategies,
                              .capital = 10'000,
                              .history_capacity = 4,
                              .seed = 42};
  return std::make_unique<backtest::engine>(cfg, std::make_unique<vector_source>(std::move(bars)));
}

market::order_request market_buy(double qty) {
  return {.symbol = 0, .side = order_side::buy, .type = order_type::market, .quantity = qty};
}

}  // namespace

TEST_CASE("a market order placed on a bar fills at the next bar's open, fill before that bar") {
  auto e = make_engine({make_bar(0, 0, 10, 11, 9, 10.5), make_bar(1, 0, 12, 13, 11, 12.5),
                        make_bar(2, 0, 13, 14, 12, 13.5)});
  REQUIRE(e->next(0) == event_kind::bar);
  CHECK(e->slot(0)->b.close == 10.5);
  const auto r = e->submit(0, market_buy(10));
  REQUIRE(r.id != 0);
  CHECK(r.reason == nullptr);
  CHECK(e->next(0) == event_kind::accepted);
  REQUIRE(e->next(0) == event_kind::filled);
  const auto& fill = e->slot(0)->order;
  CHECK(fill.id == r.id);
  CHECK(fill.price == 12.0);  // next bar's open, not the close it was decided on
  CHECK(fill.quantity == 10);
  CHECK(fill.ts_event == day(1));
  REQUIRE(e->next(0) == event_kind::bar);
  CHECK(e->slot(0)->b.ts_event == day(1));
  CHECK(e->portfolio().position(0).qty == 10);
  CHECK(e->portfolio().cash() == doctest::Approx(10'000 - 120));
  CHECK(e->next(0) == event_kind::bar);
  CHECK(e->next(0) == event_kind::end);
  CHECK(e->next(0) == event_kind::end);
}

TEST_CASE("orders are never filled by a bar of the timestamp they were placed on") {
  // Two symbols share each timestamp; an order for B placed on A's bar at t waits for t+1.
  auto e = make_engine({make_bar(0, 0, 10, 10, 10, 10), make_bar(0, 1, 20, 20, 20, 20),
                        make_bar(1, 0, 11, 11, 11, 11), make_bar(1, 1, 21, 21, 21, 21)},
                       1, {"A", "B"});
  REQUIRE(e->next(0) == event_kind::bar);  // A at t0
  auto req = market_buy(1);
  req.symbol = 1;
  (void)e->submit(0, req);
  // Both bars of t0 were queued before the strategy saw the first: the acceptance follows.
  REQUIRE(e->next(0) == event_kind::bar);  // B at t0: no fill yet
  CHECK(e->slot(0)->b.symbol == 1);
  CHECK(e->next(0) == event_kind::accepted);
  REQUIRE(e->next(0) == event_kind::bar);     // A at t1
  REQUIRE(e->next(0) == event_kind::filled);  // on B's bar at t1, before that bar
  CHECK(e->slot(0)->order.price == 21);
  CHECK(e->slot(0)->order.ts_event == day(1));
}

TEST_CASE("invalid orders are rejected with a reason and counted") {
  auto e = make_engine({make_bar(0, 0, 10, 11, 9, 10), make_bar(1, 0, 10, 11, 9, 10)});
  REQUIRE(e->next(0) == event_kind::bar);
  CHECK(std::string(e->submit(0, market_buy(std::nan(""))).reason) == "invalid_quantity");
  CHECK(std::string(e->submit(0, market_buy(-1)).reason) == "invalid_quantity");
  auto unknown = market_buy(1);
  unknown.symbol = 7;
  CHECK(std::string(e->submit(0, unknown).reason) == "unknown_symbol");
  CHECK(std::string(e->submit(0, market_buy(1e6)).reason) == "insufficient_cash");
  for (int i = 0; i < 4; ++i) {
    REQUIRE(e->next(0) == event_kind::rejected);
    CHECK(e->slot(0)->order.reason != nullptr);
  }
  e->finish();
  CHECK(e->record().num_rejected == 4);
  CHECK(e->record().num_orders == 4);
}

TEST_CASE("timers fire on the simulated clock before the bars of the same timestamp") {
  auto e = make_engine({make_bar(0, 0, 1, 1, 1, 1), make_bar(1, 0, 1, 1, 1, 1),
                        make_bar(2, 0, 1, 1, 1, 1), make_bar(3, 0, 1, 1, 1, 1)});
  REQUIRE(e->next(0) == event_kind::bar);
  const auto id = e->set_timer(0, day(1), 2 * ns_per_day);
  REQUIRE(e->next(0) == event_kind::timer);
  CHECK(e->slot(0)->timer.id == id);
  CHECK(e->slot(0)->timer.ts_event == day(1));
  CHECK(e->next(0) == event_kind::bar);
  CHECK(e->next(0) == event_kind::bar);  // day 2
  REQUIRE(e->next(0) == event_kind::timer);
  CHECK(e->slot(0)->timer.ts_event == day(3));
  CHECK(e->cancel_timer(0, id));
  CHECK_FALSE(e->cancel_timer(0, id));
  CHECK(e->next(0) == event_kind::bar);
  CHECK(e->next(0) == event_kind::end);  // timers past the data never fire
}

TEST_CASE("several strategies take turns, each gets its own fills") {
  auto e = make_engine({make_bar(0, 0, 10, 10, 10, 10), make_bar(1, 0, 11, 11, 11, 11)}, 2);
  REQUIRE(e->next(0) == event_kind::yield);  // nothing queued before the host advances
  REQUIRE(e->advance());
  REQUIRE(e->next(0) == event_kind::bar);
  (void)e->submit(0, market_buy(1));
  CHECK(e->next(0) == event_kind::accepted);
  CHECK(e->next(0) == event_kind::yield);
  REQUIRE(e->next(1) == event_kind::bar);
  CHECK(e->next(1) == event_kind::yield);
  REQUIRE(e->advance());
  CHECK(e->next(0) == event_kind::filled);
  CHECK(e->next(0) == event_kind::bar);
  CHECK(e->next(1) == event_kind::bar);  // strategy 1 sees the bar but not the other's fill
  CHECK(e->next(1) == event_kind::yield);
  CHECK_FALSE(e->advance());
  CHECK(e->next(0) == event_kind::end);
  CHECK(e->open_orders(0).empty());
}

TEST_CASE("equity is sampled once per UTC day, at the day's last timestamp") {
  std::vector<bar> bars;
  for (int d = 0; d < 3; ++d) {
    for (int h = 0; h < 4; ++h) {
      bar b = make_bar(d, 0, 10 + h, 10 + h, 10 + h, 10 + h);
      b.ts_event += h * 3600 * ns_per_second;
      bars.push_back(b);
    }
  }
  auto e = make_engine(bars);
  while (e->next(0) != event_kind::end) {
  }
  e->finish();
  const auto& eq = e->record().equity;
  REQUIRE(eq.size() == 3);
  for (int d = 0; d < 3; ++d) {
    CHECK(eq[static_cast<std::size_t>(d)].ts == day(d) + 3 * 3600 * ns_per_second);
    CHECK(eq[static_cast<std::size_t>(d)].equity == 10'000);
  }
  e->finish();  // idempotent
  CHECK(e->record().equity.size() == 3);
}

TEST_CASE("history windows are the last n values, oldest first, read in place") {
  std::vector<bar> bars;
  for (int d = 0; d < 7; ++d) bars.push_back(make_bar(d, 0, d + 1, d + 2, d, d + 0.5, 100 + d));
  auto e = make_engine(bars);
  auto* eng = reinterpret_cast<ntrun_engine_t*>(e.get());
  ntrun_series_t s{};
  for (int d = 0; d < 7; ++d) {
    REQUIRE(e->next(0) == event_kind::bar);
    REQUIRE(ntrun_ffi_history(eng, 0, NTRUN_F_CLOSE, 3, &s) == NTRUN_OK);
    const int expect_len = std::min(d + 1, 3);
    REQUIRE(s.len == expect_len);
    for (int k = 0; k < expect_len; ++k) CHECK(s.data[k] == (d - expect_len + 1 + k) + 0.5);
  }
  REQUIRE(ntrun_ffi_history(eng, 0, NTRUN_F_VOLUME, 4, &s) == NTRUN_OK);
  CHECK(s.len == 4);
  CHECK(s.data[3] == 106);
  CHECK(ntrun_ffi_history(eng, 0, NTRUN_F_CLOSE, 5, &s) == NTRUN_EINVAL);  // > capacity
  CHECK(ntrun_ffi_history(eng, 1, NTRUN_F_CLOSE, 1, &s) == NTRUN_EINVAL);  // unknown symbol
  CHECK(ntrun_ffi_history(eng, 0, 9, 1, &s) == NTRUN_EINVAL);              // unknown field
}

TEST_CASE("the C ABI mirrors the engine's event slot and rejects bad arguments") {
  auto e = make_engine({make_bar(0, 0, 10, 11, 9, 10), make_bar(1, 0, 10, 11, 9, 10)});
  auto* eng = reinterpret_cast<ntrun_engine_t*>(e.get());
  ntrun_event_t* ev = ntrun_ffi_engine_event(eng, 0);
  REQUIRE(ev != nullptr);
  CHECK(ntrun_ffi_engine_event(eng, 1) == nullptr);
  REQUIRE(ntrun_ffi_engine_next(eng, 0) == NTRUN_EV_BAR);
  CHECK(ev->bar.close == 10);
  CHECK(ev->bar.ts_event == day(0));
  ntrun_order_req_t req{.sid = 0,
                        .side = NTRUN_BUY,
                        .type = NTRUN_LIMIT,
                        .tif = NTRUN_GTC,
                        .quantity = 5,
                        .limit_price = 9.5,
                        .stop_price = 0,
                        .tag = 77};
  uint64_t id = 0;
  const char* reason = nullptr;
  REQUIRE(ntrun_ffi_order_submit(eng, 0, &req, &id, &reason) == NTRUN_OK);
  CHECK(reason == nullptr);
  req.side = 5;
  CHECK(ntrun_ffi_order_submit(eng, 0, &req, &id, &reason) == NTRUN_EINVAL);
  ntrun_order_info_t info{};
  REQUIRE(ntrun_ffi_order_get(eng, 1, &info) == NTRUN_OK);
  CHECK(info.tag == 77);
  CHECK(info.limit_price == 9.5);
  uint64_t ids[4];
  CHECK(ntrun_ffi_open_orders(eng, 0, ids, 4) == 1);
  CHECK(ntrun_ffi_order_cancel(eng, 0, 999) == NTRUN_ENOTFOUND);
  CHECK(ntrun_ffi_order_cancel(eng, 1, 1) == NTRUN_EINVAL);  // no strategy 1
  REQUIRE(ntrun_ffi_engine_next(eng, 0) == NTRUN_EV_ACCEPTED);
  CHECK(ev->order.tag == 77);
  REQUIRE(ntrun_ffi_engine_next(eng, 0) == NTRUN_EV_FILLED);  // low 9 <= limit 9.5
  CHECK(ev->order.price == 9.5);
  CHECK(ev->order.status == NTRUN_ST_FILLED);
  ntrun_position_t pos{};
  REQUIRE(ntrun_ffi_position(eng, 0, &pos) == NTRUN_OK);
  CHECK(pos.quantity == 5);
  CHECK(ntrun_ffi_position(eng, 3, &pos) == NTRUN_ENOTFOUND);
  ntrun_account_t acct{};
  REQUIRE(ntrun_ffi_account(eng, &acct) == NTRUN_OK);
  CHECK(acct.cash == doctest::Approx(10'000 - 47.5));
  CHECK(std::string(ntrun_ffi_engine_symbol_name(eng, 0)) == "A");
  CHECK(ntrun_ffi_engine_symbol_name(eng, 1) == nullptr);
}

TEST_CASE("math.random streams are seeded per strategy and reproducible") {
  auto a = make_engine({make_bar(0, 0, 1, 1, 1, 1)}, 2);
  auto b = make_engine({make_bar(0, 0, 1, 1, 1, 1)}, 2);
  double sum = 0;
  for (int i = 0; i < 1000; ++i) {
    const double x = a->random(0);
    CHECK(x == b->random(0));
    CHECK(x >= 0.0);
    CHECK(x < 1.0);
    sum += x;
  }
  CHECK(sum / 1000 == doctest::Approx(0.5).epsilon(0.1));
  CHECK(a->random(1) != a->random(0));
}

TEST_CASE("a stopped strategy gets no more events, timers or orders; the others go on") {
  std::vector<bar> bars;
  for (int d = 0; d < 50; ++d) bars.push_back(make_bar(d, 0, 10, 10, 10, 10));
  auto e = make_engine(bars, 2);
  REQUIRE(e->advance());
  REQUIRE(e->next(0) == event_kind::bar);
  auto limit = market_buy(1);
  limit.type = order_type::limit;
  limit.limit_price = 1;
  (void)e->submit(0, limit);
  (void)e->set_timer(0, day(2), ns_per_day);
  e->stop_strategy(0);
  CHECK(e->open_orders(0).empty());
  while (e->advance()) {
    CHECK(e->next(0) == event_kind::yield);  // nothing queued for the stopped strategy
    while (e->next(1) != event_kind::yield) {
    }
  }
  CHECK(e->next(1) == event_kind::end);
}
