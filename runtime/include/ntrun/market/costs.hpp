// Execution costs of the simulated venue: slippage models and the commission formula
// (exact rules in docs/fill_model.md).
#pragma once

#include <cstdint>

#include "ntrun/market/types.hpp"

namespace ntrun::market {

enum class slippage_model : std::uint8_t {
  none = 0,
  fixed = 1,       ///< `value` price units per unit, adverse
  percentage = 2,  ///< `value` as a fraction of the price, adverse
  volume = 3,      ///< square-root impact: price * value * sqrt(fill_qty / bar.volume), adverse
};

[[nodiscard]] constexpr const char* to_string(slippage_model m) noexcept {
  switch (m) {
    case slippage_model::none:
      return "none";
    case slippage_model::fixed:
      return "fixed";
    case slippage_model::percentage:
      return "percentage";
    case slippage_model::volume:
      return "volume";
  }
  return "?";
}

struct slippage_config {
  slippage_model model = slippage_model::none;
  double value = 0;  ///< amount, fraction or impact coefficient, by model; >= 0
};

struct commission_config {
  double per_share = 0;  ///< per unit filled
  double per_value = 0;  ///< fraction of the fill's notional
  double minimum = 0;    ///< per fill
};

/// Throws market_error naming the bad field when a value is negative, NaN or infinite.
void validate(const slippage_config& cfg);
void validate(const commission_config& cfg);

/// `price` moved against the taker by the configured slippage. Buys pay more, sells receive
/// less, never below 0. The volume model adds nothing when `bar_volume` is 0.
[[nodiscard]] double apply_slippage(const slippage_config& cfg, order_side side, double price,
                                    double fill_qty, double bar_volume) noexcept;

/// max(minimum, per_share * qty + per_value * qty * price).
[[nodiscard]] double commission_for(const commission_config& cfg, double qty,
                                    double price) noexcept;

}  // namespace ntrun::market
