// transport/net: pub/sub over inproc, ipc and tcp, the bus and topic filtering, router/dealer,
// the back-pressure policies and their counters, CURVE with the ZAP allow-list, batching and
// bad frames, clean shutdown. Every wait is bounded; nothing asserts a timing.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "ntrun/error.hpp"
#include "ntrun/transport/batch.hpp"
#include "ntrun/transport/bus.hpp"
#include "ntrun/transport/curve.hpp"
#include "ntrun/transport/pubsub.hpp"
#include "ntrun/transport/reqrep.hpp"

namespace nt = ntrun::transport;
using namespace std::chrono_literals;

namespace {

// Generous: the machine is shared and loaded; a pass never waits this long.
constexpr auto patience = 20s;

template <class F>
bool eventually(F&& done, std::chrono::milliseconds limit = patience) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

bool is_probe(std::string_view topic) {
  return topic.ends_with(".probe");
}

// The slow joiner: subscriptions reach the publisher asynchronously, so numbered probes are
// published, one at a time, until every subscriber has seen the latest. Messages keep their
// order along one path, so no probe is in flight afterwards.
bool join(nt::publisher& pub, std::vector<nt::subscriber*> subs, std::string_view topic) {
  std::vector<bool> established(subs.size(), false);
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (int round = 0; std::chrono::steady_clock::now() < deadline; ++round) {
    const std::string probe = "probe " + std::to_string(round);
    (void)pub.publish(topic, probe);
    pub.flush();
    bool all = true;
    for (std::size_t i = 0; i < subs.size(); ++i) {
      // Once a subscriber has seen any probe, the latest one is on its way behind it.
      const auto wait_until =
          std::chrono::steady_clock::now() + (established[i] ? patience : 100ms);
      bool got = false;
      while (!got && std::chrono::steady_clock::now() < wait_until) {
        auto m = subs[i]->receive(5ms);
        if (!m || m->topic != topic) continue;
        established[i] = true;
        got = nt::as_text(m->payload) == probe;
      }
      all = all && got;
    }
    if (all) return true;
  }
  return false;
}

// The next message that is not a probe, or nullopt after the patience.
std::optional<std::pair<std::string, std::string>> next_data(
    nt::subscriber& sub, std::chrono::milliseconds limit = patience) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = sub.receive(20ms);
    if (!m) continue;
    if (is_probe(m->topic)) continue;
    return std::pair{std::string(m->topic), std::string(nt::as_text(m->payload))};
  }
  return std::nullopt;
}

std::vector<std::byte> bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

void round_trip(const std::string& endpoint, zmq::context_t& ctx) {
  nt::publisher pub({.endpoint = endpoint, .bind = true}, ctx);
  if (endpoint.starts_with("tcp://")) {
    CHECK(pub.endpoint().starts_with("tcp://127.0.0.1:"));
    CHECK(pub.endpoint() != endpoint);  // the port ZeroMQ chose
  }
  nt::subscriber sub({.endpoint = pub.endpoint()}, ctx);
  sub.subscribe("t.");
  REQUIRE(join(pub, {&sub}, "t.probe"));
  for (int i = 0; i < 100; ++i) {
    REQUIRE(pub.publish("t.data", std::to_string(i)) == nt::send_result::sent);
  }
  for (int i = 0; i < 100; ++i) {
    auto m = next_data(sub);
    REQUIRE(m);
    CHECK(m->first == "t.data");
    CHECK(m->second == std::to_string(i));
  }
  CHECK(sub.stats().bad_frames == 0);
}

}  // namespace

TEST_CASE("net: endpoints are checked") {
  CHECK(nt::endpoint_kind("inproc://a") == nt::transport_kind::inproc);
  CHECK(nt::endpoint_kind("ipc:///tmp/x") == nt::transport_kind::ipc);
  CHECK(nt::endpoint_kind("tcp://127.0.0.1:5555") == nt::transport_kind::tcp);
  CHECK_FALSE(nt::endpoint_kind("udp://x"));
  CHECK_FALSE(nt::endpoint_kind("tcp://"));
  CHECK_THROWS_AS(nt::publisher({.endpoint = "nowhere"}), ntrun::error);
  zmq::context_t ctx;
  nt::publisher a({.endpoint = "inproc://net.taken", .bind = true}, ctx);
  CHECK_THROWS_AS(nt::publisher({.endpoint = "inproc://net.taken", .bind = true}, ctx),
                  ntrun::error);
}

