// The simulated venue: order life cycle and the bar fill model written down in
// docs/fill_model.md (the tests in tests/cpp/test_venue.cpp check each rule).
#include "ntrun/market/venue.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace ntrun::market {
namespace {


[[nodiscard]] bool uses_limit(order_type t) noexcept {
  return t == order_type::limit || t == order_type::stop_limit;
}
[[nodiscard]] bool uses_stop(order_type t) noexcept {
  return t == order_type::stop || t == order_type::stop_limit;
}

/// The first point at or after (t0, p0) on the bar's path where the price is at or beyond
/// `level` (up: >= level, else <= level): already there gives (t0, p0), a crossing gives the
/// level at the interpolated t. False when the rest of the path never gets there.
[[nodiscard]] bool reach(const double (&p)[4], double t0, double p0, double level, bool up,
                         double& t, double& price) noexcept {
  const auto beyond = [&](double v) { return up ? v >= level : v <= level; };
  if (beyond(p0)) {
    t = t0;
    price = p0;
    return true;
  }
  double a = p0;
  double ta = t0;
  for (int k = static_cast<int>(t0); k < 3; ++k) {
    const double b = p[k + 1];
    const auto tb = static_cast<double>(k + 1);
    if (beyond(b)) {
      t = ta + (tb - ta) * (level - a) / (b - a);
      price = level;
      return true;
    }
    a = b;
    ta = tb;
  }
  return false;
}

[[nodiscard]] bool satisfies_limit(order_side side, double price, double limit) noexcept {
  return side == order_side::buy ? price <= limit : price >= limit;
}

[[nodiscard]] order_event event_of(const order& o, event_kind kind, ts_ns ts_event, ts_ns ts_init,
                                   const char* why) noexcept {
  return order_event{
      .kind = kind,
      .id = o.id,
      .strategy = o.request.strategy,
      .tag = o.request.tag,
      .symbol = o.request.symbol,
      .side = o.request.side,
      .ts_event = ts_event,
      .ts_init = ts_init,
      .fill_info = {},
      .status = o.status,
      .filled_qty = o.filled_qty,
      .remaining_qty = o.remaining(),
      .reason = why,
      .type = o.request.type,
  };
}

[[nodiscard]] bool first_chance_only(time_in_force tif) noexcept {
  return tif == time_in_force::ioc || tif == time_in_force::fok;
}

[[nodiscard]] const char* unfilled_reason(time_in_force tif) noexcept {
  return tif == time_in_force::fok ? reason::fok_not_fillable : reason::ioc_unfilled;
}

[[nodiscard]] order_event refusal(event_kind kind, order_id id, const order* o, ts_ns now,
                                  const char* why) noexcept {
  if (o != nullptr) return event_of(*o, kind, now, now, why);
  return order_event{.kind = kind, .id = id, .ts_event = now, .ts_init = now, .reason = why};
}

void check_bar(const bar& b, std::size_t num_symbols) {
  if (b.sid >= num_symbols) {
    throw market_error("venue: bar for unknown symbol id " + std::to_string(b.sid) +
                       " (the venue has " + std::to_string(num_symbols) +
                       " symbols); size venue_config.num_symbols to the symbol table");
  }
  // Every bar passes here: one branch for the five values. 0 <= v <= max is false for NaN,
  // infinities and negatives alike (comparisons with NaN are false).
  constexpr double max = std::numeric_limits<double>::max();
  const auto ok = [](double v) { return static_cast<unsigned>(v >= 0) & static_cast<unsigned>(v <= max); };
  if ((ok(b.open) & ok(b.high) & ok(b.low) & ok(b.close) & ok(b.volume)) == 0) {
    throw market_error("venue: bar of symbol " + std::to_string(b.sid) + " at ts " +
                       std::to_string(b.ts_event) +
                       " has a NaN, infinite or negative price or volume; clean the data");
  }
}

}  // namespace

