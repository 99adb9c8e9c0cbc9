// Router and dealer, for commands: request/reply with identities. A dealer sends one frame,
// [payload]; the router receives [identity][payload] and answers the identity with one frame.
// Payloads are opaque bytes (one message per frame, no batching).
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string_view>

#include "ntrun/transport/socket.hpp"

namespace ntrun::transport {

struct request_view {
  std::string_view identity;  ///< the dealer's routing id (binary); copy it to answer later
  std::span<const std::byte> payload;
};

/// A ROUTER socket with ZMQ_ROUTER_MANDATORY: a reply to an unknown identity is counted as
/// failed and returned as unroutable, not lost silently.
class router : public socket_base {
 public:
  explicit router(socket_options options, zmq::context_t& ctx = shared_context());
  /// The next request, valid until the next receive; nullopt after timeout (negative: forever).
  [[nodiscard]] std::optional<request_view> receive(std::chrono::milliseconds timeout);
  [[nodiscard]] send_result send(std::string_view identity, std::span<const std::byte> payload);

 private:
  zmq::message_t identity_, payload_;
};

class dealer : public socket_base {
 public:
  explicit dealer(socket_options options, zmq::context_t& ctx = shared_context());
  [[nodiscard]] std::optional<std::span<const std::byte>> receive(
      std::chrono::milliseconds timeout);
  [[nodiscard]] send_result send(std::span<const std::byte> payload);

 private:
  zmq::message_t payload_;
};

}  // namespace ntrun::transport