TEST_CASE("net: pub/sub over inproc, ipc and tcp loopback") {
  zmq::context_t ctx;
  SUBCASE("inproc") {
    round_trip("inproc://net.pubsub", ctx);
  }
  SUBCASE("ipc") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("ntrun_test_net_" + std::to_string(getpid()) + ".sock");
    round_trip("ipc://" + path.string(), ctx);
    std::filesystem::remove(path);
  }
  SUBCASE("tcp") {
    round_trip("tcp://127.0.0.1:*", ctx);
  }
}

TEST_CASE("net: the bus forwards by topic prefix") {
  zmq::context_t ctx;
  for (const bool tcp : {false, true}) {
    CAPTURE(tcp);
    nt::bus bus(
        tcp ? nt::bus_options{.publishers = "tcp://127.0.0.1:*", .subscribers = "tcp://127.0.0.1:*"}
            : nt::bus_options{},
        ctx);
    nt::publisher pub({.endpoint = bus.publishers()}, ctx);
    nt::subscriber all({.endpoint = bus.subscribers()}, ctx);
    nt::subscriber aapl({.endpoint = bus.subscribers()}, ctx);
    all.subscribe("md.");
    aapl.subscribe("md.AAPL");
    REQUIRE(join(pub, {&all, &aapl}, "md.AAPL.probe"));
    for (const char* topic : {"md.AAPL", "md.MSFT", "news.x", "md.AAPL"}) {
      REQUIRE(pub.publish(topic, std::string_view(topic)) == nt::send_result::sent);
    }
    (void)pub.publish("md.AAPL.end", std::string_view("end"));  // order is kept: a fence
    std::vector<std::string> got_all, got_aapl;
    for (auto* s : {&all, &aapl}) {
      auto& got = s == &all ? got_all : got_aapl;
      for (;;) {
        auto m = next_data(*s);
        REQUIRE(m);
        if (m->first == "md.AAPL.end") break;
        got.push_back(m->first);
      }
    }
    CHECK(got_all == std::vector<std::string>{"md.AAPL", "md.MSFT", "md.AAPL"});
    CHECK(got_aapl == std::vector<std::string>{"md.AAPL", "md.AAPL"});
    CHECK(bus.stats().forwarded >= 5);
    CHECK(bus.stats().subscriptions >= 2);
    bus.stop();
    bus.stop();  // idempotent
  }
}

TEST_CASE("net: router and dealer round trip with identities") {
  zmq::context_t ctx;
  for (const char* endpoint : {"inproc://net.cmd", "tcp://127.0.0.1:*"}) {
    CAPTURE(endpoint);
    nt::router server({.endpoint = endpoint, .bind = true}, ctx);
    nt::dealer a({.endpoint = server.endpoint(), .routing_id = "agent-a"}, ctx);
    nt::dealer b({.endpoint = server.endpoint(), .routing_id = "agent-b"}, ctx);
    REQUIRE(a.send(nt::as_bytes("ping a")) == nt::send_result::sent);
    REQUIRE(b.send(nt::as_bytes("ping b")) == nt::send_result::sent);
    for (int i = 0; i < 2; ++i) {
      auto req = server.receive(patience);
      REQUIRE(req);
      const std::string id(req->identity);
      CHECK(nt::as_text(req->payload) == "ping " + id.substr(6));
      REQUIRE(server.send(id, nt::as_bytes("pong " + id)) == nt::send_result::sent);
    }
    auto ra = a.receive(patience);
    REQUIRE(ra);
    CHECK(nt::as_text(*ra) == "pong agent-a");
    auto rb = b.receive(patience);
    REQUIRE(rb);
    CHECK(nt::as_text(*rb) == "pong agent-b");
    // A reply to nobody is counted, not lost silently.
    CHECK(server.send("agent-z", nt::as_bytes("?")) == nt::send_result::unroutable);
    CHECK(server.stats().failed == 1);
    CHECK(server.stats().sent == 2);
    CHECK_FALSE(a.receive(0ms));
  }
}

