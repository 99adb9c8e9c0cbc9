// Tests of the simulated venue: every rule of docs/fill_model.md with hand-worked numbers,
// costs, order life cycle, bad input, and reference loops over generated bars.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/market/costs.hpp"
#include "ntrun/market/order.hpp"
#include "ntrun/market/venue.hpp"

using namespace ntrun;
using namespace ntrun::market;

namespace {

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double pinf = std::numeric_limits<double>::infinity();
constexpr ts_ns hour = 3600 * ns_per_second;

bar mk(ts_ns ts, double o, double h, double l, double c, double v = 1000, symbol_id sym = 0) {
  return bar{.ts_event = ts,
             .ts_init = ts,
             .sid = sym,
             .open = o,
             .high = h,
             .low = l,
             .close = c,
             .volume = v};
}

order_request req(order_side side, order_type type, double qty, double limit = 0, double stop = 0,
                  time_in_force tif = time_in_force::gtc) {
  return order_request{.symbol = 0,
                       .side = side,
                       .type = type,
                       .tif = tif,
                       .quantity = qty,
                       .limit_price = limit,
                       .stop_price = stop,
                       .strategy = 1,
                       .tag = 77};
}

struct fixture {
  simulated_venue venue;
  std::vector<order_event> ev;
  explicit fixture(venue_config cfg = {.num_symbols = 2}) : venue(cfg) {}

  order_id submit(const order_request& r, ts_ns now = 0) {
    ev.clear();
    return venue.submit(r, now, ev);
  }
  const std::vector<order_event>& bar_events(const bar& b) {
    ev.clear();
    venue.on_bar(b, ev);
    return ev;
  }
  /// Price of the single fill a bar produces, NaN when it produces none.
  double fill_price(const bar& b) {
    for (const auto& e : bar_events(b)) {
      if (e.kind == event_kind::filled || e.kind == event_kind::partially_filled) {
        return e.fill_info.price;
      }
    }
    return qnan;
  }
};

/// One order on a fresh venue, submitted at ts 0, then one bar at ts 1: its fill price or NaN.
double one_bar_fill(const order_request& r, const bar& b, venue_config cfg = {.num_symbols = 1}) {
  fixture f(cfg);
  REQUIRE(f.submit(r) != 0);
  return f.fill_price(b);
}

}  // namespace

TEST_CASE("market orders fill at the next bar's open, never on a bar at the submit time") {
  fixture f;
  const order_id id = f.submit(req(order_side::buy, order_type::market, 10), 100);
  REQUIRE(id == 1);
  REQUIRE(f.ev.size() == 1);
  CHECK(f.ev[0].kind == event_kind::accepted);
  CHECK(f.ev[0].tag == 77);
  CHECK(f.ev[0].strategy == 1);
  CHECK(f.bar_events(mk(100, 10, 11, 9, 10)).empty());           // same ts: no look-ahead
  CHECK(f.bar_events(mk(200, 10, 11, 9, 10, 1000, 1)).empty());  // other symbol
  const auto& ev = f.bar_events(mk(200, 10.5, 11, 9, 10));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::filled);
  CHECK(ev[0].id == id);
  CHECK(ev[0].status == order_status::filled);
  CHECK(ev[0].filled_qty == 10);
  CHECK(ev[0].remaining_qty == 0);
  CHECK(ev[0].ts_event == 200);
  CHECK(ev[0].fill_info.price == 10.5);
  CHECK(ev[0].fill_info.quantity == 10);
  CHECK(ev[0].fill_info.commission == 0);
  CHECK(ev[0].fill_info.side == order_side::buy);
  CHECK(f.venue.open_order_count() == 0);
  REQUIRE(f.venue.find(id) != nullptr);
  CHECK(f.venue.find(id)->status == order_status::filled);
  CHECK(f.venue.find(id)->avg_fill_price == 10.5);
  CHECK(f.bar_events(mk(300, 10, 11, 9, 10)).empty());
}

TEST_CASE("limit orders: touch fills at the limit, a gap through fills at the open") {
  const auto buy = req(order_side::buy, order_type::limit, 1, 9.5);
  CHECK(std::isnan(one_bar_fill(buy, mk(1, 10, 10.5, 9.6, 10))));
  CHECK(one_bar_fill(buy, mk(1, 10, 10.5, 9.0, 10)) == 9.5);
  CHECK(one_bar_fill(buy, mk(1, 9.0, 9.2, 8.5, 9)) == 9.0);  // gap down: better than L
  CHECK(one_bar_fill(buy, mk(1, 9.5, 9.7, 9.4, 9.6)) == 9.5);

  const auto sell = req(order_side::sell, order_type::limit, 1, 10.5);
  CHECK(std::isnan(one_bar_fill(sell, mk(1, 10, 10.4, 9, 10))));
  CHECK(one_bar_fill(sell, mk(1, 10, 11, 9, 10)) == 10.5);
  CHECK(one_bar_fill(sell, mk(1, 11, 11.5, 10.8, 11)) == 11);  // gap up: better than L

  // Slippage never applies to a limit.
  const venue_config slip{.num_symbols = 1, .slippage = {slippage_model::fixed, 0.25}};
  CHECK(one_bar_fill(buy, mk(1, 10, 10.5, 9.0, 10), slip) == 9.5);
  CHECK(one_bar_fill(sell, mk(1, 10, 11, 9, 10), slip) == 10.5);
}

TEST_CASE("stop orders: touch fills at the stop, a gap fills at the open, plus slippage") {
  const auto buy = req(order_side::buy, order_type::stop, 1, 0, 10.5);
  CHECK(std::isnan(one_bar_fill(buy, mk(1, 10, 10.4, 9.5, 10))));
  CHECK(one_bar_fill(buy, mk(1, 10, 11, 9.5, 10)) == 10.5);
  CHECK(one_bar_fill(buy, mk(1, 11, 11.5, 10.8, 11)) == 11);

  const auto sell = req(order_side::sell, order_type::stop, 1, 0, 9.5);
  CHECK(std::isnan(one_bar_fill(sell, mk(1, 10, 10.5, 9.6, 10))));
  CHECK(one_bar_fill(sell, mk(1, 10, 10.5, 9, 10)) == 9.5);
  CHECK(one_bar_fill(sell, mk(1, 9, 9.2, 8.5, 9)) == 9);

  const venue_config slip{.num_symbols = 1, .slippage = {slippage_model::fixed, 0.25}};
  CHECK(one_bar_fill(buy, mk(1, 10, 11, 9.5, 10), slip) == 10.75);
  CHECK(one_bar_fill(buy, mk(1, 11, 11.5, 10.8, 11), slip) == 11.25);
  CHECK(one_bar_fill(sell, mk(1, 10, 10.5, 9, 10), slip) == 9.25);
  CHECK(one_bar_fill(sell, mk(1, 9, 9.2, 8.5, 9), slip) == 8.75);
}

