// `ntrun run`: bundle -> feed -> engine -> one Lua state per strategy -> report.
#include "ntrun/host/backtest_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <utility>

#include "agent_port.hpp"
#include "ntrun/agents/remote.hpp"
#include "ntrun/agents/router.hpp"
#include "ntrun/backtest/engine.hpp"
#include "ntrun/data/feed.hpp"
#include "ntrun/data/time.hpp"
#include "ntrun/host/bundle.hpp"
#include "ntrun/host/live_run.hpp"
#include "ntrun/host/lua_vm.hpp"
#include "ntrun/host/watch.hpp"
#include "ntrun/transport/curve.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace ntrun::host {
namespace {

/// The CSV feed as the engine's bar source, with an optional progress line on stderr.
class feed_source final : public backtest::bar_source {
 public:
  /// The feed's counters are copied to *final_stats when the engine releases the source.
  feed_source(data::bar_feed feed, bool progress, data::csv_stats* final_stats)
      : feed_(std::move(feed)), progress_(progress), final_stats_(final_stats) {}
  ~feed_source() override { *final_stats_ = feed_.stats(); }
  feed_source(const feed_source&) = delete;
  feed_source& operator=(const feed_source&) = delete;
  std::optional<ts_ns> peek_ts() override { return feed_.peek_ts(); }
  bool next(bar& out) override {
    if (!feed_.next(out)) return false;
    if (progress_ && (++count_ & 0x3FFFF) == 0) {
      std::fprintf(stderr, "\r  %s  %lld bars", data::format_date(out.ts_event).c_str(),
                   static_cast<long long>(count_));
      std::fflush(stderr);
    }
    return true;
  }

 private:
  data::bar_feed feed_;
  bool progress_;
  data::csv_stats* final_stats_;
  std::int64_t count_ = 0;
};

std::optional<ts_ns> parse_bound(const std::optional<std::string>& text, const char* what,
                                 bool end_of_day) {
  if (!text) return std::nullopt;
  const auto ts = data::parse_timestamp(*text);
  if (!ts) {
    throw std::runtime_error(std::string("bad '") + what + "' date '" + *text +
                             "': expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]");
  }
  // A bare date as the end bound includes that whole day.
  if (end_of_day && text->size() == 10) return *ts + ns_per_day - 1;
  return ts;
}

struct log_context {
  bool quiet;
};

void print_log(void* user, const session& s, std::int64_t ts, int level, std::string_view msg) {
  const auto* ctx = static_cast<const log_context*>(user);
  if (ctx->quiet && level < 2) return;
  static constexpr const char* levels[] = {"debug", "info", "warn", "error"};
  const char* lv = levels[level < 0 ? 0 : (level > 3 ? 3 : level)];
  std::fprintf(stderr, "[%s] %s %s: %.*s\n", data::format_datetime(ts).c_str(), s.name().c_str(),
               lv, static_cast<int>(msg.size()), msg.data());
}

/// The traceback frames of the host's own runner loop say nothing to a strategy author. The
/// message (everything before "stack traceback:") is always kept whole.
std::string without_runner_frames(const std::string& traceback) {
  static constexpr std::string_view marker = "\nstack traceback:";
  const std::size_t frames = traceback.find(marker);
  if (frames == std::string::npos) return traceback;
  std::string out = traceback.substr(0, frames);
  std::string kept;
  bool user_frame = false;  // a frame outside the host's own code
  std::size_t pos = frames + 1;
  while (pos < traceback.size()) {
    std::size_t end = traceback.find('\n', pos);
    if (end == std::string::npos) end = traceback.size();
    const std::string_view line(traceback.data() + pos, end - pos);
    const bool internal = line.find("scripts/nt/_runner.lua") != std::string_view::npos ||
                          line.find("[C]: at 0x") != std::string_view::npos;
    if (!internal) {
      kept += '\n';
      kept += line;
      user_frame = user_frame || (line.find("scripts/nt/") == std::string_view::npos &&
                                  line.find("[C]:") == std::string_view::npos &&
                                  line != "stack traceback:");
    }
    pos = end + 1;
  }
  // An error the host raised about the strategy file (at load) names it already: its frames
  // would only show the host's code.
  return user_frame ? out + kept : out;
}

/// The agent a state runs (its port and mailbox); all nullptr for a strategy. With `remote`,
/// the agent runs in another process (`ntrun agent`) and this state only holds its session:
/// each call is a turn served over the agent_server.
struct agent_parts {
  strategy_port* port = nullptr;
  ntrun::mailbox* box = nullptr;
  const agents::agent_info* info = nullptr;
  agents::agent_server* remote = nullptr;
};

/// One strategy's Lua state, its session (attached to the engine's port for the strategy)
/// and the nt._runner functions that drive it.
class strategy_vm {
 public:
  strategy_vm(strategy_port& port, int index, const std::string& name, const std::string& path,
              const bundle_config& b, log_context* log, bool jit_log, bool trusted,
              agent_parts agent = {})
      : index_(index), name_(name), port_(&port), remote_(agent.remote) {
    if (remote_) {
      session& rs = vm_.session();
      rs.set_name(name);
      rs.attach(&port);
      rs.set_mailbox(agent.box);
      return;
    }
    if (jit_log) {
      vm_.require("nt._jitlog");
      lua_getfield(vm_.state(), -1, "start");
      if (auto err = vm_.pcall(0, 0)) throw lua_error_exception(*err);
      lua_pop(vm_.state(), 1);
    }
    session& s = vm_.session();
    if (!trusted) s.set_memory_limit(b.memory_limit);
    s.set_name(name);
    s.set_log_sink(print_log, log);
    s.attach(&port);
    s.set_mailbox(agent.box);
    lua_State* L = vm_.state();
    vm_.require("nt._runner");
    runner_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    push_fn("load");
    lua_pushstring(L, path.c_str());
    lua_pushstring(L, b.dir.c_str());
    lua_pushstring(L, b.name.c_str());
    lua_pushlstring(L, b.params_source.data(), b.params_source.size());
    lua_pushboolean(L, trusted ? 1 : 0);
    if (agent.info) {
      lua_createtable(L, 0, 3);
      lua_pushstring(L, agent.info->name.c_str());
      lua_setfield(L, -2, "name");
      lua_pushstring(L, agent.info->role.c_str());
      lua_setfield(L, -2, "role");
      push_strings(L, agent.info->subscribe);
      lua_setfield(L, -2, "subscribe");
    } else {
      lua_pushnil(L);
    }
    // The callback budget covers the strategy file's top level too.
    if (!trusted) vm_.set_time_limit(b.callback_budget);
    phase_ = "load";
    if (auto err = vm_.pcall(6, 0)) throw lua_error_exception(cut(describe(without_runner_frames(*err))));
    note_bar_callbacks();
  }

