// Router (ROUTER_MANDATORY: unknown identities are counted, not lost) and dealer.
#include "ntrun/transport/reqrep.hpp"

#include <utility>

#include "detail.hpp"

namespace ntrun::transport {

namespace {

// Drains the rest of a message whose parts the caller did not expect.
void skip_rest(zmq::socket_t& s, const zmq::message_t& last) {
  if (!last.more()) return;
  zmq::message_t rest;
  do {
    (void)s.recv(rest, zmq::recv_flags::none);
  } while (rest.more());
}

std::span<const std::byte> bytes_of(const zmq::message_t& m) {
  return {static_cast<const std::byte*>(m.data()), m.size()};
}

template <class Read>
bool receive_loop(zmq::socket_t& s, socket_stats& stats, std::chrono::milliseconds timeout,
                  Read&& read) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (;;) {
      const int r = read();  // 1: got one, 0: nothing there, -1: bad message (counted)
      if (r == 1) {
        ++stats.frames_received;
        ++stats.received;
        return true;
      }
      if (r == 0) break;
      ++stats.frames_received;
      ++stats.bad_frames;
    }
    std::chrono::milliseconds left = timeout;
    if (timeout.count() >= 0) {
      left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) return false;
    }
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, left) == 0 && timeout.count() >= 0 &&
        std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
  }
}

}  // namespace

router::router(socket_options options, zmq::context_t& ctx)
    : socket_base(ctx, zmq::socket_type::router, std::move(options)) {
  socket_.set(zmq::sockopt::router_mandatory, 1);
  open();
}

std::optional<request_view> router::receive(std::chrono::milliseconds timeout) {
  const bool got = receive_loop(socket_, stats_, timeout, [&]() -> int {
    if (!socket_.recv(identity_, zmq::recv_flags::dontwait)) return 0;
    if (!identity_.more()) return -1;  // a ROUTER always puts the identity first
    (void)socket_.recv(payload_, zmq::recv_flags::none);
    if (payload_.more()) {
      skip_rest(socket_, payload_);
      return -1;
    }
    return 1;
  });
  if (!got) return std::nullopt;
  return request_view{{static_cast<const char*>(identity_.data()), identity_.size()},
                      bytes_of(payload_)};
}

send_result router::send(std::string_view identity, std::span<const std::byte> payload) {
  outbound out;
  out.first = zmq::message_t(identity.data(), identity.size());
  out.second = zmq::message_t(payload.data(), payload.size());
  out.two_parts = true;
  return submit(std::move(out));
}

dealer::dealer(socket_options options, zmq::context_t& ctx)
    : socket_base(ctx, zmq::socket_type::dealer, std::move(options)) {
  if (!options_.routing_id.empty()) socket_.set(zmq::sockopt::routing_id, options_.routing_id);
  open();
}

std::optional<std::span<const std::byte>> dealer::receive(std::chrono::milliseconds timeout) {
  const bool got = receive_loop(socket_, stats_, timeout, [&]() -> int {
    if (!socket_.recv(payload_, zmq::recv_flags::dontwait)) return 0;
    if (payload_.more()) {
      skip_rest(socket_, payload_);
      return -1;
    }
    return 1;
  });
  if (!got) return std::nullopt;
  return bytes_of(payload_);
}

send_result dealer::send(std::span<const std::byte> payload) {
  outbound out;
  out.first = zmq::message_t(payload.data(), payload.size());
  return submit(std::move(out));
}

}  // namespace ntrun::transport