TEST_CASE("stop-limit: fills at the trigger when it meets the limit, else rests from next bar") {
  SUBCASE("buy, touched: fills at S without slippage") {
    const venue_config slip{.num_symbols = 1, .slippage = {slippage_model::fixed, 0.25}};
    CHECK(one_bar_fill(req(order_side::buy, order_type::stop_limit, 1, 10.7, 10.5),
                       mk(1, 10, 11, 9.5, 10), slip) == 10.5);
  }
  SUBCASE("buy, gap above the limit: triggers, rests, fills as a limit later") {
    fixture f;
    const order_id id = f.submit(req(order_side::buy, order_type::stop_limit, 1, 10.7, 10.5));
    CHECK(f.bar_events(mk(1, 11, 11.5, 10.0, 11)).empty());  // low 10 reached L: not this bar
    CHECK(f.venue.find(id)->triggered);
    CHECK(f.venue.find(id)->status == order_status::accepted);
    CHECK(std::isnan(f.fill_price(mk(2, 11, 11.2, 10.8, 11))));
    CHECK(f.fill_price(mk(3, 10.9, 11, 10.6, 10.8)) == 10.7);
  }
  SUBCASE("buy, triggered earlier, gap below the limit: fills at the open") {
    fixture f;
    (void)f.submit(req(order_side::buy, order_type::stop_limit, 1, 10.7, 10.5));
    CHECK(f.bar_events(mk(1, 11, 11.5, 10.0, 11)).empty());
    CHECK(f.fill_price(mk(2, 10.6, 10.9, 10.5, 10.8)) == 10.6);
  }
  SUBCASE("not touched: no trigger") {
    fixture f;
    const order_id id = f.submit(req(order_side::buy, order_type::stop_limit, 1, 10.7, 10.5));
    CHECK(f.bar_events(mk(1, 10, 10.4, 9, 10)).empty());
    CHECK_FALSE(f.venue.find(id)->triggered);
  }
  SUBCASE("sell, touched and gapped") {
    const auto sell = req(order_side::sell, order_type::stop_limit, 1, 9.3, 9.5);
    CHECK(one_bar_fill(sell, mk(1, 10, 10.2, 9, 9.6)) == 9.5);
    CHECK(one_bar_fill(sell, mk(1, 9.4, 9.6, 9, 9.2)) == 9.4);  // open below S, above L
    fixture f;
    (void)f.submit(sell);
    CHECK(f.bar_events(mk(1, 9, 9.6, 8.8, 9)).empty());  // open 9 < L 9.3
    CHECK(f.fill_price(mk(2, 9.1, 9.4, 9.0, 9.2)) == 9.3);
  }
}

TEST_CASE("close-only bars follow the same rules") {
  const auto close_only = [](double px) {
    bar b = mk(1, px, px, px, px);
    b.flags = 1;
    return b;
  };
  CHECK(one_bar_fill(req(order_side::buy, order_type::market, 1), close_only(10)) == 10);
  CHECK(one_bar_fill(req(order_side::buy, order_type::limit, 1, 10), close_only(10)) == 10);
  CHECK(std::isnan(one_bar_fill(req(order_side::buy, order_type::limit, 1, 9.9), close_only(10))));
  CHECK(one_bar_fill(req(order_side::sell, order_type::limit, 1, 9.9), close_only(10)) == 10);
  CHECK(one_bar_fill(req(order_side::buy, order_type::stop, 1, 0, 10), close_only(10)) == 10);
  CHECK(one_bar_fill(req(order_side::buy, order_type::stop, 1, 0, 9), close_only(10)) == 10);
  CHECK(
      std::isnan(one_bar_fill(req(order_side::buy, order_type::stop, 1, 0, 10.1), close_only(10))));
}

TEST_CASE("slippage models, worked by hand") {
  const auto px = [](slippage_model m, double v, order_side side, double qty, double volume) {
    return apply_slippage(slippage_config{m, v}, side, 100, qty, volume);
  };
  CHECK(px(slippage_model::none, 5, order_side::buy, 25, 100) == 100);
  CHECK(px(slippage_model::fixed, 0.05, order_side::buy, 25, 100) == doctest::Approx(100.05));
  CHECK(px(slippage_model::fixed, 0.05, order_side::sell, 25, 100) == doctest::Approx(99.95));
  CHECK(px(slippage_model::percentage, 0.001, order_side::buy, 25, 100) == doctest::Approx(100.1));
  CHECK(px(slippage_model::percentage, 0.001, order_side::sell, 25, 100) == doctest::Approx(99.9));
  // 100 * 0.1 * sqrt(25 / 100) = 5
  CHECK(px(slippage_model::volume, 0.1, order_side::buy, 25, 100) == doctest::Approx(105));
  CHECK(px(slippage_model::volume, 0.1, order_side::sell, 25, 100) == doctest::Approx(95));
  CHECK(px(slippage_model::volume, 0.1, order_side::buy, 25, 0) == 100);
  CHECK(px(slippage_model::fixed, 150, order_side::sell, 1, 100) == 0);  // never below 0

  // Through the venue: a market buy of 25 on a bar of volume 100 opening at 100.
  const venue_config cfg{.num_symbols = 1, .slippage = {slippage_model::volume, 0.1}};
  CHECK(one_bar_fill(req(order_side::buy, order_type::market, 25), mk(1, 100, 101, 99, 100, 100),
                     cfg) == doctest::Approx(105));
  CHECK(one_bar_fill(req(order_side::sell, order_type::market, 25), mk(1, 100, 101, 99, 100, 0),
                     cfg) == 100);
}

TEST_CASE("commission: max(minimum, per_share * qty + per_value * notional)") {
  const commission_config c{.per_share = 0.01, .per_value = 0.001, .minimum = 1};
  CHECK(commission_for(c, 100, 50) == doctest::Approx(6.0));  // 1 + 5
  CHECK(commission_for(c, 10, 50) == doctest::Approx(1.0));   // 0.1 + 0.5 < 1
  CHECK(commission_for({}, 10, 50) == 0);

  fixture f({.num_symbols = 1, .commission = c});
  (void)f.submit(req(order_side::sell, order_type::market, 100));
  const auto& ev = f.bar_events(mk(1, 50, 51, 49, 50));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].fill_info.commission == doctest::Approx(6.0));
}