  /// Which callbacks a bar event runs (for the timeout message: the state may be gone then).
  void note_bar_callbacks() {
    push_fn("bar_callbacks");
    if (!vm_.pcall(0, 1)) {
      if (const char* cb = lua_tostring(vm_.state(), -1)) bar_callbacks_ = cb;
      lua_pop(vm_.state(), 1);
    }
  }

  /// The nt._jitlog report lines of this state (when it was started).
  void jit_report(const std::string& name, std::vector<std::string>& out) {
    if (remote_ || vm_.abandoned() || vm_.timed_out()) return;
    lua_State* L = vm_.state();
    vm_.require("nt._jitlog");
    lua_getfield(L, -1, "report");
    if (vm_.pcall(0, 1)) {
      lua_pop(L, 1);
      return;
    }
    const int n = static_cast<int>(lua_objlen(L, -1));
    for (int i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, i);
      if (lua_isstring(L, -1)) out.push_back(name + ": " + lua_tostring(L, -1));
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }

  /// The cap this state passed, when its last error came from it.
  [[nodiscard]] bool over_memory() noexcept { return vm_.session().memory_exceeded(); }
  [[nodiscard]] std::int64_t log_dropped() noexcept { return vm_.session().log_dropped(); }
  [[nodiscard]] std::size_t memory_limit() noexcept { return vm_.session().memory_limit(); }

  /// An error kept by the session (a data error raised inside an FFI call), once.
  std::optional<std::string> take_error() { return vm_.session().take_error(); }

  /// Calls runner.<fn>(); returns the error (with traceback) or the returned event kind.
  std::optional<std::string> call(const char* fn, int* kind = nullptr) {
    if (remote_) {
      const std::string_view f(fn);
      const agents::turn_result r = remote_->turn(
          static_cast<std::uint32_t>(index_ + 1),
          f == "start" ? agents::turn_kind::start
          : f == "stop" ? agents::turn_kind::stop
                        : agents::turn_kind::run,
          vm_.session());
      if (r.error) return r.error;
      if (kind) *kind = r.kind;
      return std::nullopt;
    }
    if (vm_.abandoned()) return "stopped earlier";
    phase_ = fn;
    push_fn(fn);
    if (auto err = vm_.pcall(0, 1)) {
      // An FFI call's error the strategy raised (ctx:buy at the event cap) is in this message
      // already: it must not come back as a data error of the run.
      (void)vm_.session().take_error();
      return cut(describe(without_runner_frames(*err)));
    }
    if (kind) *kind = static_cast<int>(lua_tointeger(vm_.state(), -1));
    lua_pop(vm_.state(), 1);
    return std::nullopt;
  }

  [[nodiscard]] int index() const noexcept { return index_; }
  bool failed = false;

  /// --watch: runner.reload(params_source) between two events: the file compiled in a fresh
  /// environment, the state handed over, the callbacks swapped. ok false: refused (the old
  /// code goes on) and why; ok true: applied, with a warning when the old on_save failed.
  /// fatal: the reload ran past the callback budget (the state runs nothing more: the host
  /// stops the strategy). params_source: new params, or nullptr.
  struct reload_result {
    bool ok = false;
    bool fatal = false;
    std::string message;
  };
  reload_result reload(const std::string* params_source) {
    if (vm_.abandoned() || vm_.timed_out()) {
      return {.ok = false, .fatal = true, .message = "stopped earlier"};
    }
    lua_State* L = vm_.state();
    phase_ = "the reload (the new file's top level, on_save, on_load)";
    push_fn("reload");
    if (params_source) {
      lua_pushlstring(L, params_source->data(), params_source->size());
    } else {
      lua_pushnil(L);
    }
    if (auto err = vm_.pcall(1, 2)) {
      (void)vm_.session().take_error();
      return {.ok = false,
              .fatal = vm_.timed_out() || vm_.abandoned(),
              .message = cut(describe(without_runner_frames(*err)))};
    }
    reload_result out{.ok = lua_toboolean(L, -2) != 0, .fatal = false, .message = {}};
    if (lua_isstring(L, -1)) out.message = cut(lua_tostring(L, -1));
    if (!out.ok && out.message.empty()) out.message = "reload failed";
    lua_pop(L, 2);
    return out;
  }
  /// One incremental GC step of `kb`; true when it finished a cycle (idle time in --watch).
  bool gc_step(int kb) {
    if (vm_.abandoned() || vm_.timed_out()) return true;
    return lua_gc(vm_.state(), LUA_GCSTEP, kb) != 0;
  }

 private:
  /// A call stopped for its time budget: which callback, how long, when, and where (the
  /// hook's traceback; none when it was left from compiled code).
  std::string describe(std::string err) {
    if (!vm_.timed_out()) return err;
    const std::string what = phase_ == "load"  ? std::string("the strategy file's top level")
                             : phase_ == "start" ? std::string("on_start")
                             : phase_ == "stop"  ? std::string("on_stop")
                             : phase_ == "run"   ? running_callback()
                                                 : std::string(phase_);
    const std::string msg = "stopped: " + what + " ran longer than " +
                            std::to_string(vm_.time_limit() / 1'000'000) + " ms at " +
                            data::format_datetime(port_->now()) +
                            " (a loop that never ends? the budget is sandbox.callback_ms in "
                            "bundle.lua); the strategy is disabled";
    if (vm_.abandoned()) return name_ + ": " + msg + " (stopped inside compiled code or a library function: no line known)";
    const std::size_t at = err.find(timeout_message);
    if (at == std::string::npos) return name_ + ": " + msg + "\n" + err;
    return err.replace(at, std::string_view(timeout_message).size(), msg);
  }

  /// error(string.rep("x", 1e8)) must not put 100 MB in the report and on the terminal.
  static std::string cut(std::string msg) {
    constexpr std::size_t max = NTRUN_K_MAX_ERROR_BYTES;
    if (msg.size() <= max) return msg;
    const std::size_t more = msg.size() - max;
    msg.resize(max);
    msg += " ... (" + std::to_string(more) + " more bytes cut)";
    return msg;
  }

  /// The callback the runner was in: the kind of the last event it took.
  [[nodiscard]] std::string running_callback() {
    switch (static_cast<event_kind>(vm_.session().slot().kind)) {
      case event_kind::bar: return bar_callbacks_;
      case event_kind::filled: return "on_order_filled";
      case event_kind::rejected: return "on_order_rejected";
      case event_kind::canceled: return "on_order_canceled";
      case event_kind::expired: return "on_order_expired";
      case event_kind::timer: return "on_timer";
      case event_kind::accepted: return "on_order_accepted";
      case event_kind::modified: return "on_order_modified";
      case event_kind::risk: return "on_risk_state";
      case event_kind::message: return "on_message (or on_proposal, on_decision)";
      default: return "the strategy";
    }
  }

  void push_fn(const char* fn) {
    lua_State* L = vm_.state();
    lua_rawgeti(L, LUA_REGISTRYINDEX, runner_ref_);
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
  }

