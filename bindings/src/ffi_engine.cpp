// C ABI over a session's port to the engine: events, history, orders, positions, account,
// timers, random, log, risk limits and the circuit breaker's state. Everything goes through
// the session (bindings/src/session_cast.hpp) and its strategy_port: never a concrete engine.
// The event structs are layout-checked below, so Lua reads the session's slot in place.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

#include "ffi_guard.hpp"
#include "ntrun/constants.h"
#include "ntrun/engine/session.hpp"
#include "ntrun_ffi.h"
#include "session_cast.hpp"

using ntrun::bindings::guarded;
using ntrun::bindings::guarded_value;
using ntrun::bindings::S;

#define NTRUN_SAME_LAYOUT(C, CXX, f) \
  static_assert(offsetof(C, f) == offsetof(CXX, f), #C "." #f " layout")
static_assert(sizeof(ntrun_bar_t) == sizeof(ntrun::bar));
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, ts_event);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, ts_init);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, sid);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, flags);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, open);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, close);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, volume);
static_assert(sizeof(ntrun_order_event_t) == sizeof(ntrun::order_event_view));
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, order_id);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, tag);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, sid);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, status);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, quantity);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, remaining);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, reason);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, ntrun::order_event_view, position);
static_assert(sizeof(ntrun_timer_event_t) == sizeof(ntrun::timer_event_view));
NTRUN_SAME_LAYOUT(ntrun_timer_event_t, ntrun::timer_event_view, id);
static_assert(sizeof(ntrun_risk_event_t) == sizeof(ntrun::risk_event_view));
NTRUN_SAME_LAYOUT(ntrun_risk_event_t, ntrun::risk_event_view, state);
NTRUN_SAME_LAYOUT(ntrun_risk_event_t, ntrun::risk_event_view, reason);
static_assert(sizeof(ntrun_message_event_t) == sizeof(ntrun::message_event_view));
NTRUN_SAME_LAYOUT(ntrun_message_event_t, ntrun::message_event_view, data);
NTRUN_SAME_LAYOUT(ntrun_message_event_t, ntrun::message_event_view, len);
NTRUN_SAME_LAYOUT(ntrun_message_event_t, ntrun::message_event_view, channel);
static_assert(sizeof(ntrun_control_event_t) == sizeof(ntrun::control_event_view));
NTRUN_SAME_LAYOUT(ntrun_control_event_t, ntrun::control_event_view, code);
NTRUN_SAME_LAYOUT(ntrun_control_event_t, ntrun::control_event_view, flags);
static_assert(sizeof(ntrun_event_t) == sizeof(ntrun::event_slot));
NTRUN_SAME_LAYOUT(ntrun_event_t, ntrun::event_slot, kind);
static_assert(offsetof(ntrun_event_t, bar) == offsetof(ntrun::event_slot, bar));
static_assert(offsetof(ntrun_event_t, order) == offsetof(ntrun::event_slot, order));
static_assert(offsetof(ntrun_event_t, message) == offsetof(ntrun::event_slot, message));
static_assert(offsetof(ntrun_event_t, control) == offsetof(ntrun::event_slot, control));
static_assert(NTRUN_EV_RISK == static_cast<int>(ntrun::event_kind::risk));
static_assert(NTRUN_EV_MESSAGE == static_cast<int>(ntrun::event_kind::message));
static_assert(NTRUN_EV_CONTROL == static_cast<int>(ntrun::event_kind::control));
static_assert(NTRUN_CTL_STOP == static_cast<int>(ntrun::control_code::stop));
static_assert(NTRUN_CTL_RELOAD == static_cast<int>(ntrun::control_code::reload));
static_assert(NTRUN_CTL_DEADLINE == static_cast<int>(ntrun::control_code::deadline));
static_assert(NTRUN_CTL_STATUS == static_cast<int>(ntrun::control_code::status));
static_assert(NTRUN_RISK_REDUCING == static_cast<int>(ntrun::market::risk_state::reducing));
static_assert(NTRUN_EV_BAR == static_cast<int>(ntrun::event_kind::bar));
static_assert(NTRUN_EV_END == static_cast<int>(ntrun::event_kind::end));
static_assert(NTRUN_EV_YIELD == static_cast<int>(ntrun::event_kind::yield));
static_assert(NTRUN_ST_EXPIRED == static_cast<int>(ntrun::order_status::expired));
static_assert(NTRUN_STOP_LIMIT == static_cast<int>(ntrun::order_type::stop_limit));
static_assert(NTRUN_FOK == static_cast<int>(ntrun::time_in_force::fok));
static_assert(NTRUN_F_VOLUME == static_cast<int>(ntrun::bar_field::volume));

