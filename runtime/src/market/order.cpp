// Request validation and the rejected-event shape shared by the venue and the pre-trade checks.
#include "ntrun/market/order.hpp"

#include <cmath>

namespace ntrun::market {
namespace {

[[nodiscard]] bool valid_price(double p) noexcept {
  return std::isfinite(p) && p > 0;
}

}  // namespace

const char* validate_request(const order_request& req, std::size_t num_symbols) noexcept {
  if (req.side != order_side::buy && req.side != order_side::sell) return reason::invalid_side;
  switch (req.tif) {
    case time_in_force::gtc:
    case time_in_force::day:
    case time_in_force::ioc:
    case time_in_force::fok:
      break;
    default:
      return reason::invalid_time_in_force;
  }
  if (!std::isfinite(req.quantity) || req.quantity <= 0) return reason::invalid_quantity;
  switch (req.type) {
    case order_type::market:
      break;
    case order_type::limit:
      if (!valid_price(req.limit_price)) return reason::invalid_price;
      break;
    case order_type::stop:
      // A trailing stop without a stop price starts at the last close (the venue sets it).
      if (!valid_price(req.stop_price) &&
          !(req.trailing() && (std::isnan(req.stop_price) || req.stop_price == 0))) {
        return reason::invalid_price;
      }
      break;
    case order_type::stop_limit:
      if (!valid_price(req.limit_price) || !valid_price(req.stop_price)) {
        return reason::invalid_price;
      }
      break;
    default:
      return reason::invalid_order_type;
  }
  if (static_cast<unsigned>(req.role) > static_cast<unsigned>(order_role::take_profit)) {
    return reason::invalid_order_type;
  }
  // Most orders do not trail: one test for them.
  if (req.trail_amount != 0 || req.trail_percent != 0) {
    const auto bad_trail = [](double v) { return !std::isfinite(v) || v < 0; };
    if (bad_trail(req.trail_amount) || bad_trail(req.trail_percent) || req.trail_percent >= 1 ||
        (req.trail_amount > 0 && req.trail_percent > 0) || req.type != order_type::stop) {
      return reason::invalid_trail;
    }
  }
  if (req.symbol >= num_symbols) return reason::unknown_symbol;
  return nullptr;
}

const char* exit_kind(const order_request& r) noexcept {
  if (r.trailing()) return "trailing_stop";  // a trailing stop-loss too
  if (r.role == order_role::stop_loss) return "stop_loss";
  if (r.role == order_role::take_profit) return "take_profit";
  switch (r.type) {
    case order_type::market:
      return "market";
    case order_type::limit:
      return "limit";
    case order_type::stop:
    case order_type::stop_limit:
      return "stop";
  }
  return "market";
}

order_event make_rejection(const order_request& req, ts_ns now, const char* why) noexcept {
  return order_event{
      .kind = event_kind::rejected,
      .id = 0,
      .strategy = req.strategy,
      .tag = req.tag,
      .symbol = req.symbol,
      .side = req.side,
      .ts_event = now,
      .ts_init = now,
      .fill_info = {},
      .status = order_status::rejected,
      .filled_qty = 0,
      .remaining_qty = req.quantity,
      .reason = why,
      .type = req.type,
  };
}

}  // namespace ntrun::market
