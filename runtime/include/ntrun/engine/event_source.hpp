// Where market data comes from: the engine polls its event source. A replay (CSV files, a
// generator) knows the time of its next event; a live feed (ZeroMQ, an exchange) does not and
// answers polls as data arrives. "Nothing yet" is an empty optional, never an error; a bad
// record is thrown (the engine delivers every event before it, then raises it).
#pragma once

#include <optional>

#include "ntrun/market/types.hpp"

namespace ntrun {

class event_source {
 public:
  virtual ~event_source() = default;
  /// Time of the next event when known; nullopt when none is known now.
  [[nodiscard]] virtual std::optional<ts_ns> peek_ts() = 0;
  /// The next event with ts_event <= deadline (in the engine clock's time), or nothing when
  /// there is none by then.
  [[nodiscard]] virtual std::optional<bar> poll(ts_ns deadline) = 0;
  /// True once no event will ever come again (end of a replay, a closed feed).
  [[nodiscard]] virtual bool exhausted() = 0;
};

/// A source that knows its events in advance: implement peek_ts() and next().
class replay_source : public event_source {
 public:
  /// The next event in time order; false at the end.
  [[nodiscard]] virtual bool next(bar& out) = 0;

  [[nodiscard]] std::optional<bar> poll(ts_ns deadline) final {
    const std::optional<ts_ns> t = peek_ts();
    if (!t || *t > deadline) return std::nullopt;
    bar b;
    if (!next(b)) return std::nullopt;
    return b;
  }
  [[nodiscard]] bool exhausted() final { return !peek_ts().has_value(); }
};

}  // namespace ntrun
