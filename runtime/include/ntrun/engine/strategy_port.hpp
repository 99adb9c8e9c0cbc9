// The port through which one strategy's session reaches the engine: events in, commands out,
// queries of its orders, positions and account. The backtest engine implements it with direct
// calls; an agent client implements it with messages. The C ABI (bindings/) talks to this
// interface only, never to a concrete engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ntrun/engine/event.hpp"
#include "ntrun/market/checks.hpp"
#include "ntrun/market/order.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun {

struct submit_result {
  order_id id = 0;
  const char* reason = nullptr;  ///< static string, set when rejected
};

struct position_snapshot {
  double quantity = 0;  ///< signed: > 0 long, < 0 short
  double avg_price = 0, realised_pnl = 0, unrealised_pnl = 0, last_price = 0;
};

struct account_snapshot {
  double equity = 0, cash = 0, gross_exposure = 0, net_exposure = 0, realised_pnl = 0,
         commissions = 0;
};

/// The calendar boundaries a calendar timer fires on (docs/strategies.md, "Calendar timers").
/// Values shared with NTRUN_CAL_* in the C ABI.
enum class calendar_kind : std::int32_t {
  month_start = 1,    ///< the first timestamp of each UTC month with data
  week_start = 2,     ///< the first timestamp of each ISO week (Monday-based, UTC)
  session_close = 3,  ///< the last timestamp of each UTC day
};

class strategy_port {
 public:
  virtual ~strategy_port() = default;

  /// Writes the strategy's next event into `out` and returns its kind. A data error of the
  /// source is thrown once every event before it has been delivered.
  [[nodiscard]] virtual event_kind next(event_slot& out) = 0;
  [[nodiscard]] virtual ts_ns now() const noexcept = 0;
  /// False when next() would only yield now (nothing queued); true when unsure.
  [[nodiscard]] virtual bool has_events() const noexcept { return true; }
  [[nodiscard]] virtual const std::vector<std::string>& symbols() const noexcept = 0;

  /// The last n values (oldest first) of a field; fewer while the history is short. The span
  /// stays readable memory for the port's lifetime; its values change with later bars.
  [[nodiscard]] virtual std::span<const double> history(symbol_id sid, bar_field field,
                                                        std::size_t n) const = 0;
  [[nodiscard]] virtual std::size_t history_capacity() const noexcept = 0;

  virtual submit_result submit(const market::order_request& req) = 0;
  /// Linked orders (bracket, OCO, OTO; backtest::engine::submit_list). `reqs` is the port's
  /// to change (the strategy field is set to its own).
  virtual submit_result submit_list(std::span<market::order_request> reqs,
                                    std::span<const market::list_link> links,
                                    std::span<order_id> ids) = 0;
  /// False when the order is unknown, not this strategy's, or no longer open.
  virtual bool cancel(order_id id) = 0;
  virtual bool modify(order_id id, double quantity, double limit_price, double stop_price) = 0;
  /// One of this strategy's orders; nullptr when unknown, forgotten or another strategy's.
  [[nodiscard]] virtual const market::order* find_order(order_id id) const = 0;
  [[nodiscard]] virtual std::vector<order_id> open_orders() const = 0;

  /// This strategy's own position (fills of its orders only).
  [[nodiscard]] virtual position_snapshot position(symbol_id sid) const = 0;
  /// The account the strategies of the run share.
  [[nodiscard]] virtual account_snapshot account() const = 0;

  [[nodiscard]] virtual std::int64_t set_timer(ts_ns first, ts_ns interval) = 0;
  virtual bool cancel_timer(std::int64_t id) = 0;
  /// A calendar timer: fires after the last bar of each matching timestamp has been queued.
  /// Same ids as set_timer; cancel_timer cancels it.
  [[nodiscard]] virtual std::int64_t set_calendar_timer(calendar_kind kind) = 0;
  /// Uniform in [0, 1) from the strategy's seeded stream.
  [[nodiscard]] virtual double random() noexcept = 0;

  [[nodiscard]] virtual const market::check_config& limits() const noexcept = 0;
  /// Throws market_error naming the bad field; the old limits stay.
  virtual void set_limits(const market::check_config& limits) = 0;
  [[nodiscard]] virtual const market::risk_status& risk() const noexcept = 0;
};

}  // namespace ntrun