TEST_CASE("volume cap: partial fills across bars, fractional quantities") {
  fixture f({.num_symbols = 1, .volume_cap = 0.1});
  const order_id id = f.submit(req(order_side::buy, order_type::market, 25));
  auto ev = f.bar_events(mk(1, 10, 10, 10, 10, 100));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::partially_filled);
  CHECK(ev[0].status == order_status::partially_filled);
  CHECK(ev[0].fill_info.quantity == doctest::Approx(10));
  CHECK(ev[0].remaining_qty == doctest::Approx(15));
  ev = f.bar_events(mk(2, 11, 11, 11, 11, 100));
  CHECK(ev.at(0).fill_info.quantity == doctest::Approx(10));
  ev = f.bar_events(mk(3, 12, 12, 12, 12, 45));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::partially_filled);
  CHECK(ev[0].fill_info.quantity == doctest::Approx(4.5));
  CHECK(ev[0].remaining_qty == doctest::Approx(0.5));
  ev = f.bar_events(mk(4, 12, 12, 12, 12, 0));  // volume 0: no cap
  CHECK(ev.at(0).kind == event_kind::filled);
  CHECK(ev[0].fill_info.quantity == doctest::Approx(0.5));
  CHECK(ev[0].remaining_qty == 0);
  // (10*10 + 10*11 + 4.5*12 + 0.5*12) / 25
  CHECK(f.venue.find(id)->avg_fill_price == doctest::Approx(270.0 / 25));
  CHECK(f.venue.find(id)->filled_qty == 25);
}

TEST_CASE("volume cap applies per order: two orders each get cap * volume") {
  fixture f({.num_symbols = 1, .volume_cap = 0.5});
  (void)f.submit(req(order_side::buy, order_type::market, 10));
  (void)f.submit(req(order_side::sell, order_type::market, 10));
  const auto& ev = f.bar_events(mk(1, 10, 10, 10, 10, 10));
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].id == 1);  // id order
  CHECK(ev[1].id == 2);
  CHECK(ev[0].fill_info.quantity == 5);
  CHECK(ev[1].fill_info.quantity == 5);
}

TEST_CASE("DAY orders expire at the first bar of a later UTC date, before matching") {
  fixture f;
  const ts_ns day0 = 19'000 * ns_per_day;
  const order_id id = f.submit(req(order_side::buy, order_type::limit, 1, 9, 0, time_in_force::day),
                               day0 + 10 * hour);
  CHECK(f.bar_events(mk(day0 + 11 * hour, 10, 10, 9.5, 10)).empty());
  const auto& ev = f.bar_events(mk(day0 + ns_per_day, 8, 8, 8, 8));  // would fill: expires first
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::expired);
  CHECK(ev[0].status == order_status::expired);
  CHECK(std::string_view(ev[0].reason) == "day_expired");
  CHECK(f.venue.find(id)->status == order_status::expired);
  CHECK(f.venue.open_order_count() == 0);

  // Filled on the same UTC day.
  fixture g;
  (void)g.submit(req(order_side::buy, order_type::limit, 1, 9, 0, time_in_force::day),
                 day0 + 10 * hour);
  CHECK(g.fill_price(mk(day0 + 23 * hour, 10, 10, 8.5, 9)) == 9);
}

TEST_CASE("DAY orders on daily bars live for the next bar's day") {
  const ts_ns day0 = 19'000 * ns_per_day;
  fixture f;  // placed while handling day 0's bar (stamped 00:00 UTC)
  (void)f.submit(req(order_side::buy, order_type::limit, 1, 9, 0, time_in_force::day), day0);
  CHECK(f.fill_price(mk(day0 + ns_per_day, 10, 10, 8.5, 9)) == 9);

  fixture g;
  const order_id id =
      g.submit(req(order_side::buy, order_type::limit, 1, 9, 0, time_in_force::day), day0);
  CHECK(g.bar_events(mk(day0 + ns_per_day, 10, 10, 9.5, 10)).empty());  // day 1: not reached
  const auto& ev = g.bar_events(mk(day0 + 2 * ns_per_day, 8, 8, 8, 8));  // day 2: expired
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::expired);
  CHECK(g.venue.find(id)->status == order_status::expired);
}

TEST_CASE("IOC: only the first eligible bar; the rest is canceled") {
  SUBCASE("not reached") {
    fixture f;
    (void)f.submit(req(order_side::buy, order_type::limit, 1, 9, 0, time_in_force::ioc), 5);
    CHECK(f.bar_events(mk(5, 8, 8, 8, 8)).empty());  // same ts: not eligible
    const auto& ev = f.bar_events(mk(6, 10, 10, 9.5, 10));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == event_kind::canceled);
    CHECK(std::string_view(ev[0].reason) == "ioc_unfilled");
  }
  SUBCASE("partial under the volume cap") {
    fixture f({.num_symbols = 1, .volume_cap = 0.1});
    (void)f.submit(req(order_side::buy, order_type::market, 25, 0, 0, time_in_force::ioc));
    const auto& ev = f.bar_events(mk(1, 10, 10, 10, 10, 100));
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].kind == event_kind::partially_filled);
    CHECK(ev[0].fill_info.quantity == doctest::Approx(10));
    CHECK(ev[1].kind == event_kind::canceled);
    CHECK(ev[1].status == order_status::canceled);
    CHECK(ev[1].filled_qty == doctest::Approx(10));
    CHECK(ev[1].remaining_qty == doctest::Approx(15));
    CHECK(std::string_view(ev[1].reason) == "ioc_unfilled");
  }
  SUBCASE("full") {
    fixture f;
    (void)f.submit(req(order_side::sell, order_type::market, 3, 0, 0, time_in_force::ioc));
    const auto& ev = f.bar_events(mk(1, 10, 10, 10, 10));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == event_kind::filled);
  }
}

TEST_CASE("FOK: fills completely on the first eligible bar or is canceled whole") {
  fixture f({.num_symbols = 1, .volume_cap = 0.1});
  (void)f.submit(req(order_side::buy, order_type::market, 25, 0, 0, time_in_force::fok));
  auto ev = f.bar_events(mk(1, 10, 10, 10, 10, 100));  // cap 10 < 25
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::canceled);
  CHECK(ev[0].filled_qty == 0);
  CHECK(std::string_view(ev[0].reason) == "fok_not_fillable");

  (void)f.submit(req(order_side::buy, order_type::market, 25, 0, 0, time_in_force::fok), 1);
  ev = f.bar_events(mk(2, 10, 10, 10, 10, 250));  // cap 25
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::filled);

  (void)f.submit(req(order_side::buy, order_type::limit, 1, 9, 0, time_in_force::fok), 2);
  ev = f.bar_events(mk(3, 10, 10, 9.5, 10, 250));
  REQUIRE(ev.size() == 1);
  CHECK(std::string_view(ev[0].reason) == "fok_not_fillable");
}

