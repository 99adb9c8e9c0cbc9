// Agents in other processes (docs/agents.md, "Agents in several processes"). The run's
// process (`ntrun run BUNDLE --serve ENDPOINT --remote NAME ...`) keeps the engine, the router
// and a session per agent; an agent process (`ntrun agent BUNDLE --only NAME --connect
// ENDPOINT`) runs the agent's Lua state with a remote_port, which asks the run's process over a
// ZeroMQ DEALER/ROUTER pair (CURVE on tcp when keys are given) for each event and each engine
// call, during the agent's turn. The run gives the turns in the same order as in one process,
// so the reports are byte-identical. Every frame is checked (magic, version, sizes, enum
// values); a bad or missing frame fails that agent, never the run. Knows no Lua.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ntrun/backtest/rng.hpp"
#include "ntrun/engine/mailbox.hpp"
#include "ntrun/engine/session.hpp"
#include "ntrun/engine/strategy_port.hpp"
#include "ntrun/transport/net.hpp"
#include "ntrun/transport/reqrep.hpp"

namespace ntrun::agents {

/// (Private) the frame reader of remote.cpp.
class reader_base {
 protected:
  reader_base() = default;
};

/// What a turn asks the agent to run (the runner's functions).
enum class turn_kind : std::uint16_t { start = 1, run = 2, stop = 3 };

struct turn_result {
  int kind = 0;                      ///< the event kind the runner returned (run)
  std::optional<std::string> error;  ///< the agent's error (then it is stopped)
};

/// The run's side: a ROUTER the agent processes connect to.
class agent_server {
 public:
  struct options {
    std::string endpoint;                              ///< tcp://127.0.0.1:5560, ipc://..., inproc://...
    std::optional<transport::curve_options> curve{};   ///< server keys (tcp with CURVE)
    std::chrono::milliseconds timeout{10000};          ///< silence that fails an agent
  };
  agent_server(options opts, std::vector<std::string> agent_names);
  ~agent_server();
  agent_server(const agent_server&) = delete;
  agent_server& operator=(const agent_server&) = delete;

  /// The bound endpoint (with the port ZeroMQ picked for tcp://...:*).
  [[nodiscard]] std::string endpoint() const;
  /// Waits until every agent of `remote` (names) said hello, at most `wait`. Throws
  /// std::runtime_error naming the ones missing. Hellos from names not expected are refused.
  void accept(const std::vector<std::string>& remote, const std::vector<std::string>& symbols,
              std::size_t history_capacity, std::chrono::milliseconds wait);
  /// One turn of agent `id` (1-based): its events come from `s` (session::next, which gives
  /// its mailbox's messages first) and its engine calls go to s.port(); what it published
  /// lands in s.mailbox()'s outbox. A silent or garbled agent comes back as an error.
  turn_result turn(std::uint32_t id, turn_kind kind, session& s);
  /// Tells every connected agent process that the run is over (they exit).
  void close_all();
  /// The agents (ids) whose process joined again after theirs was lost, since the last call.
  [[nodiscard]] std::vector<std::uint32_t> take_rejoined();
  /// Forgets an agent's process (the run stopped the agent): a new one may join in its place.
  void drop(std::uint32_t id);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// The agent process's side: its session's port.
class remote_port final : public strategy_port {
 public:
  struct options {
    std::string endpoint;
    std::string agent;
    std::optional<transport::curve_options> curve{};
    std::chrono::milliseconds timeout{60000};  ///< silence from the run before giving up
    market::check_config limits{};              ///< the bundle's limits (ctx:limits())
  };
  explicit remote_port(options opts);
  ~remote_port() override;

  /// Says hello and waits for the welcome (the run's symbols, this agent's id, the agent
  /// names). Throws std::runtime_error when refused or when nothing answers in time.
  void join(std::chrono::milliseconds wait);
  [[nodiscard]] std::uint32_t agent_id() const noexcept { return id_; }
  [[nodiscard]] const std::vector<std::string>& agent_names() const noexcept { return names_; }
  [[nodiscard]] const std::vector<std::string>& topics() const noexcept { return topics_; }
  /// Waits for the run's next turn; nullopt when the run is over (or went silent: `why`).
  std::optional<turn_kind> wait_turn(std::string* why);
  /// Ends the turn: the runner's kind or error, and the mailbox's outbox (then cleared).
  void done(int kind, const std::optional<std::string>& error, mailbox& box);

  // ---- strategy_port ----
  [[nodiscard]] event_kind next(event_slot& out) override;
  [[nodiscard]] ts_ns now() const noexcept override { return now_; }
  [[nodiscard]] const std::vector<std::string>& symbols() const noexcept override { return symbols_; }
  [[nodiscard]] std::span<const double> history(symbol_id sid, bar_field field,
                                                std::size_t n) const override;
  [[nodiscard]] std::size_t history_capacity() const noexcept override { return capacity_; }
  submit_result submit(const market::order_request& req) override;
  submit_result submit_list(std::span<market::order_request> reqs,
                            std::span<const market::list_link> links,
                            std::span<order_id> ids) override;
  bool cancel(order_id id) override;
  bool modify(order_id id, double quantity, double limit_price, double stop_price) override;
  [[nodiscard]] const market::order* find_order(order_id id) const override;
  [[nodiscard]] std::vector<order_id> open_orders() const override;
  [[nodiscard]] position_snapshot position(symbol_id sid) const override;
  [[nodiscard]] account_snapshot account() const override;
  [[nodiscard]] std::int64_t set_timer(ts_ns first, ts_ns interval) override;
  bool cancel_timer(std::int64_t id) override;
  [[nodiscard]] std::int64_t set_calendar_timer(calendar_kind kind) override;
  [[nodiscard]] double random() noexcept override;
  [[nodiscard]] const market::check_config& limits() const noexcept override { return limits_; }
  void set_limits(const market::check_config& limits) override;
  [[nodiscard]] const market::risk_status& risk() const noexcept override;

 private:
  struct queued {
    event_slot slot{};
    ts_ns now = 0;
    std::vector<std::uint64_t> bytes;  ///< a message's envelope
  };
  void read_event(reader_base& r, queued& q);
  void welcome(reader_base& r);
  std::vector<std::byte> call(std::uint16_t op, const std::vector<std::byte>& args) const;
  const char* intern(const std::string& s) const;

  options opts_;
  std::unique_ptr<transport::dealer> sock_;
  std::uint32_t id_ = 0;
  std::vector<std::string> names_, symbols_;
  mutable std::vector<std::string> topics_;
  std::size_t capacity_ = 0;
  ts_ns now_ = 0;
  market::check_config limits_{};
  mutable market::risk_status risk_{};
  mutable std::set<std::string> strings_;  ///< static strings of the run, interned
  mutable std::map<std::uint64_t, std::vector<double>> history_;  ///< per (sid, field)
  mutable std::map<order_id, market::order> orders_;
  std::vector<std::uint64_t> message_;  ///< the current message's bytes (8-aligned)
  mutable std::vector<queued> batch_;    ///< the events the turn came with
  mutable std::size_t batch_at_ = 0;
};

}  // namespace ntrun::agents
