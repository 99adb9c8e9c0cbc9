// The backtest engine (see engine.hpp): simulated clock, event routing, equity sampling.
#include "ntrun/backtest/engine.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "ntrun/constants.h"
#include "ntrun/data/time.hpp"

namespace ntrun::backtest {
namespace {

bool timer_later(const auto& a, const auto& b) noexcept {
  return a.at != b.at ? a.at > b.at : a.id > b.id;
}

event_kind kind_of(market::event_kind k) noexcept {
  switch (k) {
    case market::event_kind::accepted:
      return event_kind::accepted;
    case market::event_kind::rejected:
      return event_kind::rejected;
    case market::event_kind::filled:
    case market::event_kind::partially_filled:
      return event_kind::filled;
    case market::event_kind::canceled:
      return event_kind::canceled;
    case market::event_kind::expired:
      return event_kind::expired;
    case market::event_kind::modified:
      return event_kind::modified;
    case market::event_kind::cancel_rejected:
    case market::event_kind::modify_rejected:
      break;
  }
  return event_kind::yield;  // not delivered: the command's return value tells the strategy
}

market::venue_config with_symbols(market::venue_config v, std::size_t n) {
  v.num_symbols = n;
  return v;
}

/// The parts a backtest needs, from its config, where the caller gave none.
engine_parts complete(const engine_config& cfg, engine_parts p) {
  if (!p.source) throw std::invalid_argument("engine: no event source");
  if (cfg.symbols.empty()) throw std::invalid_argument("engine: no symbols");
  if (!p.clock) p.clock = std::make_unique<simulated_clock>();
  if (!p.execution) {
    p.execution =
        std::make_unique<market::simulated_venue>(with_symbols(cfg.venue, cfg.symbols.size()));
  }
  if (!p.portfolio) {
    p.portfolio = std::make_unique<market::portfolio>(
        market::portfolio_config{.initial_cash = cfg.capital, .num_symbols = cfg.symbols.size()});
  }
  if (!p.checks) {
    p.checks = std::make_unique<market::pre_trade_checks>(cfg.checks, cfg.symbols.size());
  }
  return p;
}

/// ISO weeks (Monday-based) counted from the one holding 1970-01-01, a Thursday: day 0 is
/// three days past a Monday. Floor division, as utc_day.
std::int64_t utc_week(std::int64_t day) noexcept {
  const std::int64_t d = day + 3;
  return d / 7 - (d % 7 < 0 ? 1 : 0);
}

/// UTC months since year 0 of a timestamp (the civil calendar of data/time.hpp).
std::int64_t utc_month(ts_ns t) noexcept {
  const data::civil_time c = data::to_civil(t);
  return static_cast<std::int64_t>(c.year) * 12 + c.month - 1;
}

}  // namespace

/// Strategy i's view of the engine: every command is made in its name.
class engine::port_impl final : public strategy_port {
 public:
  port_impl(engine& e, int i) : e_(e), i_(i) {}
  event_kind next(event_slot& out) override { return e_.next(i_, out); }
  [[nodiscard]] ts_ns now() const noexcept override { return e_.now(); }
  [[nodiscard]] bool has_events() const noexcept override { return !e_.idle(i_); }
  [[nodiscard]] const std::vector<std::string>& symbols() const noexcept override {
    return e_.config().symbols;
  }
  [[nodiscard]] std::span<const double> history(symbol_id sid, bar_field field,
                                                std::size_t n) const override {
    if (sid >= e_.num_symbols() || n > e_.history().capacity()) {
      throw market::market_error("history: unknown symbol or n beyond the history capacity");
    }
    return e_.history().last(sid, field, n);
  }
  [[nodiscard]] std::size_t history_capacity() const noexcept override {
    return e_.history().capacity();
  }
  submit_result submit(const market::order_request& req) override { return e_.submit(i_, req); }
  submit_result submit_list(std::span<market::order_request> reqs,
                            std::span<const market::list_link> links,
                            std::span<order_id> ids) override {
    return e_.submit_list(i_, reqs, links, ids);
  }
  bool cancel(order_id id) override { return e_.cancel(i_, id); }
  bool modify(order_id id, double q, double limit, double stop) override {
    return e_.modify(i_, id, q, limit, stop);
  }
  [[nodiscard]] const market::order* find_order(order_id id) const override {
    const market::order* o = e_.venue().find(id);
    return o && o->request.strategy == i_ ? o : nullptr;  // another strategy's: not found
  }
  [[nodiscard]] std::vector<order_id> open_orders() const override {
    return e_.open_orders(i_);
  }
  [[nodiscard]] position_snapshot position(symbol_id sid) const override {
    return e_.strategy_position(i_, sid);
  }
  [[nodiscard]] account_snapshot account() const override {
    const auto& p = e_.portfolio();
    return {.equity = p.equity(),
            .cash = p.cash(),
            .gross_exposure = p.gross_exposure(),
            .net_exposure = p.net_exposure(),
            .realised_pnl = p.realised_pnl(),
            .commissions = p.total_commission()};
  }
  std::int64_t set_timer(ts_ns first, ts_ns interval) override {
    return e_.set_timer(i_, first, interval);
  }
  bool cancel_timer(std::int64_t id) override { return e_.cancel_timer(i_, id); }
  std::int64_t set_calendar_timer(calendar_kind kind) override {
    return e_.set_calendar_timer(i_, kind);
  }
  double random() noexcept override { return e_.random(i_); }
  [[nodiscard]] const market::check_config& limits() const noexcept override {
    return e_.limits();
  }
  void set_limits(const market::check_config& l) override { e_.set_limits(l); }
  [[nodiscard]] const market::risk_status& risk() const noexcept override { return e_.risk(); }

