// `ntrun run`: loads a bundle, builds the feed, engine and one Lua state per strategy, runs
// the backtest and produces the report. Also used by nt.backtest.run from trusted scripts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ntrun/backtest/engine.hpp"
#include "ntrun/host/bundle.hpp"
#include "ntrun/report/metrics.hpp"
#include "ntrun/report/report.hpp"

namespace ntrun::host {

struct run_options {
  std::string bundle_dir;
  std::vector<std::string> data_files;  ///< replaces the bundle's data files, in order
  std::optional<std::string> from, to;  ///< "YYYY-MM-DD[ HH:MM[:SS]]", inclusive
  std::optional<double> capital;
  std::optional<std::uint64_t> seed;
  bool skip_bad_rows = false;
  bool quiet = false;     ///< no strategy log lines on stderr
  bool progress = false;  ///< progress line on stderr
  bool jit_log = false;   ///< record LuaJIT's traces and aborts in each strategy state
  /// The user trusts the bundle's code (--trusted): no sandbox, no caps, the whole library.
  /// A bundle that declares `trusted = true` runs only with it.
  bool allow_trusted = false;
  /// Watch mode (`--watch`, docs/hot_reload.md): the replay is paced on the wall clock at
  /// `speed` (bar seconds per wall second; 0: as fast as possible), the bundle's files are
  /// watched and a saved change reloads the strategy's code between two timestamps.
  bool watch = false;
  double speed = 1;
  int debounce_ms = 5;  ///< quiet time after a file event before the reload
  /// Live runs (docs/live.md): --feed replaces the bundle's zmq endpoint, --publish sets
  /// where order events go, --idle-timeout (seconds, 0 none) ends a silent feed.
  std::optional<std::string> feed, publish;
  double idle_timeout = 0;
  /// Fills in engine parts besides the source before the engine is made (a live run: the
  /// feed's clock and the publishing venue). A clock that is not simulated makes the host
  /// drive the engine (its runner yields while no data has arrived).
  std::function<void(const backtest::engine_config&, backtest::engine_parts&)> parts{};
  // ---- agents in other processes (docs/agents.md, "Agents in several processes") ----
  std::string serve;                ///< --serve ENDPOINT: where agent processes join
  std::vector<std::string> remote;  ///< --remote NAME: agents that run in their own process
  int agent_timeout_ms = 10000;     ///< silence during its turn that stops a remote agent
  int join_wait_ms = 30000;         ///< how long the run waits for its remote agents
  std::string curve_key;            ///< --curve-key PREFIX: the run's CURVE key pair
  std::vector<std::string> allow;   ///< --allow FILE: public keys of the agents let in
  /// --cycle-stats: time each timestamp of an agents run (the bar in, every round of messages,
  /// votes and orders until quiet) and print the distribution on stderr at the end.
  bool cycle_stats = false;
};

/// `ntrun agent BUNDLE --only NAME --connect ENDPOINT`: one agent of a bundle in this
/// process, joining a run started with --serve and --remote NAME.
struct agent_options {
  std::string bundle_dir;
  std::string name;
  std::string connect;
  std::string curve_key;   ///< this agent's key pair PREFIX (.key and .pub)
  std::string server_key;  ///< the run's public key file
  int join_wait_ms = 30000;
  int timeout_ms = 600000;  ///< silence from the run between turns before giving up
  bool allow_trusted = false;
  bool quiet = false;
};
/// Returns the process's exit code (0: the run ended it; 1: an error, printed on stderr).
[[nodiscard]] int run_agent(const agent_options& opts);

struct run_result {
  int exit_code = 0;                 ///< 0 ok, 1 runtime failure
  std::string status = "completed";  ///< or "stopped: ..." / "failed: ..."
  std::vector<std::string> errors;   ///< full messages (Lua tracebacks, data errors)
  /// With run_options::jit_log: per strategy, "traces N started M" then "abort ..." lines.
  std::vector<std::string> jit_log;
  bool has_report = false;           ///< false when the run failed before the first event
  report::run_record record;
  report::metrics metrics;
  report::report_meta meta;
  std::vector<std::string> symbols;
};

/// Runs a backtest. Configuration errors (bad bundle, missing file) are thrown as
/// std::runtime_error; failures during the run come back in run_result with exit_code 1.
[[nodiscard]] run_result run_backtest(const run_options& opts);

/// Runs a loaded bundle's strategies over `source` instead of its data files (benchmarks,
/// generated data, a live feed). `symbols` names the ids the source emits. --watch needs a
/// replay (backtest::bar_source).
[[nodiscard]] run_result run_bundle(const bundle_config& bundle,
                                    const std::vector<std::string>& symbols,
                                    std::unique_ptr<ntrun::event_source> source,
                                    const run_options& opts);

}  // namespace ntrun::host
