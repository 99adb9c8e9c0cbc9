/* The C ABI that Lua scripts call through LuaJIT's FFI: the only seam between scripts and the
 * host. Plain C, status codes, caller-owned buffers. The `nt` library's ffi.cdef is generated
 * from the text between NTRUN_CDEF_BEGIN and NTRUN_CDEF_END (cmake/embed_lua.cmake), so this
 * file is the single declaration: no preprocessor lines inside that region except two
 * markers: NTRUN_NOEXCEPT, which the generator strips, and NTRUN_RO, which it turns into
 * `const` (fields Lua reads in place but must never write; C and C++ see plain fields).
 *
 * Every call a Lua state makes about its run goes through its session (ntrun_session_t*):
 * an opaque handle the host gives each state, which the `nt` library keeps in module
 * upvalues. Strategy code never holds a session, a raw pointer or a writable handle.
 *
 * Naming: ntrun_ffi_<concept>_<verb>. Functions returning int return NTRUN_OK (0) or a
 * negative NTRUN_E* code; the Lua side names the codes once (scripts/nt/_core.lua). Error text
 * comes from ntrun_ffi_strerror (static strings) or a caller buffer, never a host allocation.
 * Exceptions never cross this boundary. */
#ifndef NTRUN_FFI_H
#define NTRUN_FFI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define NTRUN_NOEXCEPT noexcept
extern "C" {
#else
#define NTRUN_NOEXCEPT
#endif
#define NTRUN_RO

/* NTRUN_CDEF_BEGIN */

/* ---- ABI version and status codes --------------------------------------------------- */
enum {
  NTRUN_ABI_VERSION = 5,
  NTRUN_OK = 0,
  NTRUN_EINVAL = -1,     /* bad argument (NaN, out of range, wrong length) */
  NTRUN_ENOMEM = -2,     /* allocation failed */
  NTRUN_ESTATE = -3,     /* call not valid in the current state (e.g. engine finished) */
  NTRUN_ENOTFOUND = -4,  /* unknown id or symbol */
  NTRUN_EREJECTED = -5,  /* an order command was rejected; the reason is in the out-param */
  NTRUN_EINTERNAL = -6   /* the host failed unexpectedly; the message is in the session's error */
};
int32_t ntrun_ffi_abi_version(void) NTRUN_NOEXCEPT;
/* What a path names, without opening it (a FIFO would block an open): NTRUN_PATH_*. */
enum { NTRUN_PATH_MISSING = 0, NTRUN_PATH_FILE = 1, NTRUN_PATH_DIR = 2, NTRUN_PATH_OTHER = 3 };
int32_t ntrun_ffi_path_kind(const char* path) NTRUN_NOEXCEPT;
/* 1 when path, links resolved, lies inside the folder dir (links resolved too), else 0. */
int32_t ntrun_ffi_path_inside(const char* path, const char* dir) NTRUN_NOEXCEPT;
const char* ntrun_ffi_version(void) NTRUN_NOEXCEPT; /* "0.1.0" */
const char* ntrun_ffi_strerror(int32_t status) NTRUN_NOEXCEPT;

/* ---- Sessions ------------------------------------------------------------------------- */
typedef struct ntrun_session_t ntrun_session_t;
/* The session's last error (a data error of the feed, an internal failure), copied into buf
 * (NUL-terminated, truncated); returns its full length, 0 when there is none. Keeps it. */
int64_t ntrun_ffi_session_error(const ntrun_session_t* s, char* buf, size_t len) NTRUN_NOEXCEPT;
/* Host memory this state holds (arrays, indicator objects), in bytes and allocations. */
int64_t ntrun_ffi_session_bytes(const ntrun_session_t* s) NTRUN_NOEXCEPT;
int64_t ntrun_ffi_session_allocs(const ntrun_session_t* s) NTRUN_NOEXCEPT;

/* ---- Time: the runtime's one UTC calendar (runtime/data/time.hpp) ------------------------ */
typedef struct ntrun_civil_t {
  int32_t year, month, day, hour, minute, second, nanos;
} ntrun_civil_t;
/* Proleptic Gregorian UTC fields of ns since the epoch (floor division before 1970). */
void ntrun_ffi_time_civil(int64_t ts, ntrun_civil_t* out) NTRUN_NOEXCEPT;

/* ---- Host-owned float64 arrays (nt.array) ---------------------------------------------- */
/* len zero-filled doubles booked to the session; NULL when out of memory or len < 0. The nt
 * library wraps them in handles whose fields strategy code cannot write (scripts/nt/array.lua)
 * and releases them with ffi.gc. */
double* ntrun_ffi_array_alloc(ntrun_session_t* s, int64_t len) NTRUN_NOEXCEPT;
void ntrun_ffi_array_release(ntrun_session_t* s, double* data, int64_t len) NTRUN_NOEXCEPT;

/* A read-only view (no ownership): bar history windows. Trusted modules only. */
typedef struct ntrun_series_t {
  const double* data;
  int64_t len;
} ntrun_series_t;

/* ---- Indicators: incremental objects (O(1) per update) -------------------------------- */
/* Each *_new returns NULL when an argument is out of range (window < 1 etc.); the object is
 * booked to the session (which may be NULL in C++ tools) and *_free takes the same session. Updates return
 * NaN until the indicator has seen enough values ("warm"); a NaN input is rejected by the Lua
 * layer before the call. Whole-series functions write len outputs into caller-owned out
 * (NaN during warm-up) and return a status. Definitions: docs/indicators.md. */
typedef struct ntrun_sma_t ntrun_sma_t;
ntrun_sma_t* ntrun_ffi_sma_new(ntrun_session_t* s, int32_t window) NTRUN_NOEXCEPT;
void ntrun_ffi_sma_free(ntrun_session_t* s, ntrun_sma_t* h) NTRUN_NOEXCEPT;
double ntrun_ffi_sma_update(ntrun_sma_t* s, double x) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_sma_series(const double* x, int64_t len, int32_t window, double* out) NTRUN_NOEXCEPT;

typedef struct ntrun_ema_t ntrun_ema_t; /* alpha = 2/(window+1), seeded with the SMA of the first window values */
ntrun_ema_t* ntrun_ffi_ema_new(ntrun_session_t* s, int32_t window) NTRUN_NOEXCEPT;
void ntrun_ffi_ema_free(ntrun_session_t* s, ntrun_ema_t* h) NTRUN_NOEXCEPT;
double ntrun_ffi_ema_update(ntrun_ema_t* s, double x) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_ema_series(const double* x, int64_t len, int32_t window, double* out) NTRUN_NOEXCEPT;

/* Rolling sample standard deviation (n-1 denominator) and z-score (x - mean) / std over the window. */
typedef struct ntrun_rstd_t ntrun_rstd_t;
ntrun_rstd_t* ntrun_ffi_rstd_new(ntrun_session_t* s, int32_t window) NTRUN_NOEXCEPT;
void ntrun_ffi_rstd_free(ntrun_session_t* s, ntrun_rstd_t* h) NTRUN_NOEXCEPT;
double ntrun_ffi_rstd_update(ntrun_rstd_t* s, double x) NTRUN_NOEXCEPT;
double ntrun_ffi_rstd_zscore(const ntrun_rstd_t* s) NTRUN_NOEXCEPT; /* z of the last value added */
double ntrun_ffi_rstd_mean(const ntrun_rstd_t* s) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_rstd_series(const double* x, int64_t len, int32_t window, double* out) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_zscore_series(const double* x, int64_t len, int32_t window, double* out) NTRUN_NOEXCEPT;

typedef struct ntrun_rsi_t ntrun_rsi_t; /* Wilder's smoothing, 0..100 */
ntrun_rsi_t* ntrun_ffi_rsi_new(ntrun_session_t* s, int32_t window) NTRUN_NOEXCEPT;
void ntrun_ffi_rsi_free(ntrun_session_t* s, ntrun_rsi_t* h) NTRUN_NOEXCEPT;
double ntrun_ffi_rsi_update(ntrun_rsi_t* s, double x) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_rsi_series(const double* x, int64_t len, int32_t window, double* out) NTRUN_NOEXCEPT;

typedef struct ntrun_macd_out_t {
  double macd, signal, hist;
} ntrun_macd_out_t;
typedef struct ntrun_macd_t ntrun_macd_t;
ntrun_macd_t* ntrun_ffi_macd_new(ntrun_session_t* s, int32_t fast, int32_t slow, int32_t signal) NTRUN_NOEXCEPT;
void ntrun_ffi_macd_free(ntrun_session_t* s, ntrun_macd_t* h) NTRUN_NOEXCEPT;
void ntrun_ffi_macd_update(ntrun_macd_t* s, double x, ntrun_macd_out_t* out) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_macd_series(const double* x, int64_t len, int32_t fast, int32_t slow,
                              int32_t signal, double* macd, double* sig, double* hist) NTRUN_NOEXCEPT;

typedef struct ntrun_bbands_out_t {
  double middle, upper, lower;
} ntrun_bbands_out_t;
typedef struct ntrun_bbands_t ntrun_bbands_t; /* SMA middle, +/- k sample std */
ntrun_bbands_t* ntrun_ffi_bbands_new(ntrun_session_t* s, int32_t window, double k) NTRUN_NOEXCEPT;
void ntrun_ffi_bbands_free(ntrun_session_t* s, ntrun_bbands_t* h) NTRUN_NOEXCEPT;
void ntrun_ffi_bbands_update(ntrun_bbands_t* s, double x, ntrun_bbands_out_t* out) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_bbands_series(const double* x, int64_t len, int32_t window, double k,
                                double* middle, double* upper, double* lower) NTRUN_NOEXCEPT;

typedef struct ntrun_atr_t ntrun_atr_t; /* true range smoothed with Wilder's method */
ntrun_atr_t* ntrun_ffi_atr_new(ntrun_session_t* s, int32_t window) NTRUN_NOEXCEPT;
void ntrun_ffi_atr_free(ntrun_session_t* s, ntrun_atr_t* h) NTRUN_NOEXCEPT;
double ntrun_ffi_atr_update(ntrun_atr_t* s, double high, double low, double close) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_atr_series(const double* high, const double* low, const double* close,
                             int64_t len, int32_t window, double* out) NTRUN_NOEXCEPT;

/* Returns: out[0] = NaN, out[i] = log(x[i]/x[i-1]) or x[i]/x[i-1] - 1. */
int32_t ntrun_ffi_log_returns(const double* x, int64_t len, double* out) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_pct_returns(const double* x, int64_t len, double* out) NTRUN_NOEXCEPT;

/* Rolling OLS of y on x over the window: y = alpha + beta * x. spread = y - alpha - beta*x. */
typedef struct ntrun_ols_out_t {
  double beta, alpha, spread, r2;
} ntrun_ols_out_t;
typedef struct ntrun_ols_t ntrun_ols_t;
ntrun_ols_t* ntrun_ffi_ols_new(ntrun_session_t* s, int32_t window) NTRUN_NOEXCEPT;
void ntrun_ffi_ols_free(ntrun_session_t* s, ntrun_ols_t* h) NTRUN_NOEXCEPT;
void ntrun_ffi_ols_update(ntrun_ols_t* s, double y, double x, ntrun_ols_out_t* out) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_ols_series(const double* y, const double* x, int64_t len, int32_t window,
                             double* beta, double* alpha, double* spread) NTRUN_NOEXCEPT;


/* ---- The engine, through the session: events, history, orders, portfolio -------------- */
/* The session's event slot is host-owned and overwritten by its next ntrun_ffi_session_next:
 * Lua reads it in place (no copy). Bars are NTRUN_RO: strategy code reads them directly. */
typedef struct ntrun_bar_t { /* mirrors ntrun::bar (static_asserts in bindings) */
  NTRUN_RO int64_t ts_event;
  NTRUN_RO int64_t ts_init;
  NTRUN_RO uint32_t sid;
  NTRUN_RO uint32_t flags; /* bit 0: close-only source; bit 1: last bar of its timestamp */
  NTRUN_RO double open, high, low, close, volume;
} ntrun_bar_t;

enum {
  NTRUN_EV_BAR = 1,
  NTRUN_EV_FILLED = 2,    /* a fill; order.status tells partially_filled or filled */
  NTRUN_EV_REJECTED = 3,
  NTRUN_EV_CANCELED = 4,
  NTRUN_EV_EXPIRED = 5,
  NTRUN_EV_TIMER = 6,
  NTRUN_EV_ACCEPTED = 7,
  NTRUN_EV_MODIFIED = 8,
  NTRUN_EV_RISK = 9,      /* the circuit breaker's state changed (when the host enables it) */
  NTRUN_EV_MESSAGE = 10,  /* bytes from an agent or a feed, valid until the next event */
  NTRUN_EV_CONTROL = 11,  /* the host asks the runner to return (control.code: NTRUN_CTL_*) */
  NTRUN_EV_YIELD = 100,   /* this strategy's queue is empty; another strategy runs next */
  NTRUN_EV_END = 101      /* the data is exhausted */
};
enum { NTRUN_CTL_STOP = 1, NTRUN_CTL_RELOAD = 2, NTRUN_CTL_DEADLINE = 4, NTRUN_CTL_STATUS = 8 };

/* Enum values shared with ntrun::order_side / order_type / time_in_force / order_status. */
enum { NTRUN_BUY = 0, NTRUN_SELL = 1 };
enum { NTRUN_MARKET = 0, NTRUN_LIMIT = 1, NTRUN_STOP = 2, NTRUN_STOP_LIMIT = 3 };
enum { NTRUN_GTC = 0, NTRUN_DAY = 1, NTRUN_IOC = 2, NTRUN_FOK = 3 };
enum {
  NTRUN_ST_SUBMITTED = 0, NTRUN_ST_ACCEPTED = 1, NTRUN_ST_REJECTED = 2,
  NTRUN_ST_PARTIALLY_FILLED = 3, NTRUN_ST_FILLED = 4, NTRUN_ST_CANCELED = 5, NTRUN_ST_EXPIRED = 6
};

typedef struct ntrun_order_event_t { /* mirrors ntrun::order_event_view */
  int64_t ts_event;
  int64_t ts_init;
  uint64_t order_id;
  int64_t tag;          /* the strategy's tag from the order request */
  uint32_t sid;
  int32_t side;         /* NTRUN_BUY / NTRUN_SELL */
  int32_t type;         /* NTRUN_MARKET ... */
  int32_t status;       /* status after this event */
  double quantity;      /* fills: this fill's quantity; otherwise the order quantity */
  double price;         /* fills: this fill's price (after slippage) */
  double commission;    /* fills: this fill's commission */
  double filled_qty;    /* cumulative */
  double remaining;     /* order quantity - filled_qty */
  const char* reason;   /* static string for rejected/canceled/expired, else NULL */
  double position;      /* fills: the strategy's own position in the symbol after this fill */
} ntrun_order_event_t;

typedef struct ntrun_timer_event_t {
  int64_t ts_event;
  int64_t ts_init;
  int64_t id;
} ntrun_timer_event_t;

typedef struct ntrun_risk_event_t {
  int64_t ts_event;
  int64_t ts_init;
  int32_t state;        /* NTRUN_RISK_* after the change */
  int32_t previous;     /* before it */
  const char* reason;   /* what tripped it (static string); NULL back in normal */
} ntrun_risk_event_t;

typedef struct ntrun_message_event_t { /* mirrors ntrun::message_event_view */
  int64_t ts_event;
  int64_t ts_init;
  const unsigned char* data;
  int64_t len;
  int64_t channel;
} ntrun_message_event_t;

typedef struct ntrun_control_event_t { /* mirrors ntrun::control_event_view */
  int64_t ts_event;
  int32_t code;         /* NTRUN_CTL_* */
  int32_t flags;        /* every request pending when it was raised */
} ntrun_control_event_t;

typedef struct ntrun_event_t { /* mirrors ntrun::event_slot: kind says which member is valid */
  int32_t kind;
  int32_t pad_;
  union {
    ntrun_bar_t bar;
    ntrun_order_event_t order;
    ntrun_timer_event_t timer;
    ntrun_risk_event_t risk;
    ntrun_message_event_t message;
    ntrun_control_event_t control;
  };
} ntrun_event_t;

const ntrun_event_t* ntrun_ffi_session_event(ntrun_session_t* s) NTRUN_NOEXCEPT;
/* Fills the session's event slot with its next event and returns its kind (NTRUN_EV_END and
 * the session's error on a data error). */
int32_t ntrun_ffi_session_next(ntrun_session_t* s) NTRUN_NOEXCEPT;
int64_t ntrun_ffi_session_now(const ntrun_session_t* s) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_session_num_symbols(const ntrun_session_t* s) NTRUN_NOEXCEPT;
/* Symbol name by id (static for the run); NULL for an unknown id. */
const char* ntrun_ffi_session_symbol_name(const ntrun_session_t* s, uint32_t sid) NTRUN_NOEXCEPT;

/* Zero-copy history: the last n values (oldest first) of a field of a symbol; out->data points
 * into the host's ring buffer and stays valid until the next bar of that symbol.
 * out->len < n while fewer bars have been seen. n > capacity gives NTRUN_EINVAL. */
enum { NTRUN_F_OPEN = 0, NTRUN_F_HIGH = 1, NTRUN_F_LOW = 2, NTRUN_F_CLOSE = 3, NTRUN_F_VOLUME = 4 };
int32_t ntrun_ffi_history(const ntrun_session_t* s, uint32_t sid, int32_t field, int64_t n,
                          ntrun_series_t* out) NTRUN_NOEXCEPT;
int64_t ntrun_ffi_history_capacity(const ntrun_session_t* s) NTRUN_NOEXCEPT;

enum { NTRUN_ROLE_NONE = 0, NTRUN_ROLE_STOP_LOSS = 1, NTRUN_ROLE_TAKE_PROFIT = 2 };
typedef struct ntrun_order_req_t {
  uint32_t sid;
  int32_t side, type, tif;
  double quantity, limit_price, stop_price;
  int64_t tag;
  double trail_amount;   /* stop orders: the stop follows each close by this amount (0 = off) */
  double trail_percent;  /* ... or by this fraction of the close (0.02 = 2%; 0 = off) */
  int32_t reduce_only;   /* 1: fills only reduce the strategy's position */
  int32_t role;          /* NTRUN_ROLE_*: names the exit of the trades it closes */
  uint32_t parent;       /* lists only: 1-based index of its OTO parent in the list, 0 = none */
  uint32_t oco;          /* lists only: OCO group number, 0 = none */
} ntrun_order_req_t;
/* Pre-trade checks then the venue. On rejection returns NTRUN_EREJECTED with *out_reason set
 * to a static string; the rejected event is also queued for on_order_rejected. */
int32_t ntrun_ffi_order_submit(ntrun_session_t* s, const ntrun_order_req_t* req,
                               uint64_t* out_id, const char** out_reason) NTRUN_NOEXCEPT;
/* Linked orders (docs/fill_model.md, contingent orders): n requests with their parent/oco
 * links, all accepted (out_ids[i]) or all rejected (NTRUN_EREJECTED, *out_reason the failing
 * rule; every order gets a rejected event). parent/oco of ntrun_ffi_order_submit are ignored. */
int32_t ntrun_ffi_order_submit_list(ntrun_session_t* s, const ntrun_order_req_t* reqs, int32_t n,
                                    uint64_t* out_ids, const char** out_reason) NTRUN_NOEXCEPT;
/* NTRUN_ENOTFOUND for an order that is unknown, another strategy's, or no longer open. */
int32_t ntrun_ffi_order_cancel(ntrun_session_t* s, uint64_t id) NTRUN_NOEXCEPT;
/* NaN keeps a field as it is. */
int32_t ntrun_ffi_order_modify(ntrun_session_t* s, uint64_t id, double quantity,
                               double limit_price, double stop_price) NTRUN_NOEXCEPT;
typedef struct ntrun_order_info_t {
  uint64_t id;
  int64_t tag;
  int64_t ts_submitted;
  uint32_t sid;
  int32_t side, type, tif, status;
  double quantity, filled_qty, avg_fill_price, limit_price, stop_price;
  uint64_t parent_id;    /* OTO parent, 0 = none */
  uint64_t oco_group;    /* its OCO group: the id of the group's first order, 0 = none */
  int32_t active;        /* 0 while it waits for its parent's first fill */
  int32_t reduce_only;
  int32_t role;          /* NTRUN_ROLE_* */
  int32_t pad_;
  double trail_amount, trail_percent;
} ntrun_order_info_t;
/* Orders of this session's strategy only (NTRUN_ENOTFOUND for another's). */
int32_t ntrun_ffi_order_get(const ntrun_session_t* s, uint64_t id, ntrun_order_info_t* out) NTRUN_NOEXCEPT;
/* Writes up to cap ids of this strategy's open orders; returns the number of open orders. */
int32_t ntrun_ffi_open_orders(const ntrun_session_t* s, uint64_t* ids, int32_t cap) NTRUN_NOEXCEPT;

typedef struct ntrun_position_t {
  double quantity;  /* signed: > 0 long, < 0 short */
  double avg_price, realised_pnl, unrealised_pnl, last_price;
} ntrun_position_t;
/* This strategy's own position (the fills of its orders). */
int32_t ntrun_ffi_position(const ntrun_session_t* s, uint32_t sid, ntrun_position_t* out) NTRUN_NOEXCEPT;
typedef struct ntrun_account_t {
  double equity, cash, gross_exposure, net_exposure, realised_pnl, commissions;
} ntrun_account_t;
/* The account the run's strategies share. */
int32_t ntrun_ffi_account(const ntrun_session_t* s, ntrun_account_t* out) NTRUN_NOEXCEPT;

/* Timers on the simulated clock: first fire at first_ts (ns), then every interval_ns
 * (0 = once). Timers fire before the bars of the same timestamp. */
int32_t ntrun_ffi_timer_set(ntrun_session_t* s, int64_t first_ts, int64_t interval_ns,
                            int64_t* out_id) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_timer_cancel(ntrun_session_t* s, int64_t id) NTRUN_NOEXCEPT;
/* Calendar timers (docs/strategies.md, "Calendar timers"): a timer event after the last bar
 * of the first timestamp of each UTC month with data (NTRUN_CAL_MONTH_START), of each ISO
 * week, Monday-based (NTRUN_CAL_WEEK_START), or of the last timestamp of each UTC day
 * (NTRUN_CAL_SESSION_CLOSE). Ids shared with ntrun_ffi_timer_set; ntrun_ffi_timer_cancel
 * cancels them. NTRUN_EINVAL for an unknown kind, NTRUN_ESTATE on a wall clock. */
enum { NTRUN_CAL_MONTH_START = 1, NTRUN_CAL_WEEK_START = 2, NTRUN_CAL_SESSION_CLOSE = 3 };
int32_t ntrun_ffi_timer_calendar(ntrun_session_t* s, int32_t kind, int64_t* out_id) NTRUN_NOEXCEPT;

/* Seeded portable random numbers per strategy (replaces math.random): uniform in [0, 1). */
double ntrun_ffi_random(ntrun_session_t* s) NTRUN_NOEXCEPT;

/* Log line of the session, stamped with the simulated time; level 0 debug .. 3 error
 * (other values are clamped). */
void ntrun_ffi_log(ntrun_session_t* s, int32_t level, const char* msg, size_t len) NTRUN_NOEXCEPT;

/* Risk limits of the run's pre-trade checks (docs/fill_model.md), shared by its strategies.
 * 0 turns a limit off. Per-symbol lists (max_position, max_notional) are NULL or
 * num_symbols values by symbol id; per_symbol says which are in use. */
enum { NTRUN_LIMITS_POSITION_BY_SYMBOL = 1, NTRUN_LIMITS_NOTIONAL_BY_SYMBOL = 2 };
typedef struct ntrun_limits_t {
  double max_position;         /* |units| per symbol after the order */
  double max_notional;         /* |position after| * reference price, per symbol */
  double max_order_notional;   /* quantity * reference price */
  double max_gross_exposure;   /* fraction of equity (1.5 = 150%) */
  double max_net_exposure;     /* |net| as a fraction of equity */
  double max_leverage;         /* buying power: gross <= max_leverage * equity */
  double breaker_loss;         /* fraction lost within breaker_window */
  double breaker_window;       /* seconds of simulated time */
  double breaker_max_drawdown; /* fraction from the equity peak */
  double breaker_cooldown;     /* seconds halted (then as long reducing); 0 = halted for good */
  double var_limit;            /* historical VaR of the post-trade portfolio / equity */
  double var_confidence;       /* in (0, 1) */
  int32_t var_window;          /* returns per symbol, 1..100000 */
  int32_t max_orders_per_second;
  int32_t allow_short;         /* 0 or 1 */
  int32_t per_symbol;          /* NTRUN_LIMITS_* bits */
} ntrun_limits_t;
/* Copies the limits; the lists (NULL to skip) receive len = num_symbols values. */
int32_t ntrun_ffi_limits_get(const ntrun_session_t* s, ntrun_limits_t* out, double* max_position,
                             double* max_notional, int32_t len) NTRUN_NOEXCEPT;
/* Replaces the limits. NTRUN_EINVAL with a message naming the field in err when a value is
 * out of range (the old limits stay). */
int32_t ntrun_ffi_limits_set(ntrun_session_t* s, const ntrun_limits_t* in, const double* max_position,
                             const double* max_notional, int32_t len, char* err,
                             size_t errlen) NTRUN_NOEXCEPT;

enum { NTRUN_RISK_NORMAL = 0, NTRUN_RISK_HALTED = 1, NTRUN_RISK_REDUCING = 2 };
typedef struct ntrun_risk_state_t {
  int32_t state;        /* NTRUN_RISK_* */
  uint32_t trips;       /* times the breaker tripped */
  int64_t since;        /* ns: when the state began */
  int64_t resume_at;    /* ns: when the cooldown ends it; INT64_MAX = never; 0 in normal */
  const char* reason;   /* "loss_window" or "max_drawdown" while not normal, else NULL */
  double equity, peak_equity, drawdown, window_loss, trip_equity;
} ntrun_risk_state_t;
int32_t ntrun_ffi_risk_state(const ntrun_session_t* s, ntrun_risk_state_t* out) NTRUN_NOEXCEPT;


/* ---- Messages between agents (docs/agents.md) ------------------------------------------ */
/* An agent publishes through its session (the host stamps sender, sequence number and time)
 * and receives NTRUN_EV_MESSAGE events whose bytes are one FlatBuffers envelope of
 * transport/schema/ntrun.fbs. ntrun_ffi_msg_read decodes the session's current message into
 * a flat struct; its text points into the event's bytes (valid until the next event).
 * Kinds are the schema's Body values. Strategies (no mailbox) get NTRUN_ESTATE. */
enum {
  NTRUN_MSG_BAR = 1, NTRUN_MSG_QUOTE = 2, NTRUN_MSG_TRADE = 3, NTRUN_MSG_SIGNAL = 4,
  NTRUN_MSG_ORDER_COMMAND = 5, NTRUN_MSG_ORDER_EVENT = 6, NTRUN_MSG_PROPOSAL = 7,
  NTRUN_MSG_VOTE = 8, NTRUN_MSG_DECISION = 9, NTRUN_MSG_HEARTBEAT = 10,
  NTRUN_MSG_PATTERN_MATCH = 11, NTRUN_MSG_RISK_REPORT = 12, NTRUN_MSG_ERROR = 13
};
/* Vote choices and decision outcomes (wire::VoteChoice, wire::Outcome). */
enum { NTRUN_VOTE_APPROVE = 0, NTRUN_VOTE_REJECT = 1, NTRUN_VOTE_ABSTAIN = 2 };
enum { NTRUN_OUTCOME_APPROVED = 0, NTRUN_OUTCOME_REJECTED = 1, NTRUN_OUTCOME_EXPIRED = 2,
       NTRUN_OUTCOME_NO_QUORUM = 3 };
typedef struct ntrun_msg_t {
  int32_t kind;          /* NTRUN_MSG_* */
  uint32_t sender;       /* agent id of the sender (0: the host) */
  uint64_t seq;          /* the sender's sequence number */
  int64_t ts_event, ts_init;
  uint64_t correlation;
  uint64_t id;           /* proposal: its id; vote, decision: the proposal's; order event: order id */
  uint32_t symbol;       /* symbol id (signal, proposal, bar, order event, pattern match) */
  int32_t code;          /* signal: direction -1/0/1; proposal, order event: side; vote: choice;
                            decision: outcome; risk report, heartbeat: state; error: code;
                            order event: status */
  uint32_t agent;        /* proposal: proposer; vote: voter; heartbeat: the agent it is about */
  int32_t count;         /* decision: its votes (ntrun_ffi_msg_vote); pattern match: matches */
  int64_t time;          /* signal: horizon ns; proposal: deadline ns */
  double x[5];           /* signal: strength, confidence; proposal: quantity; vote: weight;
                            decision: approve, reject, abstain (weights); risk report: var, cvar,
                            confidence, equity, gross exposure; bar: open, high, low, close,
                            volume; order event: quantity, price, commission, filled, position */
  const char* text;      /* signal: source; proposal, vote, decision, risk report: reason;
                            error: message (not NUL-terminated: text_len bytes); NULL: none */
  int64_t text_len;
} ntrun_msg_t;
/* Decodes the session's current message event. NTRUN_ESTATE when it is not a message,
 * NTRUN_EINVAL when its bytes are not a valid envelope. */
int32_t ntrun_ffi_msg_read(const ntrun_session_t* s, ntrun_msg_t* out) NTRUN_NOEXCEPT;
/* The i-th vote (0-based) of the current decision message, as a NTRUN_MSG_VOTE. */
int32_t ntrun_ffi_msg_vote(const ntrun_session_t* s, int32_t i, ntrun_msg_t* out) NTRUN_NOEXCEPT;
/* Publishes a signal, proposal, vote or risk report (m->kind) on `topic` (NULL: the kind's
 * topic: signals, proposals, votes, risk). The host fills the header (sender, seq, ts_event
 * and ts_init = now); a proposal gets its id (written to *out_id) and proposer here.
 * NTRUN_EINVAL with a message in err for a bad field, NTRUN_ESTATE without a mailbox, or
 * past the messages one turn may publish (a message storm). */
int32_t ntrun_ffi_msg_publish(ntrun_session_t* s, const ntrun_msg_t* m, const char* topic,
                              uint64_t* out_id, char* err, size_t errlen) NTRUN_NOEXCEPT;
/* This agent's id (0 without a mailbox), an agent's name by id and a topic's name by the
 * message event's channel (NULL when unknown). */
uint32_t ntrun_ffi_agent_id(const ntrun_session_t* s) NTRUN_NOEXCEPT;
const char* ntrun_ffi_agent_name(const ntrun_session_t* s, uint32_t id) NTRUN_NOEXCEPT;
const char* ntrun_ffi_msg_topic(const ntrun_session_t* s, int64_t channel) NTRUN_NOEXCEPT;


/* ---- DTW (compute/dtw): distance, path, batch, nearest neighbours --------------------- */
/* Errors: NTRUN_EINVAL with a message naming the argument written to err (errlen bytes,
 * NUL-terminated, truncated if longer). Definitions: docs/dtw.md, docs/dtw_search.md. */
enum { NTRUN_DTW_ABS = 0, NTRUN_DTW_SQ = 1 };
typedef struct ntrun_dtw_opts_t {
  int32_t cost;  /* NTRUN_DTW_ABS or NTRUN_DTW_SQ */
  int32_t znorm; /* search/knn only: z-normalise query and candidates */
  int64_t band;  /* Sakoe-Chiba half-width; < 0: none */
  int64_t k;          /* search/knn only */
  int64_t exclusion;  /* search only: 0 = the query length */
  int32_t prune;      /* search/knn only: 0 = brute force */
  int32_t _pad;
} ntrun_dtw_opts_t;
typedef struct ntrun_dtw_match_t {
  int64_t index; /* candidate index or window start, 0-based */
  double distance;
} ntrun_dtw_match_t;
int32_t ntrun_ffi_dtw_distance(const double* a, int64_t n, const double* b, int64_t m,
                               const ntrun_dtw_opts_t* opts, double* out, char* err,
                               size_t errlen) NTRUN_NOEXCEPT;
/* pairs receives 2*len int64 (i0, j0, i1, j1, ...), 0-based; cap pairs of room (n+m-1 is
 * always enough). */
int32_t ntrun_ffi_dtw_path(const double* a, int64_t n, const double* b, int64_t m,
                           const ntrun_dtw_opts_t* opts, int64_t* pairs, int64_t cap,
                           int64_t* len, double* distance, char* err, size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_dtw_batch(const double* query, int64_t n, const double* const* candidates,
                            const int64_t* lengths, int64_t count, const ntrun_dtw_opts_t* opts,
                            double* out, char* err, size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_dtw_batch_windows(const double* query, int64_t n, const double* series,
                                    int64_t len, int64_t window, int64_t stride,
                                    const ntrun_dtw_opts_t* opts, double* out, char* err,
                                    size_t errlen) NTRUN_NOEXCEPT;
/* Up to cap matches, best first; *count receives how many were written. */
int32_t ntrun_ffi_dtw_knn(const double* query, int64_t n, const double* const* candidates,
                          const int64_t* lengths, int64_t count, const ntrun_dtw_opts_t* opts,
                          ntrun_dtw_match_t* out, int64_t cap, int64_t* written, char* err,
                          size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_dtw_search(const double* query, int64_t n, const double* series, int64_t len,
                             const ntrun_dtw_opts_t* opts, ntrun_dtw_match_t* out, int64_t cap,
                             int64_t* written, char* err, size_t errlen) NTRUN_NOEXCEPT;
const char* ntrun_ffi_dtw_kernel(void) NTRUN_NOEXCEPT; /* "avx512", "avx2" or "scalar" */

/* ---- Statistics (compute/stats) --------------------------------------------------------- */
/* NaN when undefined (docs/metrics.md, "Statistics in nt.stats"). */
double ntrun_ffi_stats_mean(const double* x, int64_t n) NTRUN_NOEXCEPT;
double ntrun_ffi_stats_stdev(const double* x, int64_t n) NTRUN_NOEXCEPT;
double ntrun_ffi_stats_sharpe(const double* r, int64_t n, double periods_per_year,
                              double risk_free) NTRUN_NOEXCEPT;
double ntrun_ffi_stats_sortino(const double* r, int64_t n, double periods_per_year,
                               double target) NTRUN_NOEXCEPT;
typedef struct ntrun_drawdown_t {
  double max_drawdown;
  int64_t peak, trough, longest_start, longest_end; /* 0-based indices */
} ntrun_drawdown_t;
int32_t ntrun_ffi_stats_drawdowns(const double* equity, int64_t n, ntrun_drawdown_t* out) NTRUN_NOEXCEPT;
double ntrun_ffi_stats_calmar(double annual_return, double max_drawdown) NTRUN_NOEXCEPT;
double ntrun_ffi_stats_omega(const double* r, int64_t n, double threshold) NTRUN_NOEXCEPT;
double ntrun_ffi_stats_tail_ratio(const double* r, int64_t n) NTRUN_NOEXCEPT;

/* ---- Risk (compute/risk): VaR/CVaR, backtests, covariance, Kelly -------------------- */
/* On NTRUN_EINVAL the message (naming the argument) is in err. Definitions: docs/risk.md. */
enum {
  NTRUN_VAR_HISTORICAL = 0, NTRUN_VAR_AGE_WEIGHTED = 1, NTRUN_VAR_FILTERED = 2,
  NTRUN_VAR_NORMAL = 3, NTRUN_VAR_CORNISH_FISHER = 4, NTRUN_VAR_MONTE_CARLO = 5,
  NTRUN_VAR_BOOTSTRAP = 6
};
typedef struct ntrun_var_opts_t {
  int32_t method;
  int32_t repair_covariance;
  double confidence;
  int64_t horizon;
  int64_t sims;
  uint64_t seed;
  double lambda;
  double dof;
} ntrun_var_opts_t;
typedef struct ntrun_var_result_t {
  double var, cvar, mean, stdev;
  int64_t observations;
  char method[80];
} ntrun_var_result_t;
int32_t ntrun_ffi_risk_var(const double* returns, int64_t n, const ntrun_var_opts_t* opts,
                           ntrun_var_result_t* out, char* err, size_t errlen) NTRUN_NOEXCEPT;
/* returns: row-major rows x cols (rows = periods). */
int32_t ntrun_ffi_risk_portfolio_var(const double* weights, int64_t cols, const double* returns,
                                     int64_t rows, const ntrun_var_opts_t* opts,
                                     ntrun_var_result_t* out, char* err, size_t errlen) NTRUN_NOEXCEPT;
typedef struct ntrun_var_backtest_t {
  int64_t observations, exceptions;
  double expected_rate, observed_rate;
  double kupiec_lr, kupiec_p, christoffersen_lr, christoffersen_p, conditional_lr, conditional_p;
} ntrun_var_backtest_t;
int32_t ntrun_ffi_risk_backtest(const double* returns, const double* var, int64_t n,
                                double confidence, ntrun_var_backtest_t* out, char* err,
                                size_t errlen) NTRUN_NOEXCEPT;
enum { NTRUN_COV_SAMPLE = 0, NTRUN_COV_EWMA = 1, NTRUN_COV_LEDOIT_WOLF = 2 };
/* out: cols x cols row-major; shrinkage (may be NULL) receives the Ledoit-Wolf intensity. */
int32_t ntrun_ffi_risk_covariance(const double* returns, int64_t rows, int64_t cols,
                                  int32_t method, double lambda, double* out, double* shrinkage,
                                  char* err, size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_risk_correlation(const double* covariance, int64_t cols, double* out,
                                   char* err, size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_risk_volatility(const double* r, int64_t n, double* out, char* err,
                                  size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_risk_beta(const double* asset, const double* market, int64_t n, double* out,
                            char* err, size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_risk_kelly(double p, double b, double fraction, double cap, double* out,
                             char* err, size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_risk_kelly_returns(const double* r, int64_t n, double fraction, double cap,
                                     double* out, char* err, size_t errlen) NTRUN_NOEXCEPT;
/* out: cols weights. */
int32_t ntrun_ffi_risk_kelly_portfolio(const double* mu, int64_t cols, const double* covariance,
                                       double fraction, double max_leverage, double* out,
                                       char* err, size_t errlen) NTRUN_NOEXCEPT;
int32_t ntrun_ffi_risk_log_growth(const double* weights, int64_t cols, const double* returns,
                                  int64_t rows, double* out, char* err, size_t errlen) NTRUN_NOEXCEPT;

/* NTRUN_CDEF_END */

#ifdef __cplusplus
}
#endif

#endif /* NTRUN_FFI_H */
