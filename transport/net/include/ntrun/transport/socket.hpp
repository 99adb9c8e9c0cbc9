// What every socket of the layer shares: the ZeroMQ socket, its options and counters, and the
// sending engine that applies the back-pressure policy. One owner thread (see net.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "ntrun/transport/net.hpp"

namespace ntrun::transport {

class socket_base {
 public:
  socket_base(const socket_base&) = delete;
  socket_base& operator=(const socket_base&) = delete;
  socket_base(socket_base&&) = default;
  socket_base& operator=(socket_base&&) = default;
  virtual ~socket_base() = default;

  /// The endpoint as bound or connected; for a bind to tcp://host:* the port ZeroMQ chose.
  [[nodiscard]] const std::string& endpoint() const noexcept { return endpoint_; }
  [[nodiscard]] const socket_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const socket_options& options() const noexcept { return options_; }
  /// The ZeroMQ socket, for polling or options the layer does not wrap.
  [[nodiscard]] zmq::socket_t& raw() noexcept { return socket_; }

  /// drop_oldest: sends what the local queue holds, oldest first, until one would block.
  /// Returns the messages still queued. Other policies have no queue (returns 0).
  std::size_t flush_queue();

  /// Receivers: true when a message is already read and waiting (a batch being handed out).
  [[nodiscard]] virtual bool has_pending() const noexcept { return false; }

 protected:
  socket_base(zmq::context_t& ctx, zmq::socket_type type, socket_options options);
  /// Binds or connects (after the subclass set its own options).
  void open();

  /// One wire message of up to two parts carrying `messages` messages.
  struct outbound {
    zmq::message_t first;
    zmq::message_t second;
    bool two_parts = false;
    std::size_t messages = 1;
  };
  /// Applies the policy: sends, queues, or counts the failure.
  send_result submit(outbound&& out);
  /// Waits up to timeout for input (false: nothing came). Negative: forever.
  bool wait_readable(std::chrono::milliseconds timeout);

  zmq::socket_t socket_;
  socket_options options_;
  socket_stats stats_;
  std::string endpoint_;

 private:
  enum class attempt { ok, would_block, unroutable };
  attempt try_send(outbound& out, bool wait);
  std::deque<outbound> queue_;
};

/// Waits on several sockets at once (subscribers, routers, dealers).
class poller {
 public:
  void add(socket_base& s);
  /// Waits up to timeout (negative: forever) until at least one socket has input; returns how
  /// many have. A socket with pending messages counts as ready without waiting.
  std::size_t wait(std::chrono::milliseconds timeout);
  [[nodiscard]] bool ready(std::size_t index) const { return ready_.at(index); }
  [[nodiscard]] std::size_t size() const noexcept { return sockets_.size(); }

 private:
  std::vector<socket_base*> sockets_;
  std::vector<zmq::pollitem_t> items_;
  std::vector<bool> ready_;
};

}  // namespace ntrun::transport
