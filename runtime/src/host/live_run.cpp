// `ntrun run` on a zmq feed: the live source (heartbeats, progress line), the venue that
// publishes every order event, and the report's feed line (docs/live.md).
#include "ntrun/host/live_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "ntrun/data/time.hpp"
#include "ntrun/data/zmq_feed.hpp"
#include "ntrun/engine/clock.hpp"
#include "ntrun/engine/session.hpp"
#include "ntrun/market/venue.hpp"
#include "ntrun/data/zmq_socket.hpp"
#include "ntrun/transport/codec.hpp"

namespace ntrun::host {
namespace {

namespace tp = ntrun::transport;
namespace wire = ntrun::wire;
using namespace std::chrono_literals;

/// ntrun run's agent id in the envelopes it publishes.
constexpr std::uint32_t run_sender = 1;
constexpr auto heartbeat_every = 200ms;

ts_ns wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The run's decisions on the wire: OrderEvent envelopes on topic "orders", Heartbeat
/// envelopes on "status" (Running while the run waits for data, Stopping at its end: the same
/// end-of-stream marker the feed takes). One thread: the engine's.
class decision_publisher {
 public:
  explicit decision_publisher(const std::string& endpoint)
      : pub_(endpoint), start_(std::chrono::steady_clock::now()) {}

  void order(const market::order_event& ev) {
    const bool fill = ev.kind == market::event_kind::filled ||
                      ev.kind == market::event_kind::partially_filled;
    const tp::order_event_msg m{
        .kind = static_cast<wire::OrderEventKind>(ev.kind),
        .order_id = ev.id,
        .strategy = ev.strategy,
        .tag = ev.tag,
        .symbol = ev.symbol,
        .side = static_cast<wire::Side>(ev.side),
        .type = static_cast<wire::OrderType>(ev.type),
        .status = static_cast<wire::OrderStatus>(ev.status),
        .quantity = fill ? ev.fill_info.quantity : ev.filled_qty + ev.remaining_qty,
        .price = fill ? ev.fill_info.price : 0.0,
        .commission = fill ? ev.fill_info.commission : 0.0,
        .filled_qty = ev.filled_qty,
        .remaining = ev.remaining_qty,
        .reason = ev.reason ? std::string_view(ev.reason) : std::string_view{},
    };
    send("orders", enc_.encode(head(ev.ts_event, ev.ts_init), m));
  }

  /// Running at most every heartbeat_every (force: now); Stopping ends the stream.
  void heartbeat(wire::AgentState state, bool force = false) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_beat_ < heartbeat_every) return;
    last_beat_ = now;
    const tp::heartbeat_msg m{
        .state = state,
        .interval_ns = std::chrono::nanoseconds(heartbeat_every).count(),
        .uptime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count()};
    const ts_ns t = wall_now();
    send("status", enc_.encode(head(t, t), m));
  }

  [[nodiscard]] std::uint64_t sent() const noexcept { return pub_.sent(); }
  [[nodiscard]] std::uint64_t failed() const noexcept { return pub_.failed(); }
  [[nodiscard]] std::string endpoint() const { return pub_.endpoint(); }

 private:
  tp::header head(ts_ns ts_event, ts_ns ts_init) {
    return tp::header{.sender = run_sender, .seq = ++seq_, .ts_event = ts_event, .ts_init = ts_init};
  }
  void send(std::string_view topic, tp::bytes envelope) { pub_.publish(topic, envelope); }

  data::publish_socket pub_;
  tp::encoder enc_;
  std::uint64_t seq_ = 0;
  std::chrono::steady_clock::time_point start_, last_beat_{};
};

/// The simulated venue, publishing every event it emits (paper trading: fills against the
/// live bars). Rejections by the pre-trade checks never reach a venue and are not published.
class publishing_venue final : public market::execution_client {
  // Calls fn, then publishes the events it appended to out.
  template <class Fn>
  auto around(std::vector<market::order_event>& out, Fn&& fn) {
    const std::size_t first = out.size();
    auto r = fn();
    for (std::size_t i = first; i < out.size(); ++i) pub_.order(out[i]);
    return r;
  }

 public:
  publishing_venue(std::unique_ptr<market::execution_client> inner, decision_publisher& pub)
      : inner_(std::move(inner)), pub_(pub) {}

