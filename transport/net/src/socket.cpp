// The shared context, endpoint kinds, and the sending engine of every socket: the
// back-pressure policies and their counters.
#include "ntrun/transport/socket.hpp"

#include <atomic>
#include <utility>

#include "detail.hpp"

namespace ntrun::transport {

zmq::context_t& shared_context() {
  static zmq::context_t ctx;
  return ctx;
}

std::optional<transport_kind> endpoint_kind(std::string_view e) {
  auto rest = [&](std::string_view scheme) {
    return e.starts_with(scheme) && e.size() > scheme.size();
  };
  if (rest("inproc://")) return transport_kind::inproc;
  if (rest("ipc://")) return transport_kind::ipc;
  if (rest("tcp://")) return transport_kind::tcp;
  return std::nullopt;
}

const char* to_string(send_result r) noexcept {
  switch (r) {
    case send_result::sent:
      return "sent";
    case send_result::queued:
      return "queued";
    case send_result::would_block:
      return "would_block";
    case send_result::timed_out:
      return "timed_out";
    case send_result::unroutable:
      return "unroutable";
  }
  return "?";
}

namespace detail {

std::string last_endpoint(zmq::socket_t& s) {
  return s.get(zmq::sockopt::last_endpoint);
}

std::string control_endpoint(std::string_view what) {
  static std::atomic<unsigned> n{0};
  return "inproc://ntrun." + std::string(what) + ".control." + std::to_string(n.fetch_add(1));
}

}  // namespace detail

socket_base::socket_base(zmq::context_t& ctx, zmq::socket_type type, socket_options options)
    : socket_(ctx, type), options_(std::move(options)) {
  if (!endpoint_kind(options_.endpoint)) {
    throw error(status::invalid, "bad endpoint '" + options_.endpoint +
                                     "': expected inproc://name, ipc:///path or tcp://host:port");
  }
  socket_.set(zmq::sockopt::linger, static_cast<int>(options_.linger.count()));
  socket_.set(zmq::sockopt::sndhwm, options_.send_hwm);
  socket_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
  if (options_.policy == send_policy::block) {
    socket_.set(zmq::sockopt::sndtimeo, static_cast<int>(options_.send_timeout.count()));
  }
  if (options_.curve) detail::apply_curve(socket_, *options_.curve);
}

void socket_base::open() {
  try {
    if (options_.bind) {
      socket_.bind(options_.endpoint);
      endpoint_ = detail::last_endpoint(socket_);
    } else {
      socket_.connect(options_.endpoint);
      endpoint_ = options_.endpoint;
    }
  } catch (const zmq::error_t& e) {
    detail::fail(status::invalid,
                 std::string(options_.bind ? "bind" : "connect") + " '" + options_.endpoint + "'",
                 e);
  }
}

socket_base::attempt socket_base::try_send(outbound& out, bool wait) {
  const auto flags = wait ? zmq::send_flags::none : zmq::send_flags::dontwait;
  try {
    if (out.two_parts) {
      if (!socket_.send(out.first, flags | zmq::send_flags::sndmore)) return attempt::would_block;
      // The first part went: the pipe had room for the whole message (HWM counts messages), so
      // the last part cannot would-block.
      (void)socket_.send(out.second, zmq::send_flags::none);
    } else if (!socket_.send(out.first, flags)) {
      return attempt::would_block;
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return attempt::unroutable;
    throw error(status::internal, std::string("send: ") + e.what());
  }
  ++stats_.frames_sent;
  stats_.sent += out.messages;
  return attempt::ok;
}

send_result socket_base::submit(outbound&& out) {
  switch (options_.policy) {
    case send_policy::block: {
      const attempt a = try_send(out, true);
      if (a == attempt::ok) return send_result::sent;
      stats_.failed += out.messages;
      if (a == attempt::unroutable) return send_result::unroutable;
      ++stats_.would_block;
      return send_result::timed_out;
    }
    case send_policy::fail: {
      const attempt a = try_send(out, false);
      if (a == attempt::ok) return send_result::sent;
      stats_.failed += out.messages;
      if (a == attempt::unroutable) return send_result::unroutable;
      ++stats_.would_block;
      return send_result::would_block;
    }
    case send_policy::drop_oldest: {
      if (!queue_.empty()) flush_queue();
      if (queue_.empty()) {
        const attempt a = try_send(out, false);
        if (a == attempt::ok) return send_result::sent;
        if (a == attempt::unroutable) {
          stats_.failed += out.messages;
          return send_result::unroutable;
        }
      }
      ++stats_.would_block;
      stats_.queued += out.messages;
      queue_.push_back(std::move(out));
      while (queue_.size() > options_.queue_limit && !queue_.empty()) {
        stats_.dropped += queue_.front().messages;
        stats_.queued -= queue_.front().messages;
        queue_.pop_front();
      }
      return send_result::queued;
    }
  }
  return send_result::would_block;
}

std::size_t socket_base::flush_queue() {
  while (!queue_.empty()) {
    outbound& front = queue_.front();
    const attempt a = try_send(front, false);
    if (a == attempt::would_block) break;
    if (a == attempt::unroutable) stats_.failed += front.messages;
    stats_.queued -= front.messages;
    queue_.pop_front();
  }
  return queue_.size();
}

bool socket_base::wait_readable(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  return zmq::poll(&item, 1, timeout) > 0;
}

void poller::add(socket_base& s) {
  sockets_.push_back(&s);
  items_.push_back({s.raw().handle(), 0, ZMQ_POLLIN, 0});
  ready_.push_back(false);
}

std::size_t poller::wait(std::chrono::milliseconds timeout) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < sockets_.size(); ++i) {
    ready_[i] = sockets_[i]->has_pending();
    if (ready_[i]) ++n;
    items_[i].socket = sockets_[i]->raw().handle();
    items_[i].revents = 0;
  }
  if (n > 0 || sockets_.empty()) return n;
  zmq::poll(items_.data(), items_.size(), timeout);
  for (std::size_t i = 0; i < sockets_.size(); ++i) {
    ready_[i] = (items_[i].revents & ZMQ_POLLIN) != 0;
    if (ready_[i]) ++n;
  }
  return n;
}

}  // namespace ntrun::transport