 private:
  engine& e_;
  int i_;
};

/// Fill-time checks for the venue: reduce-only against the strategy's own position, then the
/// run's position limits against the portfolio, both as they are after the bar's earlier fills.
class engine::guard_impl final : public market::fill_guard {
 public:
  explicit guard_impl(engine& e) : e_(e) {}
  double allow(const market::order& o, double qty, double price, const char** why) override {
    e_.route_pending();
    const market::order_request& r = o.request;
    double allowed = qty;
    if (r.reduce_only) {
      double pos = 0;
      if (r.strategy >= 0 && static_cast<std::size_t>(r.strategy) < e_.strategies_.size()) {
        pos = e_.strategies_[static_cast<std::size_t>(r.strategy)].holdings[r.symbol].qty;
      }
      const double reducible =
          r.side == order_side::sell ? std::max(pos, 0.0) : std::max(-pos, 0.0);
      if (reducible < allowed * (1 - market::qty_epsilon)) {
        allowed = reducible;
        *why = market::reason::reduce_only;
      }
    }
    if (allowed > 0 && e_.checks_->limits_fills()) {
      const char* rule = nullptr;
      const double a = e_.checks_->fill_allowance(r, allowed, price, *e_.portfolio_, &rule);
      if (a < allowed) {
        allowed = a;
        *why = rule;
      }
    }
    return allowed;
  }

