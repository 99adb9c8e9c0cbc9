// The pub/sub bus: an XSUB/XPUB proxy on its own thread. Publishers connect to the publisher
// endpoint (XSUB), subscribers to the subscriber endpoint (XPUB); subscriptions flow upstream,
// messages downstream, untouched ([topic][batch], pubsub.hpp). Stopped through an inproc
// control socket: stop() returns once the thread has closed its sockets.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "ntrun/transport/net.hpp"

namespace ntrun::transport {

/// What the bus does when a subscriber's queue is full (its XPUB runs with ZMQ_XPUB_NODROP, so
/// the bus knows). Either way one slow subscriber holds back the others for that message:
/// give a slow consumer its own bus or a larger HWM.
enum class bus_policy {
  drop,   ///< the message is not delivered (to any matching subscriber) and counted in dropped
  block,  ///< the proxy waits; publishers then see would-block (their own policy applies)
};

struct bus_options {
  std::string publishers = "inproc://ntrun.bus.pub";   ///< XSUB binds here
  std::string subscribers = "inproc://ntrun.bus.sub";  ///< XPUB binds here
  bus_policy policy = bus_policy::drop;
  int hwm = 1000;                        ///< SNDHWM and RCVHWM of both proxy sockets
  std::optional<curve_options> curve{};  ///< server keys: both endpoints require CURVE clients
};

/// Counters of the proxy, in wire messages (a batch frame is one), readable from any thread.
struct bus_stats {
  std::uint64_t forwarded = 0;
  std::uint64_t dropped = 0;
  std::uint64_t subscriptions = 0;  ///< subscribe and unsubscribe messages passed upstream
};

class bus {
 public:
  /// Binds both endpoints on the proxy thread; throws ntrun::error when either bind fails.
  explicit bus(bus_options options, zmq::context_t& ctx = shared_context());
  ~bus();
  bus(const bus&) = delete;
  bus& operator=(const bus&) = delete;

  /// The bound endpoints (a tcp port chosen by ZeroMQ is filled in).
  [[nodiscard]] const std::string& publishers() const noexcept { return pub_endpoint_; }
  [[nodiscard]] const std::string& subscribers() const noexcept { return sub_endpoint_; }
  [[nodiscard]] bus_stats stats() const noexcept;
  /// Stops the proxy and joins its thread; idempotent. Messages inside the proxy are lost.
  void stop();

 private:
  bus_options options_;
  std::string pub_endpoint_, sub_endpoint_;
  std::atomic<std::uint64_t> forwarded_{0}, dropped_{0}, subscriptions_{0};
  std::unique_ptr<zmq::socket_t> control_;
  std::thread thread_;
};

}  // namespace ntrun::transport