TEST_CASE("invalid orders are rejected with the right reason and never rest") {
  fixture f;
  const auto rejected_with = [&](order_request r) -> std::string_view {
    const order_id id = f.submit(r, 42);
    REQUIRE(id == 0);
    REQUIRE(f.ev.size() == 1);
    CHECK(f.ev[0].kind == event_kind::rejected);
    CHECK(f.ev[0].status == order_status::rejected);
    CHECK(f.ev[0].id == 0);
    CHECK(f.ev[0].tag == 77);
    CHECK(f.ev[0].ts_event == 42);
    REQUIRE(f.ev[0].reason != nullptr);
    return f.ev[0].reason;
  };
  for (const double q : {qnan, pinf, -pinf, 0.0, -1.0}) {
    CHECK(rejected_with(req(order_side::buy, order_type::market, q)) == "invalid_quantity");
  }
  for (const double p : {qnan, pinf, 0.0, -1.0}) {
    CHECK(rejected_with(req(order_side::buy, order_type::limit, 1, p)) == "invalid_price");
    CHECK(rejected_with(req(order_side::sell, order_type::stop, 1, 0, p)) == "invalid_price");
    CHECK(rejected_with(req(order_side::buy, order_type::stop_limit, 1, p, 10)) == "invalid_price");
    CHECK(rejected_with(req(order_side::buy, order_type::stop_limit, 1, 10, p)) == "invalid_price");
  }
  auto r = req(order_side::buy, order_type::market, 1);
  r.symbol = 2;
  CHECK(rejected_with(r) == "unknown_symbol");
  r.symbol = 0xFFFFFFFFu;
  CHECK(rejected_with(r) == "unknown_symbol");
  r = req(order_side::buy, order_type::market, 1);
  r.side = static_cast<order_side>(7);
  CHECK(rejected_with(r) == "invalid_side");
  r = req(order_side::buy, order_type::market, 1);
  r.type = static_cast<order_type>(9);
  CHECK(rejected_with(r) == "invalid_order_type");
  r = req(order_side::buy, order_type::market, 1);
  r.tif = static_cast<time_in_force>(9);
  CHECK(rejected_with(r) == "invalid_time_in_force");
  CHECK(f.venue.open_order_count() == 0);
  CHECK(f.venue.find(1) == nullptr);
  CHECK(f.bar_events(mk(100, 10, 10, 10, 10)).empty());
  // A market order ignores its unused prices.
  CHECK(f.submit(req(order_side::buy, order_type::market, 1, qnan, qnan)) == 1);
}

TEST_CASE("cancel: open orders only; unknown and closed ids are refused") {
  fixture f;
  std::vector<order_event> out;
  CHECK_FALSE(f.venue.cancel(0, 5, out));
  CHECK_FALSE(f.venue.cancel(999, 5, out));
  REQUIRE(out.size() == 2);
  CHECK(out[0].kind == event_kind::cancel_rejected);
  CHECK(std::string_view(out[1].reason) == "order_not_open");

  const order_id a = f.submit(req(order_side::buy, order_type::limit, 1, 9));
  const order_id b = f.submit(req(order_side::buy, order_type::market, 1));
  out.clear();
  CHECK(f.venue.cancel(a, 5, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == event_kind::canceled);
  CHECK(out[0].status == order_status::canceled);
  CHECK(out[0].id == a);
  CHECK(std::string_view(out[0].reason) == "canceled_by_strategy");
  CHECK_FALSE(f.venue.cancel(a, 6, out));  // twice
  CHECK(f.venue.open_order_count() == 1);
  (void)f.bar_events(mk(10, 8, 8, 8, 8));  // fills b only
  REQUIRE(f.ev.size() == 1);
  CHECK(f.ev[0].id == b);
  out.clear();
  CHECK_FALSE(f.venue.cancel(b, 11, out));  // filled
  CHECK(out.at(0).status == order_status::filled);
}

TEST_CASE("modify: NaN keeps, new values apply from the next bar, bad values refused") {
  fixture f;
  std::vector<order_event> out;
  const order_id id = f.submit(req(order_side::buy, order_type::limit, 10, 9));
  CHECK(f.venue.modify(id, qnan, 9.8, 5.0, 3, out));  // stop ignored for a limit
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == event_kind::modified);
  CHECK(f.venue.find(id)->request.limit_price == 9.8);
  CHECK(f.venue.find(id)->request.quantity == 10);
  CHECK(f.venue.find(id)->request.stop_price == 0);
  CHECK(f.bar_events(mk(3, 10, 10, 9.7, 10)).empty());  // bar at the modify time
  CHECK(f.fill_price(mk(4, 10, 10, 9.7, 10)) == 9.8);

  fixture g({.num_symbols = 1, .volume_cap = 0.1});
  const order_id p = g.submit(req(order_side::buy, order_type::market, 25));
  (void)g.bar_events(mk(1, 10, 10, 10, 10, 100));  // 10 filled
  out.clear();
  for (const double q : {10.0, 5.0, 0.0, -1.0, pinf})
    CHECK_FALSE(g.venue.modify(p, q, qnan, qnan, 2, out));
  CHECK(out.size() == 5);
  CHECK(out[0].kind == event_kind::modify_rejected);
  CHECK(std::string_view(out[0].reason) == "invalid_quantity");
  CHECK(g.venue.find(p)->request.quantity == 25);
  CHECK(g.venue.modify(p, 12, qnan, qnan, 2, out));
  const auto& ev = g.bar_events(mk(3, 10, 10, 10, 10, 100));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == event_kind::filled);
  CHECK(ev[0].fill_info.quantity == doctest::Approx(2));

  fixture h;
  const order_id s = h.submit(req(order_side::sell, order_type::stop_limit, 1, 9, 9.5));
  out.clear();
  for (const double px : {0.0, -1.0, pinf}) {
    CHECK_FALSE(h.venue.modify(s, qnan, px, qnan, 1, out));
    CHECK_FALSE(h.venue.modify(s, qnan, qnan, px, 1, out));
  }
  CHECK(std::string_view(out.at(0).reason) == "invalid_price");
  CHECK_FALSE(h.venue.modify(12345, 1, qnan, qnan, 1, out));
  CHECK(std::string_view(out.back().reason) == "order_not_open");
}

TEST_CASE("cancel_all, open_orders and open_order_ids") {
  fixture f;
  auto r = req(order_side::buy, order_type::limit, 1, 5);
  r.strategy = 1;
  (void)f.submit(r);  // 1
  r.strategy = 2;
  (void)f.submit(r);  // 2
  r.symbol = 1;
  r.strategy = 1;
  (void)f.submit(r);  // 3
  const auto open = f.venue.open_orders();
  REQUIRE(open.size() == 3);
  CHECK(open[0].id == 1);
  CHECK(open[2].id == 3);
  CHECK(f.venue.open_order_ids(1).size() == 1);
  CHECK(f.venue.open_order_ids(99).empty());
  std::vector<order_event> out;
  CHECK(f.venue.cancel_all(1, 7, out) == 2);
  REQUIRE(out.size() == 2);
  CHECK(out[0].id == 1);
  CHECK(out[1].id == 3);
  CHECK(f.venue.open_order_count() == 1);
  CHECK(f.venue.cancel_all(-1, 8, out) == 1);
  CHECK(f.venue.open_order_count() == 0);
  CHECK(f.venue.open_orders().empty());
}

