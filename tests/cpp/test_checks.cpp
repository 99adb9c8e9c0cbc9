// Tests of the pre-trade checks: each rule rejects with its name, reducing orders pass the
// position and buying-power rules, the rate window slides over simulated time, bad input.
#include <doctest/doctest.h>

#include <limits>
#include <string_view>

#include "ntrun/market/checks.hpp"
#include "ntrun/market/order.hpp"
#include "ntrun/market/portfolio.hpp"

using namespace ntrun;
using namespace ntrun::market;

namespace {

order_request order_of(order_side side, double qty, order_type type = order_type::market,
                       double limit = 0, double stop = 0) {
  return order_request{.symbol = 0,
                       .side = side,
                       .type = type,
                       .quantity = qty,
                       .limit_price = limit,
                       .stop_price = stop};
}

std::string_view verdict(pre_trade_checks& c, const order_request& r, const portfolio& pf,
                         double ref, ts_ns now = 0) {
  const char* why = c.check(r, pf, ref, now);
  return why == nullptr ? "ok" : why;
}

/// A portfolio holding `qty` of symbol 0 bought at `price` out of `cash` (and marked there).
portfolio holding(double cash, double qty, double price) {
  portfolio pf({.initial_cash = cash, .num_symbols = 2});
  if (qty != 0) {
    pf.apply(fill{.symbol = 0,
                  .side = qty > 0 ? order_side::buy : order_side::sell,
                  .quantity = qty > 0 ? qty : -qty,
                  .price = price});
  }
  pf.mark(0, price);
  return pf;
}

}  // namespace

TEST_CASE("max_position: absolute units after the order; reducing orders pass") {
  pre_trade_checks c({.max_position = 100, .max_leverage = 0});
  const portfolio flat = holding(1e6, 0, 10);
  CHECK(verdict(c, order_of(order_side::buy, 100), flat, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::buy, 101), flat, 10) == "max_position");
  CHECK(verdict(c, order_of(order_side::sell, 101), flat, 10) == "max_position");
  const portfolio long90 = holding(1e6, 90, 10);
  CHECK(verdict(c, order_of(order_side::buy, 10), long90, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::buy, 11), long90, 10) == "max_position");
  CHECK(verdict(c, order_of(order_side::sell, 190), long90, 10) == "ok");  // flips to -100
  CHECK(verdict(c, order_of(order_side::sell, 191), long90, 10) == "max_position");
  const portfolio long150 = holding(1e6, 150, 10);  // above the limit already
  CHECK(verdict(c, order_of(order_side::sell, 10), long150, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::buy, 1), long150, 10) == "max_position");
}

TEST_CASE("max_order_notional: quantity * reference price") {
  pre_trade_checks c({.max_order_notional = 1'000, .max_leverage = 0});
  const portfolio pf = holding(1e6, 0, 10);
  CHECK(verdict(c, order_of(order_side::buy, 100), pf, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::buy, 100), pf, 10.01) == "max_order_notional");
  CHECK(verdict(c, order_of(order_side::sell, 101), pf, 10) == "max_order_notional");
}

TEST_CASE("reference price: last for market, limit for limit and stop_limit, stop for stop") {
  const auto ref = [](order_type t) {
    return pre_trade_checks::reference_price(order_of(order_side::buy, 1, t, 11, 12), 10);
  };
  CHECK(ref(order_type::market) == 10);
  CHECK(ref(order_type::limit) == 11);
  CHECK(ref(order_type::stop_limit) == 11);
  CHECK(ref(order_type::stop) == 12);
}

TEST_CASE("allow_short = false: no order may leave the position below zero") {
  pre_trade_checks c({.allow_short = false, .max_leverage = 0});
  const portfolio flat = holding(1e6, 0, 10);
  CHECK(verdict(c, order_of(order_side::sell, 1), flat, 10) == "short_not_allowed");
  const portfolio long10 = holding(1e6, 10, 10);
  CHECK(verdict(c, order_of(order_side::sell, 10), long10, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::sell, 11), long10, 10) == "short_not_allowed");
  CHECK(verdict(c, order_of(order_side::buy, 11), long10, 10) == "ok");
}