  lua_vm vm_;
  int index_;
  std::string name_;
  const strategy_port* port_;
  agents::agent_server* remote_ = nullptr;
  std::string_view phase_;               ///< the runner function being called (a literal)
  std::string bar_callbacks_ = "on_bar";  ///< what a bar event calls
  int runner_ref_ = LUA_NOREF;
};

/// One line on stderr for SIGUSR1: where the run is, the account, the positions, the pace.
void print_status(const backtest::engine& eng, const std::vector<std::string>& symbols,
                  std::chrono::steady_clock::time_point start, const std::string& versions = {}) {
  std::string held;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const double q = eng.portfolio().position(static_cast<symbol_id>(i)).qty;
    if (q == 0) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s %g", held.empty() ? "" : ", ", symbols[i].c_str(), q);
    held += buf;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(
      stderr,
      "ntrun: status at %s: %lld bars, equity %.2f, cash %.2f, positions: %s, %.0f bars/s%s%s\n",
      data::format_datetime(eng.now()).c_str(), static_cast<long long>(eng.bars_processed()),
      eng.portfolio().equity(), eng.portfolio().cash(), held.empty() ? "none" : held.c_str(),
      secs > 0 ? static_cast<double>(eng.bars_processed()) / secs : 0.0,
      versions.empty() ? "" : ", code: ", versions.c_str());
}

std::string fmt_amount(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string display_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// `ntrun run --watch`: the host drives the engine one timestamp at a time, waits on the wall
/// clock until the next one is due (--speed), and between two timestamps reloads the code of
/// the strategies whose files were saved (or all of them on SIGHUP, or on a bundle.lua change
/// of params), prints status lines and steps the Lua GC in idle time.
class watch_session {
 public:
  using fail_fn = std::function<void(strategy_vm&, const std::string&)>;

  watch_session(const bundle_config& b, const run_options& opts, backtest::engine& eng,
                backtest::bar_source* src, std::vector<std::unique_ptr<strategy_vm>>& vms,
                const std::vector<std::string>& names, const std::vector<std::string>& symbols,
                fail_fn fail)
      : b_(b),
        opts_(opts),
        eng_(eng),
        src_(src),
        vms_(vms),
        names_(names),
        symbols_(symbols),
        fail_(std::move(fail)),
        watcher_(b.dir),
        params_(b.params_source),
        params_of_(vms.size(), b.params_source),
        versions_(vms.size(), 1),
        timeline_(vms.size()) {
    namespace fs = std::filesystem;
    for (const std::string& f : b.strategy_files) {
      std::error_code ec;
      strategy_paths_.push_back(fs::weakly_canonical(f, ec).string());
      watcher_.watch_file(f);  // a strategy file outside the bundle folder ("../shared/a.lua")
    }
    if (opts.capital) keep_.emplace_back("capital");
    if (opts.seed) keep_.emplace_back("seed");
    if (opts.from) keep_.emplace_back("from");
    if (opts.to) keep_.emplace_back("to");
    lua_vm config_vm;
    fingerprint_ = bundle_fingerprint(config_vm, b.dir, opts.data_files, keep_);
  }

  /// Runs until the data ends, a stop (SIGINT/SIGTERM) or every strategy failed. Returns true
  /// when interrupted; a data error comes back in *data_err.
  bool run(std::optional<std::string>* data_err) {
    replay_pacer pacer(opts_.speed);
    const auto loop_start = std::chrono::steady_clock::now();
    status_printed_ = session::status_requests();
    hup_seen_ = reload_requests();
    if (opts_.speed > 0) {
      std::fprintf(stderr,
                   "ntrun: watching %s at %.10gx: a saved strategy file reloads it, SIGHUP "
                   "reloads all, Ctrl-C ends the run with its report\n",
                   b_.dir.c_str(), opts_.speed);
    } else {
      std::fprintf(stderr,
                   "ntrun: watching %s at max speed: a saved strategy file reloads it, "
                   "SIGHUP reloads all, Ctrl-C ends the run with its report\n",
                   b_.dir.c_str());
    }
    for (;;) {
      if (all_failed()) return false;
      std::optional<ts_ns> next;
      try {
        next = src_->peek_ts();
      } catch (...) {
        next.reset();  // a bad row: the engine raises it after the bars before it
      }
      const std::int64_t due = next ? pacer.due(*next) : steady_now_ns();
      bool collected = false;  // the Lua GC finished a cycle in this wait
      for (;;) {
        if (session::interrupted()) return true;
        if (const std::uint32_t n = session::status_requests(); n != status_printed_) {
          status_printed_ = n;
          print_status(eng_, symbols_, loop_start, versions_text());
        }
        if (const std::uint32_t n = reload_requests(); n != hup_seen_) {
          hup_seen_ = n;
          for (std::size_t i = 0; i < vms_.size(); ++i) reload(i, "signal");
        }
        if (auto changes = watcher_.take_changes(opts_.debounce_ms); !changes.empty()) {
          apply(changes);
          continue;  // events that came during the reloads are handled before the next bar
        }
        const std::int64_t left = due - steady_now_ns();
        if (left <= 0) break;
        if (!collected) {
          // Idle time: a few GC steps per strategy, so collections do not stop a bar later.
          collected = true;
          for (auto& s : vms_) {
            for (int k = 0; k < 8 && !s->failed; ++k) {
              if (s->gc_step(64)) break;
            }
          }
          continue;
        }
        watcher_.wait(static_cast<int>(std::min<std::int64_t>((left + 999'999) / 1'000'000, 250)));
      }
      const bool more = eng_.advance();
      for (auto& s : vms_) {
        if (s->failed) continue;
        for (;;) {
          int kind = 0;
          if (auto err = s->call("run", &kind)) {
            fail_(*s, *err);
            break;
          }
          if (kind == static_cast<int>(event_kind::control)) {
            if (session::interrupted()) return true;
            if (const std::uint32_t n = session::status_requests(); n != status_printed_) {
              status_printed_ = n;
              print_status(eng_, symbols_, loop_start, versions_text());
            }
            continue;  // its turn goes on
          }
          break;  // yield (its queue is empty) or end
        }
      }
      for (auto& s : vms_) {
        if (auto e = s->take_error(); e && !*data_err) *data_err = std::move(e);
      }
      if (*data_err || !more) return false;
    }
  }

  /// The watch-mode part of the report: versions, reloads, each trade's versions.
  void fill_report(report::report_meta& meta, const report::run_record& rec) const {
    meta.watch = true;
    meta.strategies = names_;
    meta.versions = versions_;
    meta.reloads = reloads_;
    for (const trade& t : rec.trades) {
      meta.trade_code.push_back({.entry = versions_at(t.entry_ts), .exit = versions_at(t.exit_ts)});
    }
  }

 private:
  bool all_failed() const {
    for (const auto& s : vms_) {
      if (!s->failed) return false;
    }
    return true;
  }

  std::string versions_text() const {
    std::string out;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      out += (i == 0 ? "" : ", ") + names_[i] + " v" + std::to_string(versions_[i]);
    }
    return out;
  }

  /// Each strategy's version in force when the bar at t arrived: the last applied reload
  /// before t (a reload at T comes after T's events).
  std::vector<int> versions_at(ts_ns t) const {
    std::vector<int> out;
    for (const auto& line : timeline_) {
      int v = 1;
      for (const auto& [when, version] : line) {
        if (when >= t) break;
        v = version;
      }
      out.push_back(v);
    }
    return out;
  }

  /// Changed files (relative to the bundle): bundle.lua re-reads params and limits; a
  /// strategy file reloads that strategy; any other Lua file (a bundle-local module) reloads
  /// every strategy, since any of them may require it.
  void apply(const std::vector<std::string>& changes) {
    namespace fs = std::filesystem;
    std::vector<bool> which(vms_.size(), false);
    bool manifest = false;
    for (const std::string& rel : changes) {
      if (rel == "bundle.lua") {
        manifest = true;
        continue;
      }
      std::error_code ec;
      const std::string path =
          fs::weakly_canonical(rel.front() == '/' ? rel : b_.dir + "/" + rel, ec).string();
      bool strategy = false;
      for (std::size_t i = 0; i < strategy_paths_.size(); ++i) {
        if (strategy_paths_[i] == path) which[i] = strategy = true;
      }
      if (!strategy) which.assign(vms_.size(), true);
    }
    if (manifest && reload_manifest()) return;  // it reloaded every strategy
    for (std::size_t i = 0; i < vms_.size(); ++i) {
      if (which[i]) reload(i, "file");
    }
  }

  /// bundle.lua changed: params and limits apply; any other change is refused, naming the
  /// keys. Returns true when the strategies were reloaded with the new params.
  bool reload_manifest() {
    const auto t0 = std::chrono::steady_clock::now();
    bundle_config nb;
    std::map<std::string, std::string> fp;
    try {
      lua_vm config_vm;
      nb = load_bundle(config_vm, b_.dir, opts_.data_files);
      fp = bundle_fingerprint(config_vm, b_.dir, opts_.data_files, keep_);
    } catch (const std::exception& e) {
      refuse_manifest(e.what(), t0);
      return false;
    }
    if (const auto keys = fixed_keys_changed(fingerprint_, fp); !keys.empty()) {
      std::string list;
      for (const std::string& k : keys) list += (list.empty() ? "'" : ", '") + k + "'";
      refuse_manifest(
          b_.dir + "/bundle.lua: " + list +
              " changed, which a running session cannot take (restart ntrun run to use " +
              (keys.size() == 1 ? "it" : "them") + "); params and limits apply live",
          t0);
      return false;
    }
    const bool limits = fp["limits"] != fingerprint_["limits"];
    const bool params = fp["params"] != fingerprint_["params"];
    if (limits) {
      try {
        eng_.set_limits(nb.checks);
      } catch (const std::exception& e) {
        refuse_manifest(b_.dir + "/bundle.lua: limits: " + e.what(), t0);
        return false;
      }
    }
    fingerprint_ = fp;
    if (!limits && !params) return false;  // nothing that matters here changed
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const std::string what = limits && params ? "params and limits" : limits ? "limits" : "params";
    std::fprintf(stderr, "ntrun: bundle.lua: %s applied in %.1f ms\n", what.c_str(), ms);
    reloads_.push_back({.ts = eng_.now(),
                        .strategy = "bundle.lua",
                        .trigger = "file",
                        .version = 0,
                        .ok = true,
                        .message = what + " applied",
                        .duration_ms = ms});
    if (!params) return false;
    params_ = nb.params_source;
    for (std::size_t i = 0; i < vms_.size(); ++i) reload(i, "bundle.lua");
    return true;
  }

  void refuse_manifest(const std::string& why, std::chrono::steady_clock::time_point t0) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "ntrun: bundle.lua change refused (the running configuration stays): %s\n",
                 why.c_str());
    reloads_.push_back({.ts = eng_.now(),
                        .strategy = "bundle.lua",
                        .trigger = "file",
                        .version = 0,
                        .ok = false,
                        .message = why,
                        .duration_ms = ms});
  }

  /// Reloads strategy i; it also takes bundle.lua's latest params when it does not have them
  /// yet (its reload with them was refused before).
  void reload(std::size_t i, const char* trigger) {
    strategy_vm& s = *vms_[i];
    if (s.failed) return;  // a strategy stopped by an error stays stopped
    const auto t0 = std::chrono::steady_clock::now();
    const bool new_params = params_of_[i] != params_;
    const strategy_vm::reload_result r = s.reload(new_params ? &params_ : nullptr);
    if (r.ok) params_of_[i] = params_;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (r.fatal) fail_(s, r.message);  // past the callback budget: the state runs nothing more
    if (r.ok) {
      ++versions_[i];
      timeline_[i].emplace_back(eng_.now(), versions_[i]);
      std::fprintf(stderr, "ntrun: reloaded strategy %s (v%d) in %.1f ms%s%s\n", names_[i].c_str(),
                   versions_[i], ms, r.message.empty() ? "" : "; warning: ", r.message.c_str());
    } else if (r.fatal) {
      std::fprintf(stderr, "ntrun: reload of strategy %s stopped it: %s\n", names_[i].c_str(),
                   r.message.c_str());
    } else {
      std::fprintf(stderr, "ntrun: reload of strategy %s refused (v%d keeps trading): %s\n",
                   names_[i].c_str(), versions_[i], r.message.c_str());
    }
    reloads_.push_back({.ts = eng_.now(),
                        .strategy = names_[i],
                        .trigger = trigger,
                        .version = versions_[i],
                        .ok = r.ok,
                        .stopped = r.fatal,
                        .message = r.message,
                        .duration_ms = ms});
  }

  const bundle_config& b_;
  const run_options& opts_;
  backtest::engine& eng_;
  backtest::bar_source* src_;
  std::vector<std::unique_ptr<strategy_vm>>& vms_;
  const std::vector<std::string>& names_;
  const std::vector<std::string>& symbols_;
  fail_fn fail_;
  bundle_watcher watcher_;
  std::vector<std::string> strategy_paths_;  ///< canonical, in bundle order
  std::vector<std::string> keep_;            ///< bundle keys the command line overrides
  std::map<std::string, std::string> fingerprint_;
  std::string params_;                  ///< bundle.lua's latest params (a Lua chunk)
  std::vector<std::string> params_of_;  ///< the params each strategy has
  std::vector<int> versions_;
  std::vector<std::vector<std::pair<ts_ns, int>>> timeline_;  ///< applied reloads per strategy
  std::vector<report::reload_event> reloads_;
  std::uint32_t status_printed_ = 0;
  std::uint32_t hup_seen_ = 0;
};

}  // namespace

run_result run_backtest(const run_options& opts) {
  lua_vm config_vm;
  bundle_config b = load_bundle(config_vm, opts.bundle_dir, opts.data_files);
  if (opts.from) b.from = opts.from;
  if (opts.to) b.to = opts.to;
  if (opts.capital) b.capital = *opts.capital;
  if (opts.seed) b.seed = *opts.seed;
  if (is_live(b)) return run_live(b, opts);  // a zmq feed: paper trading (live_run.cpp)
  if (opts.feed) {
    throw std::runtime_error("--feed: the bundle '" + b.name +
                             "' reads CSV files; --feed replaces a zmq feed's endpoint");
  }

  // Symbol ids follow the declaration order (bundle_config::symbols).
  symbol_id next_id = 0;
  data::bar_feed feed(data::feed_options{.from = parse_bound(b.from, "from", false),
                                         .to = parse_bound(b.to, "to", true)});
  for (const data_spec& d : b.data) {
    data::csv_source src{
        .path = d.path,
        .layout = d.layout == "wide" ? data::csv_layout::wide : data::csv_layout::ohlcv,
        .symbols = d.symbols};
    for (std::size_t k = 0; k < d.symbols.size(); ++k) src.ids.push_back(next_id++);
    src.time_col = d.time_col;
    src.open_col = d.open_col;
    src.high_col = d.high_col;
    src.low_col = d.low_col;
    src.close_col = d.close_col;
    src.volume_col = d.volume_col;
    src.skip_bad_rows = opts.skip_bad_rows;
    (void)feed.add_source(std::move(src));
  }

  data::csv_stats stats;
  run_result res = run_bundle(
      b, b.symbols, std::make_unique<feed_source>(std::move(feed), opts.progress, &stats), opts);
  res.meta.bad_rows_skipped = static_cast<std::int64_t>(stats.bad_rows);
  res.meta.warnings.insert(res.meta.warnings.begin(), stats.first_errors.begin(),
                           stats.first_errors.end());
  return res;
}

run_result run_bundle(const bundle_config& b, const std::vector<std::string>& symbols,
                      std::unique_ptr<ntrun::event_source> source, const run_options& opts) {
  const bool per_symbol =
      !b.checks.max_position_by_symbol.empty() || !b.checks.max_notional_by_symbol.empty();
  if (per_symbol && symbols.size() != b.symbols.size()) {
    throw std::runtime_error("run_bundle: per-symbol limits are given for the bundle's " +
                             std::to_string(b.symbols.size()) + " symbols, the source has " +
                             std::to_string(symbols.size()));
  }
  backtest::engine_config cfg{
      .symbols = symbols,
      .num_strategies = static_cast<int>(b.strategy_files.size()),
      .capital = b.capital,
      .history_capacity = static_cast<std::size_t>(b.history),
      .seed = b.seed,
      .venue = b.venue,
      .checks = b.checks,
      .risk_events = true,  // scripts/nt/_runner.lua dispatches them to on_risk_state
      .host_advances = opts.watch || b.agents.has_value(),
  };
  if (b.agents) {
    // Agents that do not subscribe to bars get none (their runner would skip them anyway).
    for (const auto& a : b.agents->agents) {
      cfg.no_bars.push_back(std::find(a.subscribe.begin(), a.subscribe.end(), "bars") ==
                            a.subscribe.end());
    }
  }
  backtest::engine_parts eparts{.source = std::move(source)};
  if (opts.parts) opts.parts(cfg, eparts);
  // On a clock that is not simulated (a live feed) the host drives the engine: its runner
  // yields while no data has arrived, and the loop below waits in the source's poll.
  const bool live = eparts.clock && !eparts.clock->simulated();
  cfg.host_advances = cfg.host_advances || live;
  if (live && b.agents) {
    throw std::runtime_error(b.dir + "/bundle.lua: a bundle of agents runs on data files for now "
                                     "(a live feed drives strategies: docs/live.md)");
  }
  // --watch paces on the replay's next timestamp.
  auto* const src = dynamic_cast<backtest::bar_source*>(eparts.source.get());
  if (opts.watch && !src) throw std::runtime_error("--watch replays data files; this source is live");
  backtest::engine eng(std::move(cfg), std::move(eparts));

  std::vector<std::string> names;
  for (std::size_t i = 0; i < b.strategy_files.size(); ++i) {
    names.push_back(b.agents ? b.agents->agents[i].name : display_name(b.strategy_files[i]));
  }
  log_context log_ctx{.quiet = opts.quiet};

  run_result res;
  res.symbols = symbols;
  if (b.trusted && !opts.allow_trusted) {
    throw std::runtime_error(
        b.dir + "/bundle.lua: this bundle declares trusted = true: its strategies would run "
                "with io, os and ffi and without the sandbox's caps. Run it with --trusted if "
                "you trust its code, or remove `trusted = true` to run it sandboxed");
  }
  // Agents (docs/agents.md): each its own state, port and mailbox; the router between turns.
  std::vector<std::unique_ptr<ntrun::mailbox>> boxes;
  std::vector<std::unique_ptr<agent_port>> agent_ports;
  std::unique_ptr<agents::router> router;
  if (b.agents) {
    if (opts.watch) {
      throw std::runtime_error(b.dir + "/bundle.lua: --watch runs strategies; a bundle of agents "
                                       "runs without it");
    }
    std::vector<ntrun::mailbox*> raw;
    for (std::size_t i = 0; i < b.agents->agents.size(); ++i) {
      boxes.push_back(std::make_unique<ntrun::mailbox>(static_cast<std::uint32_t>(i + 1)));
      raw.push_back(boxes.back().get());
      agent_ports.push_back(std::make_unique<agent_port>(
          eng, static_cast<int>(i), b.agents->agents[i].role == "executor"));
    }
    try {
      router = std::make_unique<agents::router>(*b.agents, raw);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(b.dir + "/bundle.lua: " + e.what());
    }
  }
  // Agents in other processes: the run's server, CURVE and its allow-list on tcp.
  std::unique_ptr<transport::zap_handler> zap;
  std::unique_ptr<agents::agent_server> server;
  if (!opts.remote.empty() || !opts.serve.empty()) {
    if (!router) throw std::runtime_error("--serve/--remote: the bundle has no agents (docs/agents.md)");
    if (opts.serve.empty()) {
      throw std::runtime_error("--remote needs --serve ENDPOINT: where the agent processes connect");
    }
    std::optional<transport::curve_options> curve;
    if (!opts.curve_key.empty()) {
      if (opts.allow.empty()) {
        throw std::runtime_error("--curve-key needs --allow FILE for the public key of each agent "
                                 "process (ntrun keygen --out NAME writes NAME.pub)");
      }
      curve = transport::curve_options{
          .server = true,
          .public_key = transport::read_key_file(opts.curve_key + ".pub"),
          .secret_key = transport::read_key_file(opts.curve_key + ".key"),
          .server_key = {}};
      transport::zap_options z;
      for (const auto& f : opts.allow) z.allowed.insert(transport::read_key_file(f));
      z.on_refusal = [](const transport::zap_refusal& r) {
        std::fprintf(stderr, "ntrun: refused an agent process from %s (%s key %s is not in --allow)\n",
                     r.address.c_str(), r.mechanism.c_str(),
                     r.public_key.empty() ? "(none)" : r.public_key.c_str());
      };
      zap = std::make_unique<transport::zap_handler>(std::move(z));
    }
    std::vector<std::string> agent_names;
    for (const auto& a : b.agents->agents) agent_names.push_back(a.name);
    server = std::make_unique<agents::agent_server>(
        agents::agent_server::options{.endpoint = opts.serve,
                                      .curve = curve,
                                      .timeout = std::chrono::milliseconds(opts.agent_timeout_ms)},
        agent_names);
    std::string list;
    for (const auto& n : opts.remote) list += (list.empty() ? "" : ", ") + n;
    if (!opts.quiet) {
      std::fprintf(stderr, "ntrun: waiting for agents %s at %s\n", list.c_str(),
                   server->endpoint().c_str());
    }
    server->accept(opts.remote, symbols, static_cast<std::size_t>(b.history),
                   std::chrono::milliseconds(opts.join_wait_ms));
  }
  std::vector<std::unique_ptr<strategy_vm>> vms;
  for (std::size_t i = 0; i < b.strategy_files.size(); ++i) {
    // A strategy that fails to load fails the run before any event: nothing to report.
    agent_parts parts;
    if (router) {
      const bool remote = std::find(opts.remote.begin(), opts.remote.end(),
                                    b.agents->agents[i].name) != opts.remote.end();
      parts = {.port = agent_ports[i].get(),
               .box = boxes[i].get(),
               .info = &b.agents->agents[i],
               .remote = remote ? server.get() : nullptr};
    }
    vms.push_back(std::make_unique<strategy_vm>(parts.port ? *parts.port : eng.port(static_cast<int>(i)), static_cast<int>(i), names[i],
                                                b.strategy_files[i], b, &log_ctx, opts.jit_log,
                                                opts.allow_trusted, parts));
  }
  std::vector<std::string> agent_status(b.strategy_files.size(), "up");

  auto fail = [&](strategy_vm& s, const std::string& err) {
    s.failed = true;
    eng.stop_strategy(s.index());
    if (s.over_memory()) {
      // Lua's "not enough memory" says neither who nor why: the cap does.
      res.errors.push_back(names[static_cast<std::size_t>(s.index())] + ": stopped: it used more than " +
                           std::to_string(s.memory_limit() / (1024 * 1024)) +
                           " MB (its Lua heap and nt arrays; sandbox.memory_mb in bundle.lua) at " +
                           data::format_datetime(eng.now()) + " (" + err + ")");
    } else {
      res.errors.push_back(err);
    }
    res.exit_code = 1;
    res.status = "stopped: strategy error in " + names[static_cast<std::size_t>(s.index())];
    if (router) {
      // The other agents go on; the quorum goes on without it (n shrinks).
      res.status = "stopped: agent error in " + names[static_cast<std::size_t>(s.index())];
      agent_status[static_cast<std::size_t>(s.index())] =
          "stopped at " + data::format_datetime(eng.now()) + " (an error: see errors)";
      router->agent_down(static_cast<std::uint32_t>(s.index() + 1), eng.now());
      // A remote agent's process may join again in its place.
      if (server) server->drop(static_cast<std::uint32_t>(s.index() + 1));
    }
  };

  std::unique_ptr<watch_session> watch;
  if (opts.watch) {
    watch = std::make_unique<watch_session>(b, opts, eng, src, vms, names, symbols, fail);
  }
  for (auto& s : vms) {
    if (auto err = s->call("start")) fail(*s, *err);
  }
  const bool single = vms.size() == 1 && !live;
  auto all_failed = [&] {
    for (auto& s : vms) {
      if (!s->failed) return false;
    }
    return true;
  };
  bool interrupted = false;
  bool again = false;  // a runner returned for a control event: give it its turn back
  std::uint32_t status_printed = session::status_requests();
  const auto loop_start = std::chrono::steady_clock::now();
  if (watch) {
    std::optional<std::string> data_err;
    interrupted = watch->run(&data_err);
    if (data_err) {
      res.errors.push_back(*data_err);
      res.exit_code = 1;
      res.status = "stopped: data error";
    }
  }
  std::int64_t rounds_max = 0;
  if (router) {
    // Per timestamp: the bars of the timestamp, then rounds of message delivery until the
    // agents are quiet (each round: every agent takes its events in bundle order; then the
    // router orders what they published by (ts_event, sender, seq) and delivers it).
    constexpr int max_rounds = 1000;
    std::uint32_t printed = session::status_requests();
    auto rounds = [&](bool* ended) -> bool {
      for (int round = 0;; ++round) {
        bool turn_again = false;
        for (auto& s : vms) {
          if (s->failed) continue;
          // Nothing for it (no event queued, no message): its turn would only yield.
          const auto i = static_cast<std::size_t>(s->index());
          if (eng.idle(s->index()) && !boxes[i]->pending() && !session::interrupted()) continue;
          int kind = 0;
          if (auto err = s->call("run", &kind)) {
            fail(*s, *err);
          } else if (kind == static_cast<int>(event_kind::end)) {
            *ended = true;
          } else if (kind == static_cast<int>(event_kind::control)) {
            if (session::interrupted()) {
              interrupted = true;
            } else {
              turn_again = true;
              if (const std::uint32_t n = session::status_requests(); n != printed) {
                printed = n;
                print_status(eng, symbols, loop_start);
              }
            }
          }
        }
        if (interrupted) return true;
        rounds_max = std::max<std::int64_t>(rounds_max, round + 1);
        if (router->route(eng.now()) == 0 && !turn_again) return true;
        if (round + 1 >= max_rounds) {
          res.errors.push_back("the agents were still exchanging messages after " +
                               std::to_string(max_rounds) + " rounds at " +
                               data::format_datetime(eng.now()) +
                               " (a message loop: an agent that answers every message with "
                               "another?)");
          res.exit_code = 1;
          res.status = "stopped: a message loop";
          return false;
        }
      }
    };
    bool ended = false;
    router->begin(eng.now());
    bool ok = rounds(&ended);  // what on_start published
    std::vector<std::int64_t> cycles;  // --cycle-stats: ns per timestamp
    while (ok && !interrupted && !all_failed()) {
      const auto c0 = std::chrono::steady_clock::now();
      const bool more = eng.advance();
      router->begin(eng.now());
      // Remote agents whose process joined again after theirs was lost: back from this
      // timestamp on (a fresh Lua state: on_start runs first; positions stayed in the run).
      if (server) {
        for (const std::uint32_t id : server->take_rejoined()) {
          strategy_vm& s = *vms[id - 1];
          if (!s.failed) continue;
          s.failed = false;
          eng.resume_strategy(static_cast<int>(id - 1));
          router->agent_up(id, eng.now());
          std::string& st = agent_status[id - 1];
          st = "rejoined at " + data::format_datetime(eng.now()) + " after it " + st;
          if (!opts.quiet) {
            std::fprintf(stderr, "ntrun: agent %s rejoined at %s\n", names[id - 1].c_str(),
                         data::format_datetime(eng.now()).c_str());
          }
          if (auto err = s.call("start")) fail(s, *err);
        }
      }
      ended = false;
      ok = rounds(&ended);
      if (opts.cycle_stats) {
        cycles.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now() - c0)
                             .count());
      }
      std::optional<std::string> data_err;
      for (auto& s : vms) {
        if (auto e = s->take_error(); e && !data_err) data_err = std::move(e);
      }
      if (data_err) {
        res.errors.push_back(*data_err);
        res.exit_code = 1;
        res.status = "stopped: data error";
        break;
      }
      if (ended || !more) break;
    }
    if (opts.cycle_stats && !cycles.empty()) {
      std::sort(cycles.begin(), cycles.end());
      auto at = [&](double q) {
        const auto i = static_cast<std::size_t>(q * static_cast<double>(cycles.size() - 1));
        return static_cast<double>(cycles[i]) / 1e3;
      };
      std::fprintf(stderr,
                   "cycles: %zu timestamps (bar in, messages, votes, decision, order; fills of "
                   "the previous): min %.1f us, median %.1f, p90 %.1f, p99 %.1f, max %.1f\n",
                   cycles.size(), at(0), at(0.5), at(0.9), at(0.99), at(1));
    }
  }
  while (!watch && !router && !all_failed()) {
    // Several strategies take turns per timestamp; once the data is done, one more turn
    // drains their queues (fills of the last bar).
    const bool more = single || again || eng.advance();
    again = false;
    bool ended = false;
    for (auto& s : vms) {
      if (s->failed) continue;
      int kind = 0;
      if (auto err = s->call("run", &kind)) {
        fail(*s, *err);
      } else if (kind == static_cast<int>(backtest::event_kind::end)) {
        ended = true;
      } else if (kind == static_cast<int>(event_kind::control)) {
        // The host's turn between two events: a stop (SIGINT/SIGTERM) ends the run here; a
        // status request (SIGUSR1) prints one line and the run goes on.
        if (session::interrupted()) {
          interrupted = true;
        } else {
          again = true;
          if (const std::uint32_t n = session::status_requests(); n != status_printed) {
            status_printed = n;
            print_status(eng, symbols, loop_start);
          }
        }
      }
    }
    std::optional<std::string> data_err;
    for (auto& s : vms) {
      if (auto e = s->take_error(); e && !data_err) data_err = std::move(e);
    }
    if (data_err) {
      res.errors.push_back(*data_err);
      res.exit_code = 1;
      res.status = "stopped: data error";
      break;
    }
    if (interrupted) break;
    if (again) continue;
    if (single || ended || !more) break;
  }
  if (opts.progress) std::fprintf(stderr, "\r%60s\r", "");
  if (interrupted) {
    // Stopped between two events: on_stop runs and the report covers the data up to here.
    res.status = "interrupted";
    if (res.exit_code == 0) res.exit_code = 130;
  }
  for (auto& s : vms) {
    if (s->failed) continue;
    if (auto err = s->call("stop")) fail(*s, *err);
  }
  if (opts.jit_log) {
    for (auto& s : vms) s->jit_report(names[static_cast<std::size_t>(s->index())], res.jit_log);
  }
  if (server) server->close_all();
  eng.finish();