TEST_CASE("bad configuration and bad bars throw market_error") {
  CHECK_THROWS_AS(simulated_venue({.num_symbols = 0}), market_error);
  CHECK_THROWS_AS(simulated_venue({.num_symbols = 1, .volume_cap = -0.1}), market_error);
  CHECK_THROWS_AS(simulated_venue({.num_symbols = 1, .volume_cap = 1.5}), market_error);
  CHECK_THROWS_AS(simulated_venue({.num_symbols = 1, .volume_cap = qnan}), market_error);
  CHECK_THROWS_AS(simulated_venue({.num_symbols = 1, .slippage = {slippage_model::fixed, -1}}),
                  market_error);
  CHECK_THROWS_AS(
      simulated_venue({.num_symbols = 1, .slippage = {static_cast<slippage_model>(9), 0}}),
      market_error);
  CHECK_THROWS_AS(simulated_venue({.num_symbols = 1, .commission = {.minimum = qnan}}),
                  market_error);
  fixture f;
  (void)f.submit(req(order_side::buy, order_type::market, 1));
  std::vector<order_event> out;
  CHECK_THROWS_AS(f.venue.on_bar(mk(1, 10, 10, 10, 10, 10, 2), out), market_error);
  CHECK_THROWS_AS(f.venue.on_bar(mk(1, qnan, 10, 10, 10), out), market_error);
  CHECK_THROWS_AS(f.venue.on_bar(mk(1, 10, pinf, 10, 10), out), market_error);
  CHECK_THROWS_AS(f.venue.on_bar(mk(1, 10, 10, 10, 10, -5), out), market_error);
  CHECK(out.empty());
  CHECK(f.venue.open_order_count() == 1);
}

namespace {

/// Deterministic pseudo-random bars: a walk with highs and lows around it.
std::vector<bar> walk(int n, std::uint64_t seed) {
  std::vector<bar> bars;
  double px = 100;
  for (int i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(seed >> 11) / 9007199254740992.0;
    const double open = px * (1 + (u - 0.5) * 0.04);
    const double close = open * (1 + (u - 0.45) * 0.03);
    const double high = std::max(open, close) * (1 + u * 0.01);
    const double low = std::min(open, close) * (1 - (1 - u) * 0.01);
    bars.push_back(mk(i + 1, open, high, low, close, 50 + 100 * u));
    px = close;
  }
  return bars;
}

}  // namespace

TEST_CASE("reference loop: GTC limit and stop fills over a generated walk") {
  const auto bars = walk(400, 7);
  int filled = 0, unfilled = 0;
  for (const double level : {40.0, 90.0, 95.0, 99.0, 101.0, 105.0, 110.0, 400.0}) {
    for (const auto side : {order_side::buy, order_side::sell}) {
      for (const auto type : {order_type::limit, order_type::stop}) {
        const double lim = type == order_type::limit ? level : 0;
        const double stp = type == order_type::stop ? level : 0;
        fixture f({.num_symbols = 1});
        (void)f.submit(req(side, type, 1, lim, stp));
        double got = qnan;
        for (const auto& b : bars) {
          got = f.fill_price(b);
          if (!std::isnan(got)) break;
        }
        // Reference: the first bar whose range reaches the level from the right side.
        double want = qnan;
        for (const auto& b : bars) {
          const bool buy = side == order_side::buy;
          const bool favourable_open = type == order_type::limit
                                           ? (buy ? b.open <= level : b.open >= level)
                                           : (buy ? b.open >= level : b.open <= level);
          const bool touched = type == order_type::limit ? (buy ? b.low <= level : b.high >= level)
                                                         : (buy ? b.high >= level : b.low <= level);
          if (favourable_open) {
            want = b.open;
            break;
          }
          if (touched) {
            want = level;
            break;
          }
        }
        CHECK(std::isnan(got) == std::isnan(want));
        if (!std::isnan(want)) CHECK(got == want);
        ++(std::isnan(want) ? unfilled : filled);
      }
    }
  }
  CHECK(filled >= 8);  // the walk must exercise both outcomes
  CHECK(unfilled >= 2);
  MESSAGE("filled ", filled, " unfilled ", unfilled);
}

TEST_CASE("reference loop: volume-capped market order fills cap * volume per bar") {
  const auto bars = walk(50, 11);
  const double cap = 0.05;
  const double qty = 40;
  fixture f({.num_symbols = 1, .volume_cap = cap});
  const order_id id = f.submit(req(order_side::buy, order_type::market, qty));
  double remaining = qty, notional = 0;
  for (const auto& b : bars) {
    const auto& ev = f.bar_events(b);
    const double want = std::min(remaining, cap * b.volume);
    if (remaining <= 1e-9) {
      CHECK(ev.empty());
      continue;
    }
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].fill_info.quantity == doctest::Approx(want));
    CHECK(ev[0].fill_info.price == b.open);
    remaining -= want;
    notional += want * b.open;
  }
  REQUIRE(remaining <= 1e-9);
  CHECK(f.venue.find(id)->status == order_status::filled);
  CHECK(f.venue.find(id)->avg_fill_price == doctest::Approx(notional / qty));
}

TEST_CASE("closed orders beyond keep_closed_orders are forgotten; open ones never") {
  venue_config cfg{.num_symbols = 1, .keep_closed_orders = 4};
  simulated_venue v(cfg);
  std::vector<order_event> out;
  // A resting limit far away stays open throughout.
  const order_id resting =
      v.submit(order_request{.symbol = 0, .side = order_side::buy, .type = order_type::limit,
                             .quantity = 1, .limit_price = 1},
               0, out);
  std::vector<order_id> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(v.submit(order_request{.symbol = 0, .side = order_side::buy, .quantity = 1},
                           i, out));
    v.on_bar(bar{.ts_event = i + 1, .sid = 0, .open = 10, .high = 10, .low = 10, .close = 10,
                 .volume = 100},
             out);
  }
  REQUIRE(v.find(resting) != nullptr);  // open: kept, and it blocks forgetting after it
  CHECK(v.find(resting)->is_open());
  CHECK(v.find(ids.front()) != nullptr);
  CHECK(v.open_order_count() == 1);
  CHECK(v.cancel(resting, 30, out));
  (void)v.submit(order_request{.symbol = 0, .side = order_side::buy, .quantity = 1}, 31, out);
  CHECK(v.find(resting) == nullptr);      // closed and old: forgotten
  CHECK(v.find(ids.front()) == nullptr);
  CHECK(v.find(ids.back()) != nullptr);   // recent closed orders still answer
  CHECK(v.find(ids.back())->status == order_status::filled);
}

