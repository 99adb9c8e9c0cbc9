// A session: what one Lua state holds of the host. It owns the state's event slot, its log
// sink and last-error slot, the accounting of host memory the state allocated (arrays,
// indicators, scratch), its deadline and its stop/reload flags, and the port to the engine
// (none in trusted research states). The C ABI's ntrun_session_t* is a session; nothing in a
// session is thread_local, so states on different threads never share host state.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ntrun/engine/event.hpp"
#include "ntrun/engine/mailbox.hpp"
#include "ntrun/engine/strategy_port.hpp"

namespace ntrun {

class session {
 public:
  /// level: 0 debug, 1 info, 2 warn, 3 error.
  using log_fn = void (*)(void* user, const session& s, ts_ns ts, int level, std::string_view msg);

  explicit session(std::string name = {}) : name_(std::move(name)) {}
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // ---- the engine ----
  /// Attaches the port (not owned; it must outlive the session's use). nullptr detaches.
  void attach(strategy_port* port) noexcept { port_ = port; }
  [[nodiscard]] strategy_port* port() const noexcept { return port_; }
  /// An agent's mailbox (not owned; nullptr for strategies): its messages come before the
  /// port's events, and ntrun_ffi_msg_publish posts to it.
  void set_mailbox(ntrun::mailbox* m) noexcept { mail_ = m; }
  [[nodiscard]] ntrun::mailbox* mailbox() const noexcept { return mail_; }
  [[nodiscard]] event_slot& slot() noexcept { return slot_; }
  /// The next event: a pending control request first (the host's turn), then the port's.
  /// A data error from the port is kept in the error slot and reported as `end`.
  event_kind next() noexcept;
  /// Counts the events taken (next() calls): the sandbox's watchdog reads it from its thread
  /// to tell a callback that runs on from a strategy that takes events.
  [[nodiscard]] std::uint64_t beat() const noexcept { return beat_.load(std::memory_order_relaxed); }

  // ---- control ----
  /// Asks the runner to return to the host before its next event (thread-safe).
  void request(control_code c) noexcept {
    flags_.fetch_or(static_cast<std::uint32_t>(c), std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint32_t flags() const noexcept {
    return flags_.load(std::memory_order_relaxed);
  }
  /// Asks every session of the process to stop before its next event (a control event
  /// `stop`, repeated until the runner returns). Async-signal-safe: SIGINT/SIGTERM handlers
  /// call it. Stays set for the rest of the process.
  static void interrupt_all() noexcept { interrupted_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] static bool interrupted() noexcept {
    return interrupted_.load(std::memory_order_relaxed);
  }
  /// Asks every session of the process to return to the host once (a control event
  /// `status`: the host prints a status line). Async-signal-safe: SIGUSR1's handler calls it.
  static void request_status_all() noexcept {
    status_requests_.fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] static std::uint32_t status_requests() noexcept {
    return status_requests_.load(std::memory_order_relaxed);
  }
  void clear(control_code c) noexcept {
    flags_.fetch_and(~static_cast<std::uint32_t>(c), std::memory_order_relaxed);
  }
  /// Steady-clock nanoseconds after which a call into the host reports the deadline; 0: none.
  void set_deadline(std::int64_t steady_ns) noexcept { deadline_ = steady_ns; }
  [[nodiscard]] std::int64_t deadline() const noexcept { return deadline_; }

  // ---- log and errors ----
  void set_log_sink(log_fn fn, void* user) noexcept {
    log_fn_ = fn;
    log_user_ = user;
  }
  /// One log line; past NTRUN_K_MAX_LOG_LINES a single notice, then lines are only counted.
  void log(int level, std::string_view msg) noexcept;
  [[nodiscard]] std::int64_t log_dropped() const noexcept { return log_dropped_; }
 private:
  void emit(int level, std::string_view msg) noexcept;

 public:
  /// Keeps the first error raised inside an FFI call (which must not throw) for the host.
  void set_error(std::string_view what) noexcept;
  [[nodiscard]] std::optional<std::string> take_error();
  [[nodiscard]] bool has_error() const noexcept { return error_.has_value(); }
  [[nodiscard]] const std::optional<std::string>& error() const noexcept { return error_; }

  // ---- host memory made for this state ----
  /// Zero-filled doubles (at least one element is allocated); nullptr when out of memory.
  [[nodiscard]] double* alloc_doubles(std::int64_t n) noexcept;
  void free_doubles(double* p, std::int64_t n) noexcept;
  /// Books an allocation made elsewhere for this state (indicator objects) and its release.
  void account_alloc(std::size_t bytes) noexcept;
  void account_free(std::size_t bytes) noexcept;
  [[nodiscard]] std::size_t bytes_live() const noexcept { return bytes_live_; }
  [[nodiscard]] std::size_t bytes_peak() const noexcept { return bytes_peak_; }
  [[nodiscard]] std::int64_t allocs_live() const noexcept { return allocs_live_; }

  // ---- the memory cap: the state's Lua heap and the host memory above, together ----
  /// 0: no cap (trusted states). Beyond it the Lua allocator and alloc_doubles refuse.
  void set_memory_limit(std::size_t bytes) noexcept { memory_limit_ = bytes; }
  [[nodiscard]] std::size_t memory_limit() const noexcept { return memory_limit_; }
  /// A Lua block growing from `from` to `to` bytes (from 0: a new block); false (and
  /// memory_exceeded()) when that would pass the cap. Shrinking always succeeds.
  /// Inline: every Lua allocation comes here.
  [[nodiscard]] bool lua_resize(std::size_t from, std::size_t to) noexcept {
    const std::size_t next = lua_bytes_ - (from < lua_bytes_ ? from : lua_bytes_) + to;
    if (to > from && memory_limit_ > 0 && next + bytes_live_ > memory_limit_) {
      memory_exceeded_ = true;
      return false;
    }
    lua_bytes_ = next;
    return true;
  }
  [[nodiscard]] std::size_t lua_bytes() const noexcept { return lua_bytes_; }
  /// True once an allocation was refused for the cap.
  [[nodiscard]] bool memory_exceeded() const noexcept { return memory_exceeded_; }

 private:
  std::string name_;
  strategy_port* port_ = nullptr;
  ntrun::mailbox* mail_ = nullptr;
  event_slot slot_{};
  std::atomic<std::uint32_t> flags_{0};
  std::atomic<std::uint64_t> beat_{0};  ///< written by the state's thread only
  static std::atomic<bool> interrupted_;
  static std::atomic<std::uint32_t> status_requests_;
  static_assert(std::atomic<std::uint32_t>::is_always_lock_free, "signal handlers add to it");
  std::uint32_t status_seen_ = status_requests_.load(std::memory_order_relaxed);
  static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers set it");
  std::int64_t deadline_ = 0;
  log_fn log_fn_ = nullptr;
  void* log_user_ = nullptr;
  std::optional<std::string> error_;
  std::size_t bytes_live_ = 0, bytes_peak_ = 0;
  std::int64_t allocs_live_ = 0;
  std::size_t memory_limit_ = 0, lua_bytes_ = 0;
  std::int64_t log_lines_ = 0, log_dropped_ = 0;
  bool memory_exceeded_ = false;
};

}  // namespace ntrun
