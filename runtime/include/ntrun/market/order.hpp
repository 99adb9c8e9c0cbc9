// Orders of the market domain: the request a strategy submits, the venue's order record, fills,
// the order events the venue emits, the static rejection reasons and the domain's error type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "ntrun/constants.h"
#include "ntrun/error.hpp"

#include "ntrun/market/types.hpp"

namespace ntrun::market {

/// A fault of the caller (bad configuration, a bar or fill that cannot be true). Order-level
/// problems are never thrown: they come back as rejected events with a `reason`.
class market_error : public ntrun::error {
 public:
  explicit market_error(const std::string& what) : ntrun::error(status::invalid, what) {}
};

/// Static reason names carried by events and returned by the pre-trade checks. They are
/// string literals with static storage: compare by value (std::string_view), never free them.
namespace reason {
inline constexpr const char* invalid_quantity = "invalid_quantity";
inline constexpr const char* invalid_price = "invalid_price";
inline constexpr const char* invalid_side = "invalid_side";
inline constexpr const char* invalid_order_type = "invalid_order_type";
inline constexpr const char* invalid_time_in_force = "invalid_time_in_force";
inline constexpr const char* unknown_symbol = "unknown_symbol";
inline constexpr const char* no_reference_price = "no_reference_price";
inline constexpr const char* insufficient_cash = "insufficient_cash";
inline constexpr const char* max_position = "max_position";
inline constexpr const char* max_order_notional = "max_order_notional";
inline constexpr const char* max_orders_per_second = "max_orders_per_second";
inline constexpr const char* short_not_allowed = "short_not_allowed";
inline constexpr const char* fok_not_fillable = "fok_not_fillable";
inline constexpr const char* day_expired = "day_expired";
inline constexpr const char* ioc_unfilled = "ioc_unfilled";
inline constexpr const char* canceled_by_strategy = "canceled_by_strategy";
inline constexpr const char* order_not_open = "order_not_open";
inline constexpr const char* invalid_trail = "invalid_trail";
inline constexpr const char* invalid_link = "invalid_link";
/// The list an order belonged to was refused because of another of its orders.
inline constexpr const char* linked_order_rejected = "linked_order_rejected";
/// Canceled because an order of its OCO group filled.
inline constexpr const char* oco_filled = "oco_filled";
/// A child canceled because its parent closed (canceled, expired) before any fill.
inline constexpr const char* parent_closed = "parent_closed";
/// What was left of an entry, canceled because one of its exits filled.
inline constexpr const char* bracket_exited = "bracket_exited";
/// A reduce-only order cut (or canceled) where it would have increased the position.
inline constexpr const char* reduce_only = "reduce_only";
/// The strategy holds NTRUN_K_MAX_OPEN_ORDERS open orders already.
inline constexpr const char* max_open_orders = "max_open_orders";
}  // namespace reason

/// What an order is for, when the strategy said so (ctx:bracket does): it names the exit of
/// the trades the order closes (trade::exit_reason).
enum class order_role : std::uint8_t { none = 0, stop_loss = 1, take_profit = 2 };

/// Relative tolerance on quantities, shared by the venue, the portfolio and the checks: a
/// remainder smaller than this fraction of the quantities involved is zero (fractional fills
/// must close a position exactly rather than leave dust that keeps a trade open).
inline constexpr double qty_epsilon = NTRUN_K_QTY_EPSILON;

/// What a strategy asks for. Prices not used by `type` are ignored.
struct order_request {
  symbol_id symbol = 0;
  order_side side = order_side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::gtc;
  double quantity = 0;        ///< units, > 0, fractional allowed
  double limit_price = 0;     ///< limit and stop_limit: > 0
  double stop_price = 0;      ///< stop and stop_limit: > 0
  std::int32_t strategy = 0;  ///< owner index, echoed in every event
  std::int64_t tag = 0;       ///< user tag, echoed in every event
  /// Fills only reduce the strategy's position: cut to it, canceled when there is none.
  bool reduce_only = false;
  order_role role = order_role::none;
  /// Trailing stop (stop orders): the stop follows each close by this amount (price units) or
  /// this fraction of the close, never moving back. A stop price of 0 or NaN starts it at the
  /// last close. At most one of the two is > 0.
  double trail_amount = 0;
  double trail_percent = 0;

