// Where orders go: the engine's execution client. The simulated venue of backtests is one; a
// paper or live adapter is another. Every call appends the order events it causes to `out`
// (never clears it), so the engine routes them to the portfolio and the strategies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ntrun/market/order.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::market {

class execution_client {
 public:
  virtual ~execution_client() = default;
  /// Accepts (id >= 1, accepted event) or rejects (0, rejected event with the reason).
  [[nodiscard]] virtual order_id submit(const order_request& req, ts_ns now,
                                        std::vector<order_event>& out) = 0;
  virtual bool cancel(order_id id, ts_ns now, std::vector<order_event>& out) = 0;
  /// NaN keeps a field.
  virtual bool modify(order_id id, double quantity, double limit_price, double stop_price,
                      ts_ns now, std::vector<order_event>& out) = 0;
  /// Every open order of `strategy` (all when negative); returns how many were canceled.
  virtual std::size_t cancel_all(std::int32_t strategy, ts_ns now,
                                 std::vector<order_event>& out) = 0;
  /// A bar of market data: a simulated venue matches resting orders against it; a live
  /// adapter reports the fills its venue sent since the last call.
  virtual void on_bar(const bar& b, std::vector<order_event>& out) = 0;
  /// The order with this id, open or recently closed; nullptr when unknown or forgotten.
  [[nodiscard]] virtual const order* find(order_id id) const noexcept = 0;
  /// Open orders (accepted or partially filled), sorted by id.
  [[nodiscard]] virtual std::vector<order> open_orders() const = 0;
  [[nodiscard]] virtual std::size_t open_order_count() const noexcept = 0;
};

}  // namespace ntrun::market