simulated_venue::simulated_venue(const venue_config& cfg) : cfg_(cfg) {
  if (cfg.num_symbols == 0) {
    throw market_error("venue config: num_symbols is 0; give the size of the symbol table");
  }
  validate(cfg.slippage);
  validate(cfg.commission);
  if (!std::isfinite(cfg.volume_cap) || cfg.volume_cap < 0 || cfg.volume_cap > 1) {
    throw market_error("venue config: volume_cap is " + std::to_string(cfg.volume_cap) +
                       "; it must be in [0, 1] (0 = no cap)");
  }
  open_.resize(cfg.num_symbols);
  last_close_.assign(cfg.num_symbols, std::numeric_limits<double>::quiet_NaN());
}

namespace {

/// Where a trailing stop stands at `close`: below it for a sell, above it for a buy.
[[nodiscard]] double trailed_stop(const order_request& r, double close) noexcept {
  const double offset = r.trail_amount > 0 ? r.trail_amount : close * r.trail_percent;
  return r.side == order_side::sell ? close - offset : close + offset;
}

}  // namespace

template <class F>
void simulated_venue::for_each_child(const order& parent, F&& f) {
  std::uint32_t seen = 0;
  for (order_id c = parent.id + 1; seen < parent.children && c - first_id_ < live(); ++c) {
    order& child = rec(c);
    if (child.parent != parent.id) continue;
    ++seen;
    f(child);
  }
}

const char* simulated_venue::prepare(order_request& req) const noexcept {
  if (!req.trailing() || (std::isfinite(req.stop_price) && req.stop_price > 0)) return nullptr;
  // A trailing stop without a stop price starts from the last close.
  const double close = last_close_[req.symbol];
  if (std::isnan(close)) return reason::no_reference_price;
  req.stop_price = trailed_stop(req, close);
  return req.stop_price > 0 ? nullptr : reason::invalid_trail;
}

order& simulated_venue::accept(const order_request& req, ts_ns now, std::vector<order_event>& out) {
  const order_id id = first_id_ + live();
  order& o = new_record();
  o.id = id;
  o.request = req;
  o.status = order_status::accepted;
  o.ts_submitted = now;
  o.ts_updated = now;
  o.kind = exit_kind(req);
  open_[req.symbol].push_back(id);
  ++open_count_;
  out.push_back(event_of(o, event_kind::accepted, now, now, nullptr));
  return o;
}

order_id simulated_venue::submit(const order_request& req, ts_ns now,
                                 std::vector<order_event>& out) {
  const char* why = validate_request(req, cfg_.num_symbols);
  order_request r = req;
  if (why == nullptr) why = prepare(r);
  if (why != nullptr) {
    out.push_back(make_rejection(req, now, why));
    return 0;
  }
  const order_id id = accept(r, now, out).id;
  forget_closed();
  return id;
}

