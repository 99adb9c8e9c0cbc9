// Agents in other processes: the run's agent_server and the agent process's remote_port
// (see remote.hpp, docs/agents.md). The frames are ntrun's own, between two ntrun processes
// of the same version: "NTAG", a version, an operation, then fields written one by one and
// read back with every length and enum value checked.
#include "ntrun/agents/remote.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>
#include <type_traits>

#include "ntrun/error.hpp"

namespace ntrun::agents {

namespace tr = ntrun::transport;

namespace {

constexpr std::uint32_t magic = 0x4741544E;  // "NTAG" little-endian
constexpr std::uint16_t version = 1;
constexpr std::size_t max_string = 1u << 20;
constexpr std::size_t max_count = 1'000'000;

enum op : std::uint16_t {
  op_hello = 1, op_welcome = 2, op_refused = 3, op_turn = 4, op_done = 5, op_end = 6,
  op_next = 10, op_history = 11, op_submit = 12, op_submit_list = 13, op_cancel = 14,
  op_modify = 15, op_find = 16, op_open_orders = 17, op_position = 18, op_account = 19,
  op_set_timer = 20, op_cancel_timer = 21, op_cal_timer = 22, op_random = 23, op_risk = 24,
  op_reply = 100, op_failed = 101,
};

struct bad_frame : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class writer {
 public:
  explicit writer(std::uint16_t o) { put(magic), put(version), put(o); }
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    buf_.insert(buf_.end(), p, p + sizeof v);
  }
  void str(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    buf_.insert(buf_.end(), p, p + s.size());
  }
  void bytes(std::span<const std::byte> b) {
    put(static_cast<std::uint32_t>(b.size()));
    buf_.insert(buf_.end(), b.begin(), b.end());
  }
  [[nodiscard]] std::span<const std::byte> frame() const noexcept { return buf_; }
  std::vector<std::byte>& raw() noexcept { return buf_; }

 private:
  std::vector<std::byte> buf_;
};

class reader : public reader_base {
 public:
  explicit reader(std::span<const std::byte> b) : b_(b) {
    if (get<std::uint32_t>() != magic) throw bad_frame("not an ntrun agent frame");
    if (get<std::uint16_t>() != version) throw bad_frame("another version of the agent protocol");
    op_ = get<std::uint16_t>();
  }
  [[nodiscard]] std::uint16_t op() const noexcept { return op_; }
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool> && !std::is_enum_v<T>);
    if (b_.size() - at_ < sizeof(T)) throw bad_frame("a frame cut short");
    T v;
    std::memcpy(&v, b_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  bool flag() {
    const auto v = get<std::uint8_t>();
    if (v > 1) throw bad_frame("a boolean that is neither 0 nor 1");
    return v == 1;
  }
  template <class E>
  E enum_at_most(unsigned max) {
    const auto v = get<std::uint8_t>();
    if (v > max) throw bad_frame("an enum value out of range");
    return static_cast<E>(v);
  }
  std::string str() {
    const auto n = get<std::uint32_t>();
    if (n > max_string || b_.size() - at_ < n) throw bad_frame("a string cut short or too long");
    std::string s(reinterpret_cast<const char*>(b_.data() + at_), n);
    at_ += n;
    return s;
  }
  std::span<const std::byte> bytes() {
    const auto n = get<std::uint32_t>();
    if (b_.size() - at_ < n) throw bad_frame("bytes cut short");
    auto s = b_.subspan(at_, n);
    at_ += n;
    return s;
  }
  std::uint32_t count() {
    const auto n = get<std::uint32_t>();
    if (n > max_count) throw bad_frame("a count too large");
    return n;
  }

 private:
  std::span<const std::byte> b_;
  std::size_t at_ = 0;
  std::uint16_t op_ = 0;
};

void put_request(writer& w, const market::order_request& r) {
  w.put(r.symbol);
  w.put(static_cast<std::uint8_t>(r.side));
  w.put(static_cast<std::uint8_t>(r.type));
  w.put(static_cast<std::uint8_t>(r.tif));
  w.put(r.quantity), w.put(r.limit_price), w.put(r.stop_price);
  w.put(r.strategy), w.put(r.tag);
  w.put(static_cast<std::uint8_t>(r.reduce_only ? 1 : 0));
  w.put(static_cast<std::uint8_t>(r.role));
  w.put(r.trail_amount), w.put(r.trail_percent);
}

market::order_request get_request(reader& r) {
  market::order_request q;
  q.symbol = r.get<std::uint32_t>();
  q.side = r.enum_at_most<order_side>(1);
  q.type = r.enum_at_most<order_type>(3);
  q.tif = r.enum_at_most<time_in_force>(3);
  q.quantity = r.get<double>(), q.limit_price = r.get<double>(), q.stop_price = r.get<double>();
  q.strategy = r.get<std::int32_t>(), q.tag = r.get<std::int64_t>();
  q.reduce_only = r.flag();
  q.role = r.enum_at_most<market::order_role>(2);
  q.trail_amount = r.get<double>(), q.trail_percent = r.get<double>();
  return q;
}

const char* or_empty(const char* s) { return s ? s : ""; }

}  // namespace

