// data/zmq_feed: the live feed over real sockets (inproc and tcp on 127.0.0.1): bars arrive in
// order with the bundle's ids, quotes become mid-price bars, bad frames and unknown symbols
// and bars back in time are counted and dropped, the end marker and the idle timeout end the
// source. The publisher is a raw ZeroMQ PUB socket, as any client's would be (the wire layout
// [topic][length-prefixed batch] by hand). Every wait is bounded; nothing asserts a timing.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "ntrun/data/zmq_feed.hpp"
#include "ntrun/transport/codec.hpp"

namespace nt = ntrun::transport;
using ntrun::data::feed_end;
using ntrun::data::zmq_feed;
using ntrun::data::zmq_feed_options;
using namespace std::chrono_literals;

namespace {

constexpr auto patience = 20s;
constexpr std::int64_t day = 86'400'000'000'000;

struct rig {
  explicit rig(const std::string& endpoint, std::chrono::milliseconds idle = 0ms)
      : pub(ctx, zmq::socket_type::pub),
        feed(zmq_feed_options{.endpoint = bound(endpoint),
                              .ids = {10, 11},  // Bar.symbol 0 -> id 10, 1 -> id 11
                              .wait = 10ms,
                              .idle_timeout = idle,
                              .now = [] { return ntrun::ts_ns{42}; },
                              .context = &ctx}) {}

  std::string bound(const std::string& endpoint) {
    pub.set(zmq::sockopt::linger, 0);
    pub.bind(endpoint);
    return pub.get(zmq::sockopt::last_endpoint);
  }
  // One message: [topic][4-byte LE length + bytes].
  void raw(std::string_view bytes) {
    std::string frame(4, '\0');
    const auto n = static_cast<std::uint32_t>(bytes.size());
    for (int i = 0; i < 4; ++i) frame[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
    frame.append(bytes);
    REQUIRE(pub.send(zmq::buffer(std::string_view("md")), zmq::send_flags::sndmore));
    REQUIRE(pub.send(zmq::buffer(frame), zmq::send_flags::none));
  }
  void send(nt::bytes env) {
    raw(std::string_view(reinterpret_cast<const char*>(env.data()), env.size()));
  }
  void bar(std::uint32_t sym, std::int64_t t, double close) {
    send(enc.encode(nt::header{.sender = 7, .seq = ++seq, .ts_event = t},
                    nt::bar_msg{.symbol = sym, .open = close - 1, .high = close + 1,
                                .low = close - 2, .close = close, .volume = 100}));
  }
  void beat(ntrun::wire::AgentState state) {
    send(enc.encode(nt::header{.sender = 7, .seq = ++seq}, nt::heartbeat_msg{.state = state}));
  }

  // The slow joiner: heartbeats (which the feed reads and skips) until one has arrived.
  void join() {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (feed.stats().envelopes == 0) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      beat(ntrun::wire::AgentState::Running);
      (void)feed.poll(0);
    }
  }

  // Polls until n bars arrived or the source is exhausted.
  std::vector<ntrun::bar> take(std::size_t n) {
    std::vector<ntrun::bar> out;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (out.size() < n && !feed.exhausted() && std::chrono::steady_clock::now() < deadline) {
      if (auto b = feed.poll(0)) out.push_back(*b);
    }
    return out;
  }

  zmq::context_t ctx;
  zmq::socket_t pub;
  zmq_feed feed;
  nt::encoder enc;
  std::uint64_t seq = 0;
};

}  // namespace

TEST_CASE("zmq_feed: bars arrive in order with the bundle's ids; the end marker ends it") {
  rig r("tcp://127.0.0.1:*");
  r.join();
  for (int i = 0; i < 50; ++i) r.bar(static_cast<std::uint32_t>(i % 2), (i / 2) * day, 100 + i);
  r.beat(ntrun::wire::AgentState::Stopping);
  const auto bars = r.take(1000);
  REQUIRE(bars.size() == 50);
  for (int i = 0; i < 50; ++i) {
    CHECK(bars[static_cast<std::size_t>(i)].sid == (i % 2 == 0 ? 10u : 11u));
    CHECK(bars[static_cast<std::size_t>(i)].ts_event == (i / 2) * day);
    CHECK(bars[static_cast<std::size_t>(i)].close == 100 + i);
    CHECK(bars[static_cast<std::size_t>(i)].ts_init == 42);  // the feed's clock
  }
  CHECK(r.feed.exhausted());
  CHECK(r.feed.ended() == feed_end::end_marker);
  CHECK(r.feed.stats().bars == 50);
  CHECK(r.feed.stats().dropped() == 0);
  CHECK(r.feed.stats().bad_frames == 0);
}

