// Backtest engine: event order, no look-ahead fills, timers, strategy queues, equity sampling,
// history windows, and the C ABI's view of the same engine.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "ntrun/backtest/engine.hpp"
#include "ntrun/data/time.hpp"
#include "ntrun/engine/session.hpp"
#include "ntrun_ffi.h"
#include "support/vector_source.hpp"

using namespace ntrun;
using backtest::event_kind;

namespace {

using test::vector_source;

constexpr ts_ns day(int d) {
  return ns_per_day * (18262 + d);
}  // 2020-01-01 + d

bar make_bar(int d, symbol_id s, double o, double h, double l, double c, double v = 1000) {
  return bar{.ts_event = day(d),
             .ts_init = day(d),
             .sid = s,
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
  CHECK(e->slot(0)->bar.close == 10.5);
  const auto r = e->submit(0, market_buy(10));
  REQUIRE(r.id != 0);
  CHECK(r.reason == nullptr);
  CHECK(e->next(0) == event_kind::accepted);
  REQUIRE(e->next(0) == event_kind::filled);
  const auto& fill = e->slot(0)->order;
  CHECK(fill.order_id == r.id);
  CHECK(fill.price == 12.0);  // next bar's open, not the close it was decided on
  CHECK(fill.quantity == 10);
  CHECK(fill.ts_event == day(1));
  REQUIRE(e->next(0) == event_kind::bar);
  CHECK(e->slot(0)->bar.ts_event == day(1));
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
  CHECK(e->slot(0)->bar.sid == 1);
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
  ntrun::session session;
  session.attach(&e->port(0));
  auto* eng = reinterpret_cast<ntrun_session_t*>(&session);
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
  ntrun::session session;
  session.attach(&e->port(0));
  auto* eng = reinterpret_cast<ntrun_session_t*>(&session);
  const ntrun_event_t* ev = ntrun_ffi_session_event(eng);
  REQUIRE(ev != nullptr);
  CHECK(ntrun_ffi_session_event(nullptr) == nullptr);
  REQUIRE(ntrun_ffi_session_next(eng) == NTRUN_EV_BAR);
  CHECK(ev->bar.close == 10);
  CHECK(ev->bar.ts_event == day(0));
  ntrun_order_req_t req{.sid = 0,
                        .side = NTRUN_BUY,
                        .type = NTRUN_LIMIT,
                        .tif = NTRUN_GTC,
                        .quantity = 5,
                        .limit_price = 9.5,
                        .stop_price = 0,
                        .tag = 77,
                          .trail_amount = 0, .trail_percent = 0, .reduce_only = 0, .role = 0,
                          .parent = 0, .oco = 0};
  uint64_t id = 0;
  const char* reason = nullptr;
  REQUIRE(ntrun_ffi_order_submit(eng, &req, &id, &reason) == NTRUN_OK);
  CHECK(reason == nullptr);
  req.side = 5;
  CHECK(ntrun_ffi_order_submit(eng, &req, &id, &reason) == NTRUN_EINVAL);
  ntrun_order_info_t info{};
  REQUIRE(ntrun_ffi_order_get(eng, 1, &info) == NTRUN_OK);
  CHECK(info.tag == 77);
  CHECK(info.limit_price == 9.5);
  uint64_t ids[4];
  CHECK(ntrun_ffi_open_orders(eng, ids, 4) == 1);
  CHECK(ntrun_ffi_order_cancel(eng, 999) == NTRUN_ENOTFOUND);
  CHECK(ntrun_ffi_order_cancel(nullptr, 1) == NTRUN_ESTATE);  // no session, no engine
  REQUIRE(ntrun_ffi_session_next(eng) == NTRUN_EV_ACCEPTED);
  CHECK(ev->order.tag == 77);
  REQUIRE(ntrun_ffi_session_next(eng) == NTRUN_EV_FILLED);  // low 9 <= limit 9.5
  CHECK(ev->order.price == 9.5);
  CHECK(ev->order.status == NTRUN_ST_FILLED);
  ntrun_position_t pos{};
  REQUIRE(ntrun_ffi_position(eng, 0, &pos) == NTRUN_OK);
  CHECK(pos.quantity == 5);
  CHECK(ntrun_ffi_position(eng, 3, &pos) == NTRUN_ENOTFOUND);
  ntrun_account_t acct{};
  REQUIRE(ntrun_ffi_account(eng, &acct) == NTRUN_OK);
  CHECK(acct.cash == doctest::Approx(10'000 - 47.5));
  CHECK(std::string(ntrun_ffi_session_symbol_name(eng, 0)) == "A");
  CHECK(ntrun_ffi_session_symbol_name(eng, 1) == nullptr);
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

// ---- risk limits and the circuit breaker -------------------------------------------------

namespace {

std::unique_ptr<backtest::engine> make_risk_engine(std::vector<bar> bars,
                                                   market::check_config checks,
                                                   bool risk_events = false) {
  backtest::engine_config cfg{.symbols = {"A", "B"},
                              .capital = 10'000,
                              .history_capacity = 8,
                              .checks = std::move(checks),
                              .risk_events = risk_events};
  return std::make_unique<backtest::engine>(cfg, std::make_unique<vector_source>(std::move(bars)));
}

bar minute_bar(int m, symbol_id s, double price) {
  bar b = make_bar(0, s, price, price, price, price);
  b.ts_event += m * 60 * ns_per_second;
  b.ts_init = b.ts_event;
  return b;
}

std::string reason_of(backtest::engine& e, market::order_request r) {
  const auto res = e.submit(0, r);
  return res.reason ? res.reason : "ok";
}

}  // namespace

TEST_CASE("the breaker follows every equity point: trips between orders, cooldown, reducing") {
  // Buy 100 A at 100 (fills at minute 1's open), then the price slides: 5% down at minute 3.
  std::vector<bar> bars;
  const double path[] = {100, 100, 98, 95, 94, 94, 94, 94, 96, 97};
  for (int m = 0; m < 10; ++m) bars.push_back(minute_bar(m, 0, path[m]));
  auto e = make_risk_engine(
      bars,
      {.max_leverage = 0,
       .breaker = {.loss = 0.05, .window = 300 * ns_per_second, .cooldown = 120 * ns_per_second}},
      true);
  REQUIRE(e->next(0) == event_kind::bar);
  REQUIRE(e->submit(0, market_buy(100)).id != 0);
  CHECK(e->next(0) == event_kind::accepted);
  CHECK(e->next(0) == event_kind::filled);
  CHECK(e->next(0) == event_kind::bar);  // minute 1
  CHECK(e->next(0) == event_kind::bar);  // minute 2: 2% down
  CHECK(e->risk().state == market::risk_state::normal);
  REQUIRE(e->next(0) == event_kind::bar);                // minute 3: equity 9'500, 5% below 10'000
  CHECK(e->risk().state == market::risk_state::halted);  // already when on_bar runs
  REQUIRE(e->next(0) == event_kind::risk);               // the event follows the timestamp's bars
  CHECK(e->slot(0)->risk.state == static_cast<int>(market::risk_state::halted));
  CHECK(e->slot(0)->risk.previous == static_cast<int>(market::risk_state::normal));
  CHECK(std::string(e->slot(0)->risk.reason) == "loss_window");
  CHECK(e->slot(0)->risk.ts_event == minute_bar(3, 0, 0).ts_event);
  CHECK(reason_of(*e, market_buy(1)) == "circuit_breaker");
  auto sell = market_buy(40);
  sell.side = order_side::sell;
  CHECK(reason_of(*e, sell) == "ok");  // reducing passes
  while (e->next(0) != event_kind::risk) {
  }
  // Cooldown over at minute 5: reducing (equity below the trip level).
  CHECK(e->risk().state == market::risk_state::reducing);
  CHECK(e->now() == minute_bar(5, 0, 0).ts_event);
  CHECK(reason_of(*e, market_buy(1)) == "circuit_breaker");
  while (e->next(0) != event_kind::risk) {
  }
  // Another cooldown without recovery: normal at minute 7.
  CHECK(e->risk().state == market::risk_state::normal);
  CHECK(e->now() == minute_bar(7, 0, 0).ts_event);
  CHECK(e->slot(0)->risk.reason == nullptr);
  CHECK(reason_of(*e, market_buy(1)) == "ok");
}

TEST_CASE("timers move the breaker's clock too; no risk events unless asked for") {
  std::vector<bar> bars{make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 100, 100, 100),
                        make_bar(2, 0, 80, 80, 80, 80), make_bar(5, 0, 80, 80, 80, 80)};
  auto e = make_risk_engine(
      bars, {.max_leverage = 0, .breaker = {.max_drawdown = 0.1, .cooldown = ns_per_day}});
  REQUIRE(e->next(0) == event_kind::bar);
  (void)e->submit(0, market_buy(50));
  while (e->now() < day(2)) (void)e->next(0);
  CHECK(e->risk().state == market::risk_state::halted);
  CHECK(e->risk().until == day(3));
  (void)e->set_timer(0, day(3), 0);
  event_kind k{};
  while ((k = e->next(0)) != event_kind::timer) CHECK(k != event_kind::risk);
  CHECK(e->risk().state == market::risk_state::reducing);  // at the timer, before day 5's bar
  CHECK(e->risk().since == day(3));
}

TEST_CASE("set_limits at run time: applies at once, bad values keep the old, VaR refills") {
  std::vector<bar> bars;
  const double closes[] = {100, 101, 99, 103, 102, 104, 104, 104};
  for (int d = 0; d < 8; ++d) {
    bars.push_back(make_bar(d, 0, closes[d], closes[d], closes[d], closes[d]));
  }
  auto e = make_risk_engine(bars, {.max_leverage = 0});
  for (int d = 0; d < 5; ++d) REQUIRE(e->next(0) == event_kind::bar);  // closes up to 102
  CHECK(reason_of(*e, market_buy(30)) == "ok");
  market::check_config l = e->limits();
  l.max_position = 10;
  e->set_limits(l);
  CHECK(e->limits().max_position == 10);
  CHECK(reason_of(*e, market_buy(11)) == "max_position");
  l.max_gross_exposure = -1;
  CHECK_THROWS_AS(e->set_limits(l), market::market_error);
  CHECK(e->limits().max_gross_exposure == 0);
  // A VaR window of 3 returns, refilled from the history: 101 -> 99 -> 103 -> 102 gives
  // -1.98%, +4.04%, -0.97%; at 60% VaR is the 2nd smallest loss of 3, the -0.97% day.
  // 20 units at 102 lose 19.81 on it (> 19.5 allowed), 19 units 18.82.
  e->set_limits({.max_leverage = 0, .var = {.limit = 0.00195, .confidence = 0.6, .window = 3}});
  CHECK(reason_of(*e, market_buy(20)) == "var_limit");
  CHECK(reason_of(*e, market_buy(19)) == "ok");
}

TEST_CASE("the C ABI reads and replaces the limits and reports the risk state") {
  auto e = make_risk_engine({make_bar(0, 0, 10, 10, 10, 10), make_bar(1, 0, 10, 10, 10, 10)},
                            {.max_position_by_symbol = {5, 0},
                             .max_gross_exposure = 1.5,
                             .breaker = {.max_drawdown = 0.15, .cooldown = 3600 * ns_per_second}});
  ntrun::session session;
  session.attach(&e->port(0));
  auto* eng = reinterpret_cast<ntrun_session_t*>(&session);
  ntrun_limits_t l{};
  double pos[2] = {-1, -1}, val[2] = {-1, -1};
  REQUIRE(ntrun_ffi_limits_get(eng, &l, pos, val, 2) == NTRUN_OK);
  CHECK(l.per_symbol == NTRUN_LIMITS_POSITION_BY_SYMBOL);
  CHECK(pos[0] == 5);
  CHECK(pos[1] == 0);
  CHECK(val[0] == 0);  // the all-symbols value when there is no table
  CHECK(l.max_gross_exposure == 1.5);
  CHECK(l.max_leverage == 1);
  CHECK(l.breaker_max_drawdown == 0.15);
  CHECK(l.breaker_cooldown == 3600);
  CHECK(l.var_window == 250);
  CHECK(l.var_confidence == 0.99);
  CHECK(l.allow_short == 1);
  CHECK(ntrun_ffi_limits_get(eng, &l, pos, val, 3) == NTRUN_EINVAL);  // wrong list length

  l.per_symbol = NTRUN_LIMITS_NOTIONAL_BY_SYMBOL;
  l.max_position = 7;
  val[0] = 0;
  val[1] = 250;
  l.breaker_loss = 0.05;
  l.breaker_window = 300;
  char err[128] = "";
  REQUIRE(ntrun_ffi_limits_set(eng, &l, nullptr, val, 2, err, sizeof err) == NTRUN_OK);
  CHECK(e->limits().max_position == 7);
  CHECK(e->limits().max_position_by_symbol.empty());
  CHECK(e->limits().max_notional_by_symbol == std::vector<double>{0, 250});
  CHECK(e->limits().breaker.window == 300 * ns_per_second);

  l.var_confidence = 1.5;
  CHECK(ntrun_ffi_limits_set(eng, &l, nullptr, val, 2, err, sizeof err) == NTRUN_EINVAL);
  CHECK(std::string(err).find("'var_confidence'") != std::string::npos);
  l.var_confidence = 0.99;
  l.breaker_window = -1;
  CHECK(ntrun_ffi_limits_set(eng, &l, nullptr, val, 2, err, sizeof err) == NTRUN_EINVAL);
  CHECK(std::string(err).find("'circuit_breaker.window'") != std::string::npos);
  l.breaker_window = 300;
  CHECK(ntrun_ffi_limits_set(eng, &l, nullptr, nullptr, 2, err, sizeof err) == NTRUN_EINVAL);
  char tiny[8];
  l.max_net_exposure = -3;
  CHECK(ntrun_ffi_limits_set(eng, &l, nullptr, val, 2, tiny, sizeof tiny) == NTRUN_EINVAL);
  CHECK(std::string(tiny).size() == 7);  // truncated, NUL-terminated
  CHECK(e->limits().max_net_exposure == 0);

  ntrun_risk_state_t r{};
  REQUIRE(ntrun_ffi_risk_state(eng, &r) == NTRUN_OK);
  CHECK(r.state == NTRUN_RISK_NORMAL);
  CHECK(r.reason == nullptr);
  CHECK(ntrun_ffi_risk_state(eng, nullptr) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_limits_get(nullptr, &l, nullptr, nullptr, 0) == NTRUN_ESTATE);
}

namespace {

/// A live-style source: nothing known in advance; bars arrive, polls take what is due.
class queue_source final : public ntrun::event_source {
 public:
  void push(const bar& b) { q_.push_back(b); }
  void close() { closed_ = true; }
  std::optional<ts_ns> peek_ts() override { return std::nullopt; }
  std::optional<bar> poll(ts_ns deadline) override {
    if (q_.empty() || q_.front().ts_event > deadline) return std::nullopt;
    bar b = q_.front();
    q_.erase(q_.begin());
    return b;
  }
  bool exhausted() override { return closed_ && q_.empty(); }

 private:
  std::vector<bar> q_;
  bool closed_ = false;
};

/// A wall clock the test moves by hand.
class manual_clock final : public ntrun::clock {
 public:
  ts_ns t = 0;
  [[nodiscard]] ts_ns now() const noexcept override { return t; }
  void advance_to(ts_ns) noexcept override {}
  [[nodiscard]] bool simulated() const noexcept override { return false; }
};

/// An execution client that counts what the engine sends it, over the simulated venue.
class counting_venue final : public market::execution_client {
 public:
  explicit counting_venue(std::size_t symbols) : v_(market::venue_config{.num_symbols = symbols}) {}
  int submits = 0, bars = 0;
  order_id submit(const market::order_request& r, ts_ns now,
                  std::vector<market::order_event>& out) override {
    ++submits;
    return v_.submit(r, now, out);
  }
  bool submit_list(std::span<const market::order_request> r, std::span<const market::list_link> l,
                   ts_ns now, std::vector<market::order_event>& out,
                   std::span<order_id> ids) override {
    submits += static_cast<int>(r.size());
    return v_.submit_list(r, l, now, out, ids);
  }
  void set_fill_guard(market::fill_guard* g) noexcept override { v_.set_fill_guard(g); }
  bool cancel(order_id id, ts_ns now, std::vector<market::order_event>& out) override {
    return v_.cancel(id, now, out);
  }
  bool modify(order_id id, double q, double l, double s, ts_ns now,
              std::vector<market::order_event>& out) override {
    return v_.modify(id, q, l, s, now, out);
  }
  std::size_t cancel_all(std::int32_t s, ts_ns now, std::vector<market::order_event>& out) override {
    return v_.cancel_all(s, now, out);
  }
  void on_bar(const bar& b, std::vector<market::order_event>& out) override {
    ++bars;
    v_.on_bar(b, out);
  }
  const market::order* find(order_id id) const noexcept override { return v_.find(id); }
  std::vector<market::order> open_orders() const override { return v_.open_orders(); }
  std::size_t open_order_count() const noexcept override { return v_.open_order_count(); }

 private:
  market::simulated_venue v_;
};

}  // namespace

TEST_CASE("the engine runs on the parts it is given: a wall clock, a live source, another execution client") {
  auto clock = std::make_unique<manual_clock>();
  auto source = std::make_unique<queue_source>();
  auto venue = std::make_unique<counting_venue>(1);
  manual_clock* clk = clock.get();
  queue_source* src = source.get();
  counting_venue* ven = venue.get();
  backtest::engine e(backtest::engine_config{.symbols = {"A"}, .capital = 10'000},
                     backtest::engine_parts{.clock = std::move(clock),
                                            .source = std::move(source),
                                            .execution = std::move(venue)});
  src->push(make_bar(1, 0, 10, 11, 9, 10));
  clk->t = day(0);
  CHECK(e.next(0) == event_kind::yield);  // nothing due yet: the host's turn, no spinning
  CHECK(e.advance());                      // and the run goes on
  CHECK(e.bars_processed() == 0);
  clk->t = day(1);
  CHECK(e.advance());
  CHECK(e.bars_processed() == 1);
  CHECK(ven->bars == 1);
  REQUIRE(e.next(0) == event_kind::bar);
  CHECK(e.now() == day(1));
  const auto r = e.submit(0, market_buy(5));
  CHECK(r.reason == nullptr);
  CHECK(ven->submits == 1);
  CHECK(e.venue().find(r.id) != nullptr);
  CHECK(e.next(0) == event_kind::accepted);
  src->push(make_bar(2, 0, 12, 12, 12, 12));
  clk->t = day(2);
  CHECK(e.advance());
  CHECK(e.next(0) == event_kind::filled);  // the venue it was given filled it
  CHECK(e.portfolio().position(0).qty == 5);
  src->close();
  CHECK_FALSE(e.advance());  // a closed, drained source ends the run
}

TEST_CASE("an engine without an event source or symbols is refused") {
  CHECK_THROWS_AS(backtest::engine(backtest::engine_config{.symbols = {"A"}}, backtest::engine_parts{}),
                  std::invalid_argument);
  CHECK_THROWS_AS(backtest::engine(backtest::engine_config{},
                                   std::make_unique<queue_source>()),
                  std::invalid_argument);
}

// ---- orders held to the limits when they fill; brackets through the engine ----------------

TEST_CASE("allow_short = false holds at fill time: two unlinked exits on one bar never flip short") {
  // The defect: a stop and a target placed separately, both crossed by one bar, filled both
  // (checks ran only at submission) and the position flipped short.
  for (const bool allow_short : {true, false}) {
    CAPTURE(allow_short);
    auto e = make_risk_engine({make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 100, 100, 100),
                               make_bar(2, 0, 100, 104, 96, 100)},
                              {.allow_short = allow_short, .max_leverage = 0});
    REQUIRE(e->next(0) == event_kind::bar);
    REQUIRE(e->submit(0, market_buy(10)).id != 0);
    while (e->next(0) != event_kind::bar) {
    }
    CHECK(e->portfolio().position(0).qty == 10);
    REQUIRE(e->submit(0, {.symbol = 0, .side = order_side::sell, .type = order_type::stop,
                          .quantity = 10, .stop_price = 97}).id != 0);
    REQUIRE(e->submit(0, {.symbol = 0, .side = order_side::sell, .type = order_type::limit,
                          .quantity = 10, .limit_price = 103}).id != 0);
    std::vector<std::string> seen;
    for (event_kind k; (k = e->next(0)) != event_kind::end;) {
      if (k == event_kind::filled || k == event_kind::canceled) {
        const auto& o = e->slot(0)->order;
        seen.push_back(std::to_string(o.order_id) + (o.reason ? std::string(" ") + o.reason : ""));
      }
    }
    // Path 100 -> 96 -> 104 (a tie: the low first): the stop (id 2) at 97 first.
    if (allow_short) {
      CHECK(seen == std::vector<std::string>{"2", "3"});
      CHECK(e->portfolio().position(0).qty == -10);
    } else {
      CHECK(seen == std::vector<std::string>{"2", "3 short_not_allowed"});
      CHECK(e->portfolio().position(0).qty == 0);
    }
  }
}

TEST_CASE("max_position holds at fill time: a second resting buy is cut, its rest canceled") {
  auto e = make_risk_engine({make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 100, 90, 95)},
                            {.max_position = 15, .max_leverage = 0});
  REQUIRE(e->next(0) == event_kind::bar);
  const market::order_request lim{.symbol = 0, .side = order_side::buy, .type = order_type::limit,
                                  .quantity = 10, .limit_price = 98};
  REQUIRE(e->submit(0, lim).id != 0);  // each passes at submission: the position is 0
  REQUIRE(e->submit(0, lim).id != 0);
  std::vector<std::string> seen;
  for (event_kind k; (k = e->next(0)) != event_kind::end;) {
    if (k == event_kind::filled || k == event_kind::canceled) {
      const auto& o = e->slot(0)->order;
      seen.push_back(std::to_string(o.order_id) + " " + std::to_string(static_cast<int>(o.quantity)) +
                     (o.reason ? std::string(" ") + o.reason : ""));
    }
  }
  CHECK(seen == std::vector<std::string>{"1 10", "2 5", "2 10 max_position"});
  CHECK(e->portfolio().position(0).qty == 15);
}

TEST_CASE("a bracket through the engine: entry checked, exits reduce-only, three events back") {
  auto e = make_engine({make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 103, 97, 101),
                        make_bar(2, 0, 101, 101, 101, 101)});
  REQUIRE(e->next(0) == event_kind::bar);
  std::vector<market::order_request> reqs{
      market_buy(10),
      {.symbol = 0, .side = order_side::sell, .type = order_type::stop, .quantity = 10,
       .stop_price = 98, .reduce_only = true, .role = market::order_role::stop_loss},
      {.symbol = 0, .side = order_side::sell, .type = order_type::limit, .quantity = 10,
       .limit_price = 102, .reduce_only = true, .role = market::order_role::take_profit}};
  const std::vector<market::list_link> links{{}, {.parent = 1, .oco = 1}, {.parent = 1, .oco = 1}};
  std::vector<order_id> ids(3);
  const auto r = e->submit_list(0, reqs, links, ids);
  CHECK(r.reason == nullptr);
  CHECK(r.id == 1);
  CHECK(ids == std::vector<order_id>{1, 2, 3});
  for (int i = 0; i < 3; ++i) CHECK(e->next(0) == event_kind::accepted);
  CHECK(e->next(0) == event_kind::filled);  // the entry at 100
  CHECK(e->slot(0)->order.position == 10);
  CHECK(e->next(0) == event_kind::filled);  // the stop at 98 (path 100 -> 97 -> 103)
  CHECK(e->slot(0)->order.price == 98);
  CHECK(e->slot(0)->order.position == 0);
  CHECK(e->next(0) == event_kind::canceled);
  CHECK(std::string_view(e->slot(0)->order.reason) == "oco_filled");
  while (e->next(0) != event_kind::end) {
  }
  e->finish();
  REQUIRE(e->record().trades.size() == 1);
  CHECK(std::string_view(e->record().trades[0].exit_reason) == "stop_loss");

  SUBCASE("an entry the checks refuse takes its exits with it") {
    auto f = make_risk_engine({make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 100, 100, 100)},
                              {.max_position = 5, .max_leverage = 0});
    REQUIRE(f->next(0) == event_kind::bar);
    const auto bad = f->submit_list(0, reqs, links, ids);
    CHECK(std::string_view(bad.reason) == "max_position");
    CHECK(ids == std::vector<order_id>{0, 0, 0});
    for (const char* want : {"max_position", "linked_order_rejected", "linked_order_rejected"}) {
      REQUIRE(f->next(0) == event_kind::rejected);
      CHECK(std::string_view(f->slot(0)->order.reason) == want);
    }
    CHECK(f->venue().open_order_count() == 0);
  }
}

// ---- calendar timers -----------------------------------------------------------------------

namespace {

ts_ns at(const char* iso) { return *data::parse_timestamp(iso); }

bar bar_at(const char* iso, symbol_id s, double price) {
  const ts_ns t = at(iso);
  return bar{.ts_event = t, .ts_init = t, .sid = s, .open = price, .high = price, .low = price,
             .close = price, .volume = 1000};
}

/// Every event of strategy 0 to the end, as text: "bar A 2021-01-29T00:00:00Z",
/// "timer 2 2021-01-29T00:00:00Z", "filled ...".
std::vector<std::string> drain(backtest::engine& e, const std::vector<std::string>& symbols) {
  std::vector<std::string> out;
  event_kind k = event_kind::end;
  while ((k = e.next(0)) != event_kind::end) {
    const event_slot& s = *e.slot(0);
    if (k == event_kind::bar) {
      out.push_back("bar " + symbols[s.bar.sid] + " " + data::format_datetime(s.bar.ts_event));
    } else if (k == event_kind::timer) {
      out.push_back("timer " + std::to_string(s.timer.id) + " " +
                    data::format_datetime(s.timer.ts_event));
    } else if (k == event_kind::filled) {
      out.push_back("filled @" + std::to_string(static_cast<int>(s.order.price)) + " " +
                    data::format_datetime(s.order.ts_event));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("calendar timers: month_start, week_start (ISO, Monday), session_close, after the bars") {
  // Worked by hand. Fri 01-29 is the run's first timestamp (a month and a week start); Sun
  // 01-31 is in the week of Mon 01-25 (ISO weeks start on Monday, not Sunday); Mon 02-01
  // starts a month and a week, and its 14:30 timestamp does not close the day (21:00 follows);
  // Wed 03-31 starts a month and a week; Thu 04-01 starts a month in the same week, and as
  // the last data it closes its day.
  const std::vector<std::string> syms{"A", "B"};
  auto e = std::make_unique<backtest::engine>(
      backtest::engine_config{.symbols = syms, .capital = 10'000},
      std::make_unique<vector_source>(std::vector<bar>{
          bar_at("2021-01-29", 0, 10), bar_at("2021-01-29", 1, 20), bar_at("2021-01-31", 0, 10),
          bar_at("2021-02-01T14:30:00Z", 0, 11), bar_at("2021-02-01T21:00:00Z", 0, 12),
          bar_at("2021-02-01T21:00:00Z", 1, 22), bar_at("2021-02-02", 0, 13),
          bar_at("2021-03-31", 0, 14), bar_at("2021-04-01", 0, 15)}));
  const auto plain = e->set_timer(0, at("2030-01-01"), 0);  // shares the id counter, never fires
  const auto month = e->set_calendar_timer(0, calendar_kind::month_start);
  const auto week = e->set_calendar_timer(0, calendar_kind::week_start);
  const auto closing = e->set_calendar_timer(0, calendar_kind::session_close);
  CHECK(plain == 1);
  CHECK(month == 2);
  CHECK(week == 3);
  CHECK(closing == 4);
  const std::vector<std::string> want{
      "bar A 2021-01-29T00:00:00Z",  "bar B 2021-01-29T00:00:00Z",
      "timer 2 2021-01-29T00:00:00Z", "timer 3 2021-01-29T00:00:00Z",
      "timer 4 2021-01-29T00:00:00Z", "bar A 2021-01-31T00:00:00Z",
      "timer 4 2021-01-31T00:00:00Z", "bar A 2021-02-01T14:30:00Z",
      "timer 2 2021-02-01T14:30:00Z", "timer 3 2021-02-01T14:30:00Z",
      "bar A 2021-02-01T21:00:00Z",  "bar B 2021-02-01T21:00:00Z",
      "timer 4 2021-02-01T21:00:00Z", "bar A 2021-02-02T00:00:00Z",
      "timer 4 2021-02-02T00:00:00Z", "bar A 2021-03-31T00:00:00Z",
      "timer 2 2021-03-31T00:00:00Z", "timer 3 2021-03-31T00:00:00Z",
      "timer 4 2021-03-31T00:00:00Z", "bar A 2021-04-01T00:00:00Z",
      "timer 2 2021-04-01T00:00:00Z", "timer 4 2021-04-01T00:00:00Z",
  };
  CHECK(drain(*e, syms) == want);
}

TEST_CASE("calendar timers: an order placed in one fills at the next timestamp's open") {
  const std::vector<std::string> syms{"A"};
  auto e = std::make_unique<backtest::engine>(
      backtest::engine_config{.symbols = syms, .capital = 10'000},
      std::make_unique<vector_source>(std::vector<bar>{
          bar{.ts_event = at("2021-01-29"), .ts_init = at("2021-01-29"), .sid = 0, .open = 10,
              .high = 10, .low = 10, .close = 10, .volume = 1},
          bar{.ts_event = at("2021-02-01"), .ts_init = at("2021-02-01"), .sid = 0, .open = 11,
              .high = 12, .low = 10, .close = 11.5, .volume = 1},
          bar{.ts_event = at("2021-02-02"), .ts_init = at("2021-02-02"), .sid = 0, .open = 13,
              .high = 13, .low = 13, .close = 13, .volume = 1}}));
  const auto closing = e->set_calendar_timer(0, calendar_kind::session_close);
  REQUIRE(e->next(0) == event_kind::bar);
  REQUIRE(e->next(0) == event_kind::timer);
  CHECK(e->slot(0)->timer.id == closing);
  CHECK(e->slot(0)->timer.ts_event == at("2021-01-29"));
  CHECK(e->now() == at("2021-01-29"));
  REQUIRE(e->submit(0, market_buy(1)).reason == nullptr);
  CHECK(e->next(0) == event_kind::accepted);
  REQUIRE(e->next(0) == event_kind::filled);  // 02-01's open, not 01-29's close
  CHECK(e->slot(0)->order.price == 11);
  CHECK(e->slot(0)->order.ts_event == at("2021-02-01"));
  CHECK(drain(*e, syms) == std::vector<std::string>{
                               "bar A 2021-02-01T00:00:00Z", "timer 1 2021-02-01T00:00:00Z",
                               "bar A 2021-02-02T00:00:00Z", "timer 1 2021-02-02T00:00:00Z"});
}

TEST_CASE("calendar timers: set mid-run count from the next timestamp; cancel and stop drop them") {
  const std::vector<std::string> syms{"A"};
  auto e = std::make_unique<backtest::engine>(
      backtest::engine_config{.symbols = syms, .num_strategies = 2, .capital = 10'000},
      std::make_unique<vector_source>(std::vector<bar>{
          bar_at("2021-01-29", 0, 10), bar_at("2021-02-01", 0, 11), bar_at("2021-02-02", 0, 12),
          bar_at("2021-03-01", 0, 13)}));
  REQUIRE(e->advance());
  REQUIRE(e->next(0) == event_kind::bar);
  // Set during 01-29's events: 01-29 itself is past (the run's first timestamp, but seen).
  const auto m0 = e->set_calendar_timer(0, calendar_kind::month_start);
  const auto m1 = e->set_calendar_timer(1, calendar_kind::month_start);
  const auto c1 = e->set_calendar_timer(1, calendar_kind::session_close);
  CHECK_FALSE(e->cancel_timer(0, m1));  // another strategy's
  CHECK(e->next(0) == event_kind::yield);
  REQUIRE(e->next(1) == event_kind::bar);
  CHECK(e->next(1) == event_kind::yield);
  REQUIRE(e->advance());  // 02-01: a month start for both, a session close for 1
  CHECK(e->next(0) == event_kind::bar);
  REQUIRE(e->next(0) == event_kind::timer);
  CHECK(e->slot(0)->timer.id == m0);
  CHECK(e->cancel_timer(0, m0));
  CHECK_FALSE(e->cancel_timer(0, m0));
  CHECK(e->next(0) == event_kind::yield);
  CHECK(e->next(1) == event_kind::bar);
  REQUIRE(e->next(1) == event_kind::timer);
  CHECK(e->slot(1)->timer.id == m1);
  REQUIRE(e->next(1) == event_kind::timer);
  CHECK(e->slot(1)->timer.id == c1);
  e->stop_strategy(1);
  REQUIRE(e->advance());  // 02-02
  CHECK(e->next(0) == event_kind::bar);
  CHECK(e->next(0) == event_kind::yield);
  REQUIRE(e->advance());  // 03-01: m0 was canceled, strategy 1 stopped
  CHECK(e->next(0) == event_kind::bar);
  CHECK(e->next(0) == event_kind::yield);
  CHECK(e->next(1) == event_kind::yield);
  CHECK_FALSE(e->advance());
}

TEST_CASE("calendar timers through the C ABI; refused on a wall clock") {
  auto e = make_engine({make_bar(0, 0, 10, 10, 10, 10)});
  ntrun::session session;
  session.attach(&e->port(0));
  auto* eng = reinterpret_cast<ntrun_session_t*>(&session);
  int64_t id = 0;
  REQUIRE(ntrun_ffi_timer_calendar(eng, NTRUN_CAL_SESSION_CLOSE, &id) == NTRUN_OK);
  CHECK(id == 1);
  CHECK(ntrun_ffi_timer_calendar(eng, 0, &id) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_timer_calendar(eng, 4, &id) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_timer_calendar(eng, NTRUN_CAL_MONTH_START, nullptr) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_timer_calendar(nullptr, NTRUN_CAL_MONTH_START, &id) == NTRUN_ESTATE);
  REQUIRE(ntrun_ffi_session_next(eng) == NTRUN_EV_BAR);
  REQUIRE(ntrun_ffi_session_next(eng) == NTRUN_EV_TIMER);  // the last bar of the data closes
  CHECK(ntrun_ffi_session_event(eng)->timer.id == 1);
  CHECK(ntrun_ffi_timer_cancel(eng, 1) == NTRUN_OK);
  CHECK(ntrun_ffi_session_next(eng) == NTRUN_EV_END);

  backtest::engine live(backtest::engine_config{.symbols = {"A"}},
                        backtest::engine_parts{.clock = std::make_unique<manual_clock>(),
                                               .source = std::make_unique<queue_source>()});
  CHECK_THROWS_AS((void)live.set_calendar_timer(0, calendar_kind::month_start), ntrun::error);
}

// ---- cash below zero without margin ----------------------------------------------------------

TEST_CASE("cash below zero is recorded at equity points only while the limits allow no margin") {
  // Capital 10,000. A buy of 90 at the close 100 passes a cash account's check (9,000) but fills
  // at the next open, 120: cash 10,000 - 10,800 = -800 on day 1. On day 2 a buy of 10 more is
  // refused by a cash account (gross 12,000 > equity 10,000) and passes without the check or on
  // 2:1 margin: filled at day 3's open, 110, cash -1,900.
  const std::vector<bar> bars{make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 120, 120, 120, 120),
                              make_bar(2, 0, 120, 120, 120, 120), make_bar(3, 0, 110, 110, 110, 110)};
  for (const double lev : {1.0, 0.0, 2.0}) {
    CAPTURE(lev);
    auto e = make_risk_engine(bars, market::check_config{.max_leverage = lev});
    REQUIRE(e->next(0) == event_kind::bar);
    REQUIRE(e->submit(0, market_buy(90)).reason == nullptr);
    REQUIRE(e->next(0) == event_kind::accepted);
    CHECK_FALSE(e->negative_cash().has_value());
    REQUIRE(e->next(0) == event_kind::filled);
    REQUIRE(e->next(0) == event_kind::bar);  // day 1
    CHECK(e->portfolio().cash() == doctest::Approx(-800));
    REQUIRE(e->next(0) == event_kind::bar);  // day 2
    const auto second = e->submit(0, market_buy(10));
    CHECK((second.reason == nullptr) == (lev != 1));
    while (e->next(0) != event_kind::end) {
    }
    const double lowest = lev == 1 ? -800 : -1'900;
    CHECK(e->portfolio().cash() == doctest::Approx(lowest));
    if (lev > 1) {
      CHECK_FALSE(e->negative_cash().has_value());  // a margin account borrows on purpose
      continue;
    }
    REQUIRE(e->negative_cash().has_value());
    CHECK(e->negative_cash()->since == day(1));
    CHECK(e->negative_cash()->min_cash == doctest::Approx(lowest));
    CHECK(e->negative_cash()->max_leverage == lev);
  }
}

// ---- caps a strategy cannot get around (issue 9: resting orders, timers) -------------------

TEST_CASE("open orders are capped per strategy: the next is rejected max_open_orders, a cancel frees room") {
  auto e = make_engine({make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 100, 100, 100)});
  REQUIRE(e->next(0) == event_kind::bar);
  const market::order_request rest{.symbol = 0, .side = order_side::buy, .type = order_type::limit,
                                   .quantity = 1, .limit_price = 1};
  const auto cap = static_cast<int>(NTRUN_K_MAX_OPEN_ORDERS);
  order_id first = 0;
  for (int i = 0; i < cap; ++i) {
    const auto r = e->submit(0, rest);
    REQUIRE(r.reason == nullptr);
    if (i == 0) first = r.id;
  }
  const auto over = e->submit(0, rest);
  CHECK(over.id == 0);
  CHECK(std::string_view(over.reason) == "max_open_orders");
  std::vector<market::order_request> two{rest, rest};
  const std::vector<market::list_link> links{{}, {}};
  std::vector<order_id> ids(2);
  CHECK(std::string_view(e->submit_list(0, two, links, ids).reason) == "max_open_orders");
  CHECK(e->cancel(0, first));
  CHECK(e->submit(0, rest).reason == nullptr);  // room again
  CHECK(e->rejections().front().count == 2);
}

TEST_CASE("timers are capped per strategy and repeat no faster than 1 ms") {
  auto e = make_engine({make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 100, 100, 100)});
  REQUIRE(e->next(0) == event_kind::bar);
  CHECK_THROWS_WITH_AS((void)e->set_timer(0, day(1), 1), doctest::Contains("floods the event queue"),
                       ntrun::error);
  CHECK(e->set_timer(0, day(1), 1'000'000) > 0);  // 1 ms: allowed
  const auto cap = static_cast<int>(NTRUN_K_MAX_TIMERS);
  std::int64_t last = 0;
  for (int i = 1; i < cap; ++i) last = e->set_timer(0, day(5), 0);
  CHECK_THROWS_WITH_AS((void)e->set_timer(0, day(5), 0), doctest::Contains("the most one strategy may hold"),
                       ntrun::error);
  CHECK(e->cancel_timer(0, last));
  CHECK(e->set_timer(0, day(5), 0) > 0);
}

TEST_CASE("reduce-only orders and a list's children count in the order rate like any order") {
  auto e = make_risk_engine({make_bar(0, 0, 100, 100, 100, 100), make_bar(1, 0, 100, 100, 100, 100)},
                            {.max_orders_per_second = 3, .max_leverage = 0});
  REQUIRE(e->next(0) == event_kind::bar);
  market::order_request exit{.symbol = 0, .side = order_side::sell, .type = order_type::limit,
                             .quantity = 1, .limit_price = 200, .reduce_only = true};
  CHECK(e->submit(0, exit).reason == nullptr);
  CHECK(e->submit(0, exit).reason == nullptr);
  std::vector<market::order_request> list{market_buy(1), exit};
  const std::vector<market::list_link> links{{}, {.parent = 1}};
  std::vector<order_id> ids(2);
  // The parent is the third order of the second; its child would be the fourth.
  CHECK(std::string_view(e->submit_list(0, list, links, ids).reason) == "max_orders_per_second");
  CHECK(std::string_view(e->submit(0, exit).reason) == "max_orders_per_second");
}
