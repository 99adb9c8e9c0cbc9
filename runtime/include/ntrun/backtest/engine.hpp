// The backtest engine: replays a bar source on a simulated clock, runs the venue, portfolio
// and pre-trade checks, and feeds each strategy an ordered queue of events. It knows nothing
// of Lua: each strategy reaches it through its strategy_port (port(i)), which the C ABI
// (bindings/) calls through the strategy's session.
#pragma once

#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ntrun/backtest/history.hpp"
#include "ntrun/backtest/rng.hpp"
#include "ntrun/engine/clock.hpp"
#include "ntrun/engine/event.hpp"
#include "ntrun/engine/event_source.hpp"
#include "ntrun/engine/strategy_port.hpp"
#include "ntrun/market/checks.hpp"
#include "ntrun/market/execution_client.hpp"
#include "ntrun/market/portfolio.hpp"
#include "ntrun/market/types.hpp"
#include "ntrun/market/venue.hpp"
#include "ntrun/report/metrics.hpp"

namespace ntrun::backtest {

/// A replay of bars: the CSV feed in `ntrun run`, a generator in benchmarks.
using bar_source = ntrun::replay_source;

using ntrun::event_kind;
using ntrun::event_slot;
using ntrun::order_event_view;
using ntrun::risk_event_view;
using ntrun::timer_event_view;

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
  /// The host calls advance() for every timestamp even with one strategy, whose next()
  /// then yields when its queue is empty (`ntrun run --watch` paces the replay and reloads
  /// code between two timestamps). With several strategies this is always so.
  bool host_advances = false;
  /// Strategies (by index) that take no bar events (agents that do not subscribe to bars:
  /// their turn would only skip them). Empty: every strategy takes every bar.
  std::vector<bool> no_bars{};
};

/// The parts an engine is given (nautilus_trader's split): backtests and live runs are the same
/// engine with different parts. Empty parts are made from the engine_config: a simulated
/// clock, the simulated venue, a portfolio with cfg.capital, the pre-trade checks of cfg.checks.
struct engine_parts {
  std::unique_ptr<ntrun::clock> clock{};
  std::unique_ptr<ntrun::event_source> source{};  ///< required
  std::unique_ptr<market::execution_client> execution{};
  std::unique_ptr<market::portfolio> portfolio{};
  std::unique_ptr<market::pre_trade_checks> checks{};
};

class engine {
 public:
  engine(engine_config cfg, engine_parts parts);
  /// A backtest over `source` with every other part made from cfg.
  engine(engine_config cfg, std::unique_ptr<ntrun::event_source> source);
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine();

  // ---- driving ----
  /// Fills the strategy's slot with its next event and returns its kind. With one strategy the
  /// engine advances the clock itself; with several it returns `yield` when the queue is empty
  /// and the host calls advance() and then each strategy in turn. A data error of the source
  /// is thrown here once every bar before it has been delivered.
  [[nodiscard]] event_kind next(int strategy, event_slot& out);
  /// The same into the engine's own slot for the strategy (C++ drivers and tests).
  [[nodiscard]] event_kind next(int strategy) { return next(strategy, *slot(strategy)); }
  /// Processes the next timestamp (timers, then bars) on a simulated clock, or what has
  /// arrived by now on a wall clock. Returns false when the data is done.
  bool advance();
  [[nodiscard]] bool finished() const noexcept { return finished_; }
  /// True when next(strategy) would only yield: nothing queued and the run not finished (a
  /// host may skip the strategy's turn then).
  [[nodiscard]] bool idle(int strategy) const noexcept {
    const auto& st = strategies_[static_cast<std::size_t>(strategy)];
    return !finished_ && st.head >= st.queue.size();
  }
  /// Closes the run: the last equity point is recorded. Idempotent.
  void finish();

  [[nodiscard]] event_slot* slot(int strategy) noexcept {
    return &strategies_[static_cast<std::size_t>(strategy)].slot;
  }
  [[nodiscard]] ts_ns now() const noexcept { return sim_ ? sim_->now() : clock_->now(); }
  [[nodiscard]] const engine_config& config() const noexcept { return cfg_; }
  [[nodiscard]] std::size_t num_symbols() const noexcept { return cfg_.symbols.size(); }
  [[nodiscard]] std::int64_t bars_processed() const noexcept { return bars_; }