TEST_CASE("net: a poller waits on several sockets") {
  zmq::context_t ctx;
  nt::router server({.endpoint = "inproc://net.poll", .bind = true}, ctx);
  nt::dealer d1({.endpoint = "inproc://net.poll", .routing_id = "d1"}, ctx);
  nt::dealer d2({.endpoint = "inproc://net.poll", .routing_id = "d2"}, ctx);
  nt::poller p;
  p.add(d1);
  p.add(d2);
  CHECK(p.wait(0ms) == 0);
  REQUIRE(d2.send(nt::as_bytes("hi")) == nt::send_result::sent);
  auto req = server.receive(patience);
  REQUIRE(req);
  REQUIRE(server.send(req->identity, nt::as_bytes("back")) == nt::send_result::sent);
  REQUIRE(p.wait(patience) == 1);
  CHECK_FALSE(p.ready(0));
  CHECK(p.ready(1));
  CHECK(d2.receive(0ms));
}

// Back-pressure: a subscriber that does not read, small high-water marks on both sides.
TEST_CASE("net: back-pressure policies count every message") {
  zmq::context_t ctx;
  const std::string endpoint = "inproc://net.bp";
  constexpr int n = 5000;
  auto make = [&](nt::send_policy policy) {
    nt::socket_options o{.endpoint = endpoint,
                         .bind = true,
                         .policy = policy,
                         .send_timeout = 20ms,
                         .queue_limit = 100,
                         .send_hwm = 10};
    return o;
  };
  auto drain = [](nt::subscriber& sub, std::vector<int>& seen, std::uint64_t expected) {
    return eventually([&] {
      while (auto m = sub.receive(0ms)) {
        if (!is_probe(m->topic)) seen.push_back(std::stoi(std::string(nt::as_text(m->payload))));
      }
      return seen.size() >= expected;
    });
  };

  SUBCASE("fail") {
    nt::publisher pub(make(nt::send_policy::fail), ctx);
    nt::subscriber sub({.endpoint = endpoint, .receive_hwm = 10}, ctx);
    sub.subscribe("");
    REQUIRE(join(pub, {&sub}, "bp.probe"));
    const auto before = pub.stats();
    std::uint64_t refused = 0;
    for (int i = 0; i < n; ++i) {
      if (pub.publish("bp", std::to_string(i)) == nt::send_result::would_block) ++refused;
    }
    const auto s = pub.stats();
    CHECK(refused > 0);
    CHECK(s.failed - before.failed == refused);
    CHECK(s.would_block - before.would_block == refused);
    CHECK(s.sent - before.sent + refused == n);
    std::vector<int> seen;
    REQUIRE(drain(sub, seen, s.sent - before.sent));  // all that was sent arrives
    CHECK(seen.size() == s.sent - before.sent);
  }
  SUBCASE("drop_oldest keeps the newest") {
    nt::publisher pub(make(nt::send_policy::drop_oldest), ctx);
    nt::subscriber sub({.endpoint = endpoint, .receive_hwm = 10}, ctx);
    sub.subscribe("");
    REQUIRE(join(pub, {&sub}, "bp.probe"));
    REQUIRE(pub.flush_queue() == 0);
    const auto before = pub.stats();
    for (int i = 0; i < n; ++i) (void)pub.publish("bp", std::to_string(i));
    const auto s = pub.stats();
    CHECK(s.dropped > 0);
    CHECK(s.queued == 100);
    CHECK(s.sent - before.sent + s.dropped + s.queued == n);
    // Reading frees room; the queue drains into it; the last message is the newest.
    std::vector<int> seen;
    REQUIRE(eventually([&] {
      pub.flush_queue();
      while (auto m = sub.receive(0ms)) {
        if (!is_probe(m->topic)) seen.push_back(std::stoi(std::string(nt::as_text(m->payload))));
      }
      return pub.stats().queued == 0 && seen.size() == pub.stats().sent - before.sent;
    }));
    CHECK(seen.back() == n - 1);
    CHECK(seen.size() + pub.stats().dropped == n);
  }
  SUBCASE("block with a timeout") {
    nt::publisher pub(make(nt::send_policy::block), ctx);
    nt::subscriber sub({.endpoint = endpoint, .receive_hwm = 10}, ctx);
    sub.subscribe("");
    REQUIRE(join(pub, {&sub}, "bp.probe"));
    const auto before = pub.stats();
    int tries = 0;
    nt::send_result r = nt::send_result::sent;
    while (r == nt::send_result::sent && tries < n) r = pub.publish("bp", std::to_string(tries++));
    CHECK(r == nt::send_result::timed_out);
    const auto s = pub.stats();
    CHECK(s.failed - before.failed == 1);
    CHECK(s.would_block - before.would_block == 1);
    CHECK(s.sent - before.sent == static_cast<std::uint64_t>(tries - 1));
  }
}

