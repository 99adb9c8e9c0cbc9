// The ntrun command line: run, test, exec, keygen, version. Exit codes: 0 ok, 1 runtime failure,
// 2 usage error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <tbb/global_control.h>
#include <csignal>
#include <ctime>

#include <unistd.h>

#include "ntrun/data/time.hpp"
#include "ntrun/engine/session.hpp"
#include "ntrun/host/backtest_run.hpp"
#include "ntrun/host/trusted.hpp"
#include "ntrun/host/watch.hpp"
#include "ntrun/report/json.hpp"
#include "ntrun/report/report.hpp"
#include "ntrun/transport/curve.hpp"
#include "ntrun_ffi.h"

namespace {

template <class Fn>
bool write_file(const std::string& path, const char* what, Fn&& fn) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    std::fprintf(stderr, "ntrun: cannot write the %s to '%s' (does the folder exist?)\n", what,
                 path.c_str());
    return false;
  }
  fn(out);
  out.close();
  if (!out) {
    std::fprintf(stderr, "ntrun: writing the %s to '%s' failed\n", what, path.c_str());
    return false;
  }
  return true;
}

/// SIGINT/SIGTERM: every strategy stops between two events, on_stop runs, the report so far is
/// printed and written (status "interrupted", exit 130). A second signal ends the process at
/// once, unless it comes within 0.5 s of the first: tools such as timeout(1) send one signal
/// to the process and the same to its group, which must not cost the report.
std::atomic<std::int64_t> first_interrupt_ns{0};

extern "C" void on_interrupt(int sig) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe, as is all below
  const std::int64_t t = static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  std::int64_t first = 0;
  if (first_interrupt_ns.compare_exchange_strong(first, t)) {
    ntrun::session::interrupt_all();
    ntrun::host::wake_watch();
  } else if (t - first > 500'000'000) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

/// SIGUSR1: a one-line status on stderr between two events; the run goes on.
extern "C" void on_status(int) {
  ntrun::session::request_status_all();
  ntrun::host::wake_watch();
}

/// SIGHUP (--watch only): reload every strategy between two events, changed or not.
extern "C" void on_reload(int) {
  ntrun::host::request_reload_all();
  ntrun::host::wake_watch();
}

void install_interrupt_handlers(bool watch) {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  struct sigaction st {};
  st.sa_handler = on_status;
  sigemptyset(&st.sa_mask);
  st.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &st, nullptr);
  if (watch) {
    struct sigaction sh {};
    sh.sa_handler = on_reload;
    sigemptyset(&sh.sa_mask);
    sh.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sh, nullptr);
  }
}

