// `ntrun run`: bundle -> feed -> engine -> one Lua state per strategy -> report.
#include "ntrun/host/backtest_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

#include "ntrun/backtest/engine.hpp"
#include "ntrun/data/feed.hpp"
#include "ntrun/data/time.hpp"
#include "ntrun/host/bundle.hpp"
#include "ntrun/host/lua_vm.hpp"

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

/// One strategy's Lua state, its session (attached to the engine's port for the strategy)
/// and the nt._runner functions that drive it.
class strategy_vm {
 public:
  strategy_vm(backtest::engine& eng, int index, const std::string& name, const std::string& path,
              const bundle_config& b, log_context* log, bool jit_log, bool trusted)
      : index_(index), name_(name), eng_(&eng) {
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
    s.attach(&eng.port(index));
    lua_State* L = vm_.state();
    vm_.require("nt._runner");
    runner_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    push_fn("load");
    lua_pushstring(L, path.c_str());
    lua_pushstring(L, b.dir.c_str());
    lua_pushstring(L, b.name.c_str());
    lua_pushlstring(L, b.params_source.data(), b.params_source.size());
    lua_pushboolean(L, trusted ? 1 : 0);
    // The callback budget covers the strategy file's top level too.
    if (!trusted) vm_.set_time_limit(b.callback_budget);
    phase_ = "load";
    if (auto err = vm_.pcall(5, 0)) throw lua_error_exception(cut(describe(without_runner_frames(*err))));
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
    if (vm_.abandoned() || vm_.timed_out()) return;
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

 private:
  /// A call stopped for its time budget: which callback, how long, when, and where (the
  /// hook's traceback; none when it was left from compiled code).
  std::string describe(std::string err) {
    if (!vm_.timed_out()) return err;
    const std::string what = phase_ == "load"  ? std::string("the strategy file's top level")
                             : phase_ == "start" ? std::string("on_start")
                             : phase_ == "stop"  ? std::string("on_stop")
                             : phase_ == "run"   ? running_callback()
                                                 : phase_;
    const std::string msg = "stopped: " + what + " ran longer than " +
                            std::to_string(vm_.time_limit() / 1'000'000) + " ms at " +
                            data::format_datetime(eng_->now()) +
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
  const backtest::engine* eng_;
  std::string phase_;                    ///< the runner function being called
  std::string bar_callbacks_ = "on_bar";  ///< what a bar event calls
  int runner_ref_ = LUA_NOREF;
};

/// One line on stderr for SIGUSR1: where the run is, the account, the positions, the pace.
void print_status(const backtest::engine& eng, const std::vector<std::string>& symbols,
                  std::chrono::steady_clock::time_point start) {
  std::string held;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const double q = eng.portfolio().position(static_cast<symbol_id>(i)).qty;
    if (q == 0) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s %g", held.empty() ? "" : ", ", symbols[i].c_str(), q);
    held += buf;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "ntrun: status at %s: %lld bars, equity %.2f, cash %.2f, positions: %s, %.0f bars/s\n",
               data::format_datetime(eng.now()).c_str(), static_cast<long long>(eng.bars_processed()),
               eng.portfolio().equity(), eng.portfolio().cash(), held.empty() ? "none" : held.c_str(),
               secs > 0 ? static_cast<double>(eng.bars_processed()) / secs : 0.0);
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

}  // namespace

run_result run_backtest(const run_options& opts) {
  lua_vm config_vm;
  bundle_config b = load_bundle(config_vm, opts.bundle_dir, opts.data_files);
  if (opts.from) b.from = opts.from;
  if (opts.to) b.to = opts.to;
  if (opts.capital) b.capital = *opts.capital;
  if (opts.seed) b.seed = *opts.seed;

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
                      std::unique_ptr<backtest::bar_source> source, const run_options& opts) {
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
  };
  backtest::engine eng(std::move(cfg), std::move(source));

  std::vector<std::string> names;
  for (const auto& f : b.strategy_files) names.push_back(display_name(f));
  log_context log_ctx{.quiet = opts.quiet};

  run_result res;
  res.symbols = symbols;
  if (b.trusted && !opts.allow_trusted) {
    throw std::runtime_error(
        b.dir + "/bundle.lua: this bundle declares trusted = true: its strategies would run "
                "with io, os and ffi and without the sandbox's caps. Run it with --trusted if "
                "you trust its code, or remove `trusted = true` to run it sandboxed");
  }
  std::vector<std::unique_ptr<strategy_vm>> vms;
  for (std::size_t i = 0; i < b.strategy_files.size(); ++i) {
    // A strategy that fails to load fails the run before any event: nothing to report.
    vms.push_back(std::make_unique<strategy_vm>(eng, static_cast<int>(i), names[i],
                                                b.strategy_files[i], b, &log_ctx, opts.jit_log,
                                                opts.allow_trusted));
  }

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
  };

  for (auto& s : vms) {
    if (auto err = s->call("start")) fail(*s, *err);
  }
  const bool single = vms.size() == 1;
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
  while (!all_failed()) {
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

}  // namespace ntrun::host