 private:
  engine& e_;
};

engine::engine(engine_config cfg, std::unique_ptr<ntrun::event_source> source)
    : engine(std::move(cfg), engine_parts{.source = std::move(source)}) {}

engine::engine(engine_config cfg, engine_parts parts)
    : cfg_(std::move(cfg)),
      history_(cfg_.symbols.size(), cfg_.history_capacity),
      strategies_(static_cast<std::size_t>(std::max(cfg_.num_strategies, 1))) {
  engine_parts p = complete(cfg_, std::move(parts));
  clock_ = std::move(p.clock);
  sim_ = dynamic_cast<simulated_clock*>(clock_.get());
  source_ = std::move(p.source);
  replay_ = dynamic_cast<replay_source*>(source_.get());
  venue_ = std::move(p.execution);
  portfolio_ = std::move(p.portfolio);
  checks_ = std::move(p.checks);
  host_advances_ = strategies_.size() > 1 || cfg_.host_advances;
  for (std::size_t i = 0; i < strategies_.size(); ++i) {
    strategies_[i].rng = rng64(cfg_.seed, static_cast<std::uint32_t>(i));
    strategies_[i].queue.reserve(64);
    strategies_[i].holdings.resize(cfg_.symbols.size());
    strategies_[i].no_bars = i < cfg_.no_bars.size() && cfg_.no_bars[i];
    ports_.push_back(std::make_unique<port_impl>(*this, static_cast<int>(i)));
  }
  scratch_.reserve(64);
  guard_ = std::make_unique<guard_impl>(*this);
  guard_->every_fill = checks_->limits_fills();
  venue_->set_fill_guard(guard_.get());
  record_.initial_capital = portfolio_->initial_cash();
  // A simulated clock starts at the first event (a data error there is raised by next()).
  if (auto ts = peek_source()) clock_->advance_to(*ts);
}

engine::~engine() {
  if (venue_) venue_->set_fill_guard(nullptr);
}

void engine::route_pending() {
  while (routed_ < scratch_.size()) route(scratch_[routed_++]);
}

void engine::push(int strategy, const event_slot& ev) {
  auto& st = strategies_[static_cast<std::size_t>(strategy)];
  if (st.stopped) return;
  st.queue.push_back(ev);
}

void engine::book(int strategy, const market::fill& f) {
  if (strategy < 0 || static_cast<std::size_t>(strategy) >= strategies_.size()) return;
  (void)market::apply_fill(strategies_[static_cast<std::size_t>(strategy)].holdings[f.symbol],
                           f.side, f.quantity, f.price);
}

position_snapshot engine::strategy_position(int strategy, symbol_id sid) const {
  if (strategy < 0 || static_cast<std::size_t>(strategy) >= strategies_.size() ||
      sid >= cfg_.symbols.size()) {
    throw market::market_error("position: unknown strategy or symbol");
  }
  const market::holding& h = strategies_[static_cast<std::size_t>(strategy)].holdings[sid];
  const double last = portfolio_->position(sid).last_price;
  return {.quantity = h.qty,
          .avg_price = h.avg,
          .realised_pnl = h.realised,
          .unrealised_pnl = h.qty != 0 ? h.qty * (last - h.avg) : 0.0,
          .last_price = last};
}

void engine::route(const market::order_event& ev) {
  if (ev.kind == market::event_kind::filled || ev.kind == market::event_kind::partially_filled) {
    portfolio_->apply(ev.fill_info);
    book(ev.strategy, ev.fill_info);
    ++record_.num_fills;
  } else if (ev.kind == market::event_kind::rejected) {
    ++record_.num_rejected;
    const char* why = ev.reason ? ev.reason : "unknown";
    auto it = std::find_if(rejections_.begin(), rejections_.end(), [&](const rejection_count& r) {
      return std::string_view(r.reason) == why;
    });
    if (it == rejections_.end()) it = rejections_.insert(rejections_.end(), {.reason = why});
    ++it->count;
    if (it->first.size() < 3) it->first.push_back(ev.ts_event);
  }
  if (ev.strategy >= 0 && static_cast<std::size_t>(ev.strategy) < strategies_.size()) {
    // Open orders per strategy (the cap on resting orders): accepted opens, final closes.
    auto& open = strategies_[static_cast<std::size_t>(ev.strategy)].open_orders;
    if (ev.kind == market::event_kind::accepted) {
      ++open;
    } else if (open > 0 && (ev.kind == market::event_kind::filled ||
                            ev.kind == market::event_kind::canceled ||
                            ev.kind == market::event_kind::expired)) {
      --open;
    }
  }
  const event_kind kind = kind_of(ev.kind);
  if (kind == event_kind::yield) return;
  event_slot s{};
  s.kind = static_cast<std::int32_t>(kind);
  const bool is_fill = kind == event_kind::filled;
  const market::order* o = ev.id ? venue_->find(ev.id) : nullptr;
  s.order = order_event_view{
      .ts_event = ev.ts_event,
      .ts_init = ev.ts_init,
      .order_id = ev.id,
      .tag = ev.tag,
      .sid = ev.symbol,
      .side = static_cast<std::int32_t>(ev.side),
      .type = static_cast<std::int32_t>(o ? o->request.type : ev.type),
      .status = static_cast<std::int32_t>(ev.status),
      // A rejection has no order record: it carries what was asked.
      .quantity = is_fill ? ev.fill_info.quantity : (o ? o->request.quantity : ev.remaining_qty),
      .price = is_fill ? ev.fill_info.price : std::nan(""),
      .commission = is_fill ? ev.fill_info.commission : 0.0,
      .filled_qty = ev.filled_qty,
      .remaining = ev.remaining_qty,
      .reason = ev.reason,
      // After this fill only: ctx:position() already counts every fill of the bar.
      .position = is_fill && ev.strategy >= 0 &&
                          static_cast<std::size_t>(ev.strategy) < strategies_.size()
                      ? strategies_[static_cast<std::size_t>(ev.strategy)].holdings[ev.symbol].qty
                      : 0.0,
  };
  if (ev.strategy >= 0 && static_cast<std::size_t>(ev.strategy) < strategies_.size()) {
    push(ev.strategy, s);
  }
}

bool engine::fire_timers(ts_ns upto) {
  bool fired = false;
  while (!timers_.empty() && timers_.front().at <= upto) {
    std::pop_heap(timers_.begin(), timers_.end(),
                  [](auto& a, auto& b) { return timer_later(a, b); });
    timer t = timers_.back();
    timers_.pop_back();
    clock_->advance_to(t.at);
    event_slot s{};
    s.kind = static_cast<std::int32_t>(event_kind::timer);
    s.timer = {.ts_event = t.at, .ts_init = now(), .id = t.id};
    push(t.strategy, s);
    fired = true;
    if (t.interval > 0) {
      t.at += t.interval;
      timers_.push_back(t);
      std::push_heap(timers_.begin(), timers_.end(),
                     [](auto& a, auto& b) { return timer_later(a, b); });
    } else {
      drop_timer(t.strategy);  // a one-shot timer is done
    }
  }
  return fired;
}

std::optional<ts_ns> engine::peek_source() {
  if (source_error_) return std::nullopt;
  try {
    return source_->peek_ts();
  } catch (...) {
    // A bad data row: the bars before it are still delivered, then next() raises it.
    source_error_ = std::current_exception();
    return std::nullopt;
  }
}

bool engine::poll_source(ts_ns deadline, bar& out) {
  if (source_error_) return false;
  try {
    if (replay_) {
      // A replay's next event is known: take it while it is due (poll() without the copy).
      const std::optional<ts_ns> t = replay_->peek_ts();
      return t && *t <= deadline && replay_->next(out);
    }
    const std::optional<bar> b = source_->poll(deadline);
    if (b) out = *b;
    return b.has_value();
  } catch (...) {
    source_error_ = std::current_exception();
    return false;
  }
}

bool engine::advance() {
  if (finished_) return false;
  if (!clock_->simulated()) return advance_live();
  const std::optional<ts_ns> next_ts = peek_source();
  if (!next_ts) {
    finished_ = true;
    return false;
  }
  const ts_ns t = *next_ts;
  // Timers due before or at the next bar fire first (they see the state before that bar).
  if (!timers_.empty() && timers_.front().at <= t) {
    fire_timers(timers_.front().at);
    const market::risk_state was = checks_->risk().state;
    if (checks_->on_time(now())) risk_changed(was);
    return true;
  }
  clock_->advance_to(t);
  process_bars(t);
  return true;
}

bool engine::advance_live() {
  // The wall clock moves by itself: fire the timers due by now, then take every bar that
  // has arrived by now. A source that will never deliver again ends the run.
  const ts_ns t = now();
  if (!timers_.empty() && timers_.front().at <= t) {
    fire_timers(t);
    const market::risk_state was = checks_->risk().state;
    if (checks_->on_time(t)) risk_changed(was);
  }
  if (process_bars(t) == 0 && !source_error_ && source_->exhausted()) {
    finished_ = true;
    return false;
  }
  return true;
}

std::size_t engine::process_bars(ts_ns deadline) {
  // Match every bar up to the deadline before any strategy sees one of them: an order placed
  // on a bar at t is only eligible from the next timestamp on (no look-ahead).
  std::size_t n = 0;
  bar b;
  while (poll_source(deadline, b)) {
    ++bars_;
    ++n;
    scratch_.clear();
    routed_ = 0;
    venue_->on_bar(b, scratch_);
    route_pending();
    portfolio_->mark(b.sid, b.close);
    checks_->on_close(b.sid, b.close);
    history_.push(b);
    for (strategy_state& st : strategies_) {
      if (st.stopped || st.no_bars) continue;
      ++st.pending_bars;
      event_slot& q = st.queue.emplace_back();  // the bar's one copy into the queue
      q.kind = static_cast<std::int32_t>(event_kind::bar);
      q.bar = b;
    }
  }
  if (n == 0) return 0;
  record_equity();
  // The breaker follows every equity point, so it trips between orders too.
  const market::risk_state was = checks_->risk().state;
  if (checks_->on_equity(now(), portfolio_->equity())) risk_changed(was);
  if (!calendar_.empty()) fire_calendar(now());
  return n;
}

void engine::risk_changed(market::risk_state previous) {
  const market::risk_status& r = checks_->risk();
  if (r.state == market::risk_state::halted) trips_.push_back({.ts = now(), .reason = r.reason});
  if (!cfg_.risk_events) return;
  event_slot s{};
  s.kind = static_cast<std::int32_t>(event_kind::risk);
  s.risk = risk_event_view{.ts_event = now(),
                           .ts_init = now(),
                           .state = static_cast<std::int32_t>(r.state),
                           .previous = static_cast<std::int32_t>(previous),
                           .reason = r.reason};
  for (std::size_t i = 0; i < strategies_.size(); ++i) push(static_cast<int>(i), s);
}

void engine::set_limits(const market::check_config& limits) {
  const bool refill = market::pre_trade_checks::restarts_returns(checks_->config(), limits);
  const market::risk_state was = checks_->risk().state;
  checks_->reconfigure(limits);
  cfg_.checks = checks_->config();
  guard_->every_fill = checks_->limits_fills();
  if (checks_->risk().state != was) risk_changed(was);  // the breaker was turned off
  if (!refill) return;
  // w + 1 closes give w returns; the history may hold fewer.
  const std::size_t n = std::min<std::size_t>(cfg_.checks.var.window + 1, history_.capacity());
  for (std::size_t s = 0; s < cfg_.symbols.size(); ++s) {
    const auto sid = static_cast<symbol_id>(s);
    checks_->reset_closes(sid, history_.last(sid, bar_field::close, n));
  }
}

void engine::record_equity() {
  const equity_point p{.ts = now(),
                       .equity = portfolio_->equity(),
                       .cash = portfolio_->cash(),
                       .gross_exposure = portfolio_->gross_exposure(),
                       .net_exposure = portfolio_->net_exposure()};
  // Keep the last point of each UTC day: memory grows per day, not per bar.
  if (p.equity < min_equity_) {
    min_equity_ = p.equity;
    if (p.equity < 0 && !negative_since_) negative_since_ = p.ts;
  }
  if (p.cash < 0) note_negative_cash(p);
  const std::int64_t day = utc_day(p.ts);
  if (pending_point_ && pending_day_ != day) record_.equity.push_back(*pending_point_);
  pending_point_ = p;
  pending_day_ = day;
}

event_kind engine::next(int strategy, event_slot& out) {
  auto& st = strategies_[static_cast<std::size_t>(strategy)];
  for (;;) {
    if (st.head < st.queue.size()) {
      // A bar is copied once into the session's slot, not the whole union.
      const event_slot& q = st.queue[st.head++];
      if (q.kind == static_cast<std::int32_t>(event_kind::bar)) {
        out.kind = q.kind;
        out.bar = q.bar;
        // Every bar of the timestamp was queued together: the last one says so, so a strategy
        // knows it has seen them all (on_timestamp; multi-asset rebalancing).
        if (--st.pending_bars == 0) out.bar.flags |= bar_last_of_time;
      } else {
        out = q;
      }
      if (st.head == st.queue.size()) {
        st.queue.clear();
        st.head = 0;
        // After a burst (an order storm stopped at the cap) the memory goes back.
        if (st.queue.capacity() > 65536) st.queue.shrink_to_fit();
      }
      return static_cast<event_kind>(out.kind);
    }
    if (finished_) break;
    if (host_advances_) {
      out.kind = static_cast<std::int32_t>(event_kind::yield);
      return event_kind::yield;
    }
    if (!advance()) break;
    if (!clock_->simulated() && st.head >= st.queue.size()) {
      // Live: nothing has arrived yet. The host gets its turn (and waits for data) rather
      // than this loop spinning.
      out.kind = static_cast<std::int32_t>(event_kind::yield);
      return event_kind::yield;
    }
  }
  out.kind = static_cast<std::int32_t>(event_kind::end);
  if (source_error_) std::rethrow_exception(std::exchange(source_error_, nullptr));
  return event_kind::end;
}

void engine::finish() {
  if (closed_) return;
  closed_ = true;
  finished_ = true;
  // Events still queued (e.g. fills on the last bar) were never delivered; the portfolio
  // already holds them. Record the final state.
  if (pending_point_) record_.equity.push_back(*pending_point_);  // none when no bar was seen
  record_.trades = portfolio_->closed_trades();
  record_.commissions = portfolio_->total_commission();
  record_.traded_notional = portfolio_->traded_notional();
}

std::size_t engine::room_for_orders(int strategy) const noexcept {
  const std::size_t open = strategies_[static_cast<std::size_t>(strategy)].open_orders;
  const auto cap = static_cast<std::size_t>(NTRUN_K_MAX_OPEN_ORDERS);
  return open < cap ? cap - open : 0;
}

const char* engine::pre_check(const market::order_request& req) {
  const auto last = history_.last(req.symbol, bar_field::close, 1);
  const double ref =
      market::pre_trade_checks::reference_price(req, last.empty() ? std::nan("") : last.front());
  return checks_->check(req, *portfolio_, ref, now());
}

submit_result engine::submit(int strategy, market::order_request req) {
  check_queue(strategy);
  req.strategy = strategy;
  ++record_.num_orders;
  scratch_.clear();
  routed_ = 0;
  order_id id = 0;
  // The venue validates the request itself first (quantity, prices, symbol), so the
  // checks only see well-formed orders.
  const char* why = market::validate_request(req, cfg_.symbols.size());
  if (!why && room_for_orders(strategy) < 1) why = market::reason::max_open_orders;
  if (!why) why = req.reduce_only ? checks_->admit_rate(now()) : pre_check(req);
  if (why) {
    scratch_.push_back(market::make_rejection(req, now(), why));
  } else {
    id = venue_->submit(req, now(), scratch_);
  }
  const char* reason = nullptr;
  for (const auto& ev : scratch_) {
    if (ev.kind == market::event_kind::rejected) reason = ev.reason;
  }
  route_pending();
  return {.id = id, .reason = reason};
}

submit_result engine::submit_list(int strategy, std::span<market::order_request> reqs,
                                  std::span<const market::list_link> links,
                                  std::span<order_id> ids) {
  if (links.size() != reqs.size() || ids.size() != reqs.size()) {
    throw std::invalid_argument("engine: submit_list needs one link and one id per order");
  }
  check_queue(strategy);
  record_.num_orders += static_cast<std::int64_t>(reqs.size());
  scratch_.clear();
  routed_ = 0;
  for (auto& r : reqs) r.strategy = strategy;
  std::size_t bad = reqs.size();
  const char* why = nullptr;
  if (room_for_orders(strategy) < reqs.size()) {
    why = market::reason::max_open_orders;
    bad = 0;
  }
  for (std::size_t i = 0; i < reqs.size() && !why; ++i) {
    why = market::validate_request(reqs[i], cfg_.symbols.size());
    if (!why) {
      why = links[i].parent == 0 && !reqs[i].reduce_only ? pre_check(reqs[i])
                                                         : checks_->admit_rate(now());
    }
    if (why) bad = i;
  }
  bool ok = false;
  if (why) {
    std::fill(ids.begin(), ids.end(), order_id{0});
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      scratch_.push_back(market::make_rejection(
          reqs[i], now(), i == bad ? why : market::reason::linked_order_rejected));
    }
  } else {
    ok = venue_->submit_list(reqs, links, now(), scratch_, ids);
  }
  const char* reason = nullptr;
  for (const auto& ev : scratch_) {
    if (ev.kind == market::event_kind::rejected &&
        // By value: a string literal may have another address in another translation unit.
        (reason == nullptr ||
         std::string_view(reason) == market::reason::linked_order_rejected)) {
      reason = ev.reason;
    }
  }
  route_pending();
  return {.id = ok && !ids.empty() ? ids[0] : 0, .reason = reason};
}

