// Publisher and subscriber. Wire layout of every pub/sub message: two frames, [topic][batch],
// where the topic frame is what ZeroMQ subscriptions match by prefix and the batch frame holds
// one or more messages, each prefixed with its 4-byte little-endian length (batch.hpp). A
// publisher without batching sends batches of one. Subscribers split batches and hand out the
// messages one by one.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/transport/batch.hpp"
#include "ntrun/transport/socket.hpp"

namespace ntrun::transport {

/// A PUB socket with ZMQ_XPUB_NODROP: a full subscriber makes a send would-block (then the
/// policy applies) instead of losing the message silently. Connects to a bus's publisher
/// endpoint, or binds for direct subscribers. Messages that no subscriber asked for go nowhere:
/// that is pub/sub, not a loss.
class publisher : public socket_base {
 public:
  explicit publisher(socket_options options, zmq::context_t& ctx = shared_context());

  /// Publishes one message under a topic (the topic must not be empty for a batch to be
  /// routable; an empty topic reaches subscribers of ""). With batching the message joins the
  /// topic's open batch, which goes out when full, at flush() or after max_delay.
  [[nodiscard]] send_result publish(std::string_view topic, std::span<const std::byte> payload);
  [[nodiscard]] send_result publish(std::string_view topic, std::string_view payload) {
    return publish(topic, std::as_bytes(std::span(payload.data(), payload.size())));
  }

  /// End of tick: sends every open batch, then retries the drop_oldest queue. Returns the
  /// number of batches that did not go out at once (queued or failed, all counted).
  std::size_t flush();
  /// Sends the open batches older than max_delay (call it from the owner's loop).
  void flush_due();
  /// Messages in open batches, not yet handed to the sending engine.
  [[nodiscard]] std::size_t batched() const noexcept;

 private:
  struct open_batch {
    std::string topic;
    batch_writer writer;
    std::chrono::steady_clock::time_point opened;
  };
  send_result send_batch(open_batch& b);
  std::vector<open_batch> batches_;
};

/// One message as received: valid until the next receive on the same subscriber.
struct message_view {
  std::string_view topic;
  std::span<const std::byte> payload;
};

/// A SUB socket. Refuses (and counts in bad_frames) wire messages that are not [topic][batch]
/// or whose batch frame lies.
class subscriber : public socket_base {
 public:
  explicit subscriber(socket_options options, zmq::context_t& ctx = shared_context());

  /// Adds a topic prefix ("" is everything). Subscriptions travel to the publishers
  /// asynchronously: messages sent before they arrive are not seen (the slow joiner).
  void subscribe(std::string_view prefix);
  void unsubscribe(std::string_view prefix);

  /// The next message, waiting up to timeout (negative: forever); nullopt when none came.
  [[nodiscard]] std::optional<message_view> receive(std::chrono::milliseconds timeout);
  [[nodiscard]] bool has_pending() const noexcept override { return next_ < parts_.size(); }

 private:
  message_view take();
  zmq::message_t topic_, frame_;
  std::vector<std::span<const std::byte>> parts_;
  std::size_t next_ = 0;
  std::size_t max_message_;
};

}  // namespace ntrun::transport
