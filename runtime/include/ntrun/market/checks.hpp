// Pre-trade checks the engine runs before simulated_venue::submit: position, notional and
// rate limits, shorting and buying power (rules in docs/fill_model.md, "Pre-trade checks").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ntrun/market/order.hpp"
#include "ntrun/market/portfolio.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::market {

struct check_config {
  double max_position = 0;                  ///< abs units per symbol after the order; 0 = off
  double max_order_notional = 0;            ///< quantity * reference price; 0 = off
  std::uint32_t max_orders_per_second = 0;  ///< per sliding 1 s of simulated time; 0 = off
  bool allow_short = true;
  /// Gross exposure after an exposure-increasing order must stay <= max_leverage * equity.
  /// 1.0 is a cash account; 0 = off.
  double max_leverage = 1.0;
};

/// One instance per scope the limits apply to (the engine keeps one per strategy, or one for
/// the run). Stateful only through the order-rate window.
class pre_trade_checks {
 public:
  /// Throws market_error when a limit is negative, NaN or infinite.
  explicit pre_trade_checks(const check_config& cfg);

  /// nullptr when `req` may go to the venue, else the static reason of the first failed rule.
  /// `reference_price`: the last price for market orders, the limit for limit and stop_limit,
  /// the stop for stop orders. A passing order is counted in the rate window (so call this
  /// exactly once per order the strategy submits).
  [[nodiscard]] const char* check(const order_request& req, const portfolio& pf,
                                  double reference_price, ts_ns now);

  /// The reference price rule above, given the symbol's last price.
  [[nodiscard]] static double reference_price(const order_request& req, double last_price) noexcept;

  [[nodiscard]] const check_config& config() const noexcept { return cfg_; }

 private:
  check_config cfg_;
  std::vector<ts_ns> window_;  ///< ring of the last max_orders_per_second passing timestamps
  std::size_t head_ = 0;       ///< oldest entry once the ring is full
  std::size_t size_ = 0;
};

}  // namespace ntrun::market
