// A live market-data feed over ZeroMQ (docs/live.md): an event_source that subscribes to an
// endpoint, verifies every envelope with the codec and turns Bar (and Quote) envelopes into
// bars with the bundle's symbol ids. Bad input is counted and dropped, never fatal. The end of
// the stream is a Heartbeat envelope whose state is Stopping; an optional idle timeout ends it
// too.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ntrun/engine/event_source.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::data {

struct zmq_feed_options {
  std::string endpoint;           ///< tcp://host:port, ipc://..., inproc://...
  bool bind = false;              ///< bind instead of connecting (publishers then connect)
  std::string topic{};            ///< subscription prefix ("" everything)
  std::vector<symbol_id> ids{};   ///< Bar.symbol i is ids[i]; other indexes are dropped
  /// How long a poll that finds nothing waits for data before returning nothing (the host's
  /// turn: signals, status lines). Only the first poll after an empty one waits.
  std::chrono::milliseconds wait{50};
  /// No message at all for this long ends the stream (0: wait for ever).
  std::chrono::milliseconds idle_timeout{0};
  /// Asked while waiting: true makes the wait return at once (SIGINT).
  std::function<bool()> stop{};
  /// Clock for ts_init (ns since the epoch); the system clock when empty.
  std::function<ts_ns()> now{};
  /// Test hook: a ZeroMQ context (void* to keep cppzmq out of this header); the shared
  /// context when null.
  void* context = nullptr;
};

/// How the stream ended.
enum class feed_end : std::uint8_t { running = 0, end_marker = 1, idle_timeout = 2 };
[[nodiscard]] const char* to_string(feed_end e) noexcept;

struct zmq_feed_stats {
  std::int64_t envelopes = 0;       ///< verified envelopes received
  std::int64_t bars = 0;            ///< bars handed to the engine (quotes included)
  std::int64_t quotes = 0;          ///< of which made from Quote envelopes
  std::int64_t bad_frames = 0;      ///< refused by the transport or the codec
  std::int64_t unknown_symbol = 0;  ///< Bar/Quote symbol index outside the entry's list
  std::int64_t out_of_order = 0;    ///< ts_event before the symbol's previous bar
  std::int64_t invalid = 0;         ///< non-finite or negative prices, ask < bid
  std::int64_t ignored = 0;         ///< other body kinds (signals, orders...)
  /// The first few problems in words, with the sender when the envelope could be read.
  std::vector<std::string> first_errors{};
  [[nodiscard]] std::int64_t dropped() const noexcept {
    return unknown_symbol + out_of_order + invalid;
  }
};

class zmq_feed final : public ntrun::event_source {
 public:
  /// Subscribes at once (throws ntrun::error for a bad endpoint).
  explicit zmq_feed(zmq_feed_options options);
  ~zmq_feed() override;
  zmq_feed(const zmq_feed&) = delete;
  zmq_feed& operator=(const zmq_feed&) = delete;

  /// The time of a bar already received and not yet delivered; nullopt otherwise.
  [[nodiscard]] std::optional<ts_ns> peek_ts() override;
  /// The next bar as it arrives. One timestamp per round: once a bar at t was handed out, a
  /// buffered bar of a later time is held back until a poll has returned nothing, so the
  /// engine matches the orders placed on t against the next bar (as in a backtest). The
  /// deadline is not used: a live bar is due when it arrives.
  [[nodiscard]] std::optional<bar> poll(ts_ns deadline) override;
  [[nodiscard]] bool exhausted() override;

  [[nodiscard]] const zmq_feed_stats& stats() const noexcept;
  [[nodiscard]] feed_end ended() const noexcept;
  /// The bound or connected endpoint (with the port ZeroMQ chose for tcp://...:*).
  [[nodiscard]] std::string endpoint() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ntrun::data
