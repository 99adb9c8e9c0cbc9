// C ABI of the indicators (bindings/ntrun_ffi.h, section "Indicators") over
// ntrun::compute. Every entry point is noexcept: C++ errors become NULL, a status or NaN here.
#include <cmath>
#include <cstddef>
#include <limits>
#include <new>
#include <span>
#include <stdexcept>

#include "ntrun/compute/indicators.hpp"
#include "session_cast.hpp"
#include "ntrun_ffi.h"

namespace nc = ntrun::compute;

// The opaque handles of the header: each wraps one incremental indicator.
struct ntrun_sma_t {
  nc::sma impl;
};
struct ntrun_ema_t {
  nc::ema impl;
};
struct ntrun_rstd_t {
  nc::rolling_std impl;
};
struct ntrun_rsi_t {
  nc::rsi impl;
};
struct ntrun_macd_t {
  nc::macd impl;
};
struct ntrun_bbands_t {
  nc::bollinger impl;
};
struct ntrun_atr_t {
  nc::atr impl;
};
struct ntrun_ols_t {
  nc::rolling_ols impl;
};

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Construction failures (bad argument, no memory) are all reported as NULL.
template <class Handle, class... Args>
Handle* make(Args... args) noexcept {
  try {
    return new Handle{decltype(Handle::impl)(args...)};
  } catch (...) {
    return nullptr;
  }
}

// Indicator objects are booked to the session of the state that made them.
template <class Handle>
Handle* booked(ntrun_session_t* session, Handle* h) noexcept {
  if (h && session) ntrun::bindings::S(session)->account_alloc(sizeof(Handle));
  return h;
}
template <class Handle>
void release(ntrun_session_t* session, Handle* h) noexcept {
  if (h && session) ntrun::bindings::S(session)->account_free(sizeof(Handle));
  delete h;
}

template <class F>
int32_t status_of(F&& f) noexcept {
  try {
    f();
    return NTRUN_OK;
  } catch (const std::bad_alloc&) {
    return NTRUN_ENOMEM;
  } catch (...) {
    return NTRUN_EINVAL;  // std::invalid_argument: the only other thing compute throws
  }
}

[[nodiscard]] bool bad_len(int64_t len) noexcept {
  return len < 0;
}

[[nodiscard]] std::span<const double> in(const double* p, int64_t len) noexcept {
  return {p, static_cast<std::size_t>(len)};
}
[[nodiscard]] std::span<double> out(double* p, int64_t len) noexcept {
  return {p, static_cast<std::size_t>(len)};
}

}  // namespace

