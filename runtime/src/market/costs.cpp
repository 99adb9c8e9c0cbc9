// Slippage and commission formulas of the simulated venue (docs/fill_model.md).
#include "ntrun/market/costs.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ntrun/market/order.hpp"

namespace ntrun::market {
namespace {

void require_non_negative(double v, const char* field) {
  if (!std::isfinite(v) || v < 0) {
    throw market_error(std::string("venue config: '") + field + "' is " + std::to_string(v) +
                       "; it must be a finite number >= 0");
  }
}

}  // namespace

void validate(const slippage_config& cfg) {
  switch (cfg.model) {
    case slippage_model::none:
    case slippage_model::fixed:
    case slippage_model::percentage:
    case slippage_model::volume:
      break;
    default:
      throw market_error("venue config: unknown slippage model " +
                         std::to_string(static_cast<int>(cfg.model)) +
                         "; use none, fixed, percentage or volume");
  }
  require_non_negative(cfg.value, "slippage.value");
}

void validate(const commission_config& cfg) {
  require_non_negative(cfg.per_share, "commission.per_share");
  require_non_negative(cfg.per_value, "commission.per_value");
  require_non_negative(cfg.minimum, "commission.minimum");
}

double apply_slippage(const slippage_config& cfg, order_side side, double price, double fill_qty,
                      double bar_volume) noexcept {
  double amount = 0;
  switch (cfg.model) {
    case slippage_model::none:
      return price;
    case slippage_model::fixed:
      amount = cfg.value;
      break;
    case slippage_model::percentage:
      amount = price * cfg.value;
      break;
    case slippage_model::volume:
      if (bar_volume <= 0) return price;
      amount = price * cfg.value * std::sqrt(fill_qty / bar_volume);
      break;
  }
  if (side == order_side::buy) return price + amount;
  return std::max(0.0, price - amount);
}

double commission_for(const commission_config& cfg, double qty, double price) noexcept {
  return std::max(cfg.minimum, cfg.per_share * qty + cfg.per_value * qty * price);
}

}  // namespace ntrun::market