// ---------------------------------------------------------------------------------------
// The run's side.

struct agent_server::impl {
  options opts;
  std::vector<std::string> names;  // by id - 1
  std::vector<std::string> ids;    // routing ids by agent id - 1 ("" = not connected)
  std::vector<std::string> remote;  // the names served here (--remote)
  std::vector<std::string> symbols;
  std::size_t capacity = 0;
  bool started = false;             // accept() is done: a later hello is a rejoin
  std::vector<std::uint32_t> rejoined;
  tr::router sock;
  impl(options o, std::vector<std::string> n)
      : opts(std::move(o)), names(std::move(n)), ids(names.size()),
        sock(tr::socket_options{.endpoint = opts.endpoint, .bind = true,
                                .send_timeout = std::chrono::milliseconds(5000),
                                .linger = std::chrono::milliseconds(0), .curve = opts.curve}) {}

  void send(const std::string& id, const writer& w) { (void)sock.send(id, w.frame()); }

  // A hello: welcome an expected agent (its id, the run's symbols and agent names).
  void hello(const std::string& from, reader& r) {
    const std::string name = r.str();
    const auto it = std::find(names.begin(), names.end(), name);
    const bool expected = std::find(remote.begin(), remote.end(), name) != remote.end();
    if (it == names.end() || !expected) {
      writer w(op_refused);
      w.str(it == names.end() ? "no agent named '" + name + "' in this run"
                              : "agent '" + name + "' runs inside the run's process (not --remote)");
      send(from, w);
      return;
    }
    const auto idx = static_cast<std::size_t>(it - names.begin());
    if (!ids[idx].empty() && ids[idx] != from) {
      writer w(op_refused);
      w.str("agent '" + name + "' has joined already");
      send(from, w);
      return;
    }
    if (started && ids[idx] != from) rejoined.push_back(static_cast<std::uint32_t>(idx + 1));
    ids[idx] = from;
    writer w(op_welcome);
    w.put(static_cast<std::uint32_t>(idx + 1));
    w.put(static_cast<std::uint64_t>(capacity));
    w.put(static_cast<std::uint32_t>(names.size()));
    for (const auto& n : names) w.str(n);
    w.put(static_cast<std::uint32_t>(symbols.size()));
    for (const auto& s : symbols) w.str(s);
    send(from, w);
  }

  // The session's next event into w: kind, now, then the kind's fields (strings and bytes
  // copied: a message's bytes are valid only until the next event).
  static event_kind put_event(writer& w, session& s) {
    const event_kind k = s.next();
    const event_slot& e = s.slot();
    w.put(static_cast<std::int32_t>(k));
    w.put(s.port()->now());
    switch (k) {
      case event_kind::bar:
        w.put(e.bar);
        break;
      case event_kind::filled: case event_kind::rejected: case event_kind::canceled:
      case event_kind::expired: case event_kind::accepted: case event_kind::modified: {
        order_event_view o = e.order;
        const std::string reason = or_empty(o.reason);
        const bool has = o.reason != nullptr;
        o.reason = nullptr;
        w.put(o);
        w.put(static_cast<std::uint8_t>(has ? 1 : 0));
        w.str(reason);
        break;
      }
      case event_kind::timer: w.put(e.timer); break;
      case event_kind::risk: {
        risk_event_view v = e.risk;
        const std::string reason = or_empty(v.reason);
        const bool has = v.reason != nullptr;
        v.reason = nullptr;
        w.put(v);
        w.put(static_cast<std::uint8_t>(has ? 1 : 0));
        w.str(reason);
        break;
      }
      case event_kind::message: {
        w.put(e.message.ts_event), w.put(e.message.ts_init);
        w.bytes({reinterpret_cast<const std::byte*>(e.message.data),
                 static_cast<std::size_t>(e.message.len)});
        const std::string* t = s.mailbox() ? s.mailbox()->topic_name(e.message.channel) : nullptr;
        w.str(t ? *t : std::string());
        break;
      }
      case event_kind::control: w.put(e.control); break;
      default: break;
    }
    return k;
  }