TEST_CASE("net: the bus counts what a full subscriber makes it drop") {
  zmq::context_t ctx;
  nt::bus bus({.publishers = "inproc://net.bd.pub",
               .subscribers = "inproc://net.bd.sub",
               .policy = nt::bus_policy::drop,
               .hwm = 10},
              ctx);
  nt::publisher pub({.endpoint = bus.publishers(), .send_timeout = 5000ms}, ctx);
  nt::subscriber sub({.endpoint = bus.subscribers(), .receive_hwm = 10}, ctx);
  sub.subscribe("");
  REQUIRE(join(pub, {&sub}, "bd.probe"));
  auto handled = [&] { return bus.stats().forwarded + bus.stats().dropped; };
  const auto at_start = bus.stats();
  constexpr std::uint64_t n = 3000;
  for (std::uint64_t i = 0; i < n; ++i) {
    REQUIRE(pub.publish("bd", std::string_view("x")) == nt::send_result::sent);
  }
  REQUIRE(eventually([&] { return handled() - at_start.forwarded - at_start.dropped == n; }));
  const std::uint64_t dropped = bus.stats().dropped - at_start.dropped;
  CHECK(dropped > 0);
  std::uint64_t data = 0;
  REQUIRE(eventually([&] {
    while (auto m = sub.receive(0ms)) data += is_probe(m->topic) ? 0 : 1;
    return data + dropped == n;
  }));
}

TEST_CASE("net: a bus that blocks pushes back to publishers, and still stops") {
  zmq::context_t ctx;
  nt::bus bus({.publishers = "inproc://net.bb.pub",
               .subscribers = "inproc://net.bb.sub",
               .policy = nt::bus_policy::block,
               .hwm = 10},
              ctx);
  nt::publisher pub({.endpoint = bus.publishers(), .policy = nt::send_policy::fail, .send_hwm = 10},
                    ctx);
  nt::subscriber sub({.endpoint = bus.subscribers(), .receive_hwm = 10}, ctx);
  sub.subscribe("");
  REQUIRE(join(pub, {&sub}, "bb.probe"));
  const auto before = pub.stats();
  for (int i = 0; i < 5000 && pub.stats().would_block == before.would_block; ++i) {
    (void)pub.publish("bb", std::string_view("x"));
  }
  CHECK(pub.stats().would_block > before.would_block);
  CHECK(bus.stats().dropped == 0);
  bus.stop();  // returns although the proxy is waiting on a full subscriber
}

