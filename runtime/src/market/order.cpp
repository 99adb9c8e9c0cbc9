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
      if (!valid_price(req.stop_price)) return reason::invalid_price;
      break;
    case order_type::stop_limit:
      if (!valid_price(req.limit_price) || !valid_price(req.stop_price)) {
        return reason::invalid_price;
      }
      break;
    default:
      return reason::invalid_order_type;
  }
  if (req.symbol >= num_symbols) return reason::unknown_symbol;
  return nullptr;
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