  // Serves one request of the agent in its turn against its session.
  void serve(const std::string& to, reader& r, session& s, std::vector<std::string>& topics) {
    strategy_port& p = *s.port();
    writer w(op_reply);
    switch (r.op()) {
      case op_next: {
        put_event(w, s);
        break;
      }
      case op_history: {
        const auto sid = r.get<std::uint32_t>();
        const auto field = r.get<std::int32_t>();
        const auto n = r.get<std::uint64_t>();
        if (field < 0 || field > 4 || sid >= p.symbols().size() || n > p.history_capacity()) {
          throw bad_frame("a history request out of range");
        }
        const auto h = p.history(sid, static_cast<bar_field>(field), static_cast<std::size_t>(n));
        w.put(static_cast<std::uint64_t>(h.size()));
        for (const double v : h) w.put(v);
        break;
      }
      case op_submit: {
        const market::order_request q = get_request(r);
        const submit_result res = p.submit(q);
        w.put(res.id);
        w.put(static_cast<std::uint8_t>(res.reason ? 1 : 0));
        w.str(or_empty(res.reason));
        break;
      }
      case op_submit_list: {
        const std::uint32_t n = r.count();
        if (n == 0 || n > 64) throw bad_frame("an order list of 1..64 orders");
        std::vector<market::order_request> reqs;
        std::vector<market::list_link> links;
        for (std::uint32_t i = 0; i < n; ++i) {
          reqs.push_back(get_request(r));
          links.push_back({.parent = r.get<std::uint32_t>(), .oco = r.get<std::uint32_t>()});
        }
        std::vector<order_id> out_ids(n);
        const submit_result res = p.submit_list(reqs, links, out_ids);
        w.put(res.id);
        w.put(static_cast<std::uint8_t>(res.reason ? 1 : 0));
        w.str(or_empty(res.reason));
        for (const order_id id : out_ids) w.put(id);
        break;
      }
      case op_cancel: w.put(static_cast<std::uint8_t>(p.cancel(r.get<order_id>()) ? 1 : 0)); break;
      case op_modify: {
        const auto id = r.get<order_id>();
        const auto q = r.get<double>(), l = r.get<double>(), st = r.get<double>();
        w.put(static_cast<std::uint8_t>(p.modify(id, q, l, st) ? 1 : 0));
        break;
      }
      case op_find: {
        const market::order* o = p.find_order(r.get<order_id>());
        w.put(static_cast<std::uint8_t>(o ? 1 : 0));
        if (o) {
          w.put(o->id);
          put_request(w, o->request);
          w.put(static_cast<std::uint8_t>(o->status));
          w.put(o->filled_qty), w.put(o->avg_fill_price), w.put(o->ts_submitted), w.put(o->ts_updated);
          w.put(static_cast<std::uint8_t>(o->triggered ? 1 : 0));
          w.put(static_cast<std::uint8_t>(o->session_day ? 1 : 0));
          w.put(o->session_day.value_or(0));
          w.put(o->parent), w.put(o->oco_group), w.put(o->oco_last), w.put(o->children);
          w.put(static_cast<std::uint8_t>(o->kind ? 1 : 0));
          w.str(or_empty(o->kind));
          w.put(static_cast<std::uint8_t>(o->active ? 1 : 0));
        }
        break;
      }
      case op_open_orders: {
        const auto open = p.open_orders();
        w.put(static_cast<std::uint32_t>(open.size()));
        for (const order_id id : open) w.put(id);
        break;
      }
      case op_position: {
        const auto sid = r.get<std::uint32_t>();
        if (sid >= p.symbols().size()) throw bad_frame("a position of an unknown symbol");
        w.put(p.position(sid));
        break;
      }
      case op_account: w.put(p.account()); break;
      case op_set_timer: {
        const auto first = r.get<ts_ns>();
        const auto every = r.get<ts_ns>();
        w.put(p.set_timer(first, every));
        break;
      }
      case op_cancel_timer: w.put(static_cast<std::uint8_t>(p.cancel_timer(r.get<std::int64_t>()) ? 1 : 0)); break;
      case op_cal_timer: {
        const auto k = r.get<std::int32_t>();
        if (k < 1 || k > 3) throw bad_frame("an unknown calendar kind");
        w.put(p.set_calendar_timer(static_cast<calendar_kind>(k)));
        break;
      }
      case op_random: w.put(p.random()); break;
      case op_risk: {
        const market::risk_status& st = p.risk();
        w.put(static_cast<std::uint8_t>(st.state));
        w.put(st.since), w.put(st.until);
        w.str(or_empty(st.reason));
        w.put(static_cast<std::uint8_t>(st.reason ? 1 : 0));
        w.put(st.equity), w.put(st.peak_equity), w.put(st.drawdown), w.put(st.window_loss);
        w.put(st.trip_equity), w.put(st.trips);
        break;
      }
      default: throw bad_frame("an unknown request");
    }
    (void)topics;
    // Whether events wait for it now (its own order's accepted event): the agent then asks for
    // them rather than trusting the end of the batch its turn came with.
    w.put(static_cast<std::uint8_t>(
        p.has_events() || (s.mailbox() != nullptr && s.mailbox()->pending()) ? 1 : 0));
    send(to, w);
  }
};