// ---- contingent orders: bracket, OCO, OTO, reduce-only, trailing stops, the bar's path ----
namespace {

/// Answers reduce-only from the fills in the events so far (the engine's rule, without one).
struct book_guard final : fill_guard {
  const std::vector<order_event>* seen = nullptr;
  double allow(const order& o, double qty, double, const char** why) override {
    double pos = 0;
    for (const auto& e : *seen) {
      if (e.kind == event_kind::filled || e.kind == event_kind::partially_filled) {
        pos += e.fill_info.side == order_side::buy ? e.fill_info.quantity : -e.fill_info.quantity;
      }
    }
    if (!o.request.reduce_only) return qty;
    const double room = o.request.side == order_side::sell ? std::max(pos, 0.0) : std::max(-pos, 0.0);
    if (room < qty) *why = reason::reduce_only;
    return std::min(room, qty);
  }
};

/// A venue whose events accumulate over the whole test (the guard books from them).
struct book {
  simulated_venue venue;
  std::vector<order_event> ev;
  book_guard guard;
  explicit book(venue_config cfg = {.num_symbols = 2}) : venue(cfg) {
    guard.seen = &ev;
    venue.set_fill_guard(&guard);
  }
  /// Entry + stop-loss + take-profit (children reduce-only, OCO with each other).
  std::vector<order_id> bracket(order_request entry, double stop, double target, ts_ns now = 0) {
    const order_side exit = entry.side == order_side::buy ? order_side::sell : order_side::buy;
    order_request sl = req(exit, order_type::stop, entry.quantity, 0, stop);
    order_request tp = req(exit, order_type::limit, entry.quantity, target);
    sl.reduce_only = tp.reduce_only = true;
    sl.role = order_role::stop_loss;
    tp.role = order_role::take_profit;
    const std::vector<order_request> reqs{entry, sl, tp};
    const std::vector<list_link> links{{}, {.parent = 1, .oco = 1}, {.parent = 1, .oco = 1}};
    std::vector<order_id> ids(3);
    REQUIRE(venue.submit_list(reqs, links, now, ev, ids));
    return ids;
  }
  /// "kind id price|reason" of the events from `from` on.
  std::vector<std::string> since(std::size_t from) const {
    std::vector<std::string> out;
    for (std::size_t i = from; i < ev.size(); ++i) {
      const order_event& e = ev[i];
      std::string s = std::string(to_string(e.kind)) + " " + std::to_string(e.id);
      if (e.kind == event_kind::filled || e.kind == event_kind::partially_filled) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %g@%g", e.fill_info.quantity, e.fill_info.price);
        s += buf;
      } else if (e.reason != nullptr) {
        s += std::string(" ") + e.reason;
      }
      out.push_back(s);
    }
    return out;
  }
  std::size_t on_bar(const bar& b) {
    const std::size_t from = ev.size();
    venue.on_bar(b, ev);
    return from;
  }
};

using lines = std::vector<std::string>;

}  // namespace

TEST_CASE("bracket: the exits wake on the entry's fill and the first one on the bar's path wins") {
  SUBCASE("the low comes first (a tie: 3 up, 3 down): the stop-loss at 98, the target canceled") {
    book b;
    const auto ids = b.bracket(req(order_side::buy, order_type::market, 10), 98, 102);
    CHECK_FALSE(b.venue.find(ids[1])->active);
    // Path 100 -> 97 -> 103 -> 101: entry at 100 (t 0), stop 98 at t 2/3, target 102 at t 1.83.
    const auto from = b.on_bar(mk(1, 100, 103, 97, 101));
    CHECK(b.since(from) == lines{"filled 1 10@100", "filled 2 10@98", "canceled 3 oco_filled"});
    CHECK(b.venue.open_order_count() == 0);
  }
  SUBCASE("the high nearer the open comes first: the target at 102, the stop canceled") {
    book b;
    b.bracket(req(order_side::buy, order_type::market, 10), 98, 102);
    // Path 100 -> 102 -> 97 -> 99: both legs touched, only the first fills.
    const auto from = b.on_bar(mk(1, 100, 102, 97, 99));
    CHECK(b.since(from) == lines{"filled 1 10@100", "filled 3 10@102", "canceled 2 oco_filled"});
  }
  SUBCASE("a gap through both legs: the stop fills at the open, the target never") {
    book b;
    b.bracket(req(order_side::buy, order_type::market, 10), 98, 102);
    b.on_bar(mk(1, 100, 101, 99, 100));  // entry at 100; neither exit touched
    CHECK(b.venue.open_order_count() == 2);
    // Opens at 95 (below the stop), then rises through the target: the stop at the open wins.
    const auto from = b.on_bar(mk(2, 95, 104, 94, 103));
    CHECK(b.since(from) == lines{"filled 2 10@95", "canceled 3 oco_filled"});
  }
  SUBCASE("a short bracket mirrors it: stop above, target below") {
    book b;
    b.bracket(req(order_side::sell, order_type::market, 5), 103, 96);
    // Path 100 -> 104 -> 95 -> 97 (up 4, down 5: the high first): the stop at 103 first.
    const auto from = b.on_bar(mk(1, 100, 104, 95, 97));
    CHECK(b.since(from) == lines{"filled 1 5@100", "filled 2 5@103", "canceled 3 oco_filled"});
  }
}

TEST_CASE("OTO: a child fills on the same bar only where the path reaches it after the parent") {
  SUBCASE("low first: the entry at 98 (t 1), then the path rises to 104 through the target 101") {
    book b;
    b.bracket(req(order_side::buy, order_type::limit, 1, 98), 90, 101);
    const auto from = b.on_bar(mk(1, 100, 104, 98, 103));
    CHECK(b.since(from) == lines{"filled 1 1@98", "filled 3 1@101", "canceled 2 oco_filled"});
  }
  SUBCASE("high first: the high of 102 came before the entry at 98, so the target waits") {
    book b;
    b.bracket(req(order_side::buy, order_type::limit, 1, 98), 90, 101);
    // Path 100 -> 102 -> 97 -> 100: entry at t 1.8; after it the path never reaches 101.
    const auto from = b.on_bar(mk(1, 100, 102, 97, 100));
    CHECK(b.since(from) == lines{"filled 1 1@98"});
    CHECK(b.venue.open_order_count() == 2);
    const auto next = b.on_bar(mk(2, 100, 101.5, 99, 101));
    CHECK(b.since(next) == lines{"filled 3 1@101", "canceled 2 oco_filled"});
  }
}