  order_id submit(const market::order_request& req, ts_ns now,
                  std::vector<market::order_event>& out) override {
    return around(out, [&] { return inner_->submit(req, now, out); });
  }
  bool submit_list(std::span<const market::order_request> reqs,
                   std::span<const market::list_link> links, ts_ns now,
                   std::vector<market::order_event>& out, std::span<order_id> ids) override {
    return around(out, [&] { return inner_->submit_list(reqs, links, now, out, ids); });
  }
  void set_fill_guard(market::fill_guard* guard) noexcept override { inner_->set_fill_guard(guard); }
  bool cancel(order_id id, ts_ns now, std::vector<market::order_event>& out) override {
    return around(out, [&] { return inner_->cancel(id, now, out); });
  }
  bool modify(order_id id, double quantity, double limit_price, double stop_price, ts_ns now,
              std::vector<market::order_event>& out) override {
    return around(out, [&] {
      return inner_->modify(id, quantity, limit_price, stop_price, now, out);
    });
  }
  std::size_t cancel_all(std::int32_t strategy, ts_ns now,
                         std::vector<market::order_event>& out) override {
    return around(out, [&] { return inner_->cancel_all(strategy, now, out); });
  }
  void on_bar(const bar& b, std::vector<market::order_event>& out) override {
    (void)around(out, [&] {
      inner_->on_bar(b, out);
      return 0;
    });
  }
  [[nodiscard]] const market::order* find(order_id id) const noexcept override {
    return inner_->find(id);
  }
  [[nodiscard]] std::vector<market::order> open_orders() const override {
    return inner_->open_orders();
  }
  [[nodiscard]] std::size_t open_order_count() const noexcept override {
    return inner_->open_order_count();
  }

 private:
  std::unique_ptr<market::execution_client> inner_;
  decision_publisher& pub_;
};

/// The engine's clock in a live run: the time of the latest bar the feed handed out (its
/// ts_event), never going back. Orders are stamped with it, so an order placed on a bar fills
/// at the next bar, as in a backtest, whether the publisher replays old data or sends bars as
/// they happen (a wall clock would put every replayed bar before the orders). Not simulated:
/// the host drives the engine and waits for data.
class feed_clock final : public ntrun::clock {
 public:
  [[nodiscard]] ts_ns now() const noexcept override { return now_; }
  void advance_to(ts_ns) noexcept override {}
  [[nodiscard]] bool simulated() const noexcept override { return false; }
  void reached(ts_ns t) noexcept { now_ = std::max(now_, t); }

 private:
  ts_ns now_ = 0;
};

/// What the report says about the feed, copied when the engine releases the source.
struct feed_summary {
  data::zmq_feed_stats stats;
  data::feed_end ended = data::feed_end::running;
  std::string endpoint;
};

/// The zmq feed as the engine's source: heartbeats while it waits, a status line on a TTY.
class live_source final : public ntrun::event_source {
 public:
  live_source(data::zmq_feed_options fo, feed_clock& clock, decision_publisher* pub, bool progress,
              feed_summary* out)
      : feed_(std::move(fo)), clock_(clock), pub_(pub), progress_(progress), out_(out) {}
  ~live_source() override {
    out_->stats = feed_.stats();
    out_->ended = feed_.ended();
    out_->endpoint = feed_.endpoint();
  }
  live_source(const live_source&) = delete;
  live_source& operator=(const live_source&) = delete;

  std::optional<ts_ns> peek_ts() override { return feed_.peek_ts(); }
  std::optional<bar> poll(ts_ns deadline) override {
    if (pub_) pub_->heartbeat(wire::AgentState::Running);
    std::optional<bar> b = feed_.poll(deadline);
    if (b) {
      last_ = b->ts_event;
      clock_.reached(b->ts_event);
    }
    if (progress_) {
      const auto now = std::chrono::steady_clock::now();
      if (now - shown_ >= 1s) {
        shown_ = now;
        const auto& s = feed_.stats();
        // Under 60 columns: run_bundle blanks that many at the end.
        std::fprintf(stderr, "\r  live: %lld bars to %s, %lld bad, %lld dropped",
                     static_cast<long long>(s.bars),
                     last_ ? data::format_datetime(*last_).c_str() : "-",
                     static_cast<long long>(s.bad_frames), static_cast<long long>(s.dropped()));
        std::fflush(stderr);
      }
    }
    return b;
  }
  bool exhausted() override { return feed_.exhausted(); }