agent_server::agent_server(options opts, std::vector<std::string> agent_names)
    : p_(std::make_unique<impl>(std::move(opts), std::move(agent_names))) {}
agent_server::~agent_server() = default;

std::string agent_server::endpoint() const { return p_->sock.endpoint(); }

void agent_server::accept(const std::vector<std::string>& remote,
                          const std::vector<std::string>& symbols, std::size_t capacity,
                          std::chrono::milliseconds wait) {
  impl& p = *p_;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto missing = [&] {
    std::string out;
    for (const auto& name : remote) {
      const auto idx = static_cast<std::size_t>(
          std::find(p.names.begin(), p.names.end(), name) - p.names.begin());
      if (idx < p.ids.size() && p.ids[idx].empty()) out += (out.empty() ? "" : ", ") + name;
    }
    return out;
  };
  for (const auto& name : remote) {
    if (std::find(p.names.begin(), p.names.end(), name) == p.names.end()) {
      throw std::runtime_error("--remote " + name + ": the bundle has no agent of that name");
    }
  }
  p.remote = remote;
  p.symbols = symbols;
  p.capacity = capacity;
  while (!missing().empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw std::runtime_error("agents " + missing() + " did not join " + endpoint() + " within " +
                               std::to_string(wait.count()) +
                               " ms (start them with: ntrun agent BUNDLE --only NAME --connect " +
                               endpoint() + ")");
    }
    const auto req = p.sock.receive(left);
    if (!req) continue;
    try {
      reader r(req->payload);
      if (r.op() == op_hello) p.hello(std::string(req->identity), r);
    } catch (const bad_frame&) {
      // not an agent: ignored
    }
  }
  p.started = true;
}

std::vector<std::uint32_t> agent_server::take_rejoined() {
  std::vector<std::uint32_t> out;
  out.swap(p_->rejoined);
  return out;
}

void agent_server::drop(std::uint32_t id) {
  if (id == 0 || id > p_->ids.size() || p_->ids[id - 1].empty()) return;
  // It may still be alive (an error in its callbacks): tell it to go.
  p_->send(p_->ids[id - 1], writer(op_end));
  p_->ids[id - 1].clear();
}

