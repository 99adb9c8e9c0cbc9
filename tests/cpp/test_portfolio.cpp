// Tests of the portfolio: hand-worked buy-add-reduce-flip-close and short sequences, round-trip
// trades with the flip commission split, bad input, and a reference loop over generated fills.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ntrun/market/order.hpp"
#include "ntrun/market/portfolio.hpp"

using namespace ntrun;
using namespace ntrun::market;
using doctest::Approx;

namespace {

fill buy(double qty, double price, double commission = 0, ts_ns ts = 0, symbol_id sym = 0) {
  return fill{.id = 1,
              .symbol = sym,
              .side = order_side::buy,
              .quantity = qty,
              .price = price,
              .commission = commission,
              .ts_event = ts};
}
fill sell(double qty, double price, double commission = 0, ts_ns ts = 0, symbol_id sym = 0) {
  fill f = buy(qty, price, commission, ts, sym);
  f.side = order_side::sell;
  return f;
}

}  // namespace

TEST_CASE("long: buy, add, reduce, flip to short, close; cash, avg price, PnL, trades") {
  portfolio pf({.initial_cash = 100'000, .num_symbols = 2});
  CHECK(pf.equity() == 100'000);

  pf.apply(buy(100, 10, 1, 1));
  CHECK(pf.cash() == Approx(98'999));
  CHECK(pf.position(0).qty == 100);
  CHECK(pf.position(0).avg_price == 10);
  CHECK(pf.position(0).last_price == 10);  // first fill stands in for a mark
  pf.mark(0, 11);
  CHECK(pf.position(0).unrealised_pnl == Approx(100));
  CHECK(pf.equity() == Approx(100'099));
  CHECK(pf.gross_exposure() == Approx(1100));
  CHECK(pf.net_exposure() == Approx(1100));

  pf.apply(buy(50, 13, 1, 2));  // avg (1000 + 650) / 150 = 11
  CHECK(pf.position(0).avg_price == Approx(11));
  CHECK(pf.cash() == Approx(98'348));
  CHECK(pf.position(0).last_price == 11);  // a fill does not move the mark once marked

  pf.apply(sell(60, 12, 1, 3));  // realised 60 * (12 - 11) = 60
  CHECK(pf.position(0).qty == 90);
  CHECK(pf.position(0).avg_price == Approx(11));
  CHECK(pf.position(0).realised_pnl == Approx(60));
  CHECK(pf.cash() == Approx(99'067));
  CHECK(pf.closed_trades().empty());
  const auto open = pf.open_trade(0);
  REQUIRE(open.has_value());
  CHECK(open->entry_price == Approx(11));
  CHECK(open->exit_price == Approx(12));
  CHECK(open->pnl == Approx(60 - 3));

  // Flip: sell 150 at 14 with commission 3: closes 90 (realised 270), opens 60 short at 14.
  pf.apply(sell(150, 14, 3, 4));
  CHECK(pf.position(0).qty == -60);
  CHECK(pf.position(0).avg_price == 14);
  CHECK(pf.position(0).realised_pnl == Approx(330));
  CHECK(pf.cash() == Approx(101'164));
  REQUIRE(pf.closed_trades().size() == 1);
  const trade& t1 = pf.closed_trades()[0];
  CHECK(t1.is_long);
  CHECK(t1.entry_ts == 1);
  CHECK(t1.exit_ts == 4);
  CHECK(t1.quantity == 150);
  CHECK(t1.entry_price == Approx(11));
  CHECK(t1.exit_price == Approx((60 * 12 + 90 * 14) / 150.0));  // 13.2
  CHECK(t1.commission == Approx(1 + 1 + 1 + 3 * 90 / 150.0));   // 4.8
  CHECK(t1.pnl == Approx(330 - 4.8));

  pf.mark(0, 13);
  CHECK(pf.position(0).unrealised_pnl == Approx(60));  // -60 * (13 - 14)
  CHECK(pf.net_exposure() == Approx(-780));
  CHECK(pf.gross_exposure() == Approx(780));
  CHECK(pf.equity() == Approx(101'164 - 780));

  pf.apply(buy(60, 12, 1, 5));  // short closed: 60 * (14 - 12) = 120
  CHECK(pf.position(0).qty == 0);
  CHECK(pf.position(0).avg_price == 0);
  CHECK(pf.position(0).unrealised_pnl == 0);
  CHECK(pf.position(0).realised_pnl == Approx(450));
  REQUIRE(pf.closed_trades().size() == 2);
  const trade& t2 = pf.closed_trades()[1];
  CHECK_FALSE(t2.is_long);
  CHECK(t2.entry_ts == 4);
  CHECK(t2.exit_ts == 5);
  CHECK(t2.quantity == 60);
  CHECK(t2.entry_price == 14);
  CHECK(t2.exit_price == 12);
  CHECK(t2.commission == Approx(3 * 60 / 150.0 + 1));  // 2.2
  CHECK(t2.pnl == Approx(120 - 2.2));
  CHECK_FALSE(pf.open_trade(0).has_value());

  CHECK(pf.cash() == Approx(100'443));  // 100'000 + 450 - 7
  CHECK(pf.equity() == pf.cash());
  CHECK(pf.gross_exposure() == 0);
  CHECK(pf.net_exposure() == 0);
  CHECK(pf.total_commission() == Approx(7));
  CHECK(pf.traded_notional() == Approx(1000 + 650 + 720 + 2100 + 720));
  CHECK(pf.fill_count() == 5);
  CHECK(pf.realised_pnl() == Approx(450));
  CHECK(pf.position(0).commission == Approx(7));
}

TEST_CASE("short from flat: cash, unrealised, exposures, cover at a loss") {
  portfolio pf({.initial_cash = 1'000, .num_symbols = 1});
  pf.apply(sell(10, 20, 0, 1));
  CHECK(pf.cash() == 1'200);
  CHECK(pf.position(0).qty == -10);
  pf.mark(0, 18);
  CHECK(pf.position(0).unrealised_pnl == Approx(20));
  CHECK(pf.equity() == Approx(1'020));
  CHECK(pf.gross_exposure() == Approx(180));
  CHECK(pf.net_exposure() == Approx(-180));
  pf.apply(sell(10, 16, 0, 2));  // add: avg 18
  CHECK(pf.position(0).avg_price == Approx(18));
  pf.apply(buy(20, 21, 0, 3));  // cover: 20 * (18 - 21) = -60
  CHECK(pf.position(0).realised_pnl == Approx(-60));
  REQUIRE(pf.closed_trades().size() == 1);
  CHECK(pf.closed_trades()[0].quantity == 20);
  CHECK(pf.closed_trades()[0].pnl == Approx(-60));
  CHECK(pf.equity() == Approx(940));
}

TEST_CASE("fractional fills close a position exactly (no dust left open)") {
  portfolio pf({.initial_cash = 10, .num_symbols = 1});
  pf.apply(buy(0.1, 3, 0, 1));
  pf.apply(buy(0.2, 3, 0, 2));
  pf.apply(sell(0.3, 4, 0, 3));
  CHECK(pf.position(0).qty == 0);
  REQUIRE(pf.closed_trades().size() == 1);
  CHECK(pf.closed_trades()[0].pnl == Approx(0.3));
  pf.apply(sell(0.1, 4, 0, 4));
  pf.apply(sell(0.2, 4, 0, 5));
  pf.apply(buy(0.3, 3, 0, 6));
  CHECK(pf.position(0).qty == 0);
  CHECK(pf.closed_trades().size() == 2);
  CHECK(pf.gross_exposure() == 0);
}

TEST_CASE("positions are independent per symbol") {
  portfolio pf({.initial_cash = 1'000, .num_symbols = 3});
  pf.apply(buy(5, 10, 0, 1, 0));
  pf.apply(sell(2, 50, 0, 1, 2));
  pf.mark(0, 12);
  pf.mark(2, 40);
  CHECK(pf.position(0).qty == 5);
  CHECK(pf.position(1).qty == 0);
  CHECK(pf.position(2).qty == -2);
  CHECK(pf.net_exposure() == Approx(60 - 80));
  CHECK(pf.gross_exposure() == Approx(140));
  CHECK(pf.equity() == Approx(1'000 - 50 + 100 + 60 - 80));
}

TEST_CASE("bad input throws market_error and leaves the portfolio unchanged") {
  constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
  constexpr double pinf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(portfolio({.initial_cash = qnan, .num_symbols = 1}), market_error);
  CHECK_THROWS_AS(portfolio({.initial_cash = -1, .num_symbols = 1}), market_error);
  CHECK_THROWS_AS(portfolio({.initial_cash = 1, .num_symbols = 0}), market_error);
  portfolio pf({.initial_cash = 100, .num_symbols = 1});
  pf.apply(buy(1, 10, 0, 1));
  for (const fill& f : {buy(qnan, 1), buy(0, 1), buy(-1, 1), buy(pinf, 1), buy(1, qnan), buy(1, -1),
                        buy(1, pinf), buy(1, 1, qnan), buy(1, 1, -1), buy(1, 1, 0, 0, 1)}) {
    CHECK_THROWS_AS(pf.apply(f), market_error);
  }
  CHECK_THROWS_AS(pf.mark(1, 10), market_error);
  CHECK_THROWS_AS(pf.mark(0, qnan), market_error);
  CHECK_THROWS_AS(pf.mark(0, -1), market_error);
  CHECK_THROWS_AS((void)pf.position(5), market_error);
  CHECK_FALSE(pf.open_trade(5).has_value());
  CHECK(pf.cash() == 90);
  CHECK(pf.position(0).qty == 1);
  CHECK(pf.fill_count() == 1);
  CHECK(pf.equity() == 100);
}

TEST_CASE("reference loop: cash, positions, equity and exposures over generated fills") {
  constexpr std::size_t n_sym = 3;
  portfolio pf({.initial_cash = 50'000, .num_symbols = n_sym});
  double cash = 50'000, commission = 0;
  double qty[n_sym] = {}, last[n_sym] = {}, pnl_basis[n_sym] = {};
  std::uint64_t seed = 3;
  const auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(seed >> 11) / 9007199254740992.0;
  };
  for (int i = 0; i < 2'000; ++i) {
    const auto sym = static_cast<symbol_id>(next() * n_sym);
    const double price = 50 + 50 * next();
    if (next() < 0.3) {
      pf.mark(sym, price);
      last[sym] = price;
      continue;
    }
    const double q = std::round(1 + 20 * next());
    const double c = 0.5 * next();
    const bool is_buy = next() < 0.5;
    pf.apply(is_buy ? buy(q, price, c, i, sym) : sell(q, price, c, i, sym));
    const double dq = is_buy ? q : -q;
    if (last[sym] == 0) last[sym] = price;
    qty[sym] += dq;
    cash -= dq * price + c;
    pnl_basis[sym] -= dq * price;
    commission += c;
  }
  double net = 0, gross = 0, total_pnl = 0;
  for (std::size_t s = 0; s < n_sym; ++s) {
    const auto p = pf.position(static_cast<symbol_id>(s));
    CHECK(p.qty == Approx(qty[s]));
    net += qty[s] * last[s];
    gross += std::abs(qty[s] * last[s]);
    // Price PnL of a symbol = proceeds so far + marked value of what is held.
    CHECK(p.realised_pnl + p.unrealised_pnl == Approx(pnl_basis[s] + qty[s] * last[s]));
    total_pnl += p.realised_pnl + p.unrealised_pnl - p.commission;
  }
  CHECK(pf.cash() == Approx(cash));
  CHECK(pf.net_exposure() == Approx(net));
  CHECK(pf.gross_exposure() == Approx(gross));
  CHECK(pf.equity() == Approx(cash + net));
  CHECK(pf.equity() == Approx(50'000 + total_pnl));
  CHECK(pf.total_commission() == Approx(commission));
  CHECK(pf.closed_trades().size() > 10);
  double trade_pnl = 0;
  for (const trade& t : pf.closed_trades()) trade_pnl += t.pnl;
  for (std::size_t s = 0; s < n_sym; ++s) {
    if (const auto t = pf.open_trade(static_cast<symbol_id>(s))) trade_pnl += t->pnl;
  }
  CHECK(trade_pnl == Approx(pf.realised_pnl() - pf.total_commission()));
}