int cmd_run(const ntrun::host::run_options& opts, const std::string& json_path,
            const std::string& equity_csv, const std::string& trades_csv) {
  install_interrupt_handlers(opts.watch);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  ntrun::host::run_result r;
  try {
    r = ntrun::host::run_backtest(opts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ntrun: %s\n", e.what());
    return 1;
  }
  const double secs = std::chrono::duration<double>(clock::now() - t0).count();
  for (const auto& e : r.errors) std::fprintf(stderr, "ntrun: %s\n", e.c_str());
  std::cout << ntrun::report::format_table(r.metrics, r.meta) << std::flush;
  const double rate = secs > 0 ? static_cast<double>(r.meta.bars) / secs : 0.0;
  if (rate >= 1e6) {
    std::fprintf(stderr, "%lld bars in %.3f s (%.2f M bars/s)\n",
                 static_cast<long long>(r.meta.bars), secs, rate / 1e6);
  } else {
    std::fprintf(stderr, "%lld bars in %.3f s (%.0f bars/s)\n",
                 static_cast<long long>(r.meta.bars), secs, rate);
  }
  bool ok = true;
  try {
    if (!json_path.empty()) {
      ok &= write_file(json_path, "JSON report", [&](std::ostream& os) {
        ntrun::report::write_json(os, r.record, r.metrics, r.meta, r.symbols);
      });
    }
    if (!equity_csv.empty()) {
      ok &= write_file(equity_csv, "equity curve",
                       [&](std::ostream& os) { ntrun::report::write_equity_csv(os, r.record); });
    }
    if (!trades_csv.empty()) {
      ok &= write_file(trades_csv, "trade list", [&](std::ostream& os) {
        ntrun::report::write_trades_csv(os, r.record, r.symbols);
      });
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ntrun: %s\n", e.what());
    ok = false;
  }
  return ok ? r.exit_code : 1;
}

// Usage errors of `ntrun run` found before the run starts (exit 2): every one names the option
// and says what it expects. Output files are checked here too, so a missing folder does not
// cost a whole backtest.
CLI::Validator date_option(const char* name) {
  return CLI::Validator(
      [name](std::string& value) -> std::string {
        if (ntrun::data::parse_timestamp(value)) return {};
        return std::string(name) + ": expected a date YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], got '" +
               value + "'";
      },
      "DATE");
}

CLI::Validator output_file(const char* name) {
  return CLI::Validator(
      [name](std::string& value) -> std::string {
        namespace fs = std::filesystem;
        if (value.empty()) return std::string(name) + ": expected a file name, got ''";
        if (value.front() == '-') {
          return std::string(name) + ": expected a file name, got '" + value +
                 "' (an option? write ./" + value + " for a file of that name)";
        }
        const fs::path p(value);
        std::error_code ec;
        if (fs::is_directory(p, ec)) return std::string(name) + ": '" + value + "' is a folder";
        const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
        if (!fs::is_directory(dir, ec)) {
          return std::string(name) + ": cannot write '" + value + "': folder '" + dir.string() +
                 "' does not exist";
        }
        if (access(dir.c_str(), W_OK) != 0 || (fs::exists(p, ec) && access(p.c_str(), W_OK) != 0)) {
          return std::string(name) + ": cannot write '" + value + "': permission denied";
        }
        return {};
      },
      "FILE");
}

CLI::Validator positive_amount(const char* name) {
  return CLI::Validator(
      [name](std::string& value) -> std::string {
        double v = 0;
        const char* end = value.data() + value.size();
        const auto r = std::from_chars(value.data(), end, v);
        if (r.ec == std::errc() && r.ptr == end && std::isfinite(v) && v > 0) return {};
        return std::string(name) + ": expected a positive amount, got '" + value + "'";
      },
      "AMOUNT");
}

CLI::Validator seed_option() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        std::uint64_t v = 0;
        const char* end = value.data() + value.size();
        const auto r = std::from_chars(value.data(), end, v);
        if (!value.empty() && r.ec == std::errc() && r.ptr == end) return {};
        return "--seed: expected a whole number in 0..18446744073709551615, got '" + value + "'";
      },
      "N");
}