turn_result agent_server::turn(std::uint32_t id, turn_kind kind, session& s) {
  impl& p = *p_;
  const std::string& who = p.ids[id - 1];
  const std::string& name = p.names[id - 1];
  if (who.empty()) return {.kind = 0, .error = name + ": the agent's process is not connected"};
  // A run turn comes with the agent's events up to its yield (or end, or a control event):
  // one frame instead of a request per event.
  writer t(op_turn);
  t.put(static_cast<std::uint16_t>(kind));
  if (kind == turn_kind::run) {
    std::vector<std::byte> events;
    std::uint32_t n = 0;
    writer batch(0);
    for (;;) {
      const event_kind k = impl::put_event(batch, s);
      ++n;
      if (k == event_kind::yield || k == event_kind::end || k == event_kind::control) break;
    }
    t.put(n);
    t.raw().insert(t.raw().end(), batch.raw().begin() + 8, batch.raw().end());
  } else {
    t.put(std::uint32_t{0});
  }
  p.send(who, t);
  std::vector<std::string> topics;
  // Silence is counted from the agent's last frame: frames of other processes (a new
  // process asking to take its place) do not extend it.
  auto deadline = std::chrono::steady_clock::now() + p.opts.timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const auto req = left.count() > 0 ? p.sock.receive(left) : std::nullopt;
    if (!req) {
      p.ids[id - 1].clear();
      return {.kind = 0,
              .error = name + ": stopped: its process sent nothing for " +
                       std::to_string(p.opts.timeout.count()) +
                       " ms during its turn (it died, or hangs; --agent-timeout)"};
    }
    if (req->identity != who) {
      // Another process: a hello is an agent (re)joining; anything else is ignored.
      try {
        reader r(req->payload);
        if (r.op() == op_hello) p.hello(std::string(req->identity), r);
      } catch (const bad_frame&) {
      }
      continue;
    }
    deadline = std::chrono::steady_clock::now() + p.opts.timeout;
    try {
      reader r(req->payload);
      if (r.op() == op_done) {
        turn_result res;
        res.kind = r.get<std::int32_t>();
        if (r.flag()) res.error = r.str();
        const std::uint32_t n = r.count();
        for (std::uint32_t i = 0; i < n; ++i) {
          const std::string topic = r.str();
          const auto env = r.bytes();
          if (s.mailbox() && !s.mailbox()->post(env, topic)) {
            res.error = name + ": a message storm (more than " +
                        std::to_string(mailbox::max_outbox) + " messages in one turn)";
            break;
          }
        }
        return res;
      }
      p.serve(who, r, s, topics);
    } catch (const std::exception& e) {
      // A frame that does not parse, or an engine call that threw: the agent is stopped.
      writer w(op_failed);
      w.str(e.what());
      p.send(who, w);
      p.ids[id - 1].clear();
      return {.kind = 0, .error = name + ": stopped: a bad request from its process (" + e.what() + ")"};
    }
  }
}

void agent_server::close_all() {
  for (auto& id : p_->ids) {
    if (id.empty()) continue;
    p_->send(id, writer(op_end));
    id.clear();
  }
}

// ---------------------------------------------------------------------------------------
// The agent process's side.

remote_port::remote_port(options opts) : opts_(std::move(opts)), limits_(opts_.limits) {
  sock_ = std::make_unique<tr::dealer>(tr::socket_options{
      .endpoint = opts_.endpoint, .bind = false, .send_timeout = std::chrono::milliseconds(5000),
      .linger = std::chrono::milliseconds(250), .curve = opts_.curve});
}
remote_port::~remote_port() = default;

void remote_port::join(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  writer w(op_hello);
  w.str(opts_.agent);
  (void)sock_->send(w.frame());
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const auto f = sock_->receive(std::max(left, std::chrono::milliseconds(1)));
    if (!f) break;
    reader r(*f);
    if (r.op() == op_refused) {
      const std::string why = r.str();
      // The run still holds this agent's lost process (its timeout has not run out): ask
      // again until it lets go, within the wait.
      if (why.find("has joined already") != std::string::npos &&
          std::chrono::steady_clock::now() + std::chrono::milliseconds(500) < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        (void)sock_->send(w.frame());
        continue;
      }
      throw std::runtime_error("the run refused this agent: " + why);
    }
    if (r.op() != op_welcome) throw std::runtime_error("the run answered with an unexpected frame");
    welcome(r);
    return;
  }
  throw std::runtime_error("no run answered at " + opts_.endpoint + " within " +
                           std::to_string(wait.count()) +
                           " ms (is `ntrun run ... --serve` running there, with --remote " +
                           opts_.agent + "? are the CURVE keys right?)");
}

