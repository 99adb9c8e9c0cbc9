// The two sockets of a live run, behind a header free of ZeroMQ and the transport headers:
// the feed's subscriber and the run's publisher. The feed and the run decode and encode with
// the codec in their own files and move bytes through these. (Written when transport/net and
// the codec both declared ntrun::transport::batch_writer and could not meet in one file; the
// codec's is envelope_batch now, and the split stays as a small seam.)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ntrun::data {

/// True when ZeroMQ would take the endpoint string (tcp://, ipc://, inproc://).
[[nodiscard]] bool valid_endpoint(std::string_view endpoint);

/// One message as received: valid until the next receive.
struct socket_message {
  std::string_view topic;
  std::span<const std::byte> payload;
};

/// transport::subscriber (the [topic][batch] layout) subscribed to one prefix.
class feed_socket {
 public:
  /// context: a zmq::context_t* (tests), or null for the process's shared context.
  feed_socket(const std::string& endpoint, bool bind, const std::string& topic, void* context);
  ~feed_socket();
  feed_socket(const feed_socket&) = delete;
  feed_socket& operator=(const feed_socket&) = delete;
  /// The next message within timeout; nullopt when none came or a signal cut the wait.
  [[nodiscard]] std::optional<socket_message> receive(std::chrono::milliseconds timeout);
  /// Wire messages the subscriber refused (not [topic][batch], lying batch prefixes).
  [[nodiscard]] std::uint64_t bad_frames() const noexcept;
  [[nodiscard]] std::string endpoint() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// transport::publisher, binding; sends block up to 2 s (a stuck client is counted in failed).
class publish_socket {
 public:
  explicit publish_socket(const std::string& endpoint);
  ~publish_socket();
  publish_socket(const publish_socket&) = delete;
  publish_socket& operator=(const publish_socket&) = delete;
  void publish(std::string_view topic, std::span<const std::byte> payload);
  [[nodiscard]] std::uint64_t sent() const noexcept;
  [[nodiscard]] std::uint64_t failed() const noexcept;
  [[nodiscard]] std::string endpoint() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ntrun::data