TEST_CASE("net: batches are written and split") {
  nt::batch_writer w({.max_bytes = 64, .max_count = 3, .max_message = 32});
  CHECK(w.add(nt::as_bytes("hello")));
  CHECK(w.add(nt::as_bytes("w")));
  CHECK(w.add(nt::as_bytes("x")));
  CHECK_FALSE(w.add(nt::as_bytes("full")));  // max_count
  CHECK(w.count() == 3);
  CHECK(w.frame().size() == 3 * 4 + 7);
  CHECK(w.frame()[0] == std::byte{5});
  std::vector<std::span<const std::byte>> out;
  REQUIRE(nt::split_batch(w.frame(), 32, out) == nt::split_status::ok);
  REQUIRE(out.size() == 3);
  CHECK(nt::as_text(out[0]) == "hello");
  CHECK(nt::as_text(out[2]) == "x");
  w.clear();
  CHECK(w.add(nt::as_bytes(std::string(30, 'a'))));
  CHECK(w.add(nt::as_bytes(std::string(20, 'b'))));
  CHECK_FALSE(w.add(nt::as_bytes(std::string(3, 'c'))));  // max_bytes: 34 + 24 + 7 > 64
  CHECK_THROWS_AS((void)w.add(nt::as_bytes("")), ntrun::error);
  CHECK_THROWS_AS((void)w.add(nt::as_bytes(std::string(33, 'd'))), ntrun::error);
}

TEST_CASE("net: lying prefixes and garbage are refused whole, never a crash") {
  std::vector<std::span<const std::byte>> out;
  auto check = [&](std::vector<std::byte> frame, nt::split_status expected) {
    out.clear();
    CHECK(nt::split_batch(frame, 100, out) == expected);
    CHECK(out.empty());
  };
  check({}, nt::split_status::empty_frame);
  check(bytes({3, 0, 0}), nt::split_status::truncated);               // a cut prefix
  check(bytes({5, 0, 0, 0, 'a', 'b'}), nt::split_status::truncated);  // past the end
  check(bytes({1, 0, 0, 0, 'a', 0, 0, 0, 0}), nt::split_status::zero_length);
  check(bytes({101, 0, 0, 0, 'a'}), nt::split_status::oversized);
  check(bytes({0xff, 0xff, 0xff, 0xff, 'a'}), nt::split_status::oversized);
  check(bytes({1, 0, 0, 0, 'a', 2, 0, 0, 0, 'b'}), nt::split_status::truncated);  // good, then bad
  std::mt19937 rng(42);
  std::size_t ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::byte> frame(rng() % 40);
    for (auto& b : frame) b = static_cast<std::byte>(rng() % 8 == 0 ? 0 : rng() % 12);
    out.clear();
    if (nt::split_batch(frame, 16, out) == nt::split_status::ok) {
      ++ok;
      std::size_t total = 0;
      for (auto m : out) total += 4 + m.size();
      CHECK(total == frame.size());
    } else {
      CHECK(out.empty());
    }
  }
  CHECK(ok > 0);
}

