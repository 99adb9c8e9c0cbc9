// The live ZeroMQ feed: transport::subscriber -> codec decoder -> bars (docs/live.md).
#include "ntrun/data/zmq_feed.hpp"

#include <cmath>
#include <deque>
#include <string>
#include <utility>

#include "ntrun/data/zmq_socket.hpp"
#include "ntrun/transport/codec.hpp"

namespace ntrun::data {

namespace tp = ntrun::transport;

const char* to_string(feed_end e) noexcept {
  switch (e) {
    case feed_end::running: return "running";
    case feed_end::end_marker: return "end of stream (Heartbeat Stopping)";
    case feed_end::idle_timeout: return "idle timeout";
  }
  return "?";
}

namespace {

constexpr std::size_t max_kept_errors = 5;

bool finite(double v) noexcept { return std::isfinite(v); }

}  // namespace

struct zmq_feed::impl {
  explicit impl(zmq_feed_options o)
      : opts(std::move(o)),
        sub(opts.endpoint, opts.bind, opts.topic, opts.context),
        last_message(std::chrono::steady_clock::now()) {}

  zmq_feed_options opts;
  feed_socket sub;
  tp::decoder dec;
  std::deque<bar> buffer;            ///< received, not yet delivered
  std::vector<std::optional<ts_ns>> last_ts;  ///< per Bar.symbol index: the latest bar's time
  std::optional<ts_ns> round_ts;     ///< the timestamp being delivered this round
  bool last_empty = true;            ///< the previous poll returned nothing
  feed_end end = feed_end::running;
  zmq_feed_stats stats;
  std::uint64_t transport_bad_seen = 0;
  std::chrono::steady_clock::time_point last_message;

  ts_ns now() const {
    if (opts.now) return opts.now();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void note(std::string msg) {
    if (stats.first_errors.size() < max_kept_errors) stats.first_errors.push_back(std::move(msg));
  }

  /// A bar for Bar.symbol `index` at `ts`, or a counted drop.
  void accept(std::uint32_t sender, std::uint32_t index, ts_ns ts, std::uint32_t flags,
              double o, double h, double l, double c, double v, bool quote) {
    if (index >= opts.ids.size()) {
      ++stats.unknown_symbol;
      note("sender " + std::to_string(sender) + ": unknown symbol index " + std::to_string(index) +
           " (the feed declares " + std::to_string(opts.ids.size()) + ")");
      return;
    }
    if (!finite(o) || !finite(h) || !finite(l) || !finite(c) || !finite(v) || c <= 0 || v < 0) {
      ++stats.invalid;
      note("sender " + std::to_string(sender) + ": invalid prices for symbol index " +
           std::to_string(index));
      return;
    }
    if (last_ts.size() < opts.ids.size()) last_ts.resize(opts.ids.size());
    std::optional<ts_ns>& prev = last_ts[index];
    if (prev && ts < *prev) {
      ++stats.out_of_order;
      note("sender " + std::to_string(sender) + ": bar for symbol index " + std::to_string(index) +
           " goes back in time (" + std::to_string(ts) + " < " + std::to_string(*prev) + ")");
      return;
    }
    prev = ts;
    ++stats.bars;
    if (quote) ++stats.quotes;
    buffer.push_back(bar{.ts_event = ts,
                         .ts_init = now(),
                         .sid = opts.ids[index],
                         .flags = flags & 1u,  // close-only; bar_last_of_time is the engine's
                         .open = o,
                         .high = h,
                         .low = l,
                         .close = c,
                         .volume = v});
  }

  void on_envelope(const tp::envelope_view& env) {
    ++stats.envelopes;
    const tp::header head = env.head();
    if (const auto* b = env.as<wire::Bar>()) {
      accept(head.sender, b->symbol(), head.ts_event, b->flags(), b->open(), b->high(), b->low(),
             b->close(), b->volume(), false);
    } else if (const auto* q = env.as<wire::Quote>()) {
      // A quote is a bar at the mid price (open = high = low = close), its volume the sizes.
      const double bid = q->bid(), ask = q->ask();
      if (!(bid > 0) || !(ask >= bid)) {
        ++stats.invalid;
        note("sender " + std::to_string(head.sender) + ": quote with bid " + std::to_string(bid) +
             " ask " + std::to_string(ask));
        return;
      }
      const double mid = (bid + ask) / 2;
      accept(head.sender, q->symbol(), head.ts_event, 1u, mid, mid, mid, mid,
             q->bid_size() + q->ask_size(), true);
    } else if (const auto* hb = env.as<wire::Heartbeat>()) {
      if (hb->state() == wire::AgentState::Stopping) end = feed_end::end_marker;
    } else {
      ++stats.ignored;
    }
  }

  /// Takes what has arrived; waits up to `wait` for a first message when nothing is there.
  void fill(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      if (end != feed_end::running) return;
      std::chrono::milliseconds slice{0};
      if (buffer.empty()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() > 0 && !(opts.stop && opts.stop())) {
          slice = std::min(left, std::chrono::milliseconds(20));
        }
      }
      const std::optional<socket_message> m = sub.receive(slice);
      count_transport_bad();
      if (!m) {
        if (opts.idle_timeout.count() > 0 &&
            std::chrono::steady_clock::now() - last_message >= opts.idle_timeout) {
          end = feed_end::idle_timeout;
          return;
        }
        if (!buffer.empty() || slice.count() == 0) return;
        continue;
      }
      last_message = std::chrono::steady_clock::now();
      const tp::batch_result r = dec.for_each(m->payload, [&](const tp::envelope_view& env) {
        on_envelope(env);
      });
      if (!r.ok()) {
        ++stats.bad_frames;
        note("bad frame on topic '" + std::string(m->topic) + "': " + tp::to_string(r.error) +
             " (after " + std::to_string(r.good) + " good envelope(s))");
      }
      if (!buffer.empty()) return;  // deliver it; the rest waits in ZeroMQ's queue
    }
  }

  void count_transport_bad() {
    const std::uint64_t n = sub.bad_frames();
    if (n != transport_bad_seen) {
      stats.bad_frames += static_cast<std::int64_t>(n - transport_bad_seen);
      note("bad wire message(s) refused by the subscriber (not [topic][batch])");
      transport_bad_seen = n;
    }
  }
};

zmq_feed::zmq_feed(zmq_feed_options options) : p_(std::make_unique<impl>(std::move(options))) {}
zmq_feed::~zmq_feed() = default;

std::optional<ts_ns> zmq_feed::peek_ts() {
  if (p_->buffer.empty()) p_->fill(std::chrono::milliseconds(0));
  if (p_->buffer.empty()) return std::nullopt;
  return p_->buffer.front().ts_event;
}

std::optional<bar> zmq_feed::poll(ts_ns) {
  impl& p = *p_;
  if (p.buffer.empty()) p.fill(p.last_empty ? p.opts.wait : std::chrono::milliseconds(0));
  if (!p.buffer.empty() && (!p.round_ts || p.buffer.front().ts_event == *p.round_ts)) {
    bar b = p.buffer.front();
    p.buffer.pop_front();
    p.round_ts = b.ts_event;
    p.last_empty = false;
    return b;
  }
  p.round_ts.reset();
  p.last_empty = true;
  return std::nullopt;
}

bool zmq_feed::exhausted() { return p_->end != feed_end::running && p_->buffer.empty(); }

const zmq_feed_stats& zmq_feed::stats() const noexcept { return p_->stats; }
feed_end zmq_feed::ended() const noexcept { return p_->end; }
std::string zmq_feed::endpoint() const { return p_->sub.endpoint(); }

}  // namespace ntrun::data