bool engine::cancel(int strategy, order_id id) {
  const market::order* o = venue_->find(id);
  if (!o || o->request.strategy != strategy) return false;
  check_queue(strategy);
  scratch_.clear();
  routed_ = 0;
  const bool ok = venue_->cancel(id, now(), scratch_);
  route_pending();
  return ok;
}

bool engine::modify(int strategy, order_id id, double quantity, double limit_price,
                    double stop_price) {
  const market::order* o = venue_->find(id);
  if (!o || o->request.strategy != strategy) return false;
  check_queue(strategy);
  scratch_.clear();
  routed_ = 0;
  const bool ok = venue_->modify(id, quantity, limit_price, stop_price, now(), scratch_);
  route_pending();
  return ok;
}

void engine::cancel_all(int strategy) {
  scratch_.clear();
  routed_ = 0;
  venue_->cancel_all(strategy, now(), scratch_);
  route_pending();
}

void engine::stop_strategy(int strategy) {
  cancel_all(strategy);
  auto& st = strategies_[static_cast<std::size_t>(strategy)];
  st.stopped = true;
  st.queue.clear();
  st.head = 0;
  st.pending_bars = 0;
  st.timers = 0;
  std::erase_if(timers_, [&](const timer& t) { return t.strategy == strategy; });
  std::erase_if(calendar_, [&](const calendar_timer& c) { return c.strategy == strategy; });
  std::make_heap(timers_.begin(), timers_.end(),
                 [](auto& a, auto& b) { return timer_later(a, b); });
}

