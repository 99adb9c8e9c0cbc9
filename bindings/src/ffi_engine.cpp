// C ABI over the backtest engine: events, history, orders, portfolio, timers, random, log,
// risk limits and the circuit breaker's state.
// ntrun_engine_t is the engine itself; the event structs are layout-checked below so Lua
// reads the engine's slots in place.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

#include "ntrun/backtest/engine.hpp"
#include "ntrun/bindings/log_sink.hpp"
#include "ntrun_ffi.h"

namespace bt = ntrun::backtest;

#define NTRUN_SAME_LAYOUT(C, CXX, cf, cxxf) \
  static_assert(offsetof(C, cf) == offsetof(CXX, cxxf), #C "." #cf " layout")
static_assert(sizeof(ntrun_bar_t) == sizeof(ntrun::bar));
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, ts_event, ts_event);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, sid, symbol);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, flags, flags);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, open, open);
NTRUN_SAME_LAYOUT(ntrun_bar_t, ntrun::bar, volume, volume);
static_assert(sizeof(ntrun_order_event_t) == sizeof(bt::order_event_view));
NTRUN_SAME_LAYOUT(ntrun_order_event_t, bt::order_event_view, order_id, id);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, bt::order_event_view, sid, symbol);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, bt::order_event_view, status, status);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, bt::order_event_view, quantity, quantity);
NTRUN_SAME_LAYOUT(ntrun_order_event_t, bt::order_event_view, reason, reason);
static_assert(sizeof(ntrun_event_t) == sizeof(bt::event_slot));
NTRUN_SAME_LAYOUT(ntrun_event_t, bt::event_slot, bar, b);
NTRUN_SAME_LAYOUT(ntrun_event_t, bt::event_slot, order, order);
NTRUN_SAME_LAYOUT(ntrun_event_t, bt::event_slot, timer, timer);
NTRUN_SAME_LAYOUT(ntrun_event_t, bt::event_slot, risk, risk);
static_assert(sizeof(ntrun_risk_event_t) == sizeof(bt::risk_event_view));
NTRUN_SAME_LAYOUT(ntrun_risk_event_t, bt::risk_event_view, state, state);
NTRUN_SAME_LAYOUT(ntrun_risk_event_t, bt::risk_event_view, reason, reason);
static_assert(NTRUN_EV_RISK == static_cast<int>(bt::event_kind::risk));
static_assert(NTRUN_RISK_REDUCING == static_cast<int>(ntrun::market::risk_state::reducing));
static_assert(NTRUN_EV_BAR == static_cast<int>(bt::event_kind::bar));
static_assert(NTRUN_EV_END == static_cast<int>(bt::event_kind::end));
static_assert(NTRUN_ST_EXPIRED == static_cast<int>(ntrun::order_status::expired));
static_assert(NTRUN_STOP_LIMIT == static_cast<int>(ntrun::order_type::stop_limit));
static_assert(NTRUN_FOK == static_cast<int>(ntrun::time_in_force::fok));
static_assert(NTRUN_F_VOLUME == static_cast<int>(bt::bar_field::volume));

namespace {

bt::engine* E(ntrun_engine_t* e) noexcept {
  return reinterpret_cast<bt::engine*>(e);
}
const bt::engine* E(const ntrun_engine_t* e) noexcept {
  return reinterpret_cast<const bt::engine*>(e);
}
bool valid_strategy(const bt::engine* e, int32_t s) noexcept {
  return e && s >= 0 && s < e->config().num_strategies;
}

}  // namespace

