// Stops Lua code that runs too long: a strategy callback that never returns, including a loop
// that LuaJIT compiled to machine code (compiled traces check no hook). In-process, because a
// child process per strategy would cost a round trip per event (docs/sandbox.md has the
// figures and the reasoning).
//
// How: a guarded call (lua_vm::pcall on a state with a time budget) marks its slot active and
// every event the strategy takes bumps the slot's beat (session::next). One process-wide
// watchdog thread samples the active slots every few milliseconds; a slot whose beat stayed
// still for the budget has timed out, and the watchdog signals its thread until the call
// returns. The signal handler, on that thread:
//   - sets a count hook on the state that raises an error at every Lua instruction, so
//     interpreted code stops, and a strategy's own pcall cannot keep it (the next
//     instruction raises again);
//   - when the thread was interrupted inside compiled Lua code (its program counter lies in
//     no loaded object: LuaJIT's machine-code area), jumps back to the guarded call
//     (siglongjmp). The state is then abandoned: it is never run again, nor closed (its
//     memory stays allocated until the process ends; at most its memory cap).
//   - when it finds the thread inside LuaJIT's own C code (a pattern match that backtracks
//     for hours) after a few signals, it leaves the same way: that code holds nothing outside
//     the state.
// The signal never jumps out of host code or the C library: it only sets the hook there, and
// the next signal (every tick) tries again.
#pragma once

#include <atomic>
#include <csetjmp>
#include <cstdint>

#include <pthread.h>

struct lua_State;

namespace ntrun {
class session;
}

namespace ntrun::host {

/// One guarded Lua state. Owned by its lua_vm; registered with the watchdog while it has a
/// budget.
struct watch_slot {
  const ntrun::session* session = nullptr;  ///< its beat counts the state's events
  lua_State* L = nullptr;
  std::int64_t budget_ns = 0;

  // Written by the guarded call's thread.
  std::atomic<std::uint64_t> entries{0};  ///< guarded calls begun
  std::atomic<bool> active{false};        ///< a guarded call runs
  std::atomic<pthread_t> thread{};        ///< the thread that runs it
  bool hooked = false;                    ///< the stop hook is set (handler only)
  int signals = 0;                        ///< stop signals received (handler only)
  sigjmp_buf jump{};

  // Written by the watchdog thread.
  std::atomic<bool> fired{false};          ///< the budget passed: the call is being stopped
  std::atomic<std::uint64_t> fire_mark{0};  ///< mark() when it fired
  std::uint64_t seen_mark = 0;             ///< the watchdog's last sample
  std::int64_t seen_since = 0;             ///< steady ns of that sample
  bool seen = false;

  /// Changes whenever an event is taken or a guarded call begins.
  [[nodiscard]] std::uint64_t mark() const noexcept;
};

/// Registers a slot (starts the watchdog thread and installs the signal handler on first use).
void watch(watch_slot* slot);
/// Unregisters it; when this returns the watchdog no longer looks at it.
void unwatch(watch_slot* slot);

/// Runs lua_pcall(L, nargs, nresults, errfunc) under the slot's budget. Returns lua_pcall's
/// code, or -1 when the call was left from compiled code (the state must not be used again).
/// slot->fired tells whether the budget stopped it.
[[nodiscard]] int guarded_pcall(watch_slot* slot, int nargs, int nresults, int errfunc);

/// The error the stop hook raises (without position); the host recognises it.
inline constexpr const char* timeout_message = "stopped by the sandbox's callback time budget";

}  // namespace ntrun::host
