// The portfolio of a run: cash, signed positions with average price and PnL, marks, exposures,
// round-trip trades and running totals. O(1) per fill and per mark.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ntrun/market/order.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::market {

struct portfolio_config {
  double initial_cash = 0;      ///< finite, >= 0
  std::size_t num_symbols = 0;  ///< >= 1
};

/// One holding: signed quantity, average price of the open side, realised PnL (gross).
struct holding {
  double qty = 0;  ///< > 0 long, < 0 short
  double avg = 0;  ///< 0 when flat
  double realised = 0;
};

/// What one fill did to a holding.
struct holding_change {
  double closed = 0;  ///< quantity that reduced the position (0: the fill opened or added)
  double pnl = 0;     ///< realised on `closed`
  double opened = 0;  ///< quantity that opened or added; after a flip, the remainder
};

/// The position math of the portfolio and of each strategy's own book (backtest::engine):
/// opening and adding average the price; reducing realises against it; a remainder within
/// qty_epsilon of the quantities closes exactly; a flip opens the rest at the fill's price.
/// quantity > 0.
holding_change apply_fill(holding& h, order_side side, double quantity, double price) noexcept;

/// A snapshot of one symbol's position.
struct position_view {
  double qty = 0;             ///< signed: > 0 long, < 0 short
  double avg_price = 0;       ///< VWAP of the open side; 0 when flat
  double realised_pnl = 0;    ///< gross of commissions, since the start of the run
  double unrealised_pnl = 0;  ///< qty * (last_price - avg_price)
  double last_price = 0;      ///< last mark (or the first fill's price before any mark)
  double commission = 0;      ///< paid on this symbol since the start of the run
};

/// Invariant (up to rounding): equity() == initial_cash() + sum over symbols of
/// (realised_pnl + unrealised_pnl - commission).
class portfolio {
 public:
  /// Throws market_error for a negative or non-finite cash or zero symbols.
  explicit portfolio(const portfolio_config& cfg);

  /// Books a fill: cash, position, average price, realised PnL, trades, totals. Throws
  /// market_error for an unknown symbol, a quantity <= 0, or a NaN/infinite/negative price or
  /// commission (the portfolio is unchanged then).
  void apply(const fill& f);
  /// Sets the last price of `symbol` (for unrealised PnL, equity and exposures). Throws
  /// market_error for an unknown symbol or a NaN/infinite/negative price.
  void mark(symbol_id symbol, double price);

  [[nodiscard]] double cash() const noexcept { return cash_; }
  [[nodiscard]] double initial_cash() const noexcept { return initial_cash_; }
  /// cash + sum of qty * last_price.
  [[nodiscard]] double equity() const noexcept { return cash_ + net_exposure_; }
  /// sum of |qty * last_price|.
  [[nodiscard]] double gross_exposure() const noexcept { return gross_exposure_; }
  /// sum of qty * last_price.
  [[nodiscard]] double net_exposure() const noexcept { return net_exposure_; }
  /// Throws market_error for an unknown symbol.
  [[nodiscard]] position_view position(symbol_id symbol) const;
  [[nodiscard]] std::size_t num_symbols() const noexcept { return positions_.size(); }

  /// Closed round trips, in the order they closed.
  [[nodiscard]] const std::vector<trade>& closed_trades() const noexcept { return trades_; }
  /// The round trip in progress on `symbol` (exit fields cover its reducing fills so far, pnl
  /// its realised part net of commissions), or nullopt when flat or unknown.
  [[nodiscard]] std::optional<trade> open_trade(symbol_id symbol) const noexcept;

  [[nodiscard]] double total_commission() const noexcept { return total_commission_; }
  /// Sum of |qty * price| over all fills (turnover = this / average equity).
  [[nodiscard]] double traded_notional() const noexcept { return traded_notional_; }
  [[nodiscard]] std::uint64_t fill_count() const noexcept { return fill_count_; }
  [[nodiscard]] double realised_pnl() const noexcept { return total_realised_; }

 private:
  struct round_trip {
    trade t{};
    double entry_notional = 0, entry_qty = 0, exit_notional = 0, exit_qty = 0, realised = 0;
  };
  struct state {
    holding h{};
    double commission = 0, last = 0;
    bool marked = false;
    round_trip rt{};
  };

  [[nodiscard]] static trade summary(const round_trip& rt) noexcept;
  void open_round_trip(state& s, symbol_id symbol, bool is_long, ts_ns ts);
  void close_round_trip(state& s, ts_ns ts);
  void set_contribution(const state& s, double sign);

  std::vector<state> positions_;
  std::vector<trade> trades_;
  double initial_cash_ = 0, cash_ = 0;
  double net_exposure_ = 0, gross_exposure_ = 0;
  double total_commission_ = 0, traded_notional_ = 0, total_realised_ = 0;
  std::uint64_t fill_count_ = 0;
  std::size_t open_positions_ = 0;  ///< symbols with qty != 0
};

}  // namespace ntrun::market