TEST_CASE("a parent that never fills keeps its children asleep, and takes them along when it closes") {
  book b;
  const auto ids = b.bracket(req(order_side::buy, order_type::limit, 1, 90), 85, 120);
  // Bars that reach the children's prices but not the entry's: nothing fills.
  auto from = b.on_bar(mk(1, 100, 125, 95, 100));
  CHECK(b.since(from).empty());
  from = b.ev.size();
  CHECK(b.venue.cancel(ids[0], 2, b.ev));
  CHECK(b.since(from) == lines{"canceled 1 canceled_by_strategy", "canceled 2 parent_closed",
                               "canceled 3 parent_closed"});
  CHECK(b.venue.open_order_count() == 0);

  SUBCASE("a DAY entry that expires") {
    book d;
    d.bracket(req(order_side::buy, order_type::limit, 1, 90, 0, time_in_force::day), 85, 120);
    d.on_bar(mk(1, 100, 101, 99, 100));
    const auto f = d.on_bar(mk(ns_per_day + 1, 100, 101, 99, 100));
    CHECK(d.since(f) == lines{"expired 1 day_expired", "canceled 2 parent_closed",
                              "canceled 3 parent_closed"});
  }
  SUBCASE("a child canceled alone leaves its sibling") {
    book d;
    const auto i = d.bracket(req(order_side::buy, order_type::market, 1), 85, 120);
    const std::size_t f = d.ev.size();
    CHECK(d.venue.cancel(i[2], 0, d.ev));
    CHECK(d.since(f) == lines{"canceled 3 canceled_by_strategy"});
    const auto g = d.on_bar(mk(1, 100, 101, 80, 90));
    CHECK(d.since(g) == lines{"filled 1 1@100", "filled 2 1@85"});
  }
}

TEST_CASE("partial fills under a volume cap: the exits cover what is held, the entry's rest goes") {
  book b({.num_symbols = 1, .volume_cap = 0.1});
  b.bracket(req(order_side::buy, order_type::market, 10), 98, 102);
  // 5 units a bar (volume 50). Path 100 -> 101 -> 97 -> 99 (up 1: the high first): the entry
  // fills 5 at the open; the stop wakes, fills 5 at 98 (t 1.75), which cancels the target and
  // what is left of the entry.
  auto from = b.on_bar(mk(1, 100, 101, 97, 99, 50));
  CHECK(b.since(from) == lines{"partially_filled 1 5@100", "partially_filled 2 5@98",
                               "canceled 3 oco_filled", "canceled 1 bracket_exited"});
  // The stop's rest is a market order now, with nothing left to reduce: canceled.
  from = b.on_bar(mk(2, 99, 100, 98, 99, 50));
  CHECK(b.since(from) == lines{"canceled 2 reduce_only"});
  CHECK(b.venue.open_order_count() == 0);
}

TEST_CASE("OCO without a parent: two resting exits, only the first touched fills") {
  book b;
  order_request stop = req(order_side::sell, order_type::stop, 1, 0, 95);
  order_request target = req(order_side::sell, order_type::limit, 1, 105);
  const std::vector<order_request> reqs{stop, target};
  const std::vector<list_link> links{{.parent = 0, .oco = 7}, {.parent = 0, .oco = 7}};
  std::vector<order_id> ids(2);
  REQUIRE(b.venue.submit_list(reqs, links, 0, b.ev, ids));
  CHECK(ids == std::vector<order_id>{1, 2});
  // Path 100 -> 106 -> 94 -> 100 (up 6 < down 6? a tie: the low first): 100 -> 94 -> 106.
  const auto from = b.on_bar(mk(1, 100, 106, 94, 100));
  CHECK(b.since(from) == lines{"filled 1 1@95", "canceled 2 oco_filled"});
}

TEST_CASE("a list is accepted whole or rejected whole, naming the order that failed") {
  book b;
  const order_request good = req(order_side::buy, order_type::market, 1);
  std::vector<order_id> ids(2, 99);
  SUBCASE("a bad price in the second order") {
    const std::vector<order_request> reqs{good, req(order_side::sell, order_type::limit, 1, -5)};
    CHECK_FALSE(b.venue.submit_list(reqs, std::vector<list_link>{{}, {.parent = 1}}, 0, b.ev, ids));
    CHECK(b.since(0) == lines{"rejected 0 linked_order_rejected", "rejected 0 invalid_price"});
  }
  SUBCASE("a parent after its child") {
    const std::vector<order_request> reqs{good, good};
    CHECK_FALSE(b.venue.submit_list(reqs, std::vector<list_link>{{.parent = 2}, {}}, 0, b.ev, ids));
    CHECK(b.since(0) == lines{"rejected 0 invalid_link", "rejected 0 linked_order_rejected"});
  }
  SUBCASE("an OCO group of one") {
    const std::vector<order_request> reqs{good, good};
    CHECK_FALSE(b.venue.submit_list(reqs, std::vector<list_link>{{.oco = 1}, {}}, 0, b.ev, ids));
    CHECK(b.since(0).front() == "rejected 0 invalid_link");
  }
  SUBCASE("a parent and its child in one OCO group") {
    const std::vector<order_request> reqs{good, good};
    CHECK_FALSE(b.venue.submit_list(reqs, std::vector<list_link>{{.oco = 1}, {.parent = 1, .oco = 1}},
                                    0, b.ev, ids));
  }
  CHECK(ids == std::vector<order_id>{0, 0});
  CHECK(b.venue.open_order_count() == 0);
}

TEST_CASE("trailing stops follow each close and never move back") {
  book b;
  b.on_bar(mk(1, 100, 101, 99, 100));  // the last close: 100
  order_request t = req(order_side::sell, order_type::stop, 1, 0, qnan);
  t.trail_amount = 2;
  const order_id id = b.venue.submit(t, 1, b.ev);
  REQUIRE(id != 0);
  CHECK(b.venue.find(id)->request.stop_price == 98);  // 100 - 2
  b.on_bar(mk(2, 100, 104, 99, 103));                  // low 99 > 98: no touch; close 103 -> 101
  CHECK(b.venue.find(id)->request.stop_price == 101);
  b.on_bar(mk(3, 103, 103, 101.5, 102));               // close 102 would give 100: stays 101
  CHECK(b.venue.find(id)->request.stop_price == 101);
  const auto from = b.on_bar(mk(4, 102, 102, 100, 100.5));
  CHECK(b.since(from) == lines{"filled 1 1@101"});

  SUBCASE("by percent, for a buy stop") {
    book p;
    p.on_bar(mk(1, 100, 101, 99, 100));
    order_request s = req(order_side::buy, order_type::stop, 1, 0, 0);
    s.trail_percent = 0.05;
    const order_id i = p.venue.submit(s, 1, p.ev);
    CHECK(p.venue.find(i)->request.stop_price == doctest::Approx(105));
    p.on_bar(mk(2, 100, 100, 90, 90));  // 90 * 1.05 = 94.5
    CHECK(p.venue.find(i)->request.stop_price == doctest::Approx(94.5));
  }
  SUBCASE("refused without a close to start from, or with a bad trail") {
    book p;
    std::vector<order_event> out;
    order_request s = req(order_side::sell, order_type::stop, 1, 0, qnan);
    s.trail_amount = 1;
    CHECK(p.venue.submit(s, 0, out) == 0);
    CHECK(std::string_view(out.back().reason) == reason::no_reference_price);
    s.trail_percent = 0.1;  // both
    CHECK(validate_request(s, 1) == std::string_view(reason::invalid_trail));
    s.trail_amount = 0;
    s.trail_percent = 1.5;
    CHECK(validate_request(s, 1) == std::string_view(reason::invalid_trail));
    s.trail_percent = 0.1;
    s.type = order_type::limit;
    s.limit_price = 10;
    CHECK(validate_request(s, 1) == std::string_view(reason::invalid_trail));
  }
}

