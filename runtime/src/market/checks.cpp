// Pre-trade checks: cheap rules evaluated in a fixed order, the rate window last so that only
// orders that pass everything else are counted.
#include "ntrun/market/checks.hpp"

#include <cmath>
#include <string>

namespace ntrun::market {
namespace {

constexpr double qty_epsilon = 1e-9;
/// The rate window keeps one timestamp per allowed order; bound its memory.
constexpr std::uint32_t max_rate = 1'000'000;

void require_limit(double v, const char* field) {
  if (!std::isfinite(v) || v < 0) {
    throw market_error(std::string("check config: '") + field + "' is " + std::to_string(v) +
                       "; it must be a finite number >= 0 (0 turns the check off)");
  }
}

}  // namespace

pre_trade_checks::pre_trade_checks(const check_config& cfg) : cfg_(cfg) {
  require_limit(cfg.max_position, "max_position");
  require_limit(cfg.max_order_notional, "max_order_notional");
  require_limit(cfg.max_leverage, "max_leverage");
  if (cfg.max_orders_per_second > max_rate) {
    throw market_error("check config: max_orders_per_second is " +
                       std::to_string(cfg.max_orders_per_second) + "; at most " +
                       std::to_string(max_rate) + " (0 turns the check off)");
  }
  window_.resize(cfg.max_orders_per_second);
}

double pre_trade_checks::reference_price(const order_request& req, double last_price) noexcept {
  switch (req.type) {
    case order_type::market:
      return last_price;
    case order_type::limit:
    case order_type::stop_limit:
      return req.limit_price;
    case order_type::stop:
      return req.stop_price;
  }
  return last_price;
}

const char* pre_trade_checks::check(const order_request& req, const portfolio& pf,
                                    double reference_price, ts_ns now) {
  if (const char* why = validate_request(req, pf.num_symbols())) return why;
  if (!std::isfinite(reference_price) || reference_price <= 0) return reason::no_reference_price;

  const double qty = req.quantity;
  const double notional = qty * reference_price;
  if (cfg_.max_order_notional > 0 && notional > cfg_.max_order_notional) {
    return reason::max_order_notional;
  }

  const position_view pos = pf.position(req.symbol);
  const double before = pos.qty;
  const double after = before + (req.side == order_side::buy ? qty : -qty);
  const double slack = qty_epsilon * (std::abs(before) + qty);
  const bool increases = std::abs(after) > std::abs(before) + slack;
  if (!cfg_.allow_short && after < -slack) return reason::short_not_allowed;
  if (cfg_.max_position > 0 && increases && std::abs(after) > cfg_.max_position + slack) {
    return reason::max_position;
  }
  if (cfg_.max_leverage > 0 && increases) {
    // Only the added exposure is valued at the reference price; the rest stays at its mark.
    const double gross_after =
        pf.gross_exposure() + (std::abs(after) - std::abs(before)) * reference_price;
    if (gross_after > cfg_.max_leverage * pf.equity()) return reason::insufficient_cash;
  }

  const std::size_t cap = window_.size();
  if (cap > 0) {
    while (size_ > 0 && window_[head_] <= now - ns_per_second) {
      head_ = (head_ + 1) % cap;
      --size_;
    }
    if (size_ >= cap) return reason::max_orders_per_second;
    window_[(head_ + size_) % cap] = now;
    ++size_;
  }
  return nullptr;
}

}  // namespace ntrun::market