namespace {

/// The session's port, or nullptr (a research state has none: NTRUN_ESTATE).
ntrun::strategy_port* P(const ntrun_session_t* s) noexcept {
  return s ? S(s)->port() : nullptr;
}

}  // namespace

extern "C" {

const ntrun_event_t* ntrun_ffi_session_event(ntrun_session_t* s) noexcept {
  return s ? reinterpret_cast<const ntrun_event_t*>(&S(s)->slot()) : nullptr;
}

int32_t ntrun_ffi_session_next(ntrun_session_t* s) noexcept {
  if (!s) return NTRUN_EINVAL;
  return static_cast<int32_t>(S(s)->next());
}

int64_t ntrun_ffi_session_now(const ntrun_session_t* s) noexcept {
  const ntrun::strategy_port* p = P(s);
  return p ? p->now() : 0;
}

int32_t ntrun_ffi_session_num_symbols(const ntrun_session_t* s) noexcept {
  const ntrun::strategy_port* p = P(s);
  return p ? static_cast<int32_t>(p->symbols().size()) : 0;
}

const char* ntrun_ffi_session_symbol_name(const ntrun_session_t* s, uint32_t sid) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p || sid >= p->symbols().size()) return nullptr;
  return p->symbols()[sid].c_str();
}

int32_t ntrun_ffi_history(const ntrun_session_t* s, uint32_t sid, int32_t field, int64_t n,
                          ntrun_series_t* out) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!out || sid >= p->symbols().size() || field < NTRUN_F_OPEN || field > NTRUN_F_VOLUME ||
      n < 0 || static_cast<uint64_t>(n) > p->history_capacity()) {
    return NTRUN_EINVAL;
  }
  return guarded(nullptr, 0, S(s), [&] {
    const auto span =
        p->history(sid, static_cast<ntrun::bar_field>(field), static_cast<std::size_t>(n));
    out->data = span.data();
    out->len = static_cast<int64_t>(span.size());
  });
}

int64_t ntrun_ffi_history_capacity(const ntrun_session_t* s) noexcept {
  const ntrun::strategy_port* p = P(s);
  return p ? static_cast<int64_t>(p->history_capacity()) : 0;
}

namespace {

bool bad_enums(const ntrun_order_req_t& r) noexcept {
  return r.side < NTRUN_BUY || r.side > NTRUN_SELL || r.type < NTRUN_MARKET ||
         r.type > NTRUN_STOP_LIMIT || r.tif < NTRUN_GTC || r.tif > NTRUN_FOK ||
         r.role < NTRUN_ROLE_NONE || r.role > NTRUN_ROLE_TAKE_PROFIT;
}

ntrun::market::order_request request_of(const ntrun_order_req_t& r) noexcept {
  return ntrun::market::order_request{
      .symbol = r.sid,
      .side = static_cast<ntrun::order_side>(r.side),
      .type = static_cast<ntrun::order_type>(r.type),
      .tif = static_cast<ntrun::time_in_force>(r.tif),
      .quantity = r.quantity,
      .limit_price = r.limit_price,
      .stop_price = r.stop_price,
      .strategy = 0,  // the port submits in its own strategy's name
      .tag = r.tag,
      .reduce_only = r.reduce_only != 0,
      .role = static_cast<ntrun::market::order_role>(r.role),
      .trail_amount = r.trail_amount,
      .trail_percent = r.trail_percent,
  };
}

}  // namespace

int32_t ntrun_ffi_order_submit(ntrun_session_t* s, const ntrun_order_req_t* req, uint64_t* out_id,
                               const char** out_reason) noexcept {
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!req || bad_enums(*req)) return NTRUN_EINVAL;
  return guarded(nullptr, 0, S(s), [&] {
    const auto r = p->submit(request_of(*req));
    if (out_id) *out_id = r.id;
    if (out_reason) *out_reason = r.reason;
    return r.reason ? NTRUN_EREJECTED : NTRUN_OK;
  });
}

