// Portfolio bookkeeping: fills into cash, positions, PnL and round-trip trades; marks into
// exposures. Exposures are kept incrementally, reset exactly to 0 whenever all are flat.
#include "ntrun/market/portfolio.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace ntrun::market {
namespace {


[[nodiscard]] bool bad_amount(double v) noexcept {
  return !std::isfinite(v) || v < 0;
}

}  // namespace

holding_change apply_fill(holding& h, order_side side, double quantity, double price) noexcept {
  const double dq = side == order_side::buy ? quantity : -quantity;
  const double old = h.qty;
  if (old == 0 || (old > 0) == (dq > 0)) {
    h.avg = (h.avg * std::abs(old) + quantity * price) / (std::abs(old) + quantity);
    h.qty = old + dq;
    return {.closed = 0, .pnl = 0, .opened = quantity};
  }
  const double tolerance = qty_epsilon * (std::abs(old) + quantity);
  double closed = std::min(quantity, std::abs(old));
  double rest = quantity - closed;
  if (rest <= tolerance) {
    closed = quantity;
    rest = 0;
  }
  const double pnl = closed * (price - h.avg) * (old > 0 ? 1.0 : -1.0);
  h.realised += pnl;
  const double next = old + dq;
  if (std::abs(next) <= tolerance) {
    h.qty = 0;
    h.avg = 0;
  } else if ((next > 0) == (old > 0)) {
    h.qty = next;
  } else {
    h.qty = dq > 0 ? rest : -rest;
    h.avg = price;
  }
  return {.closed = closed, .pnl = pnl, .opened = rest};
}

portfolio::portfolio(const portfolio_config& cfg)
    : initial_cash_(cfg.initial_cash), cash_(cfg.initial_cash) {
  if (bad_amount(cfg.initial_cash)) {
    throw market_error("portfolio config: initial_cash is " + std::to_string(cfg.initial_cash) +
                       "; it must be a finite number >= 0");
  }
  if (cfg.num_symbols == 0) {
    throw market_error("portfolio config: num_symbols is 0; give the size of the symbol table");
  }
  positions_.resize(cfg.num_symbols);
}

position_view portfolio::position(symbol_id symbol) const {
  if (symbol >= positions_.size()) {
    throw market_error("portfolio: unknown symbol id " + std::to_string(symbol) + " (" +
                       std::to_string(positions_.size()) + " symbols)");
  }
  const state& s = positions_[symbol];
  return position_view{
      .qty = s.h.qty,
      .avg_price = s.h.avg,
      .realised_pnl = s.h.realised,
      .unrealised_pnl = s.h.qty == 0 ? 0 : s.h.qty * (s.last - s.h.avg),
      .last_price = s.last,
      .commission = s.commission,
  };
}

std::optional<trade> portfolio::open_trade(symbol_id symbol) const noexcept {
  if (symbol >= positions_.size() || positions_[symbol].h.qty == 0) return std::nullopt;
  return summary(positions_[symbol].rt);
}

trade portfolio::summary(const round_trip& rt) noexcept {
  trade t = rt.t;
  t.entry_price = rt.entry_qty > 0 ? rt.entry_notional / rt.entry_qty : 0;
  t.exit_price = rt.exit_qty > 0 ? rt.exit_notional / rt.exit_qty : 0;
  t.pnl = rt.realised - t.commission;
  return t;
}

void portfolio::set_contribution(const state& s, double sign) {
  const double value = s.h.qty * s.last;
  net_exposure_ += sign * value;
  gross_exposure_ += sign * std::abs(value);
}

void portfolio::mark(symbol_id symbol, double price) {
  if (symbol >= positions_.size() || bad_amount(price)) {
    throw market_error("portfolio: cannot mark symbol " + std::to_string(symbol) + " at " +
                       std::to_string(price) +
                       "; the symbol must exist and the price be finite and >= 0");
  }
  state& s = positions_[symbol];
  set_contribution(s, -1);
  s.last = price;
  s.marked = true;
  set_contribution(s, +1);
}

void portfolio::open_round_trip(state& s, symbol_id symbol, bool is_long, ts_ns ts) {
  s.rt = round_trip{.t = trade{.symbol = symbol, .is_long = is_long, .entry_ts = ts}};
}

void portfolio::close_round_trip(state& s, ts_ns ts) {
  trade t = summary(s.rt);
  t.exit_ts = ts;
  trades_.push_back(t);
}

void portfolio::apply(const fill& f) {
  if (f.symbol >= positions_.size()) {
    throw market_error("portfolio: fill of order " + std::to_string(f.id) +
                       " for unknown symbol id " + std::to_string(f.symbol));
  }
  if (!std::isfinite(f.quantity) || f.quantity <= 0 || bad_amount(f.price) ||
      bad_amount(f.commission)) {
    throw market_error("portfolio: fill of order " + std::to_string(f.id) + " has quantity " +
                       std::to_string(f.quantity) + ", price " + std::to_string(f.price) +
                       ", commission " + std::to_string(f.commission) +
                       "; quantity must be > 0, price and commission finite and >= 0");
  }
  state& s = positions_[f.symbol];
  set_contribution(s, -1);
  if (!s.marked) s.last = f.price;

  const double q = f.quantity;
  const double old = s.h.qty;
  const double notional = q * f.price;
  const holding_change c = apply_fill(s.h, f.side, q, f.price);
  if (c.closed == 0) {
    if (old == 0) {
      open_round_trip(s, f.symbol, f.side == order_side::buy, f.ts_event);
      s.rt.t.entry_tag = f.tag;
    }
    s.rt.entry_notional += notional;
    s.rt.entry_qty += q;
    s.rt.t.commission += f.commission;
    s.rt.t.quantity = std::max(s.rt.t.quantity, std::abs(s.h.qty));
  } else {
    const double close_commission = f.commission * (c.closed / q);
    total_realised_ += c.pnl;
    s.rt.realised += c.pnl;
    s.rt.exit_notional += c.closed * f.price;
    s.rt.exit_qty += c.closed;
    s.rt.t.commission += close_commission;
    s.rt.t.exit_reason = f.kind != nullptr ? f.kind : "market";
    s.rt.t.exit_tag = f.tag;
    if (s.h.qty == 0) {
      close_round_trip(s, f.ts_event);
    } else if ((s.h.qty > 0) != (old > 0)) {
      // A flip: the round trip closes and the remainder opens the next one.
      close_round_trip(s, f.ts_event);
      open_round_trip(s, f.symbol, s.h.qty > 0, f.ts_event);
      s.rt.t.entry_tag = f.tag;
      s.rt.entry_notional = c.opened * f.price;
      s.rt.entry_qty = c.opened;
      s.rt.t.commission = f.commission - close_commission;
      s.rt.t.quantity = c.opened;
    }
  }
  s.commission += f.commission;

  cash_ += (f.side == order_side::buy ? -notional : notional) - f.commission;
  total_commission_ += f.commission;
  traded_notional_ += notional;
  ++fill_count_;
  set_contribution(s, +1);
  if (old != 0) --open_positions_;
  if (s.h.qty != 0) ++open_positions_;
  if (open_positions_ == 0) {
    net_exposure_ = 0;
    gross_exposure_ = 0;
  }
}

}  // namespace ntrun::market
