// transport/net throughput: messages per second through pub/sub, publisher to subscriber
// thread, ~100-byte messages, end to end (each iteration sends a block of messages and waits
// until the subscriber has them all). Raw ZeroMQ in the same process is the reference.
// Budgets: inproc with batching >= 2 M msg/s; tcp loopback (batched) >= 500,000 msg/s; the
// unbatched layer within 30 % of raw ZeroMQ. Figures: docs/transport.md.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "ntrun/transport/bus.hpp"
#include "ntrun/transport/pubsub.hpp"

namespace nt = ntrun::transport;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t message_bytes = 100;
constexpr std::uint64_t block = 10'000;  // messages per iteration
const std::string payload(message_bytes, 'x');

// A receiving thread that counts messages until told to stop.
struct receiver {
  std::atomic<std::uint64_t> count{0};
  std::atomic<bool> stop{false};
  std::thread thread;
  ~receiver() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  void wait_for(std::uint64_t n) const {
    while (count.load(std::memory_order_acquire) < n) std::this_thread::yield();
  }
};

// Sends warm-up messages until the subscription has arrived (the slow joiner).
template <class Send>
void join(receiver& r, Send&& send) {
  while (r.count.load() == 0) {
    send();
    std::this_thread::sleep_for(1ms);
  }
  const auto deadline = std::chrono::steady_clock::now() + 200ms;
  std::uint64_t last = r.count.load();
  while (std::chrono::steady_clock::now() < deadline) {  // let stray warm-ups land
    std::this_thread::sleep_for(20ms);
    if (r.count.load() == last) break;
    last = r.count.load();
  }
}

// Raw ZeroMQ: PUB with XPUB_NODROP and blocking sends, SUB reading [topic][payload].
void raw_pubsub(benchmark::State& state, const std::string& bind_to) {
  zmq::context_t ctx;
  zmq::socket_t pub(ctx, zmq::socket_type::pub);
  pub.set(zmq::sockopt::linger, 0);
  pub.set(zmq::sockopt::xpub_nodrop, 1);
  pub.bind(bind_to);
  const std::string endpoint = pub.get(zmq::sockopt::last_endpoint);
  receiver r;
  std::atomic<bool> ready{false};
  r.thread = std::thread([&] {
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvtimeo, 10);
    sub.connect(endpoint);
    sub.set(zmq::sockopt::subscribe, "");
    ready = true;
    zmq::message_t topic, body;
    while (!r.stop.load(std::memory_order_relaxed)) {
      if (!sub.recv(topic)) continue;
      (void)sub.recv(body);
      r.count.fetch_add(1, std::memory_order_release);
    }
  });
  while (!ready) std::this_thread::yield();
  auto send = [&] {
    (void)pub.send(zmq::str_buffer("md.bench"), zmq::send_flags::sndmore);
    (void)pub.send(zmq::buffer(payload), zmq::send_flags::none);
  };
  join(r, send);
  std::uint64_t target = r.count.load();
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < block; ++i) send();
    target += block;
    r.wait_for(target);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * block));
}

// The layer: nt::publisher (block policy) to nt::subscriber, optionally batched and optionally
// through the bus. A tick is 1,000 messages; flush() at its end.
void net_pubsub(benchmark::State& state, const std::string& where, bool batched, bool via_bus) {
  zmq::context_t ctx;
  std::unique_ptr<nt::bus> bus;
  std::optional<nt::batch_limits> limits;
  if (batched) limits = nt::batch_limits{.max_bytes = 64 * 1024, .max_count = 256};
  std::string pub_at = where, sub_at;
  bool bind = true;
  if (via_bus) {
    bus = std::make_unique<nt::bus>(
        where.starts_with("tcp")
            ? nt::bus_options{.publishers = where, .subscribers = where}
            : nt::bus_options{.publishers = where + ".pub", .subscribers = where + ".sub"},
        ctx);
    pub_at = bus->publishers();
    sub_at = bus->subscribers();
    bind = false;
  }
  nt::publisher pub({.endpoint = pub_at, .bind = bind, .batch = limits}, ctx);
  if (!via_bus) sub_at = pub.endpoint();
  receiver r;
  std::atomic<bool> ready{false};
  r.thread = std::thread([&] {
    nt::subscriber sub({.endpoint = sub_at}, ctx);
    sub.subscribe("md.");
    ready = true;
    while (!r.stop.load(std::memory_order_relaxed)) {
      if (sub.receive(10ms)) r.count.fetch_add(1, std::memory_order_release);
    }
  });
  while (!ready) std::this_thread::yield();
  join(r, [&] {
    (void)pub.publish("md.bench", payload);
    pub.flush();
  });
  std::uint64_t target = r.count.load();
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < block; ++i) {
      (void)pub.publish("md.bench", payload);
      if (i % 1000 == 999) pub.flush();
    }
    pub.flush();
    target += block;
    r.wait_for(target);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * block));
  state.counters["frames"] = static_cast<double>(pub.stats().frames_sent);
}

}  // namespace

BENCHMARK_CAPTURE(raw_pubsub, inproc, std::string("inproc://bench.raw"))->UseRealTime();
BENCHMARK_CAPTURE(net_pubsub, inproc, std::string("inproc://bench.net"), false, false)
    ->UseRealTime();
BENCHMARK_CAPTURE(net_pubsub, inproc_batched, std::string("inproc://bench.netb"), true, false)
    ->UseRealTime();
BENCHMARK_CAPTURE(net_pubsub, inproc_bus_batched, std::string("inproc://bench.bus"), true, true)
    ->UseRealTime();
BENCHMARK_CAPTURE(raw_pubsub, tcp, std::string("tcp://127.0.0.1:*"))->UseRealTime();
BENCHMARK_CAPTURE(net_pubsub, tcp, std::string("tcp://127.0.0.1:*"), false, false)->UseRealTime();
BENCHMARK_CAPTURE(net_pubsub, tcp_batched, std::string("tcp://127.0.0.1:*"), true, false)
    ->UseRealTime();
BENCHMARK_CAPTURE(net_pubsub, tcp_bus_batched, std::string("tcp://127.0.0.1:*"), true, true)
    ->UseRealTime();