 private:
  data::zmq_feed feed_;
  feed_clock& clock_;
  decision_publisher* pub_;
  bool progress_;
  feed_summary* out_;
  std::optional<ts_ns> last_;
  std::chrono::steady_clock::time_point shown_{};
};

std::string feed_line(const feed_summary& f, const run_result& res) {
  const auto& s = f.stats;
  const char* how = res.status == "interrupted"                  ? "interrupted (signal)"
                    : f.ended != data::feed_end::running          ? data::to_string(f.ended)
                    : res.exit_code != 0                          ? "stopped by an error"
                                                                  : "running";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "live feed %s: ended by %s; %lld bars (%lld from quotes), %lld envelopes, "
                "%lld bad frames, %lld dropped (%lld unknown symbol, %lld back in time, %lld "
                "invalid), %lld other messages ignored",
                f.endpoint.c_str(), how, static_cast<long long>(s.bars),
                static_cast<long long>(s.quotes), static_cast<long long>(s.envelopes),
                static_cast<long long>(s.bad_frames), static_cast<long long>(s.dropped()),
                static_cast<long long>(s.unknown_symbol), static_cast<long long>(s.out_of_order),
                static_cast<long long>(s.invalid), static_cast<long long>(s.ignored));
  return buf;
}

}  // namespace

bool is_live(const bundle_config& b) noexcept { return !b.data.empty() && !b.data.front().zmq.empty(); }

run_result run_live(const bundle_config& b, const run_options& opts) {
  if (opts.watch) {
    throw std::runtime_error("--watch replays data files on the wall clock; the bundle '" + b.name +
                             "' reads a live zmq feed (docs/live.md)");
  }
  const std::string endpoint = opts.feed.value_or(b.data.front().zmq);
  if (!data::valid_endpoint(endpoint)) {
    throw std::runtime_error("--feed: bad ZeroMQ endpoint '" + endpoint +
                             "': expected tcp://HOST:PORT, ipc:///path or inproc://name");
  }
  const std::optional<std::string> publish = opts.publish ? opts.publish : b.publish;
  if (publish && !data::valid_endpoint(*publish)) {
    throw std::runtime_error("--publish: bad ZeroMQ endpoint '" + *publish + "'");
  }

  std::unique_ptr<decision_publisher> pub;
  if (publish) pub = std::make_unique<decision_publisher>(*publish);
  data::zmq_feed_options fo{.endpoint = endpoint,
                            .idle_timeout = std::chrono::milliseconds(
                                static_cast<std::int64_t>(opts.idle_timeout * 1000.0)),
                            .stop = [] { return session::interrupted(); }};
  for (std::size_t i = 0; i < b.symbols.size(); ++i) fo.ids.push_back(static_cast<symbol_id>(i));

  auto clock = std::make_unique<feed_clock>();
  feed_clock& clk = *clock;
  run_options o = opts;
  o.parts = [&pub, &clock](const backtest::engine_config& cfg, backtest::engine_parts& parts) {
    parts.clock = std::move(clock);
    if (pub) {
      market::venue_config v = cfg.venue;
      v.num_symbols = cfg.symbols.size();
      parts.execution = std::make_unique<publishing_venue>(
          std::make_unique<market::simulated_venue>(v), *pub);
    }
  };
  if (!opts.quiet) {
    std::fprintf(stderr, "ntrun: live: bars from %s%s%s (end: a Heartbeat Stopping, or Ctrl-C)\n",
                 endpoint.c_str(), pub ? ", order events on " : "",
                 pub ? pub->endpoint().c_str() : "");
  }
  feed_summary summary;
  auto source = std::make_unique<live_source>(std::move(fo), clk, pub.get(), opts.progress,
                                              &summary);
  run_result res = run_bundle(b, b.symbols, std::move(source), o);
  if (pub) pub->heartbeat(wire::AgentState::Stopping, true);

  std::vector<std::string> lines{feed_line(summary, res)};
  for (const std::string& e : summary.stats.first_errors) lines.push_back("live feed: " + e);
  if (pub) {
    lines.push_back("published " + std::to_string(pub->sent()) + " message(s) on " +
                    pub->endpoint() +
                    (pub->failed() ? ", " + std::to_string(pub->failed()) + " not delivered" : ""));
  }
  res.meta.warnings.insert(res.meta.warnings.begin(), lines.begin(), lines.end());
  return res;
}

}  // namespace ntrun::host