std::vector<order_id> engine::open_orders(int strategy) const {
  std::vector<order_id> ids;
  for (const market::order& o : venue_->open_orders()) {
    if (o.request.strategy == strategy) ids.push_back(o.id);
  }
  return ids;
}

void engine::check_queue(int strategy) const {
  const auto& st = strategies_[static_cast<std::size_t>(strategy)];
  if (st.queue.size() - st.head >= static_cast<std::size_t>(NTRUN_K_MAX_QUEUED_EVENTS)) {
    throw ntrun::error(status::invalid,
                       std::to_string(st.queue.size() - st.head) +
                           " events wait for this strategy, the most one callback may queue: "
                           "an order storm (orders placed, changed or canceled in a loop?)");
  }
}

void engine::take_timer(int strategy) {
  auto& st = strategies_[static_cast<std::size_t>(strategy)];
  if (st.timers >= static_cast<std::size_t>(NTRUN_K_MAX_TIMERS)) {
    throw ntrun::error(status::invalid,
                       "this strategy holds " + std::to_string(st.timers) +
                           " timers, the most one strategy may hold; cancel some "
                           "(ctx:cancel_timer) or use one repeating timer");
  }
  ++st.timers;
}

void engine::drop_timer(int strategy) noexcept {
  auto& st = strategies_[static_cast<std::size_t>(strategy)];
  if (st.timers > 0) --st.timers;
}