bool simulated_venue::submit_list(std::span<const order_request> reqs,
                                  std::span<const list_link> links, ts_ns now,
                                  std::vector<order_event>& out, std::span<order_id> ids) {
  const std::size_t n = reqs.size();
  if (links.size() != n || ids.size() != n) {
    throw market_error("venue: submit_list needs one link and one id slot per order");
  }
  std::fill(ids.begin(), ids.end(), order_id{0});
  list_.resize(n);
  std::size_t bad = n;
  const char* why = n == 0 ? reason::invalid_link : nullptr;
  for (std::size_t i = 0; i < n && why == nullptr; ++i) {
    list_[i] = reqs[i];
    why = validate_request(list_[i], cfg_.num_symbols);
    if (why == nullptr) why = prepare(list_[i]);
    // A parent comes before its children (1-based index of an earlier order).
    if (why == nullptr && links[i].parent > i) why = reason::invalid_link;
    if (why != nullptr) bad = i;
  }
  for (std::size_t i = 0; i < n && why == nullptr; ++i) {
    if (links[i].oco == 0) continue;
    // An OCO group has two or more orders, none the parent of another of the group.
    std::size_t members = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (links[j].oco != links[i].oco) continue;
      ++members;
      if (links[j].parent != 0 && links[links[j].parent - 1].oco == links[i].oco) {
        why = reason::invalid_link;
      }
    }
    if (members < 2) why = reason::invalid_link;
    if (why != nullptr) bad = i;
  }
  if (why != nullptr) {
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(make_rejection(reqs[i], now, i == bad ? why : reason::linked_order_rejected));
    }
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) ids[i] = accept(list_[i], now, out).id;
  for (std::size_t i = 0; i < n; ++i) {
    order& o = rec(ids[i]);
    if (links[i].parent != 0) {
      o.parent = ids[links[i].parent - 1];
      o.active = false;
      ++rec(o.parent).children;
    }
    if (links[i].oco != 0) {
      // The group is named by its first order's id and spans to its last.
      for (std::size_t j = 0; j < n; ++j) {
        if (links[j].oco != links[i].oco) continue;
        if (o.oco_group == 0) o.oco_group = ids[j];
        o.oco_last = ids[j];
      }
    }
  }
  forget_closed();
  return true;
}

void simulated_venue::forget_closed() noexcept {
  // Memory follows the open orders, not the run's length: the oldest records go once they are
  // closed and more than keep_closed_orders newer ones exist; a chunk whose records are all
  // gone becomes the spare.
  while (live_ > cfg_.keep_closed_orders && !rec(first_id_).is_open()) {
    ++head_;
    ++first_id_;
    --live_;
    if (head_ == chunk_size) {
      spare_ = std::move(chunks_.front());
      chunks_.erase(chunks_.begin());
      head_ = 0;
    }
  }
}

order& simulated_venue::new_record() {
  const std::size_t i = head_ + live_;
  if (i / chunk_size == chunks_.size()) {
    chunks_.push_back(spare_ ? std::move(spare_) : std::make_unique<order[]>(chunk_size));
  }
  ++live_;
  order& o = chunks_[i / chunk_size][i % chunk_size];
  o = order{};
  return o;
}

const order* simulated_venue::find(order_id id) const noexcept {
  if (id < first_id_ || id - first_id_ >= live()) return nullptr;
  return &rec(id);
}

order* simulated_venue::find_open(order_id id) noexcept {
  if (id < first_id_ || id - first_id_ >= live()) return nullptr;
  order& o = rec(id);
  return o.is_open() ? &o : nullptr;
}

void simulated_venue::drop_open(const order& o) {
  auto& ids = open_[o.request.symbol];
  const auto it = std::lower_bound(ids.begin(), ids.end(), o.id);
  if (it != ids.end() && *it == o.id) {
    ids.erase(it);
    --open_count_;
  }
}

void simulated_venue::close(order& o, order_status status, ts_ns now, ts_ns ts_init,
                            const char* why, std::vector<order_event>& out) {
  o.status = status;
  o.ts_updated = now;
  const event_kind kind =
      status == order_status::expired ? event_kind::expired : event_kind::canceled;
  out.push_back(event_of(o, kind, now, ts_init, why));
  // The symbol being matched drops its closed orders once the bar is done.
  if (o.request.symbol != in_bar_) drop_open(o);
  if (o.children == 0 || o.filled_qty > 0) return;
  // Closed before any fill: the children waiting for it never will be needed.
  for_each_child(o, [&](order& child) {
    if (child.is_open() && !child.active) {
      close(child, order_status::canceled, now, ts_init, reason::parent_closed, out);
    }
  });
}

bool simulated_venue::cancel(order_id id, ts_ns now, std::vector<order_event>& out) {
  order* o = find_open(id);
  if (o == nullptr) {
    out.push_back(refusal(event_kind::cancel_rejected, id, find(id), now, reason::order_not_open));
    return false;
  }
  close(*o, order_status::canceled, now, now, reason::canceled_by_strategy, out);
  return true;
}