int32_t ntrun_ffi_order_submit_list(ntrun_session_t* s, const ntrun_order_req_t* reqs, int32_t n,
                                    uint64_t* out_ids, const char** out_reason) noexcept {
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  constexpr int32_t max_list = 64;
  if (!reqs || !out_ids || n < 1 || n > max_list) return NTRUN_EINVAL;
  for (int32_t i = 0; i < n; ++i) {
    if (bad_enums(reqs[i])) return NTRUN_EINVAL;
  }
  return guarded(nullptr, 0, S(s), [&] {
    // Brackets and pairs fit on the stack; longer lists take the heap.
    constexpr std::size_t small = 4;
    const auto count = static_cast<std::size_t>(n);
    std::array<ntrun::market::order_request, small> list_small;
    std::array<ntrun::market::list_link, small> links_small;
    std::vector<ntrun::market::order_request> list_big;
    std::vector<ntrun::market::list_link> links_big;
    std::span<ntrun::market::order_request> list(list_small.data(), count);
    std::span<ntrun::market::list_link> links(links_small.data(), count);
    if (count > small) {
      list_big.resize(count);
      links_big.resize(count);
      list = list_big;
      links = links_big;
    }
    for (std::size_t i = 0; i < count; ++i) {
      list[i] = request_of(reqs[i]);
      links[i] = {.parent = reqs[i].parent, .oco = reqs[i].oco};
    }
    const auto r = p->submit_list(list, links, std::span(out_ids, count));
    if (out_reason) *out_reason = r.reason;
    return r.reason ? NTRUN_EREJECTED : NTRUN_OK;
  });
}

int32_t ntrun_ffi_order_cancel(ntrun_session_t* s, uint64_t id) noexcept {
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  return guarded(nullptr, 0, S(s), [&] { return p->cancel(id) ? NTRUN_OK : NTRUN_ENOTFOUND; });
}

int32_t ntrun_ffi_order_modify(ntrun_session_t* s, uint64_t id, double quantity,
                               double limit_price, double stop_price) noexcept {
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  return guarded(nullptr, 0, S(s), [&] {
    return p->modify(id, quantity, limit_price, stop_price) ? NTRUN_OK : NTRUN_ENOTFOUND;
  });
}

int32_t ntrun_ffi_order_get(const ntrun_session_t* s, uint64_t id,
                            ntrun_order_info_t* out) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!out) return NTRUN_EINVAL;
  return guarded(nullptr, 0, S(s), [&] {
    const ntrun::market::order* o = p->find_order(id);
    if (!o) return NTRUN_ENOTFOUND;  // unknown, forgotten, or another strategy's
    *out = ntrun_order_info_t{
        .id = o->id,
        .tag = o->request.tag,
        .ts_submitted = o->ts_submitted,
        .sid = o->request.symbol,
        .side = static_cast<int32_t>(o->request.side),
        .type = static_cast<int32_t>(o->request.type),
        .tif = static_cast<int32_t>(o->request.tif),
        .status = static_cast<int32_t>(o->status),
        .quantity = o->request.quantity,
        .filled_qty = o->filled_qty,
        .avg_fill_price = o->avg_fill_price,
        .limit_price = o->request.limit_price,
        .stop_price = o->request.stop_price,
        .parent_id = o->parent,
        .oco_group = o->oco_group,
        .active = o->active ? 1 : 0,
        .reduce_only = o->request.reduce_only ? 1 : 0,
        .role = static_cast<int32_t>(o->request.role),
        .pad_ = 0,
        .trail_amount = o->request.trail_amount,
        .trail_percent = o->request.trail_percent,
    };
    return NTRUN_OK;
  });
}

int32_t ntrun_ffi_open_orders(const ntrun_session_t* s, uint64_t* ids, int32_t cap) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (cap < 0 || (cap > 0 && !ids)) return NTRUN_EINVAL;
  return guarded(nullptr, 0, S(s), [&] {
    const auto open = p->open_orders();
    for (std::size_t i = 0; i < open.size() && i < static_cast<std::size_t>(cap); ++i) {
      ids[i] = open[i];
    }
    return static_cast<int32_t>(open.size());
  });
}

