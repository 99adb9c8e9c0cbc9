// Pre-trade checks the engine runs before simulated_venue::submit: position, notional, exposure,
// rate and VaR limits, shorting, buying power and a drawdown circuit breaker (rules in
// docs/fill_model.md, "Pre-trade checks").
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "ntrun/market/order.hpp"
#include "ntrun/market/portfolio.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::market {

namespace reason {
inline constexpr const char* max_notional = "max_notional";
inline constexpr const char* max_gross_exposure = "max_gross_exposure";
inline constexpr const char* max_net_exposure = "max_net_exposure";
inline constexpr const char* circuit_breaker = "circuit_breaker";
inline constexpr const char* var_limit = "var_limit";
/// What tripped the breaker (risk_status::reason).
inline constexpr const char* loss_window = "loss_window";
inline constexpr const char* max_drawdown = "max_drawdown";
}  // namespace reason

/// Drawdown circuit breaker; 0 turns a rule off (both 0: the breaker is off).
struct breaker_config {
  double loss = 0;          ///< trip on this fraction lost from the window's highest equity
  ts_ns window = 0;         ///< simulated time the loss rule looks back; > 0 when loss is set
  double max_drawdown = 0;  ///< trip on this fraction lost from the equity peak
  ts_ns cooldown = 0;       ///< time halted (then as long reducing); 0 = halted for good
};

/// Historical VaR of the post-trade portfolio, as a fraction of equity.
struct var_limit_config {
  double limit = 0;  ///< 0 = off
  double confidence = 0.99;
  std::uint32_t window = 250;  ///< close-to-close returns kept per symbol
};

struct check_config {
  double max_position = 0;                  ///< abs units per symbol after the order; 0 = off
  double max_order_notional = 0;            ///< quantity * reference price; 0 = off
  std::uint32_t max_orders_per_second = 0;  ///< per sliding 1 s of simulated time; 0 = off
  bool allow_short = true;
  /// Gross exposure after an exposure-increasing order must stay <= max_leverage * equity.
  /// 1.0 is a cash account; 0 = off.
  double max_leverage = 1.0;
  double max_notional = 0;  ///< |position after| * reference price per symbol; 0 = off
  /// Non-empty: one limit per symbol id (0 = off for that symbol), replacing max_position.
  std::vector<double> max_position_by_symbol{};
  /// Non-empty: one limit per symbol id, replacing max_notional.
  std::vector<double> max_notional_by_symbol{};
  double max_gross_exposure = 0;  ///< fraction of equity (1.5 = 150%); 0 = off
  double max_net_exposure = 0;    ///< |net exposure| as a fraction of equity; 0 = off
  breaker_config breaker{};
  var_limit_config var{};
};

enum class risk_state : std::uint8_t { normal = 0, halted = 1, reducing = 2 };

[[nodiscard]] constexpr const char* to_string(risk_state s) noexcept {
  switch (s) {
    case risk_state::normal:
      return "normal";
    case risk_state::halted:
      return "halted";
    case risk_state::reducing:
      return "reducing";
  }
  return "?";
}

inline constexpr ts_ns ts_never = INT64_MAX;

struct risk_status {
  risk_state state = risk_state::normal;
  ts_ns since = 0;               ///< when the current state began
  ts_ns until = 0;               ///< when the cooldown ends it (ts_never: never; 0 in normal)
  const char* reason = nullptr;  ///< reason::loss_window or max_drawdown; nullptr in normal
  double equity = 0;             ///< last equity seen
  double peak_equity = 0;        ///< since the start, or since the last resumption
  double drawdown = 0;           ///< 1 - equity / peak_equity
  double window_loss = 0;        ///< 1 - equity / highest equity in force within the window
  double trip_equity = 0;        ///< equity when it last tripped
  std::uint32_t trips = 0;
};

/// normal -> halted (a rule trips) -> reducing (after `cooldown`) -> normal (equity back at the
/// trip level, or another `cooldown`). Orders that add exposure are refused while not normal.
/// On resuming, the peak and the loss window restart from the current equity.
class circuit_breaker {
 public:
  /// Throws market_error naming the field for values out of range.
  explicit circuit_breaker(const breaker_config& cfg);
  /// New rules, state kept; turning both rules off returns to normal.
  void reconfigure(const breaker_config& cfg);
  /// A new equity point at `now` (non-decreasing). Returns true when the state changed.
  bool on_equity(ts_ns now, double equity);
  /// Time-only transitions (cooldowns). Returns true when the state changed.
  bool on_time(ts_ns now);

  [[nodiscard]] risk_state state() const noexcept { return status_.state; }
  [[nodiscard]] const risk_status& status() const noexcept { return status_; }
  [[nodiscard]] const breaker_config& config() const noexcept { return cfg_; }

 private:
  struct point {
    ts_ns ts;
    double equity;
  };
  void enter(risk_state s, ts_ns now, ts_ns until);
  void resume(ts_ns now);

  breaker_config cfg_;
  risk_status status_{};
  std::deque<point> fifo_;  ///< every point inside the window, oldest first
  std::deque<point> maxq_;  ///< decreasing equities: the window's running maximum
  double anchor_ = 0;       ///< equity in force at the window's start (when has_anchor_)
  bool has_anchor_ = false;
  bool seen_ = false;
  ts_ns last_ts_ = 0;
};