std::size_t simulated_venue::cancel_all(std::int32_t strategy, ts_ns now,
                                        std::vector<order_event>& out) {
  scratch_.clear();
  for (const auto& ids : open_) {
    for (const order_id id : ids) {
      if (strategy < 0 || rec(id).request.strategy == strategy) scratch_.push_back(id);
    }
  }
  std::sort(scratch_.begin(), scratch_.end());
  for (const order_id id : scratch_) {
    order& o = rec(id);
    // A child may have gone with its parent already.
    if (o.is_open()) close(o, order_status::canceled, now, now, reason::canceled_by_strategy, out);
  }
  return scratch_.size();
}

bool simulated_venue::modify(order_id id, double quantity, double limit_price, double stop_price,
                             ts_ns now, std::vector<order_event>& out) {
  order* o = find_open(id);
  const char* why = nullptr;
  if (o == nullptr) {
    why = reason::order_not_open;
  } else if (!std::isnan(quantity) &&
             (!std::isfinite(quantity) || quantity <= o->filled_qty * (1 + qty_epsilon))) {
    why = reason::invalid_quantity;
  } else {
    const order_type t = o->request.type;
    const auto bad = [](double p) { return !std::isnan(p) && (!std::isfinite(p) || p <= 0); };
    if ((uses_limit(t) && bad(limit_price)) || (uses_stop(t) && bad(stop_price))) {
      why = reason::invalid_price;
    }
  }
  if (why != nullptr) {
    out.push_back(refusal(event_kind::modify_rejected, id, find(id), now, why));
    return false;
  }
  order_request& r = o->request;
  if (!std::isnan(quantity)) r.quantity = quantity;
  if (uses_limit(r.type) && !std::isnan(limit_price)) r.limit_price = limit_price;
  if (uses_stop(r.type) && !std::isnan(stop_price)) r.stop_price = stop_price;
  o->ts_updated = now;
  out.push_back(event_of(*o, event_kind::modified, now, now, nullptr));
  return true;
}

std::vector<order> simulated_venue::open_orders() const {
  std::vector<order> result;
  result.reserve(open_count_);
  for (const auto& ids : open_) {
    for (const order_id id : ids) result.push_back(rec(id));
  }
  std::sort(result.begin(), result.end(),
            [](const order& a, const order& b) { return a.id < b.id; });
  return result;
}

std::span<const order_id> simulated_venue::open_order_ids(symbol_id symbol) const noexcept {
  if (symbol >= open_.size()) return {};
  return open_[symbol];
}

void simulated_venue::on_bar(const bar& b, std::vector<order_event>& out) {
  check_bar(b, cfg_.num_symbols);
  auto& ids = open_[b.sid];
  if (!ids.empty()) {
    in_bar_ = b.sid;
    // The bar's path: open, the extreme nearer the open (a tie: the low), the other, close.
    const bool high_first = b.high - b.open < b.open - b.low;
    const bar_path path{{b.open, high_first ? b.high : b.low, high_first ? b.low : b.high,
                         b.close}};
    touches_.clear();
    // Closed orders of this symbol leave its open list once the bar is done (and if a fill
    // guard throws, before the error goes on).
    const auto compact = [this, &ids](const bar& last, bool move_trails) {
      auto kept = ids.begin();
      for (const order_id id : ids) {
        order& o = rec(id);
        if (!o.is_open()) continue;
        if (move_trails && o.request.trailing() && o.active && !o.triggered) trail(o, last.close);
        *kept++ = id;
      }
      open_count_ -= static_cast<std::size_t>(ids.end() - kept);
      ids.erase(kept, ids.end());
      in_bar_ = static_cast<symbol_id>(-1);
    };
    try {
      for (std::size_t i = 0; i < ids.size(); ++i) {
        order& o = rec(ids[i]);
        // No look-ahead: only orders placed or changed before this bar.
        if (o.is_open() && o.active && b.ts_event > o.ts_updated) {
          consider(o, b, path, 0, b.open, out);
        }
      }
      // Earliest touch on the path first (ties: the older order); a fill may cancel touches
      // still waiting (OCO) or add some (children activated on the rest of the path).
      while (!touches_.empty()) {
        const auto first = std::min_element(touches_.begin(), touches_.end(),
                                            [](const touch& x, const touch& y) {
                                              return x.t != y.t ? x.t < y.t : x.id < y.id;
                                            });
        const touch at = *first;
        *first = touches_.back();
        touches_.pop_back();
        order& o = rec(at.id);
        if (o.is_open()) fire(o, at, b, path, out);
      }
    } catch (...) {
      compact(b, false);
      throw;
    }
    compact(b, true);
  }
  last_close_[b.sid] = b.close;
}