extern "C" {

ntrun_event_t* ntrun_ffi_engine_event(ntrun_engine_t* e, int32_t strategy) noexcept {
  if (!valid_strategy(E(e), strategy)) return nullptr;
  return reinterpret_cast<ntrun_event_t*>(E(e)->slot(strategy));
}

int32_t ntrun_ffi_engine_next(ntrun_engine_t* e, int32_t strategy) noexcept {
  if (!valid_strategy(E(e), strategy)) return NTRUN_EINVAL;
  try {
    return static_cast<int32_t>(E(e)->next(strategy));
  } catch (const std::exception& ex) {
    // A data error mid-run (bad CSV row): the host reports it after the strategy returns.
    ntrun::bindings::set_pending_error(ex.what());
    return NTRUN_EV_END;
  }
}

int64_t ntrun_ffi_engine_now(const ntrun_engine_t* e) noexcept {
  return e ? E(e)->now() : 0;
}

int32_t ntrun_ffi_engine_num_symbols(const ntrun_engine_t* e) noexcept {
  return e ? static_cast<int32_t>(E(e)->num_symbols()) : 0;
}

const char* ntrun_ffi_engine_symbol_name(const ntrun_engine_t* e, uint32_t sid) noexcept {
  if (!e || sid >= E(e)->num_symbols()) return nullptr;
  return E(e)->config().symbols[sid].c_str();
}

int32_t ntrun_ffi_history(const ntrun_engine_t* e, uint32_t sid, int32_t field, int64_t n,
                          ntrun_series_t* out) noexcept {
  if (!e || !out || sid >= E(e)->num_symbols() || field < 0 || field > NTRUN_F_VOLUME || n < 0 ||
      static_cast<uint64_t>(n) > E(e)->history().capacity()) {
    return NTRUN_EINVAL;
  }
  const auto span =
      E(e)->history().last(sid, static_cast<bt::bar_field>(field), static_cast<std::size_t>(n));
  out->data = span.data();
  out->len = static_cast<int64_t>(span.size());
  return NTRUN_OK;
}

int64_t ntrun_ffi_history_capacity(const ntrun_engine_t* e) noexcept {
  return e ? static_cast<int64_t>(E(e)->history().capacity()) : 0;
}

int32_t ntrun_ffi_order_submit(ntrun_engine_t* e, int32_t strategy, const ntrun_order_req_t* req,
                               uint64_t* out_id, const char** out_reason) noexcept {
  if (!valid_strategy(E(e), strategy) || !req) return NTRUN_EINVAL;
  if (req->side < NTRUN_BUY || req->side > NTRUN_SELL || req->type < NTRUN_MARKET ||
      req->type > NTRUN_STOP_LIMIT || req->tif < NTRUN_GTC || req->tif > NTRUN_FOK) {
    return NTRUN_EINVAL;
  }
  try {
    const auto r = E(e)->submit(strategy, ntrun::market::order_request{
                                              .symbol = req->sid,
                                              .side = static_cast<ntrun::order_side>(req->side),
                                              .type = static_cast<ntrun::order_type>(req->type),
                                              .tif = static_cast<ntrun::time_in_force>(req->tif),
                                              .quantity = req->quantity,
                                              .limit_price = req->limit_price,
                                              .stop_price = req->stop_price,
                                              .strategy = strategy,
                                              .tag = req->tag,
                                          });
    if (out_id) *out_id = r.id;
    if (out_reason) *out_reason = r.reason;
    return r.reason ? NTRUN_EREJECTED : NTRUN_OK;
  } catch (...) {
    return NTRUN_ENOMEM;
  }
}

int32_t ntrun_ffi_order_cancel(ntrun_engine_t* e, int32_t strategy, uint64_t id) noexcept {
  if (!valid_strategy(E(e), strategy)) return NTRUN_EINVAL;
  try {
    return E(e)->cancel(strategy, id) ? NTRUN_OK : NTRUN_ENOTFOUND;
  } catch (...) {
    return NTRUN_ENOMEM;
  }
}

int32_t ntrun_ffi_order_modify(ntrun_engine_t* e, int32_t strategy, uint64_t id, double quantity,
                               double limit_price, double stop_price) noexcept {
  if (!valid_strategy(E(e), strategy)) return NTRUN_EINVAL;
  try {
    return E(e)->modify(strategy, id, quantity, limit_price, stop_price) ? NTRUN_OK
                                                                         : NTRUN_ENOTFOUND;
  } catch (...) {
    return NTRUN_ENOMEM;
  }
}

int32_t ntrun_ffi_order_get(const ntrun_engine_t* e, uint64_t id,
                            ntrun_order_info_t* out) noexcept {
  if (!e || !out) return NTRUN_EINVAL;
  const ntrun::market::order* o = E(e)->venue().find(id);
  if (!o) return NTRUN_ENOTFOUND;
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
  };
  return NTRUN_OK;
}

int32_t ntrun_ffi_open_orders(const ntrun_engine_t* e, int32_t strategy, uint64_t* ids,
                              int32_t cap) noexcept {
  if (!valid_strategy(E(e), strategy) || cap < 0 || (cap > 0 && !ids)) return NTRUN_EINVAL;
  try {
    const auto open = E(e)->open_orders(strategy);
    for (std::size_t i = 0; i < open.size() && i < static_cast<std::size_t>(cap); ++i) {
      ids[i] = open[i];
    }
    return static_cast<int32_t>(open.size());
  } catch (...) {
    return NTRUN_ENOMEM;
  }
}

int32_t ntrun_ffi_position(const ntrun_engine_t* e, uint32_t sid, ntrun_position_t* out) noexcept {
  if (!e || !out) return NTRUN_EINVAL;
  if (sid >= E(e)->num_symbols()) return NTRUN_ENOTFOUND;
  const auto p = E(e)->portfolio().position(sid);
  *out = ntrun_position_t{.quantity = p.qty,
                          .avg_price = p.avg_price,
                          .realised_pnl = p.realised_pnl,
                          .unrealised_pnl = p.unrealised_pnl,
                          .last_price = p.last_price};
  return NTRUN_OK;
}