  // ---- commands from strategies ----
  /// Pre-trade checks, then the venue. Reduce-only orders skip the exposure checks (they
  /// cannot add exposure; their fills are held to the position).
  submit_result submit(int strategy, market::order_request req);
  /// A list of linked orders (venue::submit_list): the orders without a parent pass the
  /// pre-trade checks, children are held to the position and the limits when they fill. All
  /// accepted (ids, result.id = the first) or all rejected (result.reason: the failing rule).
  submit_result submit_list(int strategy, std::span<market::order_request> reqs,
                            std::span<const market::list_link> links, std::span<order_id> ids);
  bool cancel(int strategy, order_id id);
  bool modify(int strategy, order_id id, double quantity, double limit_price, double stop_price);
  /// Cancels every open order of the strategy.
  void cancel_all(int strategy);
  /// Stops a strategy (after a Lua error): its orders are canceled, its timers dropped, its
  /// queue emptied, and it receives no further events. Its positions stay in the portfolio.
  void stop_strategy(int strategy);
  /// Takes a stopped strategy back (an agent whose process rejoined): it receives events
  /// again from the next timestamp on. Its positions and account never left.
  void resume_strategy(int strategy) noexcept {
    strategies_[static_cast<std::size_t>(strategy)].stopped = false;
  }
  [[nodiscard]] std::int64_t set_timer(int strategy, ts_ns first, ts_ns interval);
  bool cancel_timer(int strategy, std::int64_t id);
  /// A calendar timer of the strategy: a timer event (same id counter as set_timer) after the
  /// last bar of each timestamp on its boundary has been queued, so orders placed in it fill
  /// from the next timestamp on. Counts from the next timestamp when set during one's events.
  /// Needs a simulated clock (throws ntrun::error state on a wall clock: the next timestamp
  /// is unknown there); cancel_timer cancels it, stop_strategy drops it.
  [[nodiscard]] std::int64_t set_calendar_timer(int strategy, calendar_kind kind);
  [[nodiscard]] double random(int strategy) noexcept {
    return strategies_[static_cast<std::size_t>(strategy)].rng.uniform();
  }

  // ---- queries ----
  [[nodiscard]] const history_store& history() const noexcept { return history_; }
  [[nodiscard]] const market::portfolio& portfolio() const noexcept { return *portfolio_; }
  [[nodiscard]] const market::execution_client& venue() const noexcept { return *venue_; }
  [[nodiscard]] const ntrun::clock& clock() const noexcept { return *clock_; }
  [[nodiscard]] std::vector<order_id> open_orders(int strategy) const;

  // ---- risk limits (one set for the run, shared by its strategies) ----
  [[nodiscard]] const market::check_config& limits() const noexcept { return checks_->config(); }
  /// Replaces the limits at run time; throws market_error naming the bad field and keeps the
  /// old ones. The breaker's state survives; a new VaR window is refilled from the history.
  void set_limits(const market::check_config& limits);
  [[nodiscard]] const market::risk_status& risk() const noexcept { return checks_->risk(); }

  /// When the circuit breaker tripped (halted), and why (static strings), in order.
  struct breaker_trip {
    ts_ns ts = 0;
    const char* reason = nullptr;
  };
  [[nodiscard]] const std::vector<breaker_trip>& breaker_trips() const noexcept { return trips_; }

  /// Rejected orders by reason (static strings), in order of first occurrence, with the times
  /// of the first few.
  struct rejection_count {
    const char* reason = nullptr;
    std::int64_t count = 0;
    std::vector<ts_ns> first{};  ///< at most 3
  };
  [[nodiscard]] const std::vector<rejection_count>& rejections() const noexcept {
    return rejections_;
  }
  /// When equity first went below zero, and its lowest value (recorded points).
  [[nodiscard]] std::optional<ts_ns> negative_equity_since() const noexcept { return negative_since_; }
  [[nodiscard]] double min_equity() const noexcept { return min_equity_; }
  /// Cash below zero in a cash account: when it first happened at a recorded point while the
  /// limits allowed no margin (max_leverage <= 1; 0, the rule off, counts too), max_leverage
  /// then, and the lowest cash at such points. Fills above the cash went through.
  struct cash_shortfall {
    ts_ns since = 0;
    double max_leverage = 0;
    double min_cash = 0;
  };
  [[nodiscard]] const std::optional<cash_shortfall>& negative_cash() const noexcept {
    return negative_cash_;
  }

  /// The port of strategy i (valid for the engine's lifetime).
  [[nodiscard]] strategy_port& port(int strategy) {
    return *ports_[static_cast<std::size_t>(strategy)];
  }
  /// Strategy i's own position in a symbol: the fills of its orders only.
  [[nodiscard]] position_snapshot strategy_position(int strategy, symbol_id sid) const;