  res.has_report = true;
  res.record = eng.record();
  res.metrics = report::compute_metrics(res.record);
  res.meta = report::report_meta{
      .version = NTRUN_VERSION_STRING,
      .bundle_name = b.name,
      .symbols = symbols,
      .seed = b.seed,
      .start = res.record.equity.empty() ? 0 : res.record.equity.front().ts,
      .end = res.record.equity.empty() ? 0 : res.record.equity.back().ts,
      .bars = eng.bars_processed(),
      .status = res.status,
  };
  if (interrupted) {
    res.meta.warnings.push_back("interrupted at " + data::format_datetime(eng.now()) +
                                ": the report covers the data up to there");
  }
  // Positions still open: marked to the last close, listed apart from the closed trades.
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const auto sid = static_cast<symbol_id>(i);
    const market::position_view p = eng.portfolio().position(sid);
    if (p.qty == 0) continue;
    const auto t = eng.portfolio().open_trade(sid);
    res.meta.open_positions.push_back({.symbol = symbols[i],
                                       .quantity = p.qty,
                                       .avg_price = p.avg_price,
                                       .last_price = p.last_price,
                                       .unrealised_pnl = p.unrealised_pnl,
                                       .entry_ts = t ? t->entry_ts : 0});
  }
  if (const auto since = eng.negative_equity_since()) {
    res.meta.warnings.push_back("equity went below zero on " + data::format_date(*since) +
                                " (lowest " + fmt_amount(eng.min_equity()) + ")");
  }
  // Cash below zero without margin: the account borrowed though its limits said it may not.
  if (const auto& c = eng.negative_cash()) {
    char lev[32];
    std::snprintf(lev, sizeof lev, "%g", c->max_leverage);
    res.meta.warnings.push_back(
        "cash went below zero on " +
        (c->since % ns_per_day == 0 ? data::format_date(c->since)
                                    : data::format_datetime(c->since)) +
        " (lowest " + fmt_amount(c->min_cash) + ") without margin (max_leverage " + lev +
        (c->max_leverage > 0 ? "" : ": no buying-power check") +
        "): fills above the cash went through (orders are checked at the last close and fill "
        "later; commission and slippage are not reserved); set limits.max_leverage or size "
        "orders to cash");
  }
  // Circuit breaker trips, for the report (the first few; the count says how many).
  const auto& trips = eng.breaker_trips();
  for (std::size_t i = 0; i < trips.size() && i < 5; ++i) {
    res.meta.warnings.push_back("circuit breaker tripped at " + data::format_datetime(trips[i].ts) +
                                " (" + (trips[i].reason ? trips[i].reason : "?") + ")");
  }
  if (trips.size() > 5) {
    res.meta.warnings.push_back("circuit breaker tripped " + std::to_string(trips.size()) +
                                " times in all");
  }
  for (std::size_t i = 0; i < vms.size(); ++i) {
    if (const std::int64_t n = vms[i]->log_dropped(); n > 0) {
      res.meta.warnings.push_back(names[i] + ": " + std::to_string(n) + " log line(s) dropped after the first " +
                                  std::to_string(NTRUN_K_MAX_LOG_LINES) +
                                  " (a line every bar? log less often, or on changes)");
    }
  }
  if (const auto n = eng.venue().open_order_count(); n > 0) {
    res.meta.warnings.push_back(std::to_string(n) + " order(s) still open at the end of the data");
  }
  if (res.meta.bars == 0 && res.errors.empty()) {
    res.meta.warnings.push_back(
        "no bars were replayed: the data has none" +
        std::string(b.from || b.to ? " between " + b.from.value_or("the start") + " and " +
                                         b.to.value_or("the end")
                                   : "") +
        " (check --from/--to against the data's dates)");
  }
  res.meta.errors = res.errors;
  if (watch) watch->fill_report(res.meta, res.record);
  if (router) {
    router->finish(eng.now());
    const agents::router_stats& st = router->stats();
    report::agents_report a;
    a.topology = b.agents->topo == agents::topology::star   ? "star"
                 : b.agents->topo == agents::topology::mesh ? "mesh"
                                                            : "hierarchical";
    for (std::size_t i = 0; i < b.agents->agents.size(); ++i) {
      a.agents.push_back({.name = b.agents->agents[i].name,
                          .role = b.agents->agents[i].role,
                          .status = agent_status[i],
                          .sent = static_cast<std::int64_t>(st.sent[i + 1]),
                          .received = static_cast<std::int64_t>(st.received[i + 1])});
    }
    a.messages = static_cast<std::int64_t>(st.routed);
    a.delivered = static_cast<std::int64_t>(st.delivered);
    a.bad = static_cast<std::int64_t>(st.bad);
    a.replayed = static_cast<std::int64_t>(st.replayed);
    a.missing = static_cast<std::int64_t>(st.missing);
    a.rounds_max = rounds_max;
    a.proposals = static_cast<std::int64_t>(st.proposals);
    a.approved = static_cast<std::int64_t>(st.approved);
    a.rejected = static_cast<std::int64_t>(st.rejected);
    a.votes_counted = static_cast<std::int64_t>(st.votes_counted);
    a.votes_late = static_cast<std::int64_t>(st.votes_late);
    a.votes_duplicate = static_cast<std::int64_t>(st.votes_duplicate);
    a.votes_not_eligible = static_cast<std::int64_t>(st.votes_not_eligible);
    a.votes_closed = static_cast<std::int64_t>(st.votes_closed);
    for (const agents::decision_entry& d : router->decisions()) {
      report::decision_line l{.ts = d.ts,
                              .proposal = d.proposal,
                              .proposer = d.proposer,
                              .symbol = d.symbol < symbols.size() ? symbols[d.symbol] : "?",
                              .side = d.side == 0 ? "buy" : "sell",
                              .quantity = d.quantity,
                              .approved = d.approved,
                              .reason = d.reason,
                              .votes = {}};
      for (const auto& v : d.ballots) {
        l.votes.push_back(v.voter + ": " + v.choice + (v.reason.empty() ? "" : " (" + v.reason + ")"));
      }
      a.decisions.push_back(std::move(l));
    }
    for (const std::string& p : router->problems()) {
      res.meta.warnings.push_back("a message was dropped: " + p);
    }
    res.meta.agents = std::move(a);
  }
  // Rejections by reason, with the first dates: a strategy that keeps sending refused orders
  // must not look like one that chose not to trade.
  for (const auto& r : eng.rejections()) {
    std::string dates;
    for (const ts_ns t : r.first) {
      dates += (dates.empty() ? "" : ", ") +
               (t % ns_per_day == 0 ? data::format_date(t) : data::format_datetime(t));
    }
    res.meta.warnings.push_back(std::to_string(r.count) + " order(s) rejected: " + r.reason +
                                " (first " + dates + (r.count > 3 ? ", ..." : "") + ")");
  }
  return res;
}

