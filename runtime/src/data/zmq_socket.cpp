// The live run's sockets over transport/net (see zmq_socket.hpp for why they stand apart).
#include "ntrun/data/zmq_socket.hpp"

#include <cerrno>

#include "ntrun/transport/net.hpp"
#include "ntrun/transport/pubsub.hpp"

namespace ntrun::data {

namespace tp = ntrun::transport;
using namespace std::chrono_literals;

bool valid_endpoint(std::string_view endpoint) { return tp::endpoint_kind(endpoint).has_value(); }

struct feed_socket::impl {
  impl(const tp::socket_options& o, zmq::context_t& ctx) : sub(o, ctx) {}
  tp::subscriber sub;
};

feed_socket::feed_socket(const std::string& endpoint, bool bind, const std::string& topic,
                         void* context)
    // A feed never sends; a large receive queue absorbs a publisher running at full speed
    // while a strategy callback runs (an XPUB_NODROP publisher then waits, losing nothing).
    : p_(std::make_unique<impl>(
          tp::socket_options{.endpoint = endpoint, .bind = bind, .receive_hwm = 100'000},
          context ? *static_cast<zmq::context_t*>(context) : tp::shared_context())) {
  p_->sub.subscribe(topic);
}
feed_socket::~feed_socket() = default;

std::optional<socket_message> feed_socket::receive(std::chrono::milliseconds timeout) {
  try {
    if (auto m = p_->sub.receive(timeout)) return socket_message{m->topic, m->payload};
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;  // a signal (SIGINT, SIGUSR1) cut the wait: the host's turn
  }
  return std::nullopt;
}
std::uint64_t feed_socket::bad_frames() const noexcept { return p_->sub.stats().bad_frames; }
std::string feed_socket::endpoint() const { return p_->sub.endpoint(); }

struct publish_socket::impl {
  explicit impl(const tp::socket_options& o) : pub(o) {}
  tp::publisher pub;
};

publish_socket::publish_socket(const std::string& endpoint)
    : p_(std::make_unique<impl>(tp::socket_options{.endpoint = endpoint,
                                                      .bind = true,
                                                      .send_timeout = 2000ms,
                                                      .send_hwm = 100'000,
                                                      .linger = 2000ms})) {}
publish_socket::~publish_socket() = default;

void publish_socket::publish(std::string_view topic, std::span<const std::byte> payload) {
  (void)p_->pub.publish(topic, payload);  // every outcome is counted in the socket's stats
}
std::uint64_t publish_socket::sent() const noexcept { return p_->pub.stats().sent; }
std::uint64_t publish_socket::failed() const noexcept { return p_->pub.stats().failed; }
std::string publish_socket::endpoint() const { return p_->pub.endpoint(); }

}  // namespace ntrun::data