/// One instance per scope the limits apply to (the engine keeps one for the run). Stateful
/// through the order-rate window, the breaker and the per-symbol return windows of the VaR.
class pre_trade_checks {
 public:
  /// Throws market_error when a limit is negative, NaN or infinite, or a per-symbol list does
  /// not have `num_symbols` entries (0: not checked; the lists are then taken as given).
  explicit pre_trade_checks(const check_config& cfg, std::size_t num_symbols = 0);

  /// nullptr when `req` may go to the venue, else the static reason of the first failed rule.
  /// `reference_price`: the last price for market orders, the limit for limit and stop_limit,
  /// the stop for stop orders. A passing order is counted in the rate window (so call this
  /// exactly once per order the strategy submits). Allocation-free.
  [[nodiscard]] const char* check(const order_request& req, const portfolio& pf,
                                  double reference_price, ts_ns now);

  /// The order-rate rule alone (rule 12), counting the order when it passes: for orders the
  /// other rules do not apply to (reduce-only orders, the children of a list), which must not
  /// get around the rate.
  [[nodiscard]] const char* admit_rate(ts_ns now) noexcept;

  /// Checks at fill time: the largest part of `qty` that a fill of `req` at `price` may take
  /// without breaching allow_short, max_position, max_notional, max_gross_exposure or
  /// max_net_exposure, given the portfolio as it is now (docs/fill_model.md). Fills that do not
  /// increase |position| are never cut by the exposure rules. When the answer is below qty,
  /// *why names the rule. Allocation-free; stateless.
  [[nodiscard]] double fill_allowance(const order_request& req, double qty, double price,
                                      const portfolio& pf, const char** why) const noexcept;
  /// True when some rule of fill_allowance is on (the engine skips it otherwise).
  [[nodiscard]] bool limits_fills() const noexcept {
    return !cfg_.allow_short || cfg_.max_position > 0 || cfg_.max_notional > 0 ||
           !cfg_.max_position_by_symbol.empty() || !cfg_.max_notional_by_symbol.empty() ||
           cfg_.max_gross_exposure > 0 || cfg_.max_net_exposure > 0;
  }

  /// The reference price rule above, given the symbol's last price (a trailing stop without a
  /// stop price yet: the last price).
  [[nodiscard]] static double reference_price(const order_request& req, double last_price) noexcept;

  /// New limits at run time (validated as in the constructor; throws and keeps the old ones
  /// on error). The breaker state and the rate window survive; a new VaR window, or turning the
  /// VaR rule on, empties the return windows (refill them with reset_closes).
  void reconfigure(const check_config& cfg);
  /// True when reconfiguring from `from` to `to` empties the return windows.
  [[nodiscard]] static bool restarts_returns(const check_config& from,
                                             const check_config& to) noexcept {
    return to.var.limit > 0 && (to.var.window != from.var.window || from.var.limit == 0);
  }

  // ---- market data the stateful rules follow ----
  /// A symbol's close (every bar): extends its close-to-close return window. Ignored while the
  /// VaR rule is off.
  void on_close(symbol_id symbol, double close);
  /// Empties a symbol's return window and replays `closes` (oldest first) into it.
  void reset_closes(symbol_id symbol, std::span<const double> closes);
  /// The portfolio's equity after a timestamp's bars. True when the risk state changed.
  bool on_equity(ts_ns now, double equity) { return breaker_.on_equity(now, equity); }
  /// The clock moved without new bars (timers). True when the risk state changed.
  bool on_time(ts_ns now) { return breaker_.on_time(now); }

  /// Historical VaR (positive loss, currency) of `pf` with `extra_qty` more units of `symbol`
  /// valued at `extra_price`, over the aligned last var.window returns; NaN when a held symbol
  /// has no return yet. Uses the reused buffer (no allocation).
  [[nodiscard]] double portfolio_var(const portfolio& pf, symbol_id symbol, double extra_qty,
                                     double extra_price);

  [[nodiscard]] const check_config& config() const noexcept { return cfg_; }
  [[nodiscard]] const risk_status& risk() const noexcept { return breaker_.status(); }
  [[nodiscard]] std::size_t returns_seen(symbol_id symbol) const noexcept {
    return symbol < ret_count_.size() ? ret_count_[symbol] : 0;
  }

 private:
  void resize_symbols(std::size_t n);

  check_config cfg_;
  std::size_t num_symbols_ = 0;
  circuit_breaker breaker_;
  std::vector<ts_ns> window_;  ///< ring of the last max_orders_per_second passing timestamps
  std::size_t head_ = 0;       ///< oldest entry once the ring is full
  std::size_t size_ = 0;
  // VaR: per symbol 2 * var.window returns, each written twice so the last var.window are
  // contiguous at [head, head + window) of its block, oldest first.
  std::vector<double> returns_;
  std::vector<std::uint32_t> ret_head_, ret_count_;
  std::vector<double> prev_close_;
  std::vector<double> scenario_;  ///< var.window scenario P&Ls, reused by every check
  // Per held symbol, reused by every check: post-trade exposure, id, latest n returns.
  std::vector<double> exposure_;
  std::vector<symbol_id> held_symbol_;
  std::vector<const double*> held_returns_;
};

/// Historical VaR of `pnl` (scenario profits, currency) at `confidence`: the ceil(c * n)-th
/// smallest loss, returned as a positive loss. Reorders `pnl` (nth_element). NaN when empty.
[[nodiscard]] double historical_var(std::span<double> pnl, double confidence) noexcept;

}  // namespace ntrun::market