std::int64_t engine::set_timer(int strategy, ts_ns first, ts_ns interval) {
  if (interval < 0) return 0;
  constexpr auto min_interval = static_cast<ts_ns>(NTRUN_K_MIN_TIMER_INTERVAL * 1e9);
  if (interval > 0 && interval < min_interval) {
    throw ntrun::error(status::invalid,
                       "a timer repeating every " + std::to_string(interval) +
                           " ns floods the event queue: the shortest interval is " +
                           std::to_string(min_interval) + " ns (0.001 s)");
  }
  take_timer(strategy);
  const std::int64_t id = next_timer_id_++;
  timers_.push_back(
      {.at = std::max(first, now()), .interval = interval, .id = id, .strategy = strategy});
  std::push_heap(timers_.begin(), timers_.end(),
                 [](auto& a, auto& b) { return timer_later(a, b); });
  return id;
}

bool engine::cancel_timer(int strategy, std::int64_t id) {
  if (std::erase_if(calendar_, [&](const calendar_timer& c) {
        return c.id == id && c.strategy == strategy;
      }) > 0) {
    drop_timer(strategy);
    return true;
  }
  auto it = std::find_if(timers_.begin(), timers_.end(),
                         [&](const timer& t) { return t.id == id && t.strategy == strategy; });
  if (it == timers_.end()) return false;
  timers_.erase(it);
  drop_timer(strategy);
  std::make_heap(timers_.begin(), timers_.end(),
                 [](auto& a, auto& b) { return timer_later(a, b); });
  return true;
}

