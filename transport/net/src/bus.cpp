// The bus: an XSUB/XPUB proxy loop on its own thread that counts what it forwards and what a
// full subscriber makes it drop, stopped through an inproc PAIR.
#include "ntrun/transport/bus.hpp"

#include <cstdio>
#include <exception>
#include <future>
#include <vector>

#include "detail.hpp"

namespace ntrun::transport {

namespace {
struct endpoints {
  std::string publishers, subscribers;
};
}  // namespace

bus::bus(bus_options options, zmq::context_t& ctx) : options_(std::move(options)) {
  for (const auto* e : {&options_.publishers, &options_.subscribers}) {
    if (!endpoint_kind(*e)) throw error(status::invalid, "bus: bad endpoint '" + *e + "'");
  }
  const std::string control = detail::control_endpoint("bus");
  std::promise<endpoints> ready;
  auto bound = ready.get_future();
  thread_ = std::thread([this, &ctx, control, p = std::move(ready)]() mutable {
    zmq::socket_t ctl(ctx, zmq::socket_type::pair);
    zmq::socket_t xsub(ctx, zmq::socket_type::xsub);
    zmq::socket_t xpub(ctx, zmq::socket_type::xpub);
    try {
      for (auto* s : {&ctl, &xsub, &xpub}) s->set(zmq::sockopt::linger, 0);
      for (auto* s : {&xsub, &xpub}) {
        s->set(zmq::sockopt::sndhwm, options_.hwm);
        s->set(zmq::sockopt::rcvhwm, options_.hwm);
        if (options_.curve) detail::apply_curve(*s, *options_.curve);
      }
      xpub.set(zmq::sockopt::xpub_nodrop, 1);
      ctl.bind(control);
      xsub.bind(options_.publishers);
      xpub.bind(options_.subscribers);
      p.set_value({detail::last_endpoint(xsub), detail::last_endpoint(xpub)});
    } catch (...) {
      p.set_exception(std::current_exception());
      return;
    }
    std::vector<zmq::message_t> parts;
    zmq::message_t msg;
    std::uint64_t forwarded = 0, dropped = 0, subs = 0;
    // Subscriptions from subscribers go upstream to the publishers.
    auto pass_subscriptions = [&] {
      while (xpub.recv(msg, zmq::recv_flags::dontwait)) {
        subscriptions_.store(++subs, std::memory_order_relaxed);
        (void)xsub.send(msg, zmq::send_flags::dontwait);
      }
    };
    auto stop_requested = [&] { return ctl.recv(msg, zmq::recv_flags::dontwait).has_value(); };
    zmq::pollitem_t items[] = {{ctl.handle(), 0, ZMQ_POLLIN, 0},
                               {xsub.handle(), 0, ZMQ_POLLIN, 0},
                               {xpub.handle(), 0, ZMQ_POLLIN, 0}};
    // A zmq error (a context terminated under a running bus) ends the proxy, not the process.
    try {
      for (;;) {
        zmq::poll(items, 3, std::chrono::milliseconds(-1));
        if ((items[0].revents & ZMQ_POLLIN) != 0) break;
        if ((items[2].revents & ZMQ_POLLIN) != 0) pass_subscriptions();
        bool stopping = false;
        // A bounded run of messages, then back to the poll so the control socket is heard.
        for (int i = 0; i < 4096 && !stopping; ++i) {
          parts.clear();
          if (!xsub.recv(msg, zmq::recv_flags::dontwait)) break;
          parts.push_back(std::move(msg));
          while (parts.back().more()) {
            parts.emplace_back();
            (void)xsub.recv(parts.back(), zmq::recv_flags::none);
          }
          // NODROP: the first part would-blocks when a matching subscriber is full; the rest of a
          // message then always fits.
          for (;;) {
            const auto flags = parts.size() > 1 ? zmq::send_flags::sndmore : zmq::send_flags::none;
            // Counted before the last part goes, so a subscriber that has a message can
            // read it in the counters.
            if (xpub.send(parts[0], flags | zmq::send_flags::dontwait)) {
              forwarded_.store(++forwarded, std::memory_order_relaxed);
              break;
            }
            if (options_.policy == bus_policy::drop) {
              dropped_.store(++dropped, std::memory_order_relaxed);
              parts.clear();
              break;
            }
            // block: wait for room, still passing subscriptions and hearing stop.
            zmq::pollitem_t wait[] = {{ctl.handle(), 0, ZMQ_POLLIN, 0},
                                      {xpub.handle(), 0, ZMQ_POLLIN, 0}};
            zmq::poll(wait, 2, std::chrono::milliseconds(1));
            if ((wait[0].revents & ZMQ_POLLIN) != 0 && stop_requested()) {
              stopping = true;
              break;
            }
            pass_subscriptions();
          }
          if (stopping || parts.empty()) continue;
          for (std::size_t k = 1; k < parts.size(); ++k) {
            const bool last = k + 1 == parts.size();
            (void)xpub.send(parts[k], last ? zmq::send_flags::none : zmq::send_flags::sndmore);
          }
        }
        if (stopping) break;
      }
    } catch (const zmq::error_t& e) {
      std::fprintf(stderr, "ntrun: bus: the proxy stopped: %s\n", e.what());
    }
  });
  try {
    const endpoints e = bound.get();
    pub_endpoint_ = e.publishers;
    sub_endpoint_ = e.subscribers;
  } catch (const zmq::error_t& e) {
    thread_.join();
    detail::fail(status::invalid,
                 "bus: bind '" + options_.publishers + "' / '" + options_.subscribers + "'", e);
  } catch (...) {
    thread_.join();
    throw;
  }
  control_ = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::pair);
  control_->set(zmq::sockopt::linger, 0);
  control_->connect(control);
}

bus::~bus() {
  stop();
}

void bus::stop() {
  if (!thread_.joinable()) return;
  (void)control_->send(zmq::str_buffer("STOP"), zmq::send_flags::none);
  thread_.join();
  control_.reset();
}

bus_stats bus::stats() const noexcept {
  return {forwarded_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed),
          subscriptions_.load(std::memory_order_relaxed)};
}

}  // namespace ntrun::transport