TEST_CASE("zmq_feed: one timestamp per round, so orders placed on t meet the next bar") {
  rig r("inproc://zmq_feed.rounds");
  r.join();
  r.bar(0, 0, 100);
  r.bar(1, 0, 200);
  r.bar(0, day, 101);
  r.beat(ntrun::wire::AgentState::Stopping);
  // Whatever the arrival timing: a bar of a later time never follows one of an earlier time
  // without an empty poll between them (the engine's round ends there).
  std::vector<std::optional<ntrun::bar>> seq;
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (got < 3 && std::chrono::steady_clock::now() < deadline) {
    seq.push_back(r.feed.poll(0));
    if (seq.back()) ++got;
  }
  REQUIRE(got == 3);
  std::vector<ntrun::bar> bars;
  for (std::size_t i = 0; i < seq.size(); ++i) {
    if (!seq[i]) continue;
    if (i > 0 && seq[i - 1] && seq[i - 1]->ts_event != seq[i]->ts_event) {
      FAIL("a later bar followed without an empty poll");
    }
    bars.push_back(*seq[i]);
  }
  CHECK(bars[0].ts_event == 0);
  CHECK(bars[1].ts_event == 0);
  CHECK(bars[1].sid == 11u);
  CHECK(bars[2].ts_event == day);
  CHECK(bars[2].close == 101);
}

TEST_CASE("zmq_feed: garbage is counted, not fatal; unknown symbols and bars back in time dropped") {
  rig r("inproc://zmq_feed.bad");
  r.join();
  const std::string junk = "this is not a FlatBuffers envelope at all";
  r.raw(junk);  // the codec refuses it
  // A wire message of one frame (not [topic][batch]): the subscriber refuses it.
  REQUIRE(r.pub.send(zmq::buffer(std::string_view("md")), zmq::send_flags::none));
  r.bar(5, 0, 100);        // Bar.symbol 5: the feed declares two symbols
  r.bar(0, 2 * day, 100);  // good
  r.bar(0, day, 99);       // back in time for symbol 0
  r.bar(1, day, 50);       // symbol 1 has its own clock: fine
  // Quote: a bar at the mid price.
  r.send(r.enc.encode(nt::header{.sender = 7, .ts_event = 3 * day},
                      nt::quote_msg{.symbol = 0, .bid = 99, .ask = 101, .bid_size = 1, .ask_size = 2}));
  r.send(r.enc.encode(nt::header{.sender = 7, .ts_event = 4 * day},
                      nt::signal_msg{.symbol = 0}));  // another kind: ignored
  r.beat(ntrun::wire::AgentState::Stopping);
  const auto bars = r.take(1000);
  REQUIRE(bars.size() == 3);
  CHECK(bars[0].ts_event == 2 * day);
  CHECK(bars[1].sid == 11u);
  CHECK(bars[2].close == 100);
  CHECK(bars[2].open == 100);
  CHECK(bars[2].volume == 3);
  const auto& s = r.feed.stats();
  CHECK(s.bad_frames == 2);
  CHECK(s.unknown_symbol == 1);
  CHECK(s.out_of_order == 1);
  CHECK(s.quotes == 1);
  CHECK(s.ignored == 1);
  CHECK(s.dropped() == 2);
  CHECK(s.first_errors.size() >= 3);
  CHECK(r.feed.ended() == feed_end::end_marker);
}

TEST_CASE("zmq_feed: an idle timeout ends a silent feed; a stop request cuts the wait") {
  rig r("inproc://zmq_feed.idle", 200ms);
  r.join();
  r.bar(0, 0, 100);
  const auto bars = r.take(1000);  // ends when the feed has been quiet for 200 ms
  CHECK(bars.size() == 1);
  CHECK(r.feed.exhausted());
  CHECK(r.feed.ended() == feed_end::idle_timeout);

  bool stop = true;
  zmq_feed quiet(zmq_feed_options{.endpoint = "inproc://zmq_feed.nobody",
                                  .wait = 60s,
                                  .stop = [&] { return stop; }});
  CHECK_FALSE(quiet.poll(0).has_value());  // returns at once: no 60 s wait
  CHECK_FALSE(quiet.exhausted());
}

TEST_CASE("zmq_feed: a bad endpoint is refused at once") {
  CHECK_THROWS(zmq_feed(zmq_feed_options{.endpoint = "nonsense"}));
}
