// Watch mode (`ntrun run BUNDLE --watch`): the bundle's files watched with inotify (saves
// that finished, debounced, compared by content), the wall-clock pacing of the replay
// (`--speed`), the wake-up pipe that signal handlers write to, and what bundle.lua may change
// while a session runs. The loop that uses them is in backtest_run.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/market/types.hpp"

namespace ntrun::host {

class lua_vm;

/// "1x", "60x", "2.5x" (bar time runs N times faster than the wall clock) or "max" (no
/// waiting: 0). nullopt when the text is none of these or N is not a finite number > 0.
[[nodiscard]] std::optional<double> parse_speed(std::string_view text);

// ---- signals (async-signal-safe) ----
/// SIGHUP: reload every strategy between two events, changed or not.
void request_reload_all() noexcept;
[[nodiscard]] std::uint32_t reload_requests() noexcept;
/// Wakes the watch loop's wait (a byte into its pipe, when one is open): signal handlers
/// call it after setting their flag, so a SIGINT does not wait for the next bar.
void wake_watch() noexcept;

/// The pacing of a replay on the wall clock: bar time t is due at wall0 + (t - t0) / speed.
/// The simulated clock stays at the bars' times; only the waiting follows the wall clock.
class replay_pacer {
 public:
  explicit replay_pacer(double speed) noexcept : speed_(speed) {}
  /// Steady-clock nanoseconds at which the bar time t is due (the first call fixes t0).
  [[nodiscard]] std::int64_t due(ts_ns t) noexcept;

 private:
  double speed_;  ///< 0: as fast as possible
  bool started_ = false;
  ts_ns t0_ = 0;
  std::int64_t wall0_ = 0;
};

[[nodiscard]] std::int64_t steady_now_ns() noexcept;

/// inotify on a bundle folder and its subfolders (not hidden ones): Lua files whose save
/// completed (IN_CLOSE_WRITE, or IN_MOVED_TO for editors that write a temporary file and
/// rename it over) and whose content differs from the last seen (FNV-1a hash), so a save
/// without changes, a touch or an editor's temporary file reloads nothing. Spec files
/// (*_spec.lua) are left out. Also owns the wake-up pipe (one watcher per process).
class bundle_watcher {
 public:
  /// Throws std::runtime_error when inotify or the pipe cannot be set up.
  explicit bundle_watcher(const std::string& dir);
  ~bundle_watcher();
  bundle_watcher(const bundle_watcher&) = delete;
  bundle_watcher& operator=(const bundle_watcher&) = delete;

  /// Also watches one file outside the bundle folder (a strategy file such as
  /// "../shared/a.lua"): its changes come back as its absolute path (bundle files: relative
  /// paths, which never start with '/').
  void watch_file(const std::string& path);

  /// Waits up to timeout_ms (0: only looks) for a file event or a wake-up. Returns true
  /// when file events are pending (take_changes reads them).
  bool wait(int timeout_ms);
  /// Reads the pending events, then keeps reading until no event came for debounce_ms (a
  /// save in several writes, or several files saved together), and returns the files (paths
  /// relative to the bundle, sorted) whose content changed since last seen. Events that
  /// arrive while the host reloads stay in inotify's queue for the next call.
  [[nodiscard]] std::vector<std::string> take_changes(int debounce_ms);

 private:
  void add_dir(const std::string& rel, int depth);
  void close_all() noexcept;
  bool read_events();  ///< drains the inotify fd into pending_; false when nothing was there

  std::string dir_;
  int fd_ = -1;
  [[nodiscard]] std::string full_path(const std::string& rel) const;

  std::map<int, std::string> dirs_;            ///< watch descriptor -> folder relative to dir_
  std::map<int, std::string> outside_;         ///< watch descriptor -> folder outside dir_
  std::set<std::string> outside_files_;        ///< absolute paths of the files watched there
  std::map<std::string, std::uint64_t> hash_;  ///< relative path -> content hash (0: missing)
  std::vector<std::string> pending_;
};

/// bundle.lua's keys as serialized text (nt._bundle's normalised table), for comparing two
/// versions of it: "params" and "limits" may change while a session runs, the rest may not.
/// `keep` lists keys the command line overrides (capital, seed, from, to): left out.
[[nodiscard]] std::map<std::string, std::string> bundle_fingerprint(
    lua_vm& vm, const std::string& dir, const std::vector<std::string>& data_override,
    const std::vector<std::string>& keep);

/// The keys of `now` that differ from `before`, other than params and limits (sorted).
[[nodiscard]] std::vector<std::string> fixed_keys_changed(
    const std::map<std::string, std::string>& before,
    const std::map<std::string, std::string>& now);

}  // namespace ntrun::host