// ---- cash below zero without margin ----

void engine::note_negative_cash(const equity_point& p) {
  // A margin account (max_leverage > 1) borrows on purpose; a cash account should not.
  const double lev = checks_->config().max_leverage;
  if (lev > 1) return;
  if (!negative_cash_) {
    negative_cash_ = cash_shortfall{.since = p.ts, .max_leverage = lev, .min_cash = p.cash};
  } else if (p.cash < negative_cash_->min_cash) {
    negative_cash_->min_cash = p.cash;
  }
}

// ---- calendar timers ----

std::int64_t engine::set_calendar_timer(int strategy, calendar_kind kind) {
  switch (kind) {
    case calendar_kind::month_start:
    case calendar_kind::week_start:
    case calendar_kind::session_close:
      break;
    default:
      throw market::market_error("calendar timer: unknown kind " +
                                 std::to_string(static_cast<int>(kind)));
  }
  if (!clock_->simulated()) {
    // session_close needs the next timestamp, which a live feed does not know yet.
    throw ntrun::error(status::state, "calendar timers need a simulated clock (a replay)");
  }
  // The previous timestamp is only followed while a calendar timer exists: take it from the
  // last equity point (one per timestamp with bars) when this is the first.
  if (calendar_.empty()) {
    calendar_prev_ = pending_point_ ? std::optional<ts_ns>(pending_point_->ts) : std::nullopt;
  }
  take_timer(strategy);
  const std::int64_t id = next_timer_id_++;
  calendar_.push_back({.id = id, .strategy = strategy, .kind = kind});
  return id;
}

void engine::fire_calendar(ts_ns t) {
  // t starts a month or an ISO week when the previous timestamp with bars lies in another one
  // (or there is none: the run's first); it closes its UTC day when the source's next
  // timestamp lies on a later day (or there is none).
  const std::int64_t day = utc_day(t);
  const bool first = !calendar_prev_;
  const bool month_start = first || utc_month(*calendar_prev_) != utc_month(t);
  const bool week_start = first || utc_week(utc_day(*calendar_prev_)) != utc_week(day);
  const std::optional<ts_ns> next = peek_source();
  const bool session_close = !next || utc_day(*next) != day;
  calendar_prev_ = t;
  event_slot s{};
  s.kind = static_cast<std::int32_t>(event_kind::timer);
  s.timer = {.ts_event = t, .ts_init = now(), .id = 0};
  for (const calendar_timer& c : calendar_) {
    const bool due = (c.kind == calendar_kind::month_start && month_start) ||
                     (c.kind == calendar_kind::week_start && week_start) ||
                     (c.kind == calendar_kind::session_close && session_close);
    if (!due) continue;
    s.timer.id = c.id;
    push(c.strategy, s);
  }
}

}  // namespace ntrun::backtest
