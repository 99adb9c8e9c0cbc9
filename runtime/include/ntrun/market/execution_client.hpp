// Where orders go: the engine's execution client. The simulated venue of backtests is one; a
// paper or live adapter is another. Every call appends the order events it causes to `out`
// (never clears it), so the engine routes them to the portfolio and the strategies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ntrun/market/order.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::market {

/// Asked by a venue before each fill: how much of it may go through now. The engine answers
/// with the strategy's position (reduce-only) and the run's position limits, so a resting order
/// that fills later is held to them as well (docs/fill_model.md, "Checks at fill time").
class fill_guard {
 public:
  virtual ~fill_guard() = default;
  /// The quantity in [0, qty] order `o` may fill at `price` now; when less than qty, *why is
  /// set to the static name of the rule that cut it.
  [[nodiscard]] virtual double allow(const order& o, double qty, double price,
                                     const char** why) = 0;
  /// False while only reduce-only orders need asking (no position limit is on): the venue
  /// then skips the call for the others.
  bool every_fill = true;
};

class execution_client {
 public:
  virtual ~execution_client() = default;
  /// Accepts (id >= 1, accepted event) or rejects (0, rejected event with the reason).
  [[nodiscard]] virtual order_id submit(const order_request& req, ts_ns now,
                                        std::vector<order_event>& out) = 0;
  /// Orders linked by OTO (a child waits for its parent's first fill) and OCO (a fill of one
  /// cancels the others): all accepted (ids in `ids`, true) or all rejected (false; the
  /// failing order gets its reason, the others linked_order_rejected).
  virtual bool submit_list(std::span<const order_request> reqs, std::span<const list_link> links,
                           ts_ns now, std::vector<order_event>& out, std::span<order_id> ids) = 0;
  /// The guard asked before each fill (nullptr: none). Must outlive the client's use of it.
  virtual void set_fill_guard(fill_guard* guard) noexcept = 0;
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
