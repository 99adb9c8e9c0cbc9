// Value types of the market domain shared by data, venue, portfolio and report:
// timestamps (ns since the Unix epoch, UTC), symbol ids, bars, order enums.
#pragma once

#include <cstdint>

namespace ntrun {

/// Nanoseconds since 1970-01-01T00:00:00Z. Every event carries ts_event and ts_init.
using ts_ns = std::int64_t;

/// Index of a symbol in the run's symbol table (0-based, in bundle declaration order).
using symbol_id = std::uint32_t;

/// Host-assigned order id, 1-based and increasing within a run (0 means "none").
using order_id = std::uint64_t;

inline constexpr ts_ns ns_per_second = 1'000'000'000LL;
inline constexpr ts_ns ns_per_day = 86'400LL * ns_per_second;

/// The UTC day of a timestamp: days since 1970-01-01, floor division (a time before the
/// epoch belongs to the day before, not to day 0). The one day bucketing of the runtime:
/// DAY orders, equity points and the calendar (data/time.hpp) all use it.
[[nodiscard]] constexpr std::int64_t utc_day(ts_ns ts) noexcept {
  std::int64_t d = ts / ns_per_day;
  if (ts % ns_per_day < 0) --d;
  return d;
}

/// One OHLCV bar. Layout is mirrored by `ntrun_bar_t` in bindings/ntrun_ffi.h (static_asserts
/// there keep them equal), so Lua reads the host's bar without a copy.
struct bar {
  ts_ns ts_event = 0;  ///< bar timestamp (for daily bars: 00:00 UTC of the date)
  ts_ns ts_init = 0;   ///< when the host created the event (replay: equals ts_event)
  symbol_id sid = 0;
  /// bit 0: close-only source (open = high = low = close); bit 1 (bar_last_of_time): the last
  /// bar of its timestamp, set by the engine on the copy it queues.
  std::uint32_t flags = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
};

inline constexpr std::uint32_t bar_last_of_time = 2;

/// Bar fields readable from the history ring (values match NTRUN_F_* in the C ABI).
enum class bar_field : std::int32_t { open = 0, high = 1, low = 2, close = 3, volume = 4 };

enum class order_side : std::uint8_t { buy = 0, sell = 1 };
enum class order_type : std::uint8_t { market = 0, limit = 1, stop = 2, stop_limit = 3 };
enum class time_in_force : std::uint8_t { gtc = 0, day = 1, ioc = 2, fok = 3 };
enum class order_status : std::uint8_t {
  submitted = 0,
  accepted = 1,
  rejected = 2,
  partially_filled = 3,
  filled = 4,
  canceled = 5,
  expired = 6,
};

[[nodiscard]] constexpr const char* to_string(order_side s) noexcept {
  return s == order_side::buy ? "buy" : "sell";
}
[[nodiscard]] constexpr const char* to_string(order_type t) noexcept {
  switch (t) {
    case order_type::market: return "market";
    case order_type::limit: return "limit";
    case order_type::stop: return "stop";
    case order_type::stop_limit: return "stop_limit";
  }
  return "?";
}
[[nodiscard]] constexpr const char* to_string(time_in_force t) noexcept {
  switch (t) {
    case time_in_force::gtc: return "gtc";
    case time_in_force::day: return "day";
    case time_in_force::ioc: return "ioc";
    case time_in_force::fok: return "fok";
  }
  return "?";
}
[[nodiscard]] constexpr const char* to_string(order_status s) noexcept {
  switch (s) {
    case order_status::submitted: return "submitted";
    case order_status::accepted: return "accepted";
    case order_status::rejected: return "rejected";
    case order_status::partially_filled: return "partially_filled";
    case order_status::filled: return "filled";
    case order_status::canceled: return "canceled";
    case order_status::expired: return "expired";
  }
  return "?";
}

/// A closed round trip on one symbol: from flat to flat (a flip closes one trade and opens
/// the next). Produced by the portfolio, consumed by the report.
struct trade {
  symbol_id symbol = 0;
  bool is_long = true;
  ts_ns entry_ts = 0;
  ts_ns exit_ts = 0;
  double quantity = 0;     ///< largest absolute position held during the trade
  double entry_price = 0;  ///< volume-weighted average entry price
  double exit_price = 0;   ///< volume-weighted average exit price
  double pnl = 0;          ///< realised PnL net of the commissions of all its fills
  double commission = 0;   ///< commissions of all its fills
  /// What closed it: the kind of its last reducing fill's order ("stop_loss", "take_profit",
  /// "trailing_stop", "stop", "limit", "market"; static string), nullptr while open.
  const char* exit_reason = nullptr;
  std::int64_t entry_tag = 0;  ///< tag of the order whose fill opened it
  std::int64_t exit_tag = 0;   ///< tag of the order whose fill closed it
};

/// One point of the equity curve, taken after all bars of a timestamp are processed
/// (the engine keeps the last point of each UTC day, so memory does not grow per bar).
struct equity_point {
  ts_ns ts = 0;
  double equity = 0;          ///< cash + marked value of positions
  double cash = 0;
  double gross_exposure = 0;  ///< sum of |position value|
  double net_exposure = 0;    ///< sum of position value (signed)
};

}  // namespace ntrun