  [[nodiscard]] bool trailing() const noexcept { return trail_amount > 0 || trail_percent > 0; }
};

/// How an order of a list (venue::submit_list) links to the others. 0 = none.
struct list_link {
  std::uint32_t parent = 0;  ///< OTO: 1-based index of its parent in the list (an earlier one)
  std::uint32_t oco = 0;     ///< OCO group number; orders with the same number cancel each other
};

/// The venue's record of an accepted order.
struct order {
  order_id id = 0;
  order_request request{};
  order_status status = order_status::submitted;
  double filled_qty = 0;
  double avg_fill_price = 0;  ///< VWAP of its fills (0 before the first)
  ts_ns ts_submitted = 0;
  ts_ns ts_updated = 0;    ///< last submit/modify/fill/trigger; the order matches only later bars
  bool triggered = false;
  /// DAY orders: UTC day (days since the epoch) of the first bar they were eligible on;
  /// they expire at the first bar of a later day. Unset until that first eligible bar.
  std::optional<std::int64_t> session_day{};
  order_id parent = 0;         ///< OTO: waits (inactive) for this order's first fill
  /// OCO group: the id of its first order (0 = none) and of its last; the members are the
  /// orders between them with the same oco_group (closed ones may have been forgotten).
  order_id oco_group = 0;
  order_id oco_last = 0;
  std::uint32_t children = 0;  ///< orders waiting for this one (ids after it)
  const char* kind = nullptr;  ///< exit_kind(request), fixed at acceptance
  bool active = true;          ///< false while waiting for its parent

  [[nodiscard]] double remaining() const noexcept { return request.quantity - filled_qty; }
  [[nodiscard]] bool is_open() const noexcept {
    return status == order_status::accepted || status == order_status::partially_filled;
  }
};

/// One execution against an order.
struct fill {
  order_id id = 0;  ///< the order filled
  symbol_id symbol = 0;
  order_side side = order_side::buy;
  double quantity = 0;    ///< > 0
  double price = 0;       ///< execution price, slippage included
  double commission = 0;  ///< charged on this fill
  ts_ns ts_event = 0;
  std::int64_t tag = 0;   ///< the order's tag
  /// What the order was (static string, see exit_kind()): the exit reason of a trade it closes.
  const char* kind = nullptr;
};

/// The exit reason an order gives the trades it closes: "trailing_stop" (any trailing stop),
/// "stop_loss", "take_profit" (bracket roles), "stop", "limit" or "market" (static strings).
[[nodiscard]] const char* exit_kind(const order_request& r) noexcept;

enum class event_kind : std::uint8_t {
  accepted = 0,
  rejected = 1,  ///< submission refused (id 0); see `reason`
  filled = 2,
  partially_filled = 3,
  canceled = 4,
  expired = 5,
  modified = 6,
  cancel_rejected = 7,  ///< cancel of an unknown or closed order; the order is unchanged
  modify_rejected = 8,  ///< modify refused; the order is unchanged
};

[[nodiscard]] constexpr const char* to_string(event_kind k) noexcept {
  switch (k) {
    case event_kind::accepted:
      return "accepted";
    case event_kind::rejected:
      return "rejected";
    case event_kind::filled:
      return "filled";
    case event_kind::partially_filled:
      return "partially_filled";
    case event_kind::canceled:
      return "canceled";
    case event_kind::expired:
      return "expired";
    case event_kind::modified:
      return "modified";
    case event_kind::cancel_rejected:
      return "cancel_rejected";
    case event_kind::modify_rejected:
      return "modify_rejected";
  }
  return "?";
}

/// Past-tense report of something that happened to an order. Plain data, no allocation.
struct order_event {
  event_kind kind = event_kind::accepted;
  order_id id = 0;  ///< 0 for a rejected submission (match it by `tag`)
  std::int32_t strategy = 0;
  std::int64_t tag = 0;
  symbol_id symbol = 0;
  order_side side = order_side::buy;
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  fill fill_info{};                               ///< set for filled / partially_filled only
  order_status status = order_status::submitted;  ///< the order's status after the event
  double filled_qty = 0;
  double remaining_qty = 0;
  const char* reason = nullptr;  ///< static string (see `reason::`), or nullptr
  order_type type = order_type::market;  ///< the order's (a rejection's: the request's)
};

/// The rejected event for a request refused before it reached the venue (e.g. by the
/// pre-trade checks), shaped exactly like the venue's own rejections.
[[nodiscard]] order_event make_rejection(const order_request& req, ts_ns now,
                                         const char* why) noexcept;

/// Static reason naming the first problem of `req` on its own (quantity, prices, enums), or
/// nullptr. `num_symbols` bounds the symbol id.
[[nodiscard]] const char* validate_request(const order_request& req,
                                           std::size_t num_symbols) noexcept;

}  // namespace ntrun::market
