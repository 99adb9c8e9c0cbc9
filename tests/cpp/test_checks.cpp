// Tests of the pre-trade checks: each rule rejects with its name, reducing orders pass the
// position, exposure and VaR rules, the rate window slides over simulated time, the circuit
// breaker's state machine over scripted equity paths, the VaR against hand-worked cases and a
// sorting reference, bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
portfolio portfolio_holding(double cash, double qty, double price) {
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
  const portfolio flat = portfolio_holding(1e6, 0, 10);
  CHECK(verdict(c, order_of(order_side::buy, 100), flat, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::buy, 101), flat, 10) == "max_position");
  CHECK(verdict(c, order_of(order_side::sell, 101), flat, 10) == "max_position");
  const portfolio long90 = portfolio_holding(1e6, 90, 10);
  CHECK(verdict(c, order_of(order_side::buy, 10), long90, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::buy, 11), long90, 10) == "max_position");
  CHECK(verdict(c, order_of(order_side::sell, 190), long90, 10) == "ok");  // flips to -100
  CHECK(verdict(c, order_of(order_side::sell, 191), long90, 10) == "max_position");
  const portfolio long150 = portfolio_holding(1e6, 150, 10);  // above the limit already
  CHECK(verdict(c, order_of(order_side::sell, 10), long150, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::buy, 1), long150, 10) == "max_position");
}