TEST_CASE("fills carry the order's tag and kind, the exit reason of the trades they close") {
  book b;
  b.bracket(req(order_side::buy, order_type::market, 1), 98, 102);
  b.on_bar(mk(1, 100, 103, 97, 101));
  REQUIRE(b.ev.size() >= 5);
  CHECK(std::string_view(b.ev[3].fill_info.kind) == "market");
  CHECK(std::string_view(b.ev[4].fill_info.kind) == "stop_loss");
  CHECK(b.ev[4].fill_info.tag == 77);
}

TEST_CASE("linked orders across symbols, cancel_all, modify, and forgotten records") {
  SUBCASE("an OCO pair on two symbols: a fill on one cancels the other symbol's order") {
    book b;
    order_request a = req(order_side::buy, order_type::limit, 1, 99);
    order_request c = req(order_side::buy, order_type::limit, 1, 49);
    c.symbol = 1;
    std::vector<order_id> ids(2);
    REQUIRE(b.venue.submit_list(std::vector<order_request>{a, c},
                                std::vector<list_link>{{.oco = 1}, {.oco = 1}}, 0, b.ev, ids));
    const auto from = b.on_bar(mk(1, 100, 100, 98, 99));
    CHECK(b.since(from) == lines{"filled 1 1@99", "canceled 2 oco_filled"});
    CHECK(b.venue.open_order_count() == 0);
    CHECK(b.venue.open_order_ids(1).empty());
    CHECK(b.since(b.on_bar(mk(1, 48, 48, 48, 48, 1000, 1))).empty());
  }
  SUBCASE("a child on another symbol waits for that symbol's next bar, not one at the same time") {
    book b;
    order_request parent = req(order_side::buy, order_type::market, 1);
    order_request child = req(order_side::sell, order_type::market, 2);
    child.symbol = 1;
    std::vector<order_id> ids(2);
    REQUIRE(b.venue.submit_list(std::vector<order_request>{parent, child},
                                std::vector<list_link>{{}, {.parent = 1}}, 0, b.ev, ids));
    CHECK(b.since(b.on_bar(mk(5, 100, 100, 100, 100))) == lines{"filled 1 1@100"});
    CHECK(b.since(b.on_bar(mk(5, 50, 50, 50, 50, 1000, 1))).empty());  // same time: no
    CHECK(b.since(b.on_bar(mk(6, 51, 51, 51, 51, 1000, 1))) == lines{"filled 2 2@51"});
  }
  SUBCASE("cancel_all takes a waiting bracket down once") {
    book b;
    b.bracket(req(order_side::buy, order_type::limit, 1, 90), 85, 120);
    const std::size_t from = b.ev.size();
    CHECK(b.venue.cancel_all(1, 0, b.ev) == 3);
    CHECK(b.since(from) == lines{"canceled 1 canceled_by_strategy", "canceled 2 parent_closed",
                                 "canceled 3 parent_closed"});
    CHECK(b.venue.open_order_count() == 0);
  }
  SUBCASE("a waiting child can be modified and stays asleep") {
    book b;
    const auto ids = b.bracket(req(order_side::buy, order_type::limit, 1, 90), 85, 120);
    CHECK(b.venue.modify(ids[1], qnan, qnan, 80, 0, b.ev));
    CHECK(b.venue.find(ids[1])->request.stop_price == 80);
    CHECK_FALSE(b.venue.find(ids[1])->active);
    CHECK(b.since(b.on_bar(mk(1, 100, 100, 70, 75))) ==
          lines{"filled 1 1@90", "filled 2 1@80", "canceled 3 oco_filled"});
  }
  SUBCASE("an OCO member canceled and forgotten does not hide the group's other orders") {
    book b({.num_symbols = 1, .keep_closed_orders = 0});
    const order_request leg = req(order_side::buy, order_type::limit, 1, 50);
    std::vector<order_id> ids(3);
    REQUIRE(b.venue.submit_list(std::vector<order_request>{leg, leg, req(order_side::buy, order_type::limit, 1, 99)},
                                std::vector<list_link>{{.oco = 1}, {.oco = 1}, {.oco = 1}}, 0, b.ev,
                                ids));
    CHECK(b.venue.cancel(ids[0], 0, b.ev));
    // A new order makes the venue forget the closed record at the front (keep 0).
    REQUIRE(b.venue.submit(req(order_side::buy, order_type::limit, 1, 10), 0, b.ev) != 0);
    CHECK(b.venue.find(ids[0]) == nullptr);
    const auto from = b.on_bar(mk(1, 100, 100, 98, 99));
    CHECK(b.since(from) == lines{"filled 3 1@99", "canceled 2 oco_filled"});
  }
}

TEST_CASE("a child that is not reduce-only (a hedge) leaves its partly filled parent open") {
  book b({.num_symbols = 2, .volume_cap = 0.1});
  order_request parent = req(order_side::buy, order_type::market, 10);
  order_request hedge = req(order_side::sell, order_type::market, 10);
  hedge.symbol = 1;
  std::vector<order_id> ids(2);
  REQUIRE(b.venue.submit_list(std::vector<order_request>{parent, hedge},
                              std::vector<list_link>{{}, {.parent = 1}}, 0, b.ev, ids));
  CHECK(b.since(b.on_bar(mk(1, 100, 100, 100, 100, 50))) == lines{"partially_filled 1 5@100"});
  CHECK(b.since(b.on_bar(mk(2, 50, 50, 50, 50, 1000, 1))) == lines{"filled 2 10@50"});
  CHECK(b.venue.find(ids[0])->is_open());  // not bracket_exited
  CHECK(b.since(b.on_bar(mk(3, 101, 101, 101, 101, 50))) == lines{"filled 1 5@101"});
}