void remote_port::welcome(reader_base& rb) {
  auto& r = static_cast<reader&>(rb);
  id_ = r.get<std::uint32_t>();
  capacity_ = static_cast<std::size_t>(r.get<std::uint64_t>());
  const std::uint32_t n = r.count();
  names_.assign(1, "host");
  for (std::uint32_t i = 0; i < n; ++i) names_.push_back(r.str());
  const std::uint32_t ns = r.count();
  for (std::uint32_t i = 0; i < ns; ++i) symbols_.push_back(r.str());
}

std::optional<turn_kind> remote_port::wait_turn(std::string* why) {
  const auto f = sock_->receive(opts_.timeout);
  if (!f) {
    if (why) *why = "the run at " + opts_.endpoint + " sent nothing for " + std::to_string(opts_.timeout.count()) + " ms";
    return std::nullopt;
  }
  reader r(*f);
  if (r.op() == op_end) return std::nullopt;
  if (r.op() == op_failed) {
    if (why) *why = "the run stopped this agent: " + r.str();
    return std::nullopt;
  }
  if (r.op() != op_turn) throw std::runtime_error("the run sent an unexpected frame between turns");
  const auto k = r.get<std::uint16_t>();
  if (k < 1 || k > 3) throw std::runtime_error("the run asked for an unknown turn");
  const std::uint32_t n = r.count();
  batch_.clear();
  batch_at_ = 0;
  for (std::uint32_t i = 0; i < n; ++i) read_event(r, batch_.emplace_back());
  return static_cast<turn_kind>(k);
}

void remote_port::done(int kind, const std::optional<std::string>& error, mailbox& box) {
  writer w(op_done);
  w.put(static_cast<std::int32_t>(kind));
  w.put(static_cast<std::uint8_t>(error ? 1 : 0));
  if (error) w.str(*error);
  auto& out = box.outbox();
  w.put(static_cast<std::uint32_t>(out.size()));
  for (const auto& o : out) {
    w.str(o.topic);
    w.bytes(o.view());
  }
  box.clear_outbox();
  (void)sock_->send(w.frame());
}

std::vector<std::byte> remote_port::call(std::uint16_t o, const std::vector<std::byte>& args) const {
  writer w(o);
  w.raw().insert(w.raw().end(), args.begin(), args.end());
  if (sock_->send(w.frame()) != tr::send_result::sent) {
    throw ntrun::error(ntrun::status::internal, "the run does not take this agent's requests");
  }
  const auto f = sock_->receive(opts_.timeout);
  if (!f) throw ntrun::error(ntrun::status::internal, "the run went silent during this agent's turn");
  std::vector<std::byte> reply(f->begin(), f->end());
  reader r(reply);
  if (r.op() == op_failed) throw ntrun::error(ntrun::status::internal, "the run refused a request: " + r.str());
  if (r.op() != op_reply) throw ntrun::error(ntrun::status::internal, "the run answered with an unexpected frame");
  // Events came for it during the call (its order's accepted event): the end of the turn's
  // batch (a yield) no longer holds; the next next() asks the run.
  if (o != op_next && !reply.empty() && reply.back() == std::byte{1} && batch_at_ < batch_.size()) {
    const auto last = static_cast<event_kind>(batch_.back().slot.kind);
    if (last == event_kind::yield || last == event_kind::end) batch_.pop_back();
  }
  return reply;
}

namespace {
/// Arguments as bytes (the writer's header is dropped: call() adds its own).
class args {
 public:
  template <class T>
  args& put(T v) {
    w_.put(v);
    return *this;
  }
  [[nodiscard]] std::vector<std::byte> take() {
    auto& r = w_.raw();
    return {r.begin() + 8, r.end()};
  }
  writer& w() { return w_; }

 private:
  writer w_{0};
};
}  // namespace

const char* remote_port::intern(const std::string& s) const { return strings_.insert(s).first->c_str(); }