TEST_CASE("net: batched publishing arrives whole and in order; bad frames are counted") {
  zmq::context_t ctx;
  nt::bus bus({.publishers = "inproc://net.bt.pub", .subscribers = "inproc://net.bt.sub"}, ctx);
  nt::publisher pub(
      {.endpoint = bus.publishers(), .batch = nt::batch_limits{.max_bytes = 4096, .max_count = 64}},
      ctx);
  nt::subscriber sub({.endpoint = bus.subscribers()}, ctx);
  sub.subscribe("bt");
  REQUIRE(join(pub, {&sub}, "bt.probe"));
  const auto before = pub.stats();
  constexpr int n = 1000;
  for (int tick = 0; tick < n / 100; ++tick) {
    for (int i = 0; i < 100; ++i) {
      REQUIRE(pub.publish("bt", std::to_string(tick * 100 + i)) == nt::send_result::sent);
    }
    pub.flush();  // end of tick
  }
  CHECK(pub.batched() == 0);
  CHECK(pub.stats().sent - before.sent == n);
  CHECK(pub.stats().frames_sent - before.frames_sent == 20);  // 64 + 36 per tick
  for (int i = 0; i < n; ++i) {
    auto m = next_data(sub);
    REQUIRE(m);
    REQUIRE(m->second == std::to_string(i));
  }

  // A raw PUB socket on the bus sends what a broken or hostile peer could.
  zmq::socket_t raw(ctx, zmq::socket_type::pub);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(bus.publishers());
  const auto good = bytes({2, 0, 0, 0, 'o', 'k'});
  REQUIRE(eventually([&] {
    (void)raw.send(zmq::str_buffer("bt.raw.probe"), zmq::send_flags::sndmore);
    (void)raw.send(zmq::buffer(good), zmq::send_flags::none);
    return sub.receive(5ms).has_value();
  }));
  const auto bad_before = sub.stats().bad_frames;
  (void)raw.send(zmq::str_buffer("bt.single-frame"), zmq::send_flags::none);
  (void)raw.send(zmq::str_buffer("bt.lies"), zmq::send_flags::sndmore);
  (void)raw.send(zmq::buffer(bytes({9, 0, 0, 0, 'x'})), zmq::send_flags::none);
  (void)raw.send(zmq::str_buffer("bt.zero"), zmq::send_flags::sndmore);
  (void)raw.send(zmq::buffer(bytes({0, 0, 0, 0})), zmq::send_flags::none);
  (void)raw.send(zmq::str_buffer("bt.three"), zmq::send_flags::sndmore);
  (void)raw.send(zmq::buffer(good), zmq::send_flags::sndmore);
  (void)raw.send(zmq::buffer(good), zmq::send_flags::none);
  (void)raw.send(zmq::str_buffer("bt.fence"), zmq::send_flags::sndmore);
  (void)raw.send(zmq::buffer(good), zmq::send_flags::none);
  auto m = next_data(sub);
  REQUIRE(m);
  CHECK(m->first == "bt.fence");
  CHECK(sub.stats().bad_frames - bad_before == 4);
}

