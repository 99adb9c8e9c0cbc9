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

/// Fill price of a limit at `limit` on bar `b`, or NaN when the bar does not reach it.
[[nodiscard]] double limit_price_on(order_side side, double limit, const bar& b) noexcept {
  if (side == order_side::buy) {
    if (b.open <= limit) return b.open;
    if (b.low <= limit) return limit;
  } else {
    if (b.open >= limit) return b.open;
    if (b.high >= limit) return limit;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

/// Trigger price of a stop at `stop` on bar `b`, or NaN when the bar does not touch it.
[[nodiscard]] double stop_price_on(order_side side, double stop, const bar& b) noexcept {
  if (side == order_side::buy) {
    if (b.open >= stop) return b.open;
    if (b.high >= stop) return stop;
  } else {
    if (b.open <= stop) return b.open;
    if (b.low <= stop) return stop;
  }
  return std::numeric_limits<double>::quiet_NaN();
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
  for (const double v : {b.open, b.high, b.low, b.close, b.volume}) {
    if (!std::isfinite(v) || v < 0) {
      throw market_error("venue: bar of symbol " + std::to_string(b.sid) + " at ts " +
                         std::to_string(b.ts_event) +
                         " has a NaN, infinite or negative price or volume; clean the data");
    }
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
}

order_id simulated_venue::submit(const order_request& req, ts_ns now,
                                 std::vector<order_event>& out) {
  if (const char* why = validate_request(req, cfg_.num_symbols)) {
    out.push_back(make_rejection(req, now, why));
    return 0;
  }
  const order_id id = first_id_ + orders_.size();
  order& o = orders_.emplace_back(order{
      .id = id,
      .request = req,
      .status = order_status::accepted,
      .ts_submitted = now,
      .ts_updated = now,
  });
  open_[req.symbol].push_back(id);
  ++open_count_;
  out.push_back(event_of(o, event_kind::accepted, now, now, nullptr));
  forget_closed();
  return id;
}

void simulated_venue::forget_closed() noexcept {
  // Memory follows the open orders, not the run's length: the oldest records go once they are
  // closed and more than keep_closed_orders newer ones exist (deque: no reallocation copies).
  while (orders_.size() > cfg_.keep_closed_orders && !orders_.front().is_open()) {
    orders_.pop_front();
    ++first_id_;
  }
}

const order* simulated_venue::find(order_id id) const noexcept {
  if (id < first_id_ || id - first_id_ >= orders_.size()) return nullptr;
  return &orders_[id - first_id_];
}

order* simulated_venue::find_open(order_id id) noexcept {
  if (id < first_id_ || id - first_id_ >= orders_.size()) return nullptr;
  order& o = orders_[id - first_id_];
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
}

bool simulated_venue::cancel(order_id id, ts_ns now, std::vector<order_event>& out) {
  order* o = find_open(id);
  if (o == nullptr) {
    out.push_back(refusal(event_kind::cancel_rejected, id, find(id), now, reason::order_not_open));
    return false;
  }
  close(*o, order_status::canceled, now, now, reason::canceled_by_strategy, out);
  drop_open(*o);
  return true;
}

std::size_t simulated_venue::cancel_all(std::int32_t strategy, ts_ns now,
                                        std::vector<order_event>& out) {
  scratch_.clear();
  for (const auto& ids : open_) {
    for (const order_id id : ids) {
      if (strategy < 0 || orders_[id - first_id_].request.strategy == strategy) scratch_.push_back(id);
    }
  }
  std::sort(scratch_.begin(), scratch_.end());
  for (const order_id id : scratch_) {
    order& o = orders_[id - first_id_];
    close(o, order_status::canceled, now, now, reason::canceled_by_strategy, out);
    drop_open(o);
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
    for (const order_id id : ids) result.push_back(orders_[id - first_id_]);
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
  std::size_t kept = 0;
  for (const order_id id : ids) {
    order& o = orders_[id - first_id_];
    const bool eligible = b.ts_event > o.ts_updated;
    if (eligible && o.request.tif == time_in_force::day) {
      // A DAY order lives for the trading day of its first eligible bar: on daily bars that is
      // the next bar, on intraday bars the rest of the submission day.
      const ts_ns today = utc_day(b.ts_event);
      if (!o.session_day) o.session_day = today;
      if (today > *o.session_day) {
        close(o, order_status::expired, b.ts_event, b.ts_init, reason::day_expired, out);
      } else {
        match(o, b, out);
      }
    } else if (eligible) {
      match(o, b, out);
    }
    if (o.is_open()) {
      ids[kept++] = id;
    } else {
      --open_count_;
    }
  }
  ids.resize(kept);
}

void simulated_venue::match(order& o, const bar& b, std::vector<order_event>& out) {
  const order_request& r = o.request;
  double price = std::numeric_limits<double>::quiet_NaN();
  bool slip = false;
  switch (r.type) {
    case order_type::market:
      price = b.open;
      slip = true;
      break;
    case order_type::limit:
      price = limit_price_on(r.side, r.limit_price, b);
      break;
    case order_type::stop:
      // A triggered stop is a market order for its remainder.
      price = o.triggered ? b.open : stop_price_on(r.side, r.stop_price, b);
      slip = true;
      break;
    case order_type::stop_limit:
      if (o.triggered) {
        price = limit_price_on(r.side, r.limit_price, b);
      } else {
        const double trigger = stop_price_on(r.side, r.stop_price, b);
        if (!std::isnan(trigger)) {
          o.triggered = true;
          o.ts_updated = b.ts_event;
          // The bar's path after the trigger is unknown: fill only at the trigger price, else
          // rest as a limit from the next bar.
          if (satisfies_limit(r.side, trigger, r.limit_price)) price = trigger;
        }
      }
      break;
  }
  if (r.type == order_type::stop && !std::isnan(price)) o.triggered = true;

  const bool first_chance_only = r.tif == time_in_force::ioc || r.tif == time_in_force::fok;
  if (std::isnan(price)) {
    if (first_chance_only) {
      const char* why =
          r.tif == time_in_force::fok ? reason::fok_not_fillable : reason::ioc_unfilled;
      close(o, order_status::canceled, b.ts_event, b.ts_init, why, out);
    }
    return;
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
  if (slip) price = apply_slippage(cfg_.slippage, r.side, price, qty, b.volume);
  execute(o, b, price, qty, out);
  if (r.tif == time_in_force::ioc && o.is_open()) {
    close(o, order_status::canceled, b.ts_event, b.ts_init, reason::ioc_unfilled, out);
  }
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
  };
  out.push_back(ev);
}

}  // namespace ntrun::market