event_kind remote_port::next(event_slot& out) {
  if (batch_at_ < batch_.size()) {
    out = batch_[batch_at_++].slot;
    const auto& m = batch_[batch_at_ - 1];
    if (out.kind == static_cast<std::int32_t>(event_kind::message)) {
      message_ = m.bytes;
      out.message.data = reinterpret_cast<const unsigned char*>(message_.data());
    }
    now_ = m.now;
    return static_cast<event_kind>(out.kind);
  }
  const auto reply = call(op_next, {});
  reader r(reply);
  batch_.clear();
  batch_at_ = 0;
  read_event(r, batch_.emplace_back());
  return next(out);
}

void remote_port::read_event(reader_base& rb, queued& q) {
  auto& r = static_cast<reader&>(rb);
  event_slot& out = q.slot;
  const auto k = r.get<std::int32_t>();
  q.now = r.get<ts_ns>();
  out.kind = k;
  switch (static_cast<event_kind>(k)) {
    case event_kind::bar: out.bar = r.get<ntrun::bar>(); break;
    case event_kind::filled: case event_kind::rejected: case event_kind::canceled:
    case event_kind::expired: case event_kind::accepted: case event_kind::modified: {
      out.order = r.get<order_event_view>();
      const bool has = r.flag();
      const std::string reason = r.str();
      out.order.reason = has ? intern(reason) : nullptr;
      break;
    }
    case event_kind::timer: out.timer = r.get<timer_event_view>(); break;
    case event_kind::risk: {
      out.risk = r.get<risk_event_view>();
      const bool has = r.flag();
      const std::string reason = r.str();
      out.risk.reason = has ? intern(reason) : nullptr;
      break;
    }
    case event_kind::message: {
      const auto ts_event = r.get<ts_ns>();
      const auto ts_init = r.get<ts_ns>();
      const auto b = r.bytes();
      const std::string topic = r.str();
      q.bytes.assign((b.size() + 7) / 8, 0);
      if (!b.empty()) std::memcpy(q.bytes.data(), b.data(), b.size());
      auto it = std::find(topics_.begin(), topics_.end(), topic);
      if (it == topics_.end()) it = topics_.insert(topics_.end(), topic);
      out.message = message_event_view{.ts_event = ts_event,
                                       .ts_init = ts_init,
                                       .data = nullptr,
                                       .len = static_cast<std::int64_t>(b.size()),
                                       .channel = it - topics_.begin()};
      break;
    }
    case event_kind::control: out.control = r.get<control_event_view>(); break;
    case event_kind::yield: case event_kind::end: break;
    default: throw ntrun::error(ntrun::status::internal, "the run sent an unknown event kind");
  }
}

std::span<const double> remote_port::history(symbol_id sid, bar_field field, std::size_t n) const {
  args a;
  a.put(sid).put(static_cast<std::int32_t>(field)).put(static_cast<std::uint64_t>(n));
  const auto reply = call(op_history, a.take());
  reader r(reply);
  const auto got = r.get<std::uint64_t>();
  if (got > capacity_) throw ntrun::error(ntrun::status::internal, "a history reply too long");
  auto& buf = history_[static_cast<std::uint64_t>(sid) * 8 + static_cast<std::uint64_t>(field)];
  if (buf.capacity() < capacity_) buf.reserve(capacity_);  // views stay where they are
  buf.resize(static_cast<std::size_t>(got));
  for (auto& v : buf) v = r.get<double>();
  return {buf.data(), buf.size()};
}

submit_result remote_port::submit(const market::order_request& req) {
  args a;
  put_request(a.w(), req);
  const auto reply = call(op_submit, a.take());
  reader r(reply);
  submit_result res;
  res.id = r.get<order_id>();
  const bool has = r.flag();
  const std::string reason = r.str();
  res.reason = has ? intern(reason) : nullptr;
  return res;
}

submit_result remote_port::submit_list(std::span<market::order_request> reqs,
                                       std::span<const market::list_link> links,
                                       std::span<order_id> ids) {
  args a;
  a.put(static_cast<std::uint32_t>(reqs.size()));
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    put_request(a.w(), reqs[i]);
    a.put(links[i].parent).put(links[i].oco);
  }
  const auto reply = call(op_submit_list, a.take());
  reader r(reply);
  submit_result res;
  res.id = r.get<order_id>();
  const bool has = r.flag();
  const std::string reason = r.str();
  res.reason = has ? intern(reason) : nullptr;
  for (auto& id : ids) id = r.get<order_id>();
  return res;
}