TEST_CASE("max_order_notional: quantity * reference price") {
  pre_trade_checks c({.max_order_notional = 1'000, .max_leverage = 0});
  const portfolio pf = portfolio_holding(1e6, 0, 10);
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
  const portfolio flat = portfolio_holding(1e6, 0, 10);
  CHECK(verdict(c, order_of(order_side::sell, 1), flat, 10) == "short_not_allowed");
  const portfolio long10 = portfolio_holding(1e6, 10, 10);
  CHECK(verdict(c, order_of(order_side::sell, 10), long10, 10) == "ok");
  CHECK(verdict(c, order_of(order_side::sell, 11), long10, 10) == "short_not_allowed");
  CHECK(verdict(c, order_of(order_side::buy, 11), long10, 10) == "ok");
}

TEST_CASE("buying power: gross exposure after the order <= max_leverage * equity") {
  pre_trade_checks cash_account({});  // max_leverage 1
  const portfolio flat = portfolio_holding(1'000, 0, 10);
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
  portfolio under = portfolio_holding(1'000, 100, 10);
  under.mark(0, 5);
  CHECK(under.equity() == 500);
  CHECK(verdict(cash_account, order_of(order_side::buy, 1), under, 5) == "insufficient_cash");
  CHECK(verdict(cash_account, order_of(order_side::sell, 100), under, 5) == "ok");
  CHECK(verdict(cash_account, order_of(order_side::sell, 150), under, 5) == "ok");

  // Equity at or below zero: nothing that adds exposure passes.
  portfolio broke = portfolio_holding(1'000, 100, 10);
  broke.mark(0, 0);
  CHECK(verdict(cash_account, order_of(order_side::buy, 1, order_type::limit, 1), broke, 1) ==
        "insufficient_cash");

  pre_trade_checks off({.max_leverage = 0});
  CHECK(verdict(off, order_of(order_side::buy, 1e6), flat, 10) == "ok");
}

TEST_CASE("max_orders_per_second: sliding window over simulated time; refusals not counted") {
  pre_trade_checks c({.max_orders_per_second = 3, .max_leverage = 0});
  const portfolio pf = portfolio_holding(1e6, 0, 10);
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
  const portfolio pf = portfolio_holding(1e6, 0, 10);
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

// ---- per-symbol, notional and exposure limits ----------------------------------------------

namespace {

order_request order_for(symbol_id s, order_side side, double qty, double limit = 0) {
  auto r = order_of(side, qty, limit > 0 ? order_type::limit : order_type::market, limit);
  r.symbol = s;
  return r;
}

/// Two symbols: `qa` of symbol 0 at `pa`, `qb` of symbol 1 at `pb`, out of `cash`.
portfolio holding2(double cash, double qa, double pa, double qb, double pb) {
  portfolio pf({.initial_cash = cash, .num_symbols = 2});
  const auto buy = [&](symbol_id s, double q, double p) {
    if (q == 0) return;
    pf.apply(fill{.symbol = s,
                  .side = q > 0 ? order_side::buy : order_side::sell,
                  .quantity = q > 0 ? q : -q,
                  .price = p});
  };
  buy(0, qa, pa);
  buy(1, qb, pb);
  pf.mark(0, pa);
  pf.mark(1, pb);
  return pf;
}

std::string_view why(pre_trade_checks& c, const order_request& r, const portfolio& pf, double ref,
                     ts_ns now = 0) {
  return verdict(c, r, pf, ref, now);
}

}  // namespace

TEST_CASE("max_position per symbol: a table replaces the all-symbols limit") {
  pre_trade_checks c({.max_position = 1, .max_leverage = 0, .max_position_by_symbol = {100, 0}}, 2);
  const portfolio pf = holding2(1e6, 90, 10, 0, 10);
  CHECK(why(c, order_for(0, order_side::buy, 10), pf, 10) == "ok");
  CHECK(why(c, order_for(0, order_side::buy, 11), pf, 10) == "max_position");
  CHECK(why(c, order_for(1, order_side::buy, 1e5), pf, 10) == "ok");  // 0: no limit for it
  pre_trade_checks all({.max_position = 50, .max_leverage = 0}, 2);
  CHECK(why(all, order_for(1, order_side::sell, 51), pf, 10) == "max_position");
  CHECK(why(all, order_for(0, order_side::sell, 30), pf, 10) == "ok");  // 90 -> 60 reduces
}

TEST_CASE("max_notional: |position after| * reference price, per symbol; reducing passes") {
  pre_trade_checks c({.max_leverage = 0, .max_notional = 1'000}, 2);
  const portfolio pf = holding2(1e6, 90, 10, 0, 20);
  CHECK(why(c, order_for(0, order_side::buy, 10), pf, 10) == "ok");  // 100 * 10 = 1'000
  CHECK(why(c, order_for(0, order_side::buy, 10), pf, 10.01) == "max_notional");
  CHECK(why(c, order_for(0, order_side::buy, 10, 11), pf, 11) == "max_notional");  // at L = 11
  CHECK(why(c, order_for(1, order_side::sell, 51), pf, 20) == "max_notional");
  CHECK(why(c, order_for(1, order_side::sell, 50), pf, 20) == "ok");
  const portfolio big = holding2(1e6, 200, 10, 0, 20);  // 2'000 already: above the limit
  CHECK(why(c, order_for(0, order_side::sell, 50), big, 10) == "ok");
  CHECK(why(c, order_for(0, order_side::buy, 1), big, 10) == "max_notional");
  pre_trade_checks per({.max_leverage = 0, .max_notional_by_symbol = {0, 500}}, 2);
  CHECK(why(per, order_for(0, order_side::buy, 1e4), pf, 10) == "ok");
  CHECK(why(per, order_for(1, order_side::buy, 26), pf, 20) == "max_notional");
  CHECK(why(per, order_for(1, order_side::buy, 25), pf, 20) == "ok");
}

TEST_CASE("max_gross_exposure: gross after the order as a fraction of equity") {
  // Equity 10'000; long 100 A at 10 (1'000), short 50 B at 20 (1'000): gross 2'000.
  const portfolio pf = holding2(10'000, 100, 10, -50, 20);
  REQUIRE(pf.equity() == doctest::Approx(10'000));
  REQUIRE(pf.gross_exposure() == doctest::Approx(2'000));
  pre_trade_checks c({.max_leverage = 0, .max_gross_exposure = 0.3}, 2);  // 3'000
  CHECK(why(c, order_for(0, order_side::buy, 100), pf, 10) == "ok");      // 3'000
  CHECK(why(c, order_for(0, order_side::buy, 101), pf, 10) == "max_gross_exposure");
  CHECK(why(c, order_for(1, order_side::sell, 51), pf, 20) == "max_gross_exposure");
  CHECK(why(c, order_for(1, order_side::buy, 50), pf, 20) == "ok");   // closes B
  CHECK(why(c, order_for(1, order_side::buy, 100), pf, 20) == "ok");  // -50 -> +50: no growth
  pre_trade_checks tight({.max_leverage = 0, .max_gross_exposure = 0.1}, 2);  // already above
  CHECK(why(tight, order_for(0, order_side::sell, 10), pf, 10) == "ok");
  CHECK(why(tight, order_for(0, order_side::buy, 1), pf, 10) == "max_gross_exposure");
}

TEST_CASE("max_net_exposure: |net after| beyond the fraction only if it grows; hedges pass") {
  // Net 0 with a long A and a short B of 1'000 each; equity 10'000.
  const portfolio pf = holding2(10'000, 100, 10, -50, 20);
  REQUIRE(pf.net_exposure() == doctest::Approx(0));
  pre_trade_checks c({.max_leverage = 0, .max_net_exposure = 0.1}, 2);  // |net| <= 1'000
  CHECK(why(c, order_for(0, order_side::buy, 100), pf, 10) == "ok");    // net +1'000
  CHECK(why(c, order_for(0, order_side::buy, 101), pf, 10) == "max_net_exposure");
  CHECK(why(c, order_for(1, order_side::sell, 51), pf, 20) == "max_net_exposure");
  const portfolio lopsided = holding2(10'000, 300, 10, 0, 20);  // net +3'000, above the limit
  CHECK(why(c, order_for(1, order_side::sell, 50), lopsided, 20) == "ok");  // hedge: net shrinks
  CHECK(why(c, order_for(0, order_side::sell, 10), lopsided, 10) == "ok");  // reducing
  CHECK(why(c, order_for(0, order_side::buy, 1), lopsided, 10) == "max_net_exposure");
}

TEST_CASE("rule order: circuit breaker first, VaR after buying power, rate window last") {
  pre_trade_checks c({.max_position = 5,
                      .max_orders_per_second = 1,
                      .max_leverage = 1,
                      .max_notional = 40,
                      .breaker = {.max_drawdown = 0.1}},
                     2);
  const portfolio pf = holding2(100, 0, 10, 0, 10);
  CHECK(why(c, order_for(0, order_side::buy, 6), pf, 10) == "max_position");
  CHECK(why(c, order_for(0, order_side::buy, 5), pf, 10) == "max_notional");
  CHECK(why(c, order_for(0, order_side::buy, 4), pf, 10) == "ok");
  CHECK(why(c, order_for(0, order_side::buy, 1), pf, 10) == "max_orders_per_second");
  (void)c.on_equity(0, 100);
  CHECK(c.on_equity(1, 89));
  CHECK(why(c, order_for(0, order_side::buy, 6), pf, 10, 5 * ns_per_second) == "circuit_breaker");
}

// ---- circuit breaker -------------------------------------------------------------------------

namespace {

constexpr ts_ns sec(double s) {
  return static_cast<ts_ns>(s * static_cast<double>(ns_per_second));
}

}  // namespace

TEST_CASE("breaker: a loss within the window trips it; halted, reducing, back to normal") {
  circuit_breaker b({.loss = 0.05, .window = sec(300), .cooldown = sec(600)});
  CHECK_FALSE(b.on_equity(sec(0), 10'000));
  CHECK_FALSE(b.on_equity(sec(60), 10'200));  // the window's high
  CHECK_FALSE(b.on_equity(sec(120), 9'800));
  CHECK(b.status().window_loss == doctest::Approx(1 - 9'800.0 / 10'200));
  CHECK(b.state() == risk_state::normal);
  CHECK(b.on_equity(sec(240), 9'690));  // 5% below 10'200, 180 s later
  CHECK(b.state() == risk_state::halted);
  CHECK(std::string_view(b.status().reason) == "loss_window");
  CHECK(b.status().since == sec(240));
  CHECK(b.status().until == sec(840));
  CHECK(b.status().trip_equity == 9'690);
  CHECK(b.status().trips == 1);
  CHECK_FALSE(b.on_equity(sec(300), 9'000));  // further losses while halted: no new trip
  CHECK_FALSE(b.on_time(sec(839)));
  CHECK(b.on_time(sec(840)));  // cooldown over
  CHECK(b.state() == risk_state::reducing);
  CHECK(b.status().until == sec(1'440));
  CHECK_FALSE(b.on_equity(sec(900), 9'600));  // below the trip level: still reducing
  CHECK(b.on_equity(sec(960), 9'690));        // back at the trip level
  CHECK(b.state() == risk_state::normal);
  CHECK(b.status().reason == nullptr);
  CHECK(b.status().peak_equity == 9'690);  // the peak restarts on resuming
  CHECK(b.status().window_loss == 0);
  CHECK_FALSE(b.on_equity(sec(1'000), 9'300));  // 4.0% below the restarted window's high
  CHECK(b.on_equity(sec(1'020), 9'200));        // 5.06%: trips again
  CHECK(b.status().trips == 2);
}

TEST_CASE("breaker: reducing ends after a second cooldown without recovery") {
  circuit_breaker b({.max_drawdown = 0.1, .cooldown = sec(100)});
  (void)b.on_equity(sec(0), 1'000);
  CHECK(b.on_equity(sec(10), 900));
  CHECK(std::string_view(b.status().reason) == "max_drawdown");
  CHECK(b.status().drawdown == doctest::Approx(0.1));
  CHECK(b.on_equity(sec(110), 850));  // halted -> reducing at the cooldown
  CHECK(b.state() == risk_state::reducing);
  CHECK(b.on_equity(sec(210), 860));  // reducing -> normal after another cooldown
  CHECK(b.state() == risk_state::normal);
  CHECK(b.status().peak_equity == 860);
  CHECK(b.status().drawdown == 0);
}

TEST_CASE("breaker: drawdown from the peak; cooldown 0 halts for good; thresholds inclusive") {
  circuit_breaker b({.max_drawdown = 0.15});
  for (const double e : {100.0, 120.0, 110.0, 103.0}) CHECK_FALSE(b.on_equity(0, e));
  CHECK(b.status().peak_equity == 120);
  CHECK(b.on_equity(sec(1), 102));  // exactly 15% below 120
  CHECK(b.status().until == ts_never);
  CHECK_FALSE(b.on_time(sec(1e8)));
  CHECK_FALSE(b.on_equity(sec(1e8), 500));
  CHECK(b.state() == risk_state::halted);
  b.reconfigure({});  // both rules off: back to normal
  CHECK(b.state() == risk_state::normal);
}

TEST_CASE("breaker: the equity in force at the window's start counts (gaps, exact edge)") {
  circuit_breaker b({.loss = 0.05, .window = sec(300)});
  CHECK_FALSE(b.on_equity(sec(0), 1'000));
  // Overnight gap: the close before is the equity in force 300 s ago.
  CHECK(b.on_equity(sec(50'000), 940));
  circuit_breaker edge({.loss = 0.05, .window = sec(300)});
  CHECK_FALSE(edge.on_equity(sec(0), 1'000));
  CHECK_FALSE(edge.on_equity(sec(200), 990));
  CHECK_FALSE(edge.on_equity(sec(301), 960));  // 1'000 was in force until 200 s: it counts
  CHECK(edge.status().window_loss == doctest::Approx(1 - 960.0 / 1'000));
  CHECK_FALSE(edge.on_equity(sec(501), 945));  // now it does not: 4.5% below 990
  CHECK(edge.status().window_loss == doctest::Approx(1 - 945.0 / 990));
  circuit_breaker at({.loss = 0.05, .window = sec(300)});
  CHECK_FALSE(at.on_equity(sec(0), 1'000));
  CHECK(at.on_equity(sec(300), 950));  // the start of the window itself is in it
}

TEST_CASE("breaker: a reference loop over random equity paths gives the same window loss") {
  std::uint64_t seed = 7;
  const auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(seed >> 11) / 9007199254740992.0;
  };
  circuit_breaker b({.loss = 0.99, .window = sec(30)});
  std::vector<std::pair<ts_ns, double>> path;
  ts_ns t = 0;
  for (int i = 0; i < 2'000; ++i) {
    t += sec(1 + 20 * next());
    path.emplace_back(t, 1'000 * (1 + next()));
    (void)b.on_equity(t, path.back().second);
    // Reference: highest equity in force at any time in [t - 30 s, t].
    double high = path.back().second;
    for (std::size_t k = path.size(); k-- > 0;) {
      high = std::max(high, path[k].second);
      if (path[k].first <= t - sec(30)) break;
    }
    REQUIRE(b.status().window_loss == doctest::Approx(1 - path.back().second / high));
  }
}

// ---- VaR limit -------------------------------------------------------------------------------

namespace {

/// Reference: the ceil(c * n)-th smallest loss, by a full sort.
double reference_var(std::vector<double> pnl, double c) {
  std::vector<double> losses;
  for (const double p : pnl) losses.push_back(-p);
  std::sort(losses.begin(), losses.end());
  const auto k = static_cast<std::size_t>(std::ceil(c * static_cast<double>(losses.size()) - 1e-9));
  return losses[std::max<std::size_t>(k, 1) - 1];
}

/// Closes whose close-to-close returns are `rets`, ending at `last`.
std::vector<double> closes_ending_at(double last, const std::vector<double>& rets) {
  std::vector<double> closes(rets.size() + 1);
  closes.back() = last;
  for (std::size_t i = rets.size(); i-- > 0;) closes[i] = closes[i + 1] / (1 + rets[i]);
  return closes;
}

std::string error_of(const check_config& cfg, std::size_t symbols = 2) {
  try {
    pre_trade_checks c(cfg, symbols);
  } catch (const market_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("historical_var: the ceil(c * n)-th smallest loss, as a full sort gives it") {
  std::vector<double> three{-10, -10, 30};
  CHECK(historical_var(three, 0.5) == 10);
  std::vector<double> five{0.01, -0.02, 0.005, -0.04, 0.03};  // losses sorted: .. 0.02, 0.04
  CHECK(historical_var(five, 0.8) == doctest::Approx(0.02));
  CHECK(historical_var(five, 0.81) == doctest::Approx(0.04));
  std::vector<double> hundred(100);
  for (std::size_t i = 0; i < 100; ++i) hundred[i] = static_cast<double>(i);  // losses 0..-99
  CHECK(historical_var(hundred, 0.99) == -1);  // the 99th smallest loss, not the largest
  // 0.55 * 100 is 55.00000000000001 in doubles: still the 55th smallest loss (-45).
  CHECK(historical_var(hundred, 0.55) == -45);
  std::vector<double> empty;
  CHECK(std::isnan(historical_var(empty, 0.99)));
  std::uint64_t seed = 3;
  for (int trial = 0; trial < 200; ++trial) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::size_t n = 1 + (seed >> 33) % 400;
    std::vector<double> pnl(n);
    for (auto& p : pnl) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      p = static_cast<double>(static_cast<std::int64_t>(seed >> 40) - (1 << 23)) / 1e4;
    }
    for (const double c : {0.5, 0.9, 0.95, 0.975, 0.99, 0.999}) {
      std::vector<double> work = pnl;
      REQUIRE(historical_var(work, c) == reference_var(pnl, c));
    }
  }
}

TEST_CASE("VaR limit: hand-worked one-symbol case, reducing orders pass") {
  // Returns +1%, -2%, +0.5%, -4%, +3%; at 80% over 5 returns VaR is the 4th smallest loss,
  // i.e. the second worst day, -2%. 10 units at 98.36 = 983.6 -> VaR 19.67 on 10'000 equity.
  const auto closes = closes_ending_at(98.36078112, {0.01, -0.02, 0.005, -0.04, 0.03});
  pre_trade_checks c({.max_leverage = 0, .var = {.limit = 0.0039, .confidence = 0.8, .window = 5}},
                     2);
  for (const double x : closes) c.on_close(0, x);
  REQUIRE(c.returns_seen(0) == 5);
  portfolio pf = holding2(10'000, 10, closes.back(), 0, 10);
  REQUIRE(pf.equity() == doctest::Approx(10'000));
  CHECK(c.portfolio_var(pf, 0, 0, 0) == doctest::Approx(0.02 * 983.6078112));
  // 20 units after the order: VaR 39.34 = 0.39% of equity.
  CHECK(c.portfolio_var(pf, 0, 10, closes.back()) == doctest::Approx(0.02 * 1967.2156224));
  CHECK(why(c, order_for(0, order_side::buy, 10), pf, closes.back()) == "var_limit");
  CHECK(why(c, order_for(0, order_side::buy, 9), pf, closes.back()) == "ok");  // 0.37%
  // Short 30 after the order: the worst days are the +3% and +1% ones: VaR = 1% of 2'950.8.
  CHECK(c.portfolio_var(pf, 0, -40, closes.back()) == doctest::Approx(0.01 * 2950.8234336));
  CHECK(why(c, order_for(0, order_side::sell, 49), pf, closes.back()) == "ok");  // 0.384%
  CHECK(why(c, order_for(0, order_side::sell, 50), pf, closes.back()) == "var_limit");
  // Reducing orders pass whatever the VaR.
  pre_trade_checks tiny({.max_leverage = 0, .var = {.limit = 1e-9, .confidence = 0.8, .window = 5}},
                        2);
  for (const double x : closes) tiny.on_close(0, x);
  CHECK(why(tiny, order_for(0, order_side::sell, 5), pf, closes.back()) == "ok");
  CHECK(why(tiny, order_for(0, order_side::buy, 1), pf, closes.back()) == "var_limit");
  // Symbol 1 has no return yet: nothing to judge by, so the rule passes.
  CHECK(std::isnan(tiny.portfolio_var(pf, 1, 1, 10)));
  CHECK(why(tiny, order_for(1, order_side::buy, 1), pf, 10) == "ok");
}

TEST_CASE("VaR limit: two symbols, scenarios aligned by recency") {
  // Long 10 A at 100 (+1%, -2%, +3%), short 5 B at 200 (+2%, -1%, 0%):
  // P&L per scenario 1'000 rA - 1'000 rB = -10, -10, +30; at 50% VaR = 10.
  pre_trade_checks c({.max_leverage = 0, .var = {.limit = 0.5, .confidence = 0.5, .window = 3}}, 2);
  for (const double x : closes_ending_at(100, {0.01, -0.02, 0.03})) c.on_close(0, x);
  for (const double x : closes_ending_at(200, {0.02, -0.01, 0.0})) c.on_close(1, x);
  const portfolio pf = holding2(10'000, 10, 100, -5, 200);
  CHECK(c.portfolio_var(pf, 0, 0, 0) == doctest::Approx(10));
  CHECK(c.portfolio_var(pf, 1, 5, 200) == doctest::Approx(-10));  // A alone: -1%, +2%, -3%
}

TEST_CASE("VaR limit: return windows wrap and align like a reference loop over the closes") {
  constexpr std::uint32_t w = 7;
  pre_trade_checks c({.max_leverage = 0, .var = {.limit = 1, .confidence = 0.9, .window = w}}, 2);
  std::vector<double> a{50}, b{80};
  std::uint64_t seed = 11;
  const auto step = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return 1 + (static_cast<double>(seed >> 11) / 9007199254740992.0 - 0.5) * 0.06;
  };
  c.on_close(0, a[0]);
  c.on_close(1, b[0]);
  for (int i = 0; i < 40; ++i) {
    a.push_back(a.back() * step());
    c.on_close(0, a.back());
    if (i % 3 != 0) {  // B misses some bars: the scenarios use its own latest returns
      b.push_back(b.back() * step());
      c.on_close(1, b.back());
    }
    const portfolio pf = holding2(1e6, 3, a.back(), -2, b.back());
    const std::size_t n = std::min<std::size_t>({w, a.size() - 1, b.size() - 1});
    if (n == 0) {  // B has no return yet
      CHECK(std::isnan(c.portfolio_var(pf, 0, 0, 0)));
      continue;
    }
    std::vector<double> pnl(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t ia = a.size() - n + k, ib = b.size() - n + k;
      pnl[k] = 3 * a.back() * (a[ia] / a[ia - 1] - 1) - 2 * b.back() * (b[ib] / b[ib - 1] - 1);
    }
    REQUIRE(c.portfolio_var(pf, 0, 0, 0) == doctest::Approx(reference_var(pnl, 0.9)));
  }
  c.reset_closes(0, std::span<const double>(a).last(3));
  CHECK(c.returns_seen(0) == 2);
}

TEST_CASE("VaR limit: equity at or below zero refuses every order that adds exposure") {
  pre_trade_checks c({.max_leverage = 0, .var = {.limit = 0.5}}, 2);
  portfolio broke = holding2(1'000, 100, 10, 0, 10);
  broke.mark(0, 0);
  CHECK(why(c, order_for(1, order_side::buy, 1, 5), broke, 5) == "var_limit");
  CHECK(why(c, order_for(0, order_side::sell, 1, 5), broke, 5) == "ok");
}

// ---- configuration -----------------------------------------------------------------------

TEST_CASE("reconfigure: new limits at run time, breaker and rate window survive") {
  pre_trade_checks c({.max_orders_per_second = 2,
                      .max_leverage = 0,
                      .breaker = {.max_drawdown = 0.1},
                      .var = {.limit = 0.5}},
                     2);
  const portfolio pf = holding2(1e6, 10, 10, 0, 10);
  CHECK(why(c, order_for(0, order_side::buy, 1), pf, 10, 0) == "ok");
  (void)c.on_equity(0, 100);
  REQUIRE(c.on_equity(1, 80));
  c.on_close(0, 10);
  c.on_close(0, 11);
  REQUIRE(c.returns_seen(0) == 1);
  const check_config next{.max_position = 5,
                          .max_orders_per_second = 1,
                          .max_leverage = 0,
                          .breaker = {.max_drawdown = 0.2},
                          .var = {.limit = 0.5, .window = 10}};
  CHECK(pre_trade_checks::restarts_returns(c.config(), next));
  c.reconfigure(next);
  CHECK(c.config().max_position == 5);
  CHECK(c.risk().state == risk_state::halted);
  CHECK(c.returns_seen(0) == 0);  // a new VaR window starts empty
  CHECK(why(c, order_for(0, order_side::sell, 1), pf, 10, 2) == "max_orders_per_second");
  CHECK_THROWS_AS(c.reconfigure({.max_gross_exposure = -1}), market_error);
  CHECK(c.config().max_position == 5);  // the old limits stay on error
  c.reconfigure({.max_position = 5, .max_leverage = 0, .var = {.window = 10}});
  CHECK(c.risk().state == risk_state::normal);  // breaker off
  // VaR off: closes are not kept; turning it on (same window) restarts the windows.
  c.on_close(0, 12);
  c.on_close(0, 13);
  CHECK(c.returns_seen(0) == 0);
  const check_config on{.max_leverage = 0, .var = {.limit = 0.1, .window = 10}};
  CHECK(pre_trade_checks::restarts_returns(c.config(), on));
  CHECK_FALSE(pre_trade_checks::restarts_returns(on, on));
  c.reconfigure(on);
  c.reset_closes(0, std::vector<double>{11, 12, 13});
  CHECK(c.returns_seen(0) == 2);
}

TEST_CASE("bad limits name the field") {
  constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
  const auto has = [](const std::string& what, const char* needle) {
    return what.find(needle) != std::string::npos;
  };
  CHECK(has(error_of({.max_notional = -1}), "'max_notional'"));
  CHECK(has(error_of({.max_gross_exposure = qnan}), "'max_gross_exposure'"));
  CHECK(has(error_of({.max_net_exposure = -0.5}), "'max_net_exposure'"));
  CHECK(has(error_of({.max_position_by_symbol = {1, 2, 3}}), "'max_position' is 3 entries"));
  CHECK(has(error_of({.max_notional_by_symbol = {1, -2}}), "'max_notional'"));
  CHECK(has(error_of({.breaker = {.loss = 0.05}}), "'circuit_breaker.window'"));
  CHECK(has(error_of({.breaker = {.loss = 1.5, .window = 1}}), "'circuit_breaker.loss'"));
  CHECK(has(error_of({.breaker = {.max_drawdown = -0.1}}), "'circuit_breaker.max_drawdown'"));
  CHECK(has(error_of({.breaker = {.cooldown = -1}}), "'circuit_breaker.cooldown'"));
  CHECK(has(error_of({.var = {.limit = qnan}}), "'var_limit'"));
  CHECK(has(error_of({.var = {.confidence = 1}}), "'var_confidence'"));
  CHECK(has(error_of({.var = {.window = 0}}), "'var_window'"));
  CHECK(has(error_of({.var = {.window = 200'000}}), "'var_window'"));
  CHECK(error_of({.max_position_by_symbol = {1, 2}}) == "no error");
}

TEST_CASE("checks at fill time cut a fill to what the limits allow, and only fills that add") {
  portfolio pf({.initial_cash = 10'000, .num_symbols = 2});
  pf.apply({.id = 1, .symbol = 0, .side = order_side::buy, .quantity = 10, .price = 100});
  pf.mark(0, 100);  // long 10 at 100: cash 9'000, equity 10'000, gross 1'000
  const auto allow = [&](const check_config& cfg, order_side side, double qty, double price,
                         std::string_view want_rule) {
    const pre_trade_checks c(cfg, 2);
    const char* why = nullptr;
    const double got = c.fill_allowance(order_of(side, qty), qty, price, pf, &why);
    CHECK(std::string_view(why == nullptr ? "none" : why) == want_rule);
    return got;
  };
  SUBCASE("nothing on: the whole fill") {
    CHECK(allow({.max_leverage = 0}, order_side::sell, 50, 100, "none") == 50);
    CHECK_FALSE(pre_trade_checks(check_config{}, 2).limits_fills());
  }
  SUBCASE("allow_short = false: a sell goes down to flat, no further") {
    CHECK(allow({.allow_short = false}, order_side::sell, 15, 100, "short_not_allowed") == 10);
    CHECK(allow({.allow_short = false}, order_side::sell, 4, 100, "none") == 4);
    CHECK(allow({.allow_short = false}, order_side::buy, 40, 100, "none") == 40);
  }
  SUBCASE("max_position 15: a buy adds 5; a sell may flip to -15; lowered below |pos| it shrinks") {
    CHECK(allow({.max_position = 15}, order_side::buy, 10, 100, "max_position") == 5);
    CHECK(allow({.max_position = 15}, order_side::sell, 30, 100, "max_position") == 25);
    CHECK(allow({.max_position = 5}, order_side::buy, 1, 100, "max_position") == 0);
    CHECK(allow({.max_position = 5}, order_side::sell, 12, 100, "none") == 12);
  }
  SUBCASE("max_notional 1'500 at a fill price of 120: |after| <= 12.5") {
    CHECK(allow({.max_notional = 1500}, order_side::buy, 10, 120, "max_notional") ==
          doctest::Approx(2.5));
  }
  SUBCASE("max_gross_exposure 0.5 of equity 10'000: 4'000 of room, 40 more units at 100") {
    CHECK(allow({.max_gross_exposure = 0.5}, order_side::buy, 100, 100, "max_gross_exposure") ==
          doctest::Approx(40));
    // Selling: 10 to flat, then a short of up to 50 units (gross 5'000).
    CHECK(allow({.max_gross_exposure = 0.5}, order_side::sell, 100, 100, "max_gross_exposure") ==
          doctest::Approx(60));
  }
  SUBCASE("max_net_exposure 0.2: net 1'000 may reach +-2'000") {
    CHECK(allow({.max_net_exposure = 0.2}, order_side::buy, 50, 100, "max_net_exposure") ==
          doctest::Approx(10));
    CHECK(allow({.max_net_exposure = 0.2}, order_side::sell, 50, 100, "max_net_exposure") ==
          doctest::Approx(30));
  }
  SUBCASE("the tightest rule names the cut") {
    CHECK(allow({.max_position = 12, .max_gross_exposure = 0.5}, order_side::buy, 100, 100,
                "max_position") == 2);
  }
}

TEST_CASE("a trailing stop without a stop price yet is checked at the last price") {
  order_request r = order_of(order_side::sell, 1, order_type::stop, 0, 0);
  r.trail_amount = 2;
  CHECK(pre_trade_checks::reference_price(r, 50) == 50);
  r.stop_price = 40;
  CHECK(pre_trade_checks::reference_price(r, 50) == 40);
}