void simulated_venue::consider(order& o, const bar& b, const bar_path& path, double t0,
                               double p0, std::vector<order_event>& out) {
  const order_request& r = o.request;
  if (r.tif == time_in_force::day) {
    // A DAY order lives for the trading day of its first eligible bar: on daily bars that is
    // the next bar, on intraday bars the rest of the submission day.
    const ts_ns today = utc_day(b.ts_event);
    if (!o.session_day) o.session_day = today;
    if (today > *o.session_day) {
      close(o, order_status::expired, b.ts_event, b.ts_init, reason::day_expired, out);
      return;
    }
  }
  touch at{.t = t0, .price = p0, .id = o.id};
  bool touched = true;
  switch (r.type) {
    case order_type::market:
      break;
    case order_type::limit:
      touched = reach(path.p, t0, p0, r.limit_price, r.side == order_side::sell, at.t, at.price);
      break;
    case order_type::stop:
      // A triggered stop is a market order for its remainder.
      if (!o.triggered) {
        touched = reach(path.p, t0, p0, r.stop_price, r.side == order_side::buy, at.t, at.price);
      }
      break;
    case order_type::stop_limit:
      touched = o.triggered ? reach(path.p, t0, p0, r.limit_price, r.side == order_side::sell,
                                    at.t, at.price)
                            : reach(path.p, t0, p0, r.stop_price, r.side == order_side::buy,
                                    at.t, at.price);
      break;
  }
  if (touched) {
    touches_.push_back(at);
  } else if (first_chance_only(r.tif)) {
    close(o, order_status::canceled, b.ts_event, b.ts_init, unfilled_reason(r.tif), out);
  }
}

void simulated_venue::fire(order& o, const touch& at, const bar& b, const bar_path& path,
                           std::vector<order_event>& out) {
  const order_request& r = o.request;
  bool slip = r.type == order_type::market || r.type == order_type::stop;
  if (r.type == order_type::stop) o.triggered = true;
  if (r.type == order_type::stop_limit && !o.triggered) {
    o.triggered = true;
    o.ts_updated = b.ts_event;
    // The bar's path after the trigger is unknown: fill only at the trigger price, else
    // rest as a limit from the next bar.
    if (!satisfies_limit(r.side, at.price, r.limit_price)) {
      if (first_chance_only(r.tif)) {
        close(o, order_status::canceled, b.ts_event, b.ts_init, unfilled_reason(r.tif), out);
      }
      return;
    }
    slip = false;
  }

  const double remaining = o.remaining();
  double qty = remaining;
  if (cfg_.volume_cap > 0 && b.volume > 0) qty = std::min(qty, cfg_.volume_cap * b.volume);
  const bool complete = qty >= remaining * (1 - qty_epsilon);
  if (r.tif == time_in_force::fok && !complete) {
    close(o, order_status::canceled, b.ts_event, b.ts_init, reason::fok_not_fillable, out);
    return;
  }
  if (complete) qty = remaining;
  double price = slip ? apply_slippage(cfg_.slippage, r.side, at.price, qty, b.volume) : at.price;
  const char* cut = nullptr;
  if (guard_ != nullptr && (guard_->every_fill || r.reduce_only)) {
    const char* why = nullptr;
    const double allowed = guard_->allow(o, qty, price, &why);
    if (allowed < qty * (1 - qty_epsilon)) {
      // Held to the position and the limits at the fill: what may not fill is canceled.
      cut = why != nullptr ? why : reason::reduce_only;
      if (allowed <= qty * qty_epsilon || r.tif == time_in_force::fok) {
        close(o, order_status::canceled, b.ts_event, b.ts_init, cut, out);
        return;
      }
      qty = allowed;
      if (slip) price = apply_slippage(cfg_.slippage, r.side, at.price, qty, b.volume);
    }
  }
  const bool first = o.filled_qty == 0;
  execute(o, b, price, qty, out);
  if (o.is_open() && cut != nullptr) {
    close(o, order_status::canceled, b.ts_event, b.ts_init, cut, out);
  } else if (o.is_open() && r.tif == time_in_force::ioc) {
    close(o, order_status::canceled, b.ts_event, b.ts_init, reason::ioc_unfilled, out);
  }
  if (first) after_first_fill(o, at, b, path, out);
}