TEST_CASE("net: keys are made, derived, written and read back") {
  const auto k = nt::keygen();
  CHECK(nt::valid_key(k.public_key));
  CHECK(nt::valid_key(k.secret_key));
  CHECK(nt::curve_public(k.secret_key) == k.public_key);
  CHECK_FALSE(nt::valid_key("short"));
  const auto dir =
      std::filesystem::temp_directory_path() / ("ntrun_test_keys_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string prefix = (dir / "agent").string();
  nt::write_key_files(prefix, k);
  struct stat st {};
  REQUIRE(::stat((prefix + ".key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(nt::read_key_file(prefix + ".key") == k.secret_key);
  CHECK(nt::read_key_file(prefix + ".pub") == k.public_key);
  CHECK_THROWS_AS(nt::write_key_files(prefix, nt::keygen()), ntrun::error);  // never overwrites
  CHECK(nt::read_key_file(prefix + ".key") == k.secret_key);
  std::filesystem::remove_all(dir);
}

TEST_CASE("net: CURVE lets allowed clients in and refuses the rest, counted and logged") {
  zmq::context_t ctx;
  const auto server = nt::keygen();
  const auto good = nt::keygen();
  const auto stranger = nt::keygen();
  std::mutex mutex;
  std::vector<nt::zap_refusal> refusals;
  nt::zap_handler zap({.allowed = {good.public_key},
                       .on_refusal =
                           [&](const nt::zap_refusal& r) {
                             std::lock_guard lock(mutex);
                             refusals.push_back(r);
                           }},
                      ctx);
  nt::router srv({.endpoint = "tcp://127.0.0.1:*",
                  .bind = true,
                  .curve = nt::curve_options{.server = true, .secret_key = server.secret_key}},
                 ctx);
  auto client = [&](const nt::curve_keypair& self, const std::string& server_key, const char* id) {
    return nt::dealer({.endpoint = srv.endpoint(),
                       .policy = nt::send_policy::drop_oldest,
                       .linger = 0ms,
                       .curve = nt::curve_options{.public_key = self.public_key,
                                                  .secret_key = self.secret_key,
                                                  .server_key = server_key},
                       .routing_id = id},
                      ctx);
  };

  SUBCASE("an allowed client gets through") {
    auto d = client(good, server.public_key, "good");
    (void)d.send(nt::as_bytes("hello"));
    d.flush_queue();
    auto req = srv.receive(patience);
    REQUIRE(req);
    CHECK(req->identity == "good");
    CHECK(nt::as_text(req->payload) == "hello");
    REQUIRE(srv.send("good", nt::as_bytes("welcome")) == nt::send_result::sent);
    auto rep = d.receive(patience);
    REQUIRE(rep);
    CHECK(nt::as_text(*rep) == "welcome");
    CHECK(zap.stats().accepted >= 1);
    CHECK(zap.stats().refused == 0);
  }
  SUBCASE("an unknown key is refused, counted and logged with its key and address") {
    auto d = client(stranger, server.public_key, "stranger");
    (void)d.send(nt::as_bytes("let me in"));
    REQUIRE(eventually([&] { return zap.stats().refused >= 1; }));
    {
      std::lock_guard lock(mutex);
      REQUIRE_FALSE(refusals.empty());
      CHECK(refusals[0].public_key == stranger.public_key);
      CHECK(refusals[0].address == "127.0.0.1");
      CHECK(refusals[0].mechanism == "CURVE");
    }
    CHECK_FALSE(srv.receive(300ms));
    CHECK(zap.stats().accepted == 0);
    // Allowed at run time, the same key gets in (a refused client does not retry: connect
    // again).
    zap.allow(stranger.public_key);
    auto again = client(stranger, server.public_key, "stranger");
    (void)again.send(nt::as_bytes("let me in"));
    auto req = srv.receive(patience);
    REQUIRE(req);
    CHECK(nt::as_text(req->payload) == "let me in");
  }
  SUBCASE("a client with the wrong server key gets nothing") {
    auto d = client(good, stranger.public_key, "confused");
    (void)d.send(nt::as_bytes("hello"));
    CHECK_FALSE(srv.receive(500ms));
    CHECK(zap.stats().accepted == 0);
  }
  SUBCASE("a client without CURVE gets nothing") {
    nt::dealer d(
        {.endpoint = srv.endpoint(), .policy = nt::send_policy::drop_oldest, .linger = 0ms}, ctx);
    (void)d.send(nt::as_bytes("hello"));
    CHECK_FALSE(srv.receive(500ms));
    CHECK(zap.stats().accepted == 0);
  }
  zap.stop();
  zap.stop();
}

TEST_CASE("net: a CURVE bus over tcp carries allowed publishers and subscribers") {
  zmq::context_t ctx;
  const auto server = nt::keygen();
  const auto agent = nt::keygen();
  nt::zap_handler zap({.allowed = {agent.public_key}, .on_refusal = [](const nt::zap_refusal&) {}},
                      ctx);
  nt::bus bus({.publishers = "tcp://127.0.0.1:*",
               .subscribers = "tcp://127.0.0.1:*",
               .curve = nt::curve_options{.server = true, .secret_key = server.secret_key}},
              ctx);
  const nt::curve_options as_agent{.public_key = agent.public_key,
                                   .secret_key = agent.secret_key,
                                   .server_key = server.public_key};
  nt::publisher pub({.endpoint = bus.publishers(), .send_timeout = 5000ms, .curve = as_agent}, ctx);
  nt::subscriber sub({.endpoint = bus.subscribers(), .curve = as_agent}, ctx);
  sub.subscribe("sec.");
  REQUIRE(join(pub, {&sub}, "sec.probe"));
  REQUIRE(pub.publish("sec.order", std::string_view("buy")) == nt::send_result::sent);
  auto m = next_data(sub);
  REQUIRE(m);
  CHECK(m->second == "buy");
  CHECK(zap.stats().accepted >= 2);
  CHECK(zap.stats().refused == 0);
}

TEST_CASE("net: a second ZAP handler on one context is refused") {
  zmq::context_t ctx;
  nt::zap_handler first({}, ctx);
  CHECK_THROWS_AS(nt::zap_handler({}, ctx), ntrun::error);
}

TEST_CASE("net: an open batch goes out after max_delay, at the owner's next call") {
  zmq::context_t ctx;
  nt::publisher pub({.endpoint = "inproc://net.delay",
                     .bind = true,
                     .batch = nt::batch_limits{.max_count = 100, .max_delay = 1ms}},
                    ctx);
  nt::subscriber sub({.endpoint = "inproc://net.delay"}, ctx);
  sub.subscribe("d");
  REQUIRE(join(pub, {&sub}, "d.probe"));
  const auto before = pub.stats();
  REQUIRE(pub.publish("d.x", std::string_view("one")) == nt::send_result::sent);
  CHECK(pub.batched() == 1);
  pub.flush_due();
  std::this_thread::sleep_for(5ms);  // at least the delay: only the lower bound matters
  pub.flush_due();
  CHECK(pub.batched() == 0);
  CHECK(pub.stats().frames_sent - before.frames_sent == 1);
  auto m = next_data(sub);
  REQUIRE(m);
  CHECK(m->second == "one");
}

TEST_CASE("net: drop_oldest with batching counts messages, not frames") {
  zmq::context_t ctx;
  nt::publisher pub({.endpoint = "inproc://net.bdrop",
                     .bind = true,
                     .policy = nt::send_policy::drop_oldest,
                     .queue_limit = 4,
                     .send_hwm = 2,
                     .batch = nt::batch_limits{.max_count = 10}},
                    ctx);
  nt::subscriber sub({.endpoint = "inproc://net.bdrop", .receive_hwm = 2}, ctx);
  sub.subscribe("");
  REQUIRE(join(pub, {&sub}, "b.probe"));
  REQUIRE(pub.flush_queue() == 0);
  const auto before = pub.stats();
  constexpr std::uint64_t n = 1000;
  for (std::uint64_t i = 0; i < n; ++i) (void)pub.publish("b", std::string_view("m"));
  pub.flush();
  const auto s = pub.stats();
  CHECK(s.dropped > 0);
  CHECK(s.dropped % 10 == 0);  // whole batches of 10
  CHECK(s.queued == 40);
  CHECK(s.sent - before.sent + s.dropped + s.queued == n);
}

TEST_CASE("net: commands to an absent router are counted, then delivered when it comes") {
  zmq::context_t ctx;
  const std::string endpoint = "inproc://net.absent";
  nt::dealer fails({.endpoint = endpoint, .policy = nt::send_policy::fail, .send_hwm = 5}, ctx);
  nt::dealer keeps({.endpoint = endpoint,
                    .policy = nt::send_policy::drop_oldest,
                    .queue_limit = 20,
                    .send_hwm = 5,
                    .routing_id = "keeps"},
                   ctx);
  constexpr std::uint64_t n = 200;
  std::uint64_t refused = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (fails.send(nt::as_bytes("f")) == nt::send_result::would_block) ++refused;
    (void)keeps.send(nt::as_bytes(std::to_string(i)));
  }
  CHECK(refused > 0);
  CHECK(fails.stats().sent + fails.stats().failed == n);
  const auto k = keeps.stats();
  CHECK(k.dropped > 0);
  CHECK(k.queued == 20);
  CHECK(k.sent + k.dropped + k.queued == n);

  nt::router server({.endpoint = endpoint, .bind = true}, ctx);
  std::vector<std::string> from_keeps;
  REQUIRE(eventually([&] {
    keeps.flush_queue();
    while (auto r = server.receive(0ms)) {
      if (r->identity == "keeps") from_keeps.emplace_back(nt::as_text(r->payload));
    }
    return keeps.stats().queued == 0 && from_keeps.size() == keeps.stats().sent;
  }));
  CHECK(from_keeps.back() == std::to_string(n - 1));  // the newest survived
  CHECK(from_keeps.size() + keeps.stats().dropped == n);
}