// --threads N on the commands that run strategies or scripts: at most N oneTBB workers (the
// DTW and risk kernels) for the whole command; 0 means all cores. Results do not depend on N.
void add_threads_option(CLI::App* cmd, int& threads) {
  const CLI::Validator whole_number(
      [](std::string& value) -> std::string {
        const bool digits = !value.empty() && value.size() <= 6 &&
                            std::all_of(value.begin(), value.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
        if (digits) return {};
        return "expected a whole number of threads >= 1 (0 for all cores), got '" + value + "'";
      },
      "");
  cmd->add_option("--threads", threads,
                  "Threads of the compute kernels (oneTBB), >= 1; 0 or absent: all cores. "
                  "Results are the same for any N")
      ->type_name("N")
      ->check(whole_number);
}

/// `ntrun keygen [--out PREFIX]`: a CURVE key pair for ZeroMQ over tcp (docs/transport.md).
int cmd_keygen(const std::string& prefix) {
  try {
    const auto keys = ntrun::transport::keygen();
    if (prefix.empty()) {
      std::printf("public-key %s\nsecret-key %s\n", keys.public_key.c_str(),
                  keys.secret_key.c_str());
      return 0;
    }
    ntrun::transport::write_key_files(prefix, keys);
    std::printf("wrote %s.key (secret, mode 0600) and %s.pub\n", prefix.c_str(), prefix.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ntrun keygen: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ntrun: run Lua trading strategies (backtests, research scripts, specs)", "ntrun"};
  app.require_subcommand(1);
  app.set_version_flag("--version", NTRUN_VERSION_STRING);

  ntrun::host::run_options run_opts;
  std::string json_path, equity_csv, trades_csv;
  std::string from, to;
  double capital = 0;
  std::uint64_t seed = 0;
  bool no_progress = false;
  auto* run = app.add_subcommand("run", "Backtest a strategy bundle and print its report");
  run->add_option("bundle", run_opts.bundle_dir, "Bundle folder (holds bundle.lua)")->required();
  run->add_option("--data", run_opts.data_files,
                  "Data file(s) replacing the bundle's, one per data entry, in order");
  auto* from_opt = run->add_option("--from", from, "First date, YYYY-MM-DD (inclusive)")
                       ->check(date_option("--from"));
  auto* to_opt =
      run->add_option("--to", to, "Last date, YYYY-MM-DD (inclusive)")->check(date_option("--to"));
  auto* cap_opt =
      run->add_option("--capital", capital, "Starting capital")->check(positive_amount("--capital"));
  auto* seed_opt =
      run->add_option("--seed", seed, "Seed of math.random in strategies")->check(seed_option());
  run->add_option("--json", json_path, "Write the report as JSON to FILE")
      ->check(output_file("--json"));
  run->add_option("--equity-csv", equity_csv, "Write the equity curve as CSV to FILE")
      ->check(output_file("--equity-csv"));
  run->add_option("--trades-csv", trades_csv, "Write the closed trades as CSV to FILE")
      ->check(output_file("--trades-csv"));
  run->add_flag("--skip-bad-rows", run_opts.skip_bad_rows,
                "Skip and count malformed CSV rows instead of stopping at the first");
  run->add_flag("--quiet,-q", run_opts.quiet, "Hide strategy log lines below warn");
  run->add_flag("--no-progress", no_progress, "No progress line on stderr");
  run->add_flag("--trusted", run_opts.allow_trusted,
                "Trust the bundle's code: no sandbox (io, os, ffi reachable), no time or memory "
                "caps (needed by bundles that declare trusted = true)");
  run->add_flag("--watch", run_opts.watch,
                "Paper mode with hot reload: replay the data on the wall clock (--speed), reload "
                "a strategy when its file is saved (SIGHUP: all), report on Ctrl-C or at the end");
  std::string feed, publish;
  auto* feed_opt = run->add_option("--feed", feed,
                                   "Live run: the ZeroMQ endpoint of the bundle's zmq feed, "
                                   "replacing the one in bundle.lua (docs/live.md)")
                       ->type_name("ENDPOINT");
  auto* publish_opt = run->add_option("--publish", publish,
                                      "Live run: publish every order event (topic \"orders\") "
                                      "and heartbeats (\"status\") on this endpoint (binds)")
                          ->type_name("ENDPOINT");
  run->add_option("--idle-timeout", run_opts.idle_timeout,
                  "Live run: end when the feed has sent nothing for this many seconds (0: never)")
      ->check(CLI::NonNegativeNumber);
  std::string speed_text;
  auto* speed_opt =
      run->add_option("--speed", speed_text,
                      "With --watch: bar time per wall-clock time, Nx (1x, 60x, 0.5x) or max "
                      "(default 1x)")
          ->type_name("Nx|max")
          ->check(CLI::Validator(
              [](std::string& value) -> std::string {
                if (ntrun::host::parse_speed(value)) return {};
                return "--speed: expected Nx with N > 0 (1x, 60x, 2.5x) or max, got '" + value +
                       "'";
              },
              ""));

  run->add_option("--serve", run_opts.serve,
                  "Agents: let agent processes join at ENDPOINT (tcp://127.0.0.1:5560, "
                  "ipc:///tmp/x); with --remote (docs/agents.md)")
      ->type_name("ENDPOINT");
  run->add_option("--remote", run_opts.remote,
                  "Agents: NAME runs in its own process (ntrun agent BUNDLE --only NAME "
                  "--connect ENDPOINT); repeat for several")
      ->type_name("NAME");
  run->add_option("--agent-timeout", run_opts.agent_timeout_ms,
                  "Agents: milliseconds of silence in its turn that stop a remote agent "
                  "(default 10000)")
      ->type_name("MS")
      ->check(CLI::Range(1, 86'400'000));
  run->add_option("--join-wait", run_opts.join_wait_ms,
                  "Agents: milliseconds to wait for the remote agents to join (default 30000)")
      ->type_name("MS")
      ->check(CLI::Range(1, 86'400'000));
  run->add_option("--curve-key", run_opts.curve_key,
                  "Agents: CURVE on --serve with this key pair (PREFIX.key, PREFIX.pub from "
                  "ntrun keygen)")
      ->type_name("PREFIX");
  run->add_option("--allow", run_opts.allow,
                  "Agents: public key file of an agent process let in (with --curve-key); repeat")
      ->type_name("FILE");

  run->add_flag("--cycle-stats", run_opts.cycle_stats,
                "Agents: time each timestamp (bar in, messages, votes, order) and print the "
                "distribution on stderr");

  ntrun::host::agent_options agent_opts;
  auto* agent = app.add_subcommand(
      "agent", "Run one agent of a bundle in this process, joining a run started with --serve");
  agent->add_option("bundle", agent_opts.bundle_dir, "Bundle folder (holds bundle.lua)")->required();
  agent->add_option("--only", agent_opts.name, "The agent to run (its name in bundle.lua)")
      ->required()
      ->type_name("NAME");
  agent->add_option("--connect", agent_opts.connect, "The run's --serve endpoint")
      ->required()
      ->type_name("ENDPOINT");
  agent->add_option("--curve-key", agent_opts.curve_key,
                    "CURVE: this agent's key pair (PREFIX.key, PREFIX.pub)")
      ->type_name("PREFIX");
  agent->add_option("--server-key", agent_opts.server_key, "CURVE: the run's public key file")
      ->type_name("FILE");
  agent->add_option("--join-wait", agent_opts.join_wait_ms,
                    "Milliseconds to wait for the run's welcome (default 30000)")
      ->type_name("MS")
      ->check(CLI::Range(1, 86'400'000));
  agent->add_flag("--trusted", agent_opts.allow_trusted, "Trust the bundle's code (as run --trusted)");
  agent->add_flag("--quiet,-q", agent_opts.quiet, "Hide the agent's log lines below warn");

  std::vector<std::string> test_paths;
  std::string filter;
  auto* test = app.add_subcommand("test", "Run Lua specs (*_spec.lua) inside the host");
  test->add_option("paths", test_paths, "Spec files or folders (bundles) to search")->required();
  test->add_option("--filter", filter, "Only tests whose full name contains TEXT");

  std::string script;
  std::vector<std::string> script_args;
  auto* exec = app.add_subcommand("exec", "Run a trusted Lua script with the whole nt library");
  exec->add_option("script", script, "Lua file to run")->required();
  exec->add_option("args", script_args, "Arguments, visible to the script as arg[1..n] and ...");
  exec->prefix_command();

  std::string key_prefix;
  auto* keygen = app.add_subcommand("keygen", "Make a CURVE key pair for ZeroMQ authentication");
  keygen->add_option("--out", key_prefix,
                     "Write PREFIX.key (secret key, mode 0600) and PREFIX.pub (public key); "
                     "without it, print both")
      ->type_name("PREFIX");

  auto* version = app.add_subcommand("version", "Print the version");

  int threads = 0;
  for (auto* cmd : {run, test, exec, agent}) add_threads_option(cmd, threads);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  // Lives until main returns, so it covers the whole command.
  std::optional<tbb::global_control> parallelism;
  if (threads > 0) {
    parallelism.emplace(tbb::global_control::max_allowed_parallelism,
                        static_cast<std::size_t>(threads));
  }

  if (*run) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_regular_file(run_opts.bundle_dir, ec)) {
      const fs::path folder = fs::path(run_opts.bundle_dir).parent_path();
      std::fprintf(stderr,
                   "ntrun run: '%s' is a file; give the bundle's folder (%s), which holds "
                   "bundle.lua\n",
                   run_opts.bundle_dir.c_str(), folder.empty() ? "." : folder.c_str());
      return 2;
    }
    if (*from_opt && *to_opt && *ntrun::data::parse_timestamp(from) > *ntrun::data::parse_timestamp(to)) {
      std::fprintf(stderr, "ntrun run: --from %s is after --to %s\n", from.c_str(), to.c_str());
      return 2;
    }
    if (*from_opt) run_opts.from = from;
    if (*to_opt) run_opts.to = to;
    if (*cap_opt) run_opts.capital = capital;
    if (*seed_opt) run_opts.seed = seed;
    if (*speed_opt && !run_opts.watch) {
      std::fprintf(stderr,
                   "ntrun run: --speed paces a --watch run; add --watch (a backtest runs as fast "
                   "as it can)\n");
      return 2;
    }
    if (*feed_opt) run_opts.feed = feed;
    if (*publish_opt) run_opts.publish = publish;
    if (*speed_opt) run_opts.speed = *ntrun::host::parse_speed(speed_text);
    run_opts.progress = !run_opts.watch && !no_progress && isatty(STDERR_FILENO) != 0;
    return cmd_run(run_opts, json_path, equity_csv, trades_csv);
  }
  try {
    if (*agent) return ntrun::host::run_agent(agent_opts);
    if (*test) return ntrun::host::run_specs(test_paths, filter);
    if (*exec) {
      // prefix_command leaves everything after the script in remaining().
      for (auto& a : exec->remaining()) script_args.push_back(a);
      return ntrun::host::exec_script(script, script_args);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ntrun: %s\n", e.what());
    return 1;
  }
  if (*keygen) return cmd_keygen(key_prefix);
  if (*version) {
    std::printf("ntrun %s (LuaJIT FFI ABI %d)\n", NTRUN_VERSION_STRING, NTRUN_ABI_VERSION);
    return 0;
  }
  return 2;
}