void simulated_venue::after_first_fill(order& o, const touch& at, const bar& b,
                                       const bar_path& path, std::vector<order_event>& out) {
  // One order of an OCO group fills: the others are canceled.
  if (o.oco_group != 0) {
    for (order_id s = std::max(o.oco_group, first_id_); s <= o.oco_last; ++s) {
      order& sibling = rec(s);
      if (s != o.id && sibling.oco_group == o.oco_group && sibling.is_open()) {
        close(sibling, order_status::canceled, b.ts_event, b.ts_init, reason::oco_filled, out);
      }
    }
  }
  // Its children wake up, and may fill on the rest of this bar's path.
  for_each_child(o, [&](order& child) {
    if (!child.is_open() || child.active) return;
    child.active = true;
    if (child.request.symbol == b.sid) {
      consider(child, b, path, at.t, at.price, out);
    } else {
      child.ts_updated = b.ts_event;  // another symbol: from its next bar
    }
  });
  // An exit (a reduce-only child) filled: what is left of its entry is canceled. Other
  // children (a hedge on another symbol) leave their parent be.
  if (o.parent != 0 && o.request.reduce_only) {
    if (order* p = find_open(o.parent)) {
      close(*p, order_status::canceled, b.ts_event, b.ts_init, reason::bracket_exited, out);
    }
  }
}

void simulated_venue::trail(order& o, double close) noexcept {
  order_request& r = o.request;
  const double stop = trailed_stop(r, close);
  // Only toward the market: up for a sell stop, down for a buy stop.
  if (r.side == order_side::sell ? stop > r.stop_price : stop < r.stop_price) r.stop_price = stop;
}

void simulated_venue::execute(order& o, const bar& b, double price, double qty,
                              std::vector<order_event>& out) {
  const double commission = commission_for(cfg_.commission, qty, price);
  const double before = o.filled_qty;
  o.avg_fill_price = (o.avg_fill_price * before + price * qty) / (before + qty);
  const bool done = o.request.quantity - (before + qty) <= o.request.quantity * qty_epsilon;
  o.filled_qty = done ? o.request.quantity : before + qty;
  o.status = done ? order_status::filled : order_status::partially_filled;
  o.ts_updated = b.ts_event;
  order_event ev = event_of(o, done ? event_kind::filled : event_kind::partially_filled, b.ts_event,
                            b.ts_init, nullptr);
  ev.fill_info = fill{
      .id = o.id,
      .symbol = o.request.symbol,
      .side = o.request.side,
      .quantity = qty,
      .price = price,
      .commission = commission,
      .ts_event = b.ts_event,
      .tag = o.request.tag,
      .kind = o.kind,
  };
  out.push_back(ev);
}

}  // namespace ntrun::market