  /// Everything the report needs; complete after finish().
  [[nodiscard]] const report::run_record& record() const noexcept { return record_; }

 private:
  struct timer {
    ts_ns at;
    ts_ns interval;
    std::int64_t id;
    int strategy;
  };
  struct calendar_timer {
    std::int64_t id;
    int strategy;
    calendar_kind kind;
  };
  struct strategy_state {
    event_slot slot{};
    /// Its own holding of each symbol (an OMS's per-strategy position; the portfolio's math).
    std::vector<market::holding> holdings;
    std::vector<event_slot> queue;
    std::size_t head = 0;
    std::size_t pending_bars = 0;  ///< bars queued and not yet delivered (the last is flagged)
    std::size_t open_orders = 0;   ///< accepted and not yet closed (capped: max_open_orders)
    std::size_t timers = 0;        ///< timers and calendar timers held (capped)
    rng64 rng;
    bool stopped = false;
    bool no_bars = false;
  };

  class port_impl;
  class guard_impl;
  void route(const market::order_event& ev);
  /// Routes the events of scratch_ not yet routed (the venue's fill guard calls it mid-bar so
  /// the position it judges includes the bar's earlier fills).
  void route_pending();
  [[nodiscard]] const char* pre_check(const market::order_request& req);
  /// Orders the strategy may still open before the cap (NTRUN_K_MAX_OPEN_ORDERS).
  [[nodiscard]] std::size_t room_for_orders(int strategy) const noexcept;
  /// Timers held per strategy, capped at NTRUN_K_MAX_TIMERS (take throws at the cap).
  void take_timer(int strategy);
  /// Throws once NTRUN_K_MAX_QUEUED_EVENTS events wait for the strategy: a callback that
  /// places, changes or cancels orders in a loop would otherwise queue without bound.
  void check_queue(int strategy) const;
  void drop_timer(int strategy) noexcept;
  void book(int strategy, const market::fill& f);
  void push(int strategy, const event_slot& ev);
  void record_equity();
  /// Records cash below zero at an equity point when the limits allow no margin.
  void note_negative_cash(const equity_point& p);
  void risk_changed(market::risk_state previous);
  std::optional<ts_ns> peek_source();
  bool poll_source(ts_ns deadline, bar& out);
  bool advance_live();
  /// Bars up to the deadline through the venue, portfolio, checks, history and queues; the
  /// equity point after them. Returns how many.
  std::size_t process_bars(ts_ns deadline);
  bool fire_timers(ts_ns upto);
  /// Queues the calendar timers due at t, the timestamp whose bars were just queued.
  void fire_calendar(ts_ns t);

  engine_config cfg_;
  std::unique_ptr<ntrun::clock> clock_;
  ntrun::simulated_clock* sim_ = nullptr;  ///< clock_ when it is the simulated one (no virtual call)
  std::unique_ptr<ntrun::event_source> source_;
  ntrun::replay_source* replay_ = nullptr;  ///< source_ when it is a replay (peek + next)
  std::unique_ptr<market::execution_client> venue_;
  std::unique_ptr<market::portfolio> portfolio_;
  std::unique_ptr<market::pre_trade_checks> checks_;
  history_store history_;
  std::vector<strategy_state> strategies_;
  std::vector<std::unique_ptr<strategy_port>> ports_;
  std::vector<timer> timers_;  ///< min-heap on (at, id)
  std::vector<calendar_timer> calendar_;  ///< in id order; empty: no cost per timestamp
  std::optional<ts_ns> calendar_prev_;    ///< the timestamp with bars before the current one
  std::vector<market::order_event> scratch_;
  std::size_t routed_ = 0;  ///< events of scratch_ already routed
  std::unique_ptr<guard_impl> guard_;
  report::run_record record_;
  std::optional<equity_point> pending_point_;
  std::int64_t pending_day_ = 0;  ///< utc_day of pending_point_
  std::vector<breaker_trip> trips_;
  std::vector<rejection_count> rejections_;
  std::optional<ts_ns> negative_since_;
  double min_equity_ = std::numeric_limits<double>::infinity();
  std::optional<cash_shortfall> negative_cash_;
  std::exception_ptr source_error_;  ///< raised by next() once the bars before it are delivered
  std::int64_t bars_ = 0;
  std::int64_t next_timer_id_ = 1;
  bool finished_ = false;
  bool closed_ = false;
  bool host_advances_ = false;  ///< next() yields on an empty queue (several strategies, --watch)
};

}  // namespace ntrun::backtest