int run_agent(const agent_options& opts) {
  lua_vm config_vm;
  const bundle_config b = load_bundle(config_vm, opts.bundle_dir);
  if (!b.agents) {
    throw std::runtime_error(b.dir + "/bundle.lua: the bundle has no agents (docs/agents.md)");
  }
  std::size_t index = b.agents->agents.size();
  std::string known;
  for (std::size_t i = 0; i < b.agents->agents.size(); ++i) {
    if (b.agents->agents[i].name == opts.name) index = i;
    known += (known.empty() ? "" : ", ") + b.agents->agents[i].name;
  }
  if (index == b.agents->agents.size()) {
    throw std::runtime_error("--only " + opts.name + ": the bundle has no agent of that name (its agents: " +
                             known + ")");
  }
  if (b.trusted && !opts.allow_trusted) {
    throw std::runtime_error(b.dir + "/bundle.lua: this bundle declares trusted = true: run the "
                                     "agent with --trusted if you trust its code");
  }
  std::optional<transport::curve_options> curve;
  if (!opts.curve_key.empty() || !opts.server_key.empty()) {
    if (opts.curve_key.empty() || opts.server_key.empty()) {
      throw std::runtime_error("CURVE needs both --curve-key PREFIX (this agent's key pair) and "
                               "--server-key FILE (the run's public key)");
    }
    curve = transport::curve_options{.server = false,
                                     .public_key = transport::read_key_file(opts.curve_key + ".pub"),
                                     .secret_key = transport::read_key_file(opts.curve_key + ".key"),
                                     .server_key = transport::read_key_file(opts.server_key)};
  }
  agents::remote_port port({.endpoint = opts.connect,
                            .agent = opts.name,
                            .curve = curve,
                            .timeout = std::chrono::milliseconds(opts.timeout_ms),
                            .limits = b.checks});
  port.join(std::chrono::milliseconds(opts.join_wait_ms));
  ntrun::mailbox box(port.agent_id());
  box.set_directory(&port.agent_names(), &port.topics());
  log_context log_ctx{.quiet = opts.quiet};
  const agents::agent_info& info = b.agents->agents[index];
  // A load error goes to the run with the first turn (the run reports it as in one process).
  std::optional<std::string> load_error;
  std::unique_ptr<strategy_vm> vm;
  try {
    vm = std::make_unique<strategy_vm>(port, static_cast<int>(index), info.name,
                                       b.strategy_files[index], b, &log_ctx, false,
                                       opts.allow_trusted,
                                       agent_parts{.port = &port, .box = &box, .info = &info, .remote = nullptr});
  } catch (const std::exception& e) {
    load_error = e.what();
  }
  bool failed = false;
  std::string why;
  while (const auto turn = port.wait_turn(&why)) {
    int kind = 0;
    std::optional<std::string> err = load_error;
    if (!err && !failed) {
      err = vm->call(*turn == agents::turn_kind::start  ? "start"
                     : *turn == agents::turn_kind::stop ? "stop"
                                                        : "run",
                     &kind);
    } else if (!err) {
      err = "stopped earlier";
    }
    if (err) {
      failed = true;
      load_error.reset();
    }
    port.done(kind, err, box);
  }
  if (!why.empty()) {
    std::fprintf(stderr, "ntrun agent %s: %s\n", opts.name.c_str(), why.c_str());
    return 1;
  }
  return 0;
}

}  // namespace ntrun::host
