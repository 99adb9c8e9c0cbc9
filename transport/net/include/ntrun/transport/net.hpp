// The common vocabulary of the ZeroMQ layer: the process's shared context, socket options
// (endpoint, bind or connect, back-pressure policy, high-water marks, CURVE keys, batching),
// the results of a send and the per-socket counters.
//
// Threading: a socket object (publisher, subscriber, router, dealer) belongs to the thread
// that made it and is used by that thread only, as ZeroMQ sockets are; move it to another
// thread only with a full memory barrier between, never use it from two. The context is shared
// and thread-safe. The bus and the ZAP handler run their own threads and own their sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "ntrun/transport/batch.hpp"

namespace ntrun::transport {

/// The process's one ZeroMQ context (made on first use, ended at exit). Every socket of the
/// layer uses it unless given another; in-process endpoints (inproc://) reach only sockets of
/// the same context.
[[nodiscard]] zmq::context_t& shared_context();

/// What a send does when the message cannot go out at once (the peer's queue is at its
/// high-water mark, or no peer is connected for a dealer).
enum class send_policy {
  block,        ///< wait up to send_timeout (negative: forever), then fail (counted)
  drop_oldest,  ///< keep the newest: a local queue of queue_limit messages, the oldest dropped
  fail,         ///< return would_block at once (counted)
};

/// CURVE keys of one socket, Z85 text (40 characters, as keygen() makes them). A server binds
/// with its secret key; a client connects with its own pair and the server's public key.
struct curve_options {
  bool server = false;
  std::string public_key{};  ///< own public key (client; optional on a server)
  std::string secret_key{};  ///< own secret key
  std::string server_key{};  ///< the server's public key (client only)
};

/// Options of every socket kind; fields that do not apply to a kind are ignored by it.
struct socket_options {
  std::string
      endpoint{};  ///< inproc://name, ipc:///path, tcp://host:port (tcp://127.0.0.1:* picks a port)
  bool bind = false;  ///< bind (else connect); read the bound address back with endpoint()
  send_policy policy = send_policy::block;
  std::chrono::milliseconds send_timeout{-1};  ///< block: how long a send waits (-1: forever)
  std::size_t queue_limit = 1024;              ///< drop_oldest: messages kept locally
  int send_hwm = 1000;                         ///< ZMQ_SNDHWM, messages (0: unlimited)
  int receive_hwm = 1000;                      ///< ZMQ_RCVHWM, messages (0: unlimited)
  std::chrono::milliseconds linger{250};       ///< how long close waits for unsent messages
  std::optional<curve_options> curve{};        ///< CURVE on this socket (tcp or ipc)
  std::optional<batch_limits> batch{};         ///< publisher: coalesce messages per topic
  std::string routing_id{};                    ///< dealer: its identity as the router sees it
};

/// The outcome of one send. Every message ends in exactly one counter of socket_stats.
enum class send_result {
  sent,         ///< handed to ZeroMQ (or, batching, added to the open batch)
  queued,       ///< drop_oldest: waiting in the local queue (flush() retries)
  would_block,  ///< fail: refused, nothing sent (counted in failed)
  timed_out,    ///< block: the timeout passed (counted in failed)
  unroutable,   ///< router: no peer with that identity (counted in failed)
};

/// Per-socket counters, in messages unless said otherwise. For a sender, every message given
/// to send ends up in sent, dropped, failed or queued (plus the open batches of a publisher),
/// so nothing is lost unseen.
struct socket_stats {
  std::uint64_t sent = 0;             ///< messages handed to ZeroMQ
  std::uint64_t frames_sent = 0;      ///< wire messages (a batch of n messages is one)
  std::uint64_t would_block = 0;      ///< sends that could not go out at once
  std::uint64_t dropped = 0;          ///< drop_oldest: messages pushed out of the local queue
  std::uint64_t failed = 0;           ///< refused (fail), timed out (block) or unroutable
  std::uint64_t queued = 0;           ///< now in the local queue
  std::uint64_t received = 0;         ///< messages delivered to the caller
  std::uint64_t frames_received = 0;  ///< wire messages read
  std::uint64_t bad_frames = 0;       ///< wire messages refused (wrong parts, lying prefixes)
};

/// The kind of an endpoint string, or nullopt when it is none ZeroMQ would take.
enum class transport_kind { inproc, ipc, tcp };
[[nodiscard]] std::optional<transport_kind> endpoint_kind(std::string_view endpoint);

[[nodiscard]] const char* to_string(send_result r) noexcept;

inline std::span<const std::byte> as_bytes(std::string_view s) noexcept {
  return std::as_bytes(std::span(s.data(), s.size()));
}
inline std::string_view as_text(std::span<const std::byte> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace ntrun::transport