int32_t ntrun_ffi_position(const ntrun_session_t* s, uint32_t sid, ntrun_position_t* out) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!out) return NTRUN_EINVAL;
  if (sid >= p->symbols().size()) return NTRUN_ENOTFOUND;
  return guarded(nullptr, 0, S(s), [&] {
    const auto q = p->position(sid);
    *out = ntrun_position_t{.quantity = q.quantity,
                            .avg_price = q.avg_price,
                            .realised_pnl = q.realised_pnl,
                            .unrealised_pnl = q.unrealised_pnl,
                            .last_price = q.last_price};
  });
}

int32_t ntrun_ffi_account(const ntrun_session_t* s, ntrun_account_t* out) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!out) return NTRUN_EINVAL;
  return guarded(nullptr, 0, S(s), [&] {
    const auto a = p->account();
    *out = ntrun_account_t{.equity = a.equity,
                           .cash = a.cash,
                           .gross_exposure = a.gross_exposure,
                           .net_exposure = a.net_exposure,
                           .realised_pnl = a.realised_pnl,
                           .commissions = a.commissions};
  });
}

int32_t ntrun_ffi_timer_set(ntrun_session_t* s, int64_t first_ts, int64_t interval_ns,
                            int64_t* out_id) noexcept {
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (interval_ns < 0 || !out_id) return NTRUN_EINVAL;
  return guarded(nullptr, 0, S(s), [&] { *out_id = p->set_timer(first_ts, interval_ns); });
}

int32_t ntrun_ffi_timer_cancel(ntrun_session_t* s, int64_t id) noexcept {
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  return guarded(nullptr, 0, S(s), [&] { return p->cancel_timer(id) ? NTRUN_OK : NTRUN_ENOTFOUND; });
}

int32_t ntrun_ffi_timer_calendar(ntrun_session_t* s, int32_t kind, int64_t* out_id) noexcept {
  static_assert(NTRUN_CAL_MONTH_START == static_cast<int>(ntrun::calendar_kind::month_start));
  static_assert(NTRUN_CAL_WEEK_START == static_cast<int>(ntrun::calendar_kind::week_start));
  static_assert(NTRUN_CAL_SESSION_CLOSE == static_cast<int>(ntrun::calendar_kind::session_close));
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!out_id || kind < NTRUN_CAL_MONTH_START || kind > NTRUN_CAL_SESSION_CLOSE) return NTRUN_EINVAL;
  return guarded(nullptr, 0, S(s), [&] {
    *out_id = p->set_calendar_timer(static_cast<ntrun::calendar_kind>(kind));
  });
}

double ntrun_ffi_random(ntrun_session_t* s) noexcept {
  ntrun::strategy_port* p = P(s);
  return p ? p->random() : std::nan("");
}

void ntrun_ffi_log(ntrun_session_t* s, int32_t level, const char* msg, size_t len) noexcept {
  if (!s || !msg) return;
  S(s)->log(level, std::string_view(msg, len));
}

int32_t ntrun_ffi_limits_get(const ntrun_session_t* s, ntrun_limits_t* out, double* max_position,
                             double* max_notional, int32_t len) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!out) return NTRUN_EINVAL;
  const std::size_t n = p->symbols().size();
  if ((max_position || max_notional) && (len < 0 || static_cast<std::size_t>(len) != n)) {
    return NTRUN_EINVAL;
  }
  const ntrun::market::check_config& c = p->limits();
  constexpr double ns = static_cast<double>(ntrun::ns_per_second);
  *out = ntrun_limits_t{
      .max_position = c.max_position,
      .max_notional = c.max_notional,
      .max_order_notional = c.max_order_notional,
      .max_gross_exposure = c.max_gross_exposure,
      .max_net_exposure = c.max_net_exposure,
      .max_leverage = c.max_leverage,
      .breaker_loss = c.breaker.loss,
      .breaker_window = static_cast<double>(c.breaker.window) / ns,
      .breaker_max_drawdown = c.breaker.max_drawdown,
      .breaker_cooldown = static_cast<double>(c.breaker.cooldown) / ns,
      .var_limit = c.var.limit,
      .var_confidence = c.var.confidence,
      .var_window = static_cast<int32_t>(c.var.window),
      .max_orders_per_second = static_cast<int32_t>(c.max_orders_per_second),
      .allow_short = c.allow_short ? 1 : 0,
      .per_symbol = (c.max_position_by_symbol.empty() ? 0 : NTRUN_LIMITS_POSITION_BY_SYMBOL) |
                    (c.max_notional_by_symbol.empty() ? 0 : NTRUN_LIMITS_NOTIONAL_BY_SYMBOL),
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (max_position) {
      max_position[i] =
          c.max_position_by_symbol.empty() ? c.max_position : c.max_position_by_symbol[i];
    }
    if (max_notional) {
      max_notional[i] =
          c.max_notional_by_symbol.empty() ? c.max_notional : c.max_notional_by_symbol[i];
    }
  }
  return NTRUN_OK;
}