bool remote_port::cancel(order_id id) {
  const auto reply = call(op_cancel, args().put(id).take());
  reader r(reply);
  return r.flag();
}

bool remote_port::modify(order_id id, double quantity, double limit_price, double stop_price) {
  const auto reply = call(op_modify, args().put(id).put(quantity).put(limit_price).put(stop_price).take());
  reader r(reply);
  return r.flag();
}

const market::order* remote_port::find_order(order_id id) const {
  const auto reply = call(op_find, args().put(id).take());
  reader r(reply);
  if (!r.flag()) return nullptr;
  market::order o;
  o.id = r.get<order_id>();
  o.request = get_request(r);
  o.status = r.enum_at_most<order_status>(6);
  o.filled_qty = r.get<double>(), o.avg_fill_price = r.get<double>();
  o.ts_submitted = r.get<ts_ns>(), o.ts_updated = r.get<ts_ns>();
  o.triggered = r.flag();
  const bool has_day = r.flag();
  const auto day = r.get<std::int64_t>();
  if (has_day) o.session_day = day;
  o.parent = r.get<order_id>(), o.oco_group = r.get<order_id>(), o.oco_last = r.get<order_id>();
  o.children = r.get<std::uint32_t>();
  const bool has_kind = r.flag();
  const std::string kind = r.str();
  o.kind = has_kind ? intern(kind) : nullptr;
  o.active = r.flag();
  return &(orders_[id] = o);
}

std::vector<order_id> remote_port::open_orders() const {
  const auto reply = call(op_open_orders, {});
  reader r(reply);
  std::vector<order_id> out(r.count());
  for (auto& id : out) id = r.get<order_id>();
  return out;
}

position_snapshot remote_port::position(symbol_id sid) const {
  const auto reply = call(op_position, args().put(sid).take());
  reader r(reply);
  return r.get<position_snapshot>();
}

account_snapshot remote_port::account() const {
  const auto reply = call(op_account, {});
  reader r(reply);
  return r.get<account_snapshot>();
}

std::int64_t remote_port::set_timer(ts_ns first, ts_ns interval) {
  const auto reply = call(op_set_timer, args().put(first).put(interval).take());
  reader r(reply);
  return r.get<std::int64_t>();
}

bool remote_port::cancel_timer(std::int64_t id) {
  const auto reply = call(op_cancel_timer, args().put(id).take());
  reader r(reply);
  return r.flag();
}

std::int64_t remote_port::set_calendar_timer(calendar_kind kind) {
  const auto reply = call(op_cal_timer, args().put(static_cast<std::int32_t>(kind)).take());
  reader r(reply);
  return r.get<std::int64_t>();
}

double remote_port::random() noexcept {
  try {
    const auto reply = call(op_random, {});
    reader r(reply);
    return r.get<double>();
  } catch (...) {
    return std::numeric_limits<double>::quiet_NaN();
  }
}

void remote_port::set_limits(const market::check_config&) {
  throw ntrun::error(ntrun::status::state,
                     "an agent in its own process cannot change the run's limits (yet): set them "
                     "in bundle.lua, or run the agent in the run's process");
}

const market::risk_status& remote_port::risk() const noexcept {
  try {
    const auto reply = call(op_risk, {});
    reader r(reply);
    risk_.state = r.enum_at_most<market::risk_state>(2);
    risk_.since = r.get<ts_ns>(), risk_.until = r.get<ts_ns>();
    const std::string reason = r.str();
    risk_.reason = r.flag() ? intern(reason) : nullptr;
    risk_.equity = r.get<double>(), risk_.peak_equity = r.get<double>();
    risk_.drawdown = r.get<double>(), risk_.window_loss = r.get<double>();
    risk_.trip_equity = r.get<double>(), risk_.trips = r.get<std::uint32_t>();
  } catch (...) {
  }
  return risk_;
}

}  // namespace ntrun::agents
