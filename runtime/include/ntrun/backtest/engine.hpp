// The backtest engine: replays a bar source on a simulated clock, runs the venue, portfolio
// and pre-trade checks, and feeds each strategy an ordered queue of events. It knows nothing
// of Lua: the scripts drive it through the C ABI (bindings/), one strategy index each.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ntrun/backtest/history.hpp"
#include "ntrun/backtest/rng.hpp"
#include "ntrun/market/checks.hpp"
#include "ntrun/market/portfolio.hpp"
#include "ntrun/market/types.hpp"
#include "ntrun/market/venue.hpp"
#include "ntrun/report/metrics.hpp"

namespace ntrun::backtest {

/// Where bars come from: the CSV feed in `ntrun run`, a generator in benchmarks.
class bar_source {
 public:
  virtual ~bar_source() = default;
  [[nodiscard]] virtual std::optional<ts_ns> peek_ts() = 0;
  [[nodiscard]] virtual bool next(bar& out) = 0;
};

enum class event_kind : std::int32_t {
  bar = 1,
  filled = 2,
  rejected = 3,
  canceled = 4,
  expired = 5,
  timer = 6,
  accepted = 7,
  modified = 8,
  risk = 9,  ///< the circuit breaker's state changed (only with engine_config::risk_events)
  yield = 100,
  end = 101,
};

/// Order event as the strategy sees it. Layout mirrored by ntrun_order_event_t.
struct order_event_view {
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  order_id id = 0;
  std::int64_t tag = 0;
  symbol_id symbol = 0;
  std::int32_t side = 0;
  std::int32_t type = 0;
  std::int32_t status = 0;
  double quantity = 0;
  double price = 0;
  double commission = 0;
  double filled_qty = 0;
  double remaining = 0;
  const char* reason = nullptr;  ///< static string
};

struct timer_event_view {
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  std::int64_t id = 0;
};

/// Risk state change. Layout mirrored by ntrun_risk_event_t.
struct risk_event_view {
  ts_ns ts_event = 0;
  ts_ns ts_init = 0;
  std::int32_t state = 0;        ///< market::risk_state after the change
  std::int32_t previous = 0;     ///< before it
  const char* reason = nullptr;  ///< what tripped it (static string), nullptr back in normal
};

/// One strategy event. Layout mirrored by ntrun_event_t, so Lua reads it in place.
struct event_slot {
  std::int32_t kind = 0;
  std::int32_t strategy = 0;
  bar b{};
  order_event_view order{};
  timer_event_view timer{};
  risk_event_view risk{};
};

struct engine_config {
  std::vector<std::string> symbols;
  int num_strategies = 1;
  double capital = 100'000;
  std::size_t history_capacity = 1000;
  std::uint64_t seed = 0;
  market::venue_config venue{};
  market::check_config checks{};
  /// Queue a `risk` event for every strategy when the breaker's state changes (the Lua runner
  /// calls on_risk_state). Off by default for drivers that do not handle the kind.
  bool risk_events = false;
};

class engine {
 public:
  engine(engine_config cfg, std::unique_ptr<bar_source> source);
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine();

  // ---- driving ----
  /// Fills the strategy's slot with its next event and returns its kind. With one strategy the
  /// engine advances the clock itself; with several it returns `yield` when the queue is empty
  /// and the host calls advance() and then each strategy in turn. A data error of the source
  /// is thrown here once every bar before it has been delivered.
  [[nodiscard]] event_kind next(int strategy);
  /// Processes the next timestamp (timers, then bars). Returns false when the data is done.
  bool advance();
  [[nodiscard]] bool finished() const noexcept { return finished_; }
  /// Closes the run: the last equity point is recorded. Idempotent.
  void finish();

  [[nodiscard]] event_slot* slot(int strategy) noexcept {
    return &strategies_[static_cast<std::size_t>(strategy)].slot;
  }
  [[nodiscard]] ts_ns now() const noexcept { return now_; }
  [[nodiscard]] const engine_config& config() const noexcept { return cfg_; }
  [[nodiscard]] std::size_t num_symbols() const noexcept { return cfg_.symbols.size(); }
  [[nodiscard]] std::int64_t bars_processed() const noexcept { return bars_; }

  // ---- commands from strategies ----
  struct submit_result {
    order_id id = 0;
    const char* reason = nullptr;  ///< set when rejected
  };
  submit_result submit(int strategy, market::order_request req);
  bool cancel(int strategy, order_id id);
  bool modify(int strategy, order_id id, double quantity, double limit_price, double stop_price);
  /// Cancels every open order of the strategy.
  void cancel_all(int strategy);
  /// Stops a strategy (after a Lua error): its orders are canceled, its timers dropped, its
  /// queue emptied, and it receives no further events. Its positions stay in the portfolio.
  void stop_strategy(int strategy);
  [[nodiscard]] std::int64_t set_timer(int strategy, ts_ns first, ts_ns interval);
  bool cancel_timer(int strategy, std::int64_t id);
  [[nodiscard]] double random(int strategy) noexcept {
    return strategies_[static_cast<std::size_t>(strategy)].rng.uniform();
  }

  // ---- queries ----
  [[nodiscard]] const history_store& history() const noexcept { return history_; }
  [[nodiscard]] const market::portfolio& portfolio() const noexcept { return portfolio_; }
  [[nodiscard]] const market::simulated_venue& venue() const noexcept { return venue_; }
  [[nodiscard]] std::vector<order_id> open_orders(int strategy) const;

  // ---- risk limits (one set for the run, shared by its strategies) ----
  [[nodiscard]] const market::check_config& limits() const noexcept { return checks_.config(); }
  /// Replaces the limits at run time; throws market_error naming the bad field and keeps the
  /// old ones. The breaker's state survives; a new VaR window is refilled from the history.
  void set_limits(const market::check_config& limits);
  [[nodiscard]] const market::risk_status& risk() const noexcept { return checks_.risk(); }

  /// When the circuit breaker tripped (halted), and why (static strings), in order.
  struct breaker_trip {
    ts_ns ts = 0;
    const char* reason = nullptr;
  };
  [[nodiscard]] const std::vector<breaker_trip>& breaker_trips() const noexcept { return trips_; }

  /// Everything the report needs; complete after finish().
  [[nodiscard]] const report::run_record& record() const noexcept { return record_; }

 private:
  struct timer {
    ts_ns at;
    ts_ns interval;
    std::int64_t id;
    int strategy;
  };
  struct strategy_state {
    event_slot slot{};
    std::vector<event_slot> queue;
    std::size_t head = 0;
    rng64 rng;
    bool stopped = false;
  };

  void route(const market::order_event& ev);
  void push(int strategy, const event_slot& ev);
  void record_equity();
  void risk_changed(market::risk_state previous);
  std::optional<ts_ns> peek_source();
  bool fire_timers(ts_ns upto);

  engine_config cfg_;
  std::unique_ptr<bar_source> source_;
  market::simulated_venue venue_;
  market::portfolio portfolio_;
  market::pre_trade_checks checks_;
  history_store history_;
  std::vector<strategy_state> strategies_;
  std::vector<timer> timers_;  ///< min-heap on (at, id)
  std::vector<market::order_event> scratch_;
  report::run_record record_;
  std::optional<equity_point> pending_point_;
  std::vector<breaker_trip> trips_;
  std::exception_ptr source_error_;  ///< raised by next() once the bars before it are delivered
  ts_ns now_ = 0;
  std::int64_t bars_ = 0;
  std::int64_t next_timer_id_ = 1;
  bool finished_ = false;
  bool closed_ = false;
};

}  // namespace ntrun::backtest
