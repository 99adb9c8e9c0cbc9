// The events a strategy's session receives, as one tagged union: market data, order events,
// timers, risk state changes, messages (bytes valid until the next event) and control events
// (the host's turn between two events: stop, reload, deadline). Layout mirrored by
// ntrun_event_t in bindings/ntrun_ffi.h (static_asserts in bindings/), so Lua reads the
// session's slot in place.
#pragma once

#include <cstdint>

#include "ntrun/market/types.hpp"

namespace ntrun {

enum class event_kind : std::int32_t {
  bar = 1,
  filled = 2,
  rejected = 3,
  canceled = 4,
  expired = 5,
  timer = 6,
  accepted = 7,
  modified = 8,
  risk = 9,      ///< the circuit breaker's state changed
  message = 10,  ///< bytes from another agent or a feed (valid until the next event)
  control = 11,  ///< the host asks the runner to return: see control_code
  yield = 100,   ///< this strategy's queue is empty; another strategy runs next
  end = 101,     ///< the data is exhausted
};

/// Why a control event was delivered (bit values of session flags as well).
enum class control_code : std::int32_t { stop = 1, reload = 2, deadline = 4, status = 8 };

/// Order event as the strategy sees it. Layout mirrored by ntrun_order_event_t.
struct order_event_view {
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  ntrun::order_id order_id = 0;
  std::int64_t tag = 0;
  symbol_id sid = 0;
  std::int32_t side = 0;
  std::int32_t type = 0;
  std::int32_t status = 0;
  double quantity = 0;
  double price = 0;
  double commission = 0;
  double filled_qty = 0;
  double remaining = 0;
  const char* reason = nullptr;  ///< static string
  double position = 0;  ///< fills: the strategy's position in the symbol after this fill
};

/// Layout mirrored by ntrun_timer_event_t.
struct timer_event_view {
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  std::int64_t id = 0;
};

/// Risk state change. Layout mirrored by ntrun_risk_event_t.
struct risk_event_view {
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  std::int32_t state = 0;        ///< market::risk_state after the change
  std::int32_t previous = 0;     ///< before it
  const char* reason = nullptr;  ///< what tripped it (static string), nullptr back in normal
};

/// A message: the bytes belong to the sender of the event and stay valid until the session's
/// next event. Layout mirrored by ntrun_message_event_t.
struct message_event_view {
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  const unsigned char* data = nullptr;
  std::int64_t len = 0;
  std::int64_t channel = 0;  ///< which subscription or peer it came from
};

/// Layout mirrored by ntrun_control_event_t.
struct control_event_view {
  ts_ns ts_event = 0;
  std::int32_t code = 0;  ///< control_code
  std::int32_t flags = 0;
};

/// One event of a session. kind says which member of the union is valid.
struct event_slot {
  event_slot() noexcept : bar{} {}

  std::int32_t kind = 0;
  std::int32_t pad_ = 0;
  union {
    ntrun::bar bar;
    order_event_view order;
    timer_event_view timer;
    risk_event_view risk;
    message_event_view message;
    control_event_view control;
  };
};

}  // namespace ntrun