int32_t ntrun_ffi_account(const ntrun_engine_t* e, ntrun_account_t* out) noexcept {
  if (!e || !out) return NTRUN_EINVAL;
  const auto& p = E(e)->portfolio();
  *out = ntrun_account_t{.equity = p.equity(),
                         .cash = p.cash(),
                         .gross_exposure = p.gross_exposure(),
                         .net_exposure = p.net_exposure(),
                         .realised_pnl = p.realised_pnl(),
                         .commissions = p.total_commission()};
  return NTRUN_OK;
}

int32_t ntrun_ffi_timer_set(ntrun_engine_t* e, int32_t strategy, int64_t first_ts,
                            int64_t interval_ns, int64_t* out_id) noexcept {
  if (!valid_strategy(E(e), strategy) || interval_ns < 0 || !out_id) return NTRUN_EINVAL;
  try {
    *out_id = E(e)->set_timer(strategy, first_ts, interval_ns);
    return NTRUN_OK;
  } catch (...) {
    return NTRUN_ENOMEM;
  }
}

int32_t ntrun_ffi_timer_cancel(ntrun_engine_t* e, int32_t strategy, int64_t id) noexcept {
  if (!valid_strategy(E(e), strategy)) return NTRUN_EINVAL;
  return E(e)->cancel_timer(strategy, id) ? NTRUN_OK : NTRUN_ENOTFOUND;
}

double ntrun_ffi_random(ntrun_engine_t* e, int32_t strategy) noexcept {
  if (!valid_strategy(E(e), strategy)) return std::nan("");
  return E(e)->random(strategy);
}

void ntrun_ffi_log(ntrun_engine_t* e, int32_t strategy, int32_t level, const char* msg,
                   size_t len) noexcept {
  if (!msg) return;
  ntrun::bindings::log_line(e ? E(e)->now() : 0, strategy, level, std::string_view(msg, len));
}

int32_t ntrun_ffi_limits_get(const ntrun_engine_t* e, ntrun_limits_t* out, double* max_position,
                             double* max_notional, int32_t len) noexcept {
  if (!e || !out) return NTRUN_EINVAL;
  const std::size_t n = E(e)->num_symbols();
  if ((max_position || max_notional) && (len < 0 || static_cast<std::size_t>(len) != n)) {
    return NTRUN_EINVAL;
  }
  const ntrun::market::check_config& c = E(e)->limits();
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

int32_t ntrun_ffi_limits_set(ntrun_engine_t* e, const ntrun_limits_t* in,
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
  if (!e || !in) return fail("ntrun_ffi_limits_set: NULL engine or limits");
  const std::size_t n = E(e)->num_symbols();
  const bool pos_list = (in->per_symbol & NTRUN_LIMITS_POSITION_BY_SYMBOL) != 0;
  const bool val_list = (in->per_symbol & NTRUN_LIMITS_NOTIONAL_BY_SYMBOL) != 0;
  if ((pos_list && !max_position) || (val_list && !max_notional) ||
      ((pos_list || val_list) && (len < 0 || static_cast<std::size_t>(len) != n))) {
    return fail("bad per-symbol limits: give num_symbols values for each list in per_symbol");
  }
  // Seconds to ns: beyond about 292 years an int64 of ns overflows.
  constexpr double max_seconds = 9.2e9;
  const auto seconds = [](double s) {
    return static_cast<ntrun::ts_ns>(std::llround(s * static_cast<double>(ntrun::ns_per_second)));
  };
  if (!(in->breaker_window >= 0 && in->breaker_window <= max_seconds)) {
    return fail("bad 'circuit_breaker.window': must be seconds in 0..9.2e9");
  }
  if (!(in->breaker_cooldown >= 0 && in->breaker_cooldown <= max_seconds)) {
    return fail("bad 'circuit_breaker.cooldown': must be seconds in 0..9.2e9");
  }
  if (in->var_window < 1) return fail("bad 'var_window': must be >= 1");
  if (in->max_orders_per_second < 0) return fail("bad 'max_orders_per_second': must be >= 0");
  try {
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
    E(e)->set_limits(c);
    return NTRUN_OK;
  } catch (const std::exception& ex) {
    return fail(ex.what());
  }
}

int32_t ntrun_ffi_risk_state(const ntrun_engine_t* e, ntrun_risk_state_t* out) noexcept {
  if (!e || !out) return NTRUN_EINVAL;
  const ntrun::market::risk_status& r = E(e)->risk();
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