int32_t ntrun_ffi_limits_set(ntrun_session_t* s, const ntrun_limits_t* in,
                             const double* max_position, const double* max_notional, int32_t len,
                             char* err, size_t errlen) noexcept {
  auto fail = [&](const char* msg) {
    if (err && errlen > 0) {
      const std::size_t k = std::min(std::strlen(msg), errlen - 1);
      std::memcpy(err, msg, k);
      err[k] = '\0';
    }
    return NTRUN_EINVAL;
  };
  ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!in) return fail("ntrun_ffi_limits_set: NULL limits");
  const std::size_t n = p->symbols().size();
  const bool pos_list = (in->per_symbol & NTRUN_LIMITS_POSITION_BY_SYMBOL) != 0;
  const bool val_list = (in->per_symbol & NTRUN_LIMITS_NOTIONAL_BY_SYMBOL) != 0;
  if ((pos_list && !max_position) || (val_list && !max_notional) ||
      ((pos_list || val_list) && (len < 0 || static_cast<std::size_t>(len) != n))) {
    return fail("bad per-symbol limits: give num_symbols values for each list in per_symbol");
  }
  // Seconds to ns: beyond about 292 years an int64 of ns overflows.
  constexpr double max_seconds = NTRUN_K_MAX_SECONDS;
  const auto seconds = [](double secs) {
    return static_cast<ntrun::ts_ns>(std::llround(secs * static_cast<double>(ntrun::ns_per_second)));
  };
  if (!(in->breaker_window >= 0 && in->breaker_window <= max_seconds)) {
    return fail("bad 'circuit_breaker.window': must be seconds in 0..9.2e9");
  }
  if (!(in->breaker_cooldown >= 0 && in->breaker_cooldown <= max_seconds)) {
    return fail("bad 'circuit_breaker.cooldown': must be seconds in 0..9.2e9");
  }
  if (in->var_window < 1) return fail("bad 'var_window': must be >= 1");
  if (in->max_orders_per_second < 0) return fail("bad 'max_orders_per_second': must be >= 0");
  return guarded(err, errlen, S(s), [&] {
    ntrun::market::check_config c{
        .max_position = in->max_position,
        .max_order_notional = in->max_order_notional,
        .max_orders_per_second = static_cast<std::uint32_t>(in->max_orders_per_second),
        .allow_short = in->allow_short != 0,
        .max_leverage = in->max_leverage,
        .max_notional = in->max_notional,
        .max_position_by_symbol =
            pos_list ? std::vector<double>(max_position, max_position + n) : std::vector<double>{},
        .max_notional_by_symbol =
            val_list ? std::vector<double>(max_notional, max_notional + n) : std::vector<double>{},
        .max_gross_exposure = in->max_gross_exposure,
        .max_net_exposure = in->max_net_exposure,
        .breaker = {.loss = in->breaker_loss,
                    .window = seconds(in->breaker_window),
                    .max_drawdown = in->breaker_max_drawdown,
                    .cooldown = seconds(in->breaker_cooldown)},
        .var = {.limit = in->var_limit,
                .confidence = in->var_confidence,
                .window = static_cast<std::uint32_t>(in->var_window)},
    };
    p->set_limits(c);
  });
}

int32_t ntrun_ffi_risk_state(const ntrun_session_t* s, ntrun_risk_state_t* out) noexcept {
  const ntrun::strategy_port* p = P(s);
  if (!p) return NTRUN_ESTATE;
  if (!out) return NTRUN_EINVAL;
  const ntrun::market::risk_status& r = p->risk();
  *out = ntrun_risk_state_t{.state = static_cast<int32_t>(r.state),
                            .trips = r.trips,
                            .since = r.since,
                            .resume_at = r.until,
                            .reason = r.reason,
                            .equity = r.equity,
                            .peak_equity = r.peak_equity,
                            .drawdown = r.drawdown,
                            .window_loss = r.window_loss,
                            .trip_equity = r.trip_equity};
  return NTRUN_OK;
}

}  // extern "C"