extern "C" {

// A NULL handle or a non-finite input yields NaN and leaves the indicator's state untouched.

ntrun_sma_t* ntrun_ffi_sma_new(ntrun_session_t* session, int32_t window) noexcept {
  return booked(session, make<ntrun_sma_t>(window));
}
void ntrun_ffi_sma_free(ntrun_session_t* session, ntrun_sma_t* s) noexcept {
  release(session, s);
}
double ntrun_ffi_sma_update(ntrun_sma_t* s, double x) noexcept {
  if (s == nullptr || !std::isfinite(x)) return k_nan;
  try {
    return s->impl.update(x);
  } catch (...) {
    return k_nan;
  }
}
int32_t ntrun_ffi_sma_series(const double* x, int64_t len, int32_t window, double* o) noexcept {
  if (x == nullptr || o == nullptr || bad_len(len)) return NTRUN_EINVAL;
  return status_of([&] { nc::sma_series(in(x, len), window, out(o, len)); });
}

ntrun_ema_t* ntrun_ffi_ema_new(ntrun_session_t* session, int32_t window) noexcept {
  return booked(session, make<ntrun_ema_t>(window));
}
void ntrun_ffi_ema_free(ntrun_session_t* session, ntrun_ema_t* s) noexcept {
  release(session, s);
}
double ntrun_ffi_ema_update(ntrun_ema_t* s, double x) noexcept {
  if (s == nullptr || !std::isfinite(x)) return k_nan;
  try {
    return s->impl.update(x);
  } catch (...) {
    return k_nan;
  }
}
int32_t ntrun_ffi_ema_series(const double* x, int64_t len, int32_t window, double* o) noexcept {
  if (x == nullptr || o == nullptr || bad_len(len)) return NTRUN_EINVAL;
  return status_of([&] { nc::ema_series(in(x, len), window, out(o, len)); });
}

ntrun_rstd_t* ntrun_ffi_rstd_new(ntrun_session_t* session, int32_t window) noexcept {
  return booked(session, make<ntrun_rstd_t>(window));
}
void ntrun_ffi_rstd_free(ntrun_session_t* session, ntrun_rstd_t* s) noexcept {
  release(session, s);
}
double ntrun_ffi_rstd_update(ntrun_rstd_t* s, double x) noexcept {
  if (s == nullptr || !std::isfinite(x)) return k_nan;
  try {
    return s->impl.update(x);
  } catch (...) {
    return k_nan;
  }
}
double ntrun_ffi_rstd_zscore(const ntrun_rstd_t* s) noexcept {
  return s == nullptr ? k_nan : s->impl.zscore();
}
double ntrun_ffi_rstd_mean(const ntrun_rstd_t* s) noexcept {
  return s == nullptr ? k_nan : s->impl.mean();
}
int32_t ntrun_ffi_rstd_series(const double* x, int64_t len, int32_t window, double* o) noexcept {
  if (x == nullptr || o == nullptr || bad_len(len)) return NTRUN_EINVAL;
  return status_of([&] { nc::rolling_std_series(in(x, len), window, out(o, len)); });
}
int32_t ntrun_ffi_zscore_series(const double* x, int64_t len, int32_t window, double* o) noexcept {
  if (x == nullptr || o == nullptr || bad_len(len)) return NTRUN_EINVAL;
  return status_of([&] { nc::zscore_series(in(x, len), window, out(o, len)); });
}

ntrun_rsi_t* ntrun_ffi_rsi_new(ntrun_session_t* session, int32_t window) noexcept {
  return booked(session, make<ntrun_rsi_t>(window));
}
void ntrun_ffi_rsi_free(ntrun_session_t* session, ntrun_rsi_t* s) noexcept {
  release(session, s);
}
double ntrun_ffi_rsi_update(ntrun_rsi_t* s, double x) noexcept {
  if (s == nullptr || !std::isfinite(x)) return k_nan;
  try {
    return s->impl.update(x);
  } catch (...) {
    return k_nan;
  }
}
int32_t ntrun_ffi_rsi_series(const double* x, int64_t len, int32_t window, double* o) noexcept {
  if (x == nullptr || o == nullptr || bad_len(len)) return NTRUN_EINVAL;
  return status_of([&] { nc::rsi_series(in(x, len), window, out(o, len)); });
}

ntrun_macd_t* ntrun_ffi_macd_new(ntrun_session_t* session, int32_t fast, int32_t slow, int32_t signal) noexcept {
  return booked(session, make<ntrun_macd_t>(fast, slow, signal));
}
void ntrun_ffi_macd_free(ntrun_session_t* session, ntrun_macd_t* s) noexcept {
  release(session, s);
}
void ntrun_ffi_macd_update(ntrun_macd_t* s, double x, ntrun_macd_out_t* o) noexcept {
  if (o == nullptr) return;
  *o = {k_nan, k_nan, k_nan};
  if (s == nullptr || !std::isfinite(x)) return;
  try {
    const nc::macd_value v = s->impl.update(x);
    *o = {v.macd, v.signal, v.hist};
  } catch (...) {
  }
}
int32_t ntrun_ffi_macd_series(const double* x, int64_t len, int32_t fast, int32_t slow,
                              int32_t signal, double* macd, double* sig, double* hist) noexcept {
  if (x == nullptr || macd == nullptr || sig == nullptr || hist == nullptr || bad_len(len))
    return NTRUN_EINVAL;
  return status_of([&] {
    nc::macd_series(in(x, len), fast, slow, signal, out(macd, len), out(sig, len), out(hist, len));
  });
}

ntrun_bbands_t* ntrun_ffi_bbands_new(ntrun_session_t* session, int32_t window, double k) noexcept {
  return booked(session, make<ntrun_bbands_t>(window, k));
}
void ntrun_ffi_bbands_free(ntrun_session_t* session, ntrun_bbands_t* s) noexcept {
  release(session, s);
}
void ntrun_ffi_bbands_update(ntrun_bbands_t* s, double x, ntrun_bbands_out_t* o) noexcept {
  if (o == nullptr) return;
  *o = {k_nan, k_nan, k_nan};
  if (s == nullptr || !std::isfinite(x)) return;
  try {
    const nc::bollinger_value v = s->impl.update(x);
    *o = {v.middle, v.upper, v.lower};
  } catch (...) {
  }
}
int32_t ntrun_ffi_bbands_series(const double* x, int64_t len, int32_t window, double k,
                                double* middle, double* upper, double* lower) noexcept {
  if (x == nullptr || middle == nullptr || upper == nullptr || lower == nullptr || bad_len(len))
    return NTRUN_EINVAL;
  return status_of([&] {
    nc::bollinger_series(in(x, len), window, k, out(middle, len), out(upper, len), out(lower, len));
  });
}

ntrun_atr_t* ntrun_ffi_atr_new(ntrun_session_t* session, int32_t window) noexcept {
  return booked(session, make<ntrun_atr_t>(window));
}
void ntrun_ffi_atr_free(ntrun_session_t* session, ntrun_atr_t* s) noexcept {
  release(session, s);
}
double ntrun_ffi_atr_update(ntrun_atr_t* s, double high, double low, double close) noexcept {
  if (s == nullptr) return k_nan;
  try {
    return s->impl.update(high, low, close);  // checks finiteness and low <= high first
  } catch (...) {
    return k_nan;
  }
}
int32_t ntrun_ffi_atr_series(const double* high, const double* low, const double* close,
                             int64_t len, int32_t window, double* o) noexcept {
  if (high == nullptr || low == nullptr || close == nullptr || o == nullptr || bad_len(len))
    return NTRUN_EINVAL;
  return status_of(
      [&] { nc::atr_series(in(high, len), in(low, len), in(close, len), window, out(o, len)); });
}

int32_t ntrun_ffi_log_returns(const double* x, int64_t len, double* o) noexcept {
  if (x == nullptr || o == nullptr || bad_len(len)) return NTRUN_EINVAL;
  return status_of([&] { nc::log_returns(in(x, len), out(o, len)); });
}
int32_t ntrun_ffi_pct_returns(const double* x, int64_t len, double* o) noexcept {
  if (x == nullptr || o == nullptr || bad_len(len)) return NTRUN_EINVAL;
  return status_of([&] { nc::pct_returns(in(x, len), out(o, len)); });
}

ntrun_ols_t* ntrun_ffi_ols_new(ntrun_session_t* session, int32_t window) noexcept {
  return booked(session, make<ntrun_ols_t>(window));
}
void ntrun_ffi_ols_free(ntrun_session_t* session, ntrun_ols_t* s) noexcept {
  release(session, s);
}
void ntrun_ffi_ols_update(ntrun_ols_t* s, double y, double x, ntrun_ols_out_t* o) noexcept {
  if (o == nullptr) return;
  *o = {k_nan, k_nan, k_nan, k_nan};
  if (s == nullptr) return;
  try {
    const nc::ols_value v = s->impl.update(y, x);  // checks finiteness before touching state
    *o = {v.beta, v.alpha, v.spread, v.r2};
  } catch (...) {
  }
}
int32_t ntrun_ffi_ols_series(const double* y, const double* x, int64_t len, int32_t window,
                             double* beta, double* alpha, double* spread) noexcept {
  if (y == nullptr || x == nullptr || beta == nullptr || alpha == nullptr || spread == nullptr ||
      bad_len(len))
    return NTRUN_EINVAL;
  return status_of([&] {
    nc::rolling_ols_series(in(y, len), in(x, len), window, out(beta, len), out(alpha, len),
                           out(spread, len));
  });
}

}  // extern "C"