TEST_CASE("buying power: gross exposure after the order <= max_leverage * equity") {
  pre_trade_checks cash_account({});  // max_leverage 1
  const portfolio flat = holding(1'000, 0, 10);
  CHECK(verdict(cash_account, order_of(order_side::buy, 100), flat, 10) == "ok");
  CHECK(verdict(cash_account, order_of(order_side::buy, 101), flat, 10) == "insufficient_cash");
  CHECK(verdict(cash_account, order_of(order_side::sell, 101), flat, 10) == "insufficient_cash");
  CHECK(verdict(cash_account, order_of(order_side::buy, 100, order_type::limit, 9), flat, 9) ==
        "ok");  // 900 at the limit

  pre_trade_checks margin({.max_leverage = 2});
  CHECK(verdict(margin, order_of(order_side::buy, 200), flat, 10) == "ok");
  CHECK(verdict(margin, order_of(order_side::buy, 201), flat, 10) == "insufficient_cash");

  // Long 100 from 1'000 cash, price halves: equity 500, gross 500. More buying is refused,
  // selling (reducing, and even flipping to a smaller short) passes.
  portfolio under = holding(1'000, 100, 10);
  under.mark(0, 5);
  CHECK(under.equity() == 500);
  CHECK(verdict(cash_account, order_of(order_side::buy, 1), under, 5) == "insufficient_cash");
  CHECK(verdict(cash_account, order_of(order_side::sell, 100), under, 5) == "ok");
  CHECK(verdict(cash_account, order_of(order_side::sell, 150), under, 5) == "ok");

  // Equity at or below zero: nothing that adds exposure passes.
  portfolio broke = holding(1'000, 100, 10);
  broke.mark(0, 0);
  CHECK(verdict(cash_account, order_of(order_side::buy, 1, order_type::limit, 1), broke, 1) ==
        "insufficient_cash");

  pre_trade_checks off({.max_leverage = 0});
  CHECK(verdict(off, order_of(order_side::buy, 1e6), flat, 10) == "ok");
}

TEST_CASE("max_orders_per_second: sliding window over simulated time; refusals not counted") {
  pre_trade_checks c({.max_orders_per_second = 3, .max_leverage = 0});
  const portfolio pf = holding(1e6, 0, 10);
  const auto at = [&](double seconds) {
    return verdict(c, order_of(order_side::buy, 1), pf, 10,
                   static_cast<ts_ns>(seconds * static_cast<double>(ns_per_second)));
  };
  CHECK(at(0.0) == "ok");
  CHECK(at(0.1) == "ok");
  CHECK(at(0.2) == "ok");
  CHECK(at(0.3) == "max_orders_per_second");
  CHECK(at(0.9) == "max_orders_per_second");
  CHECK(at(1.0) == "ok");  // the order at 0.0 left the window (now - 1 s, now]
  CHECK(at(1.05) == "max_orders_per_second");
  CHECK(at(1.15) == "ok");
  CHECK(at(5.0) == "ok");
  CHECK(at(5.0) == "ok");
  CHECK(at(5.0) == "ok");
  CHECK(at(5.0) == "max_orders_per_second");
  // A request refused by another rule does not use up the window.
  pre_trade_checks d({.max_position = 1, .max_orders_per_second = 1, .max_leverage = 0});
  CHECK(verdict(d, order_of(order_side::buy, 2), pf, 10, 0) == "max_position");
  CHECK(verdict(d, order_of(order_side::buy, 1), pf, 10, 0) == "ok");
  CHECK(verdict(d, order_of(order_side::buy, 1), pf, 10, 1) == "max_orders_per_second");
}

TEST_CASE("bad requests, prices and configurations") {
  constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
  constexpr double pinf = std::numeric_limits<double>::infinity();
  pre_trade_checks c({});
  const portfolio pf = holding(1e6, 0, 10);
  for (const double q : {qnan, pinf, 0.0, -3.0}) {
    CHECK(verdict(c, order_of(order_side::buy, q), pf, 10) == "invalid_quantity");
  }
  CHECK(verdict(c, order_of(order_side::buy, 1, order_type::limit, qnan), pf, qnan) ==
        "invalid_price");
  for (const double ref : {qnan, pinf, 0.0, -1.0}) {
    CHECK(verdict(c, order_of(order_side::buy, 1), pf, ref) == "no_reference_price");
  }
  auto r = order_of(order_side::buy, 1);
  r.symbol = 2;
  CHECK(verdict(c, r, pf, 10) == "unknown_symbol");
  CHECK_THROWS_AS(pre_trade_checks({.max_position = -1}), market_error);
  CHECK_THROWS_AS(pre_trade_checks({.max_order_notional = qnan}), market_error);
  CHECK_THROWS_AS(pre_trade_checks({.max_leverage = pinf}), market_error);
  CHECK_THROWS_AS(pre_trade_checks({.max_orders_per_second = 2'000'000}), market_error);
}
