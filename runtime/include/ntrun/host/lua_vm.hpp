// One LuaJIT state with the `nt` library reachable through require (embedded modules, or
// NTRUN_SCRIPTS_DIR for development), its session with the host (the nt library finds it
// through the private module nt._session), and protected calls that return the traceback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ntrun/engine/session.hpp"
#include "ntrun/host/watchdog.hpp"

struct lua_State;

namespace ntrun::host {

class lua_vm {
 public:
  lua_vm();
  ~lua_vm();
  lua_vm(const lua_vm&) = delete;
  lua_vm& operator=(const lua_vm&) = delete;

  [[nodiscard]] lua_State* state() const noexcept { return L_; }
  /// The state's session: attach a port to it before the runner loads a strategy. It outlives
  /// the state (finalizers that run in lua_close release host memory through it).
  [[nodiscard]] ntrun::session& session() noexcept { return session_; }
  [[nodiscard]] const ntrun::session& session() const noexcept { return session_; }

  /// Calls the function below nargs arguments on the stack with a traceback handler.
  /// Returns the error message with its traceback (without it when `traceback` is false:
  /// errors that already say what and where), or nothing on success (results left on the
  /// stack as with lua_pcall).
  [[nodiscard]] std::optional<std::string> pcall(int nargs, int nresults, bool traceback = true);

  /// require(name), leaving the module on the stack; throws lua_error_exception on failure.
  void require(const char* name);

  /// Sets the global `arg` table (script name at 0, arguments from 1), as lua(1) does.
  void set_args(const std::string& script, const std::vector<std::string>& args);

  /// Memory in use by this state, in bytes.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

  /// The sandbox's callback budget: from now on a protected call that runs longer than
  /// `budget_ns` without taking an event is stopped (watchdog.hpp). 0: none (trusted code).
  void set_time_limit(std::int64_t budget_ns);
  [[nodiscard]] std::int64_t time_limit() const noexcept { return watch_ ? watch_->budget_ns : 0; }
  /// True once a call was stopped for its budget (the state then runs nothing more).
  [[nodiscard]] bool timed_out() const noexcept {
    return watch_ && watch_->fired.load(std::memory_order_acquire);
  }
  /// True when the call was left from compiled code: the state is abandoned (never run or
  /// closed again: its memory stays allocated, at most its cap, until the process ends).
  [[nodiscard]] bool abandoned() const noexcept { return L_ == nullptr; }

 private:
  struct alloc_ctx {
    void* (*f)(void*, void*, std::size_t, std::size_t) = nullptr;  ///< LuaJIT's lua_Alloc
    void* ud = nullptr;
    ntrun::session* s = nullptr;
  };
  static void* counted_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept;

  ntrun::session session_;
  alloc_ctx alloc_;
  std::unique_ptr<watch_slot> watch_;
  lua_State* L_;
};

/// Pushes `list` as a Lua array (1..n), or nil when it is empty and `nil_when_empty`.
void push_strings(lua_State* L, const std::vector<std::string>& list, bool nil_when_empty = false);

/// A Lua error surfaced to C++: message including file:line and traceback.
struct lua_error_exception : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ntrun::host
