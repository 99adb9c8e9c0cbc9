// The callback time budget (see watchdog.hpp).
#include "ntrun/host/watchdog.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <link.h>
#include <ucontext.h>

#include "ntrun/engine/session.hpp"

extern "C" {
#include <lua.h>
}

namespace ntrun::host {

std::uint64_t watch_slot::mark() const noexcept {
  // Both counters only grow, so their sum changes whenever either does.
  return session->beat() + entries.load(std::memory_order_relaxed);
}

namespace {

// ---- where loaded code lies: a program counter outside it is LuaJIT's machine code ----

struct code_range {
  std::uintptr_t lo, hi;
};
constexpr int max_ranges = 2048;
// Two tables: the watchdog thread fills the one not in use, then publishes it; the signal
// handler reads the published one (no lock, no allocation).
code_range ranges[2][max_ranges];
std::atomic<int> range_count[2] = {0, 0};
std::atomic<int> range_table{0};
// LuaJIT's own code (the shared library's executable segment): its C code (the pattern
// matcher, the parser, table and string functions) runs no hook either, and holds nothing
// outside the state, so a state may be left from it too. Empty when LuaJIT is linked into the
// executable (then the range would hold the host's code as well).
std::atomic<std::uintptr_t> luajit_lo{0}, luajit_hi{0};

int collect_range(dl_phdr_info* info, std::size_t, void* data) {
  auto* n = static_cast<int*>(data);
  const int t = 1 - range_table.load(std::memory_order_relaxed);
  const auto probe = reinterpret_cast<std::uintptr_t>(&lua_pcall);
  const bool shared = info->dlpi_name != nullptr && info->dlpi_name[0] != '\0';
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0 || *n >= max_ranges) continue;
    const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    ranges[t][(*n)++] = code_range{lo, lo + ph.p_memsz};
    if (shared && probe >= lo && probe < lo + ph.p_memsz) {
      luajit_lo.store(lo, std::memory_order_relaxed);
      luajit_hi.store(lo + ph.p_memsz, std::memory_order_relaxed);
    }
  }
  return 0;
}

/// Called by the watchdog thread before it signals (objects loaded since are seen).
void refresh_ranges() {
  int n = 0;
  dl_iterate_phdr(collect_range, &n);
  const int t = 1 - range_table.load(std::memory_order_relaxed);
  range_count[t].store(n, std::memory_order_release);
  range_table.store(t, std::memory_order_release);
}

bool in_luajit(std::uintptr_t pc) noexcept {
  return pc >= luajit_lo.load(std::memory_order_relaxed) &&
         pc < luajit_hi.load(std::memory_order_relaxed);
}

bool in_loaded_code(std::uintptr_t pc) noexcept {
  const int t = range_table.load(std::memory_order_acquire);
  const int n = range_count[t].load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    if (pc >= ranges[t][i].lo && pc < ranges[t][i].hi) return true;
  }
  return false;
}

std::uintptr_t program_counter(void* uc) noexcept {
  const auto* ctx = static_cast<const ucontext_t*>(uc);
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(ctx->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(ctx->uc_mcontext.pc);
#else
  (void)ctx;
  return 0;  // unknown: never jump, the hook stops interpreted code only
#endif
}

// ---- the thread that runs a guarded call, and the signal that stops it ----

thread_local watch_slot* current = nullptr;
int stop_signal = 0;

/// Raised at every Lua instruction once the budget passed: a strategy's pcall that catches it
/// meets it again at its next instruction.
/// The message names the strategy's own line: the innermost Lua frame outside the nt library
/// (the hook may fire inside ctx:buy's argument checks), else the innermost one.
void stop_hook(lua_State* L, lua_Debug* ar) {
  lua_Debug frame;
  for (int level = 0; lua_getstack(L, level, &frame) != 0; ++level) {
    if (lua_getinfo(L, "Sl", &frame) != 0 && frame.currentline > 0 &&
        std::strstr(frame.short_src, "scripts/nt/") == nullptr) {
      lua_pushfstring(L, "%s:%d: %s", frame.short_src, frame.currentline, timeout_message);
      lua_error(L);
    }
  }
  if (lua_getinfo(L, "Sl", ar) != 0 && ar->currentline > 0) {
    lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline, timeout_message);
  } else {
    lua_pushstring(L, timeout_message);
  }
  lua_error(L);
}

void on_stop_signal(int, siginfo_t*, void* uc) {
  const int saved_errno = errno;
  watch_slot* s = current;
  if (s == nullptr || !s->active.load(std::memory_order_relaxed) ||
      !s->fired.load(std::memory_order_acquire) ||
      s->mark() != s->fire_mark.load(std::memory_order_relaxed)) {
    errno = saved_errno;
    return;
  }
  if (!s->hooked) {
    // lua_sethook is safe in a signal handler (luajit(1) stops on SIGINT the same way).
    s->hooked = true;
    lua_sethook(s->L, stop_hook, LUA_MASKCOUNT, 1);
  }
  ++s->signals;
  const std::uintptr_t pc = program_counter(uc);
  // Compiled Lua code: no hook runs there. LuaJIT's C code (a pattern match without end):
  // after a few signals, when the hook had its chance (the interpreter runs it within
  // microseconds). Leave it; the state is abandoned.
  if (pc != 0 && (!in_loaded_code(pc) || (s->signals > 3 && in_luajit(pc)))) {
    siglongjmp(s->jump, 1);
  }
  errno = saved_errno;
}

class watchdog {
 public:
  static watchdog& instance() {
    static watchdog w;
    return w;
  }

  void add(watch_slot* s) {
    std::lock_guard lk(mu_);
    if (!thread_.joinable()) start();
    slots_.push_back(s);
    cv_.notify_one();
  }

  void remove(watch_slot* s) {
    std::lock_guard lk(mu_);
    slots_.erase(std::remove(slots_.begin(), slots_.end(), s), slots_.end());
  }

  ~watchdog() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  watchdog() = default;

  void start() {
    stop_signal = SIGRTMIN + 3;
    struct sigaction sa {};
    sa.sa_sigaction = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    // SA_NODEFER: the handler may leave by siglongjmp without the signal staying blocked.
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    sigaction(stop_signal, &sa, nullptr);
    refresh_ranges();
    thread_ = std::thread([this] { loop(); });
  }

  static std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void loop() {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      if (slots_.empty()) {
        cv_.wait(lk);
        continue;
      }
      // A tenth of the smallest budget, between 1 and 10 ms: a callback is stopped between
      // its budget and the budget plus a tick (plus the time to reach a stoppable point).
      std::int64_t tick = 10'000'000;
      for (const watch_slot* s : slots_) tick = std::min(tick, s->budget_ns / 10);
      cv_.wait_for(lk, std::chrono::nanoseconds(std::max<std::int64_t>(tick, 1'000'000)));
      const std::int64_t now = steady_ns();
      for (watch_slot* s : slots_) {
        if (!s->active.load(std::memory_order_acquire)) {
          s->seen = false;
          continue;
        }
        const std::uint64_t m = s->mark();
        if (s->fired.load(std::memory_order_relaxed)) {
          // Until the call returns: each signal that lands in host or C code only set the
          // hook; one that lands in compiled code leaves it.
          if (m == s->fire_mark.load(std::memory_order_relaxed)) {
            pthread_kill(s->thread.load(std::memory_order_relaxed), stop_signal);
          }
          continue;
        }
        if (!s->seen || m != s->seen_mark) {
          s->seen = true;
          s->seen_mark = m;
          s->seen_since = now;
          continue;
        }
        if (now - s->seen_since >= s->budget_ns) {
          refresh_ranges();
          s->fire_mark.store(m, std::memory_order_relaxed);
          s->fired.store(true, std::memory_order_release);
          pthread_kill(s->thread.load(std::memory_order_relaxed), stop_signal);
        }
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<watch_slot*> slots_;
  std::thread thread_;
  bool stopping_ = false;
};

}  // namespace

void watch(watch_slot* slot) { watchdog::instance().add(slot); }

void unwatch(watch_slot* slot) { watchdog::instance().remove(slot); }

__attribute__((noinline)) int guarded_pcall(watch_slot* slot, int nargs, int nresults,
                                            int errfunc) {
  watch_slot* const outer = current;
  current = slot;
  slot->thread.store(pthread_self(), std::memory_order_relaxed);
  slot->entries.fetch_add(1, std::memory_order_relaxed);
  slot->active.store(true, std::memory_order_release);
  volatile int rc = -1;
  // Nothing between here and the Lua code has a destructor to skip: lua_pcall, LuaJIT's VM,
  // and no host function that calls back into Lua (the FFI functions never do).
  if (sigsetjmp(slot->jump, 0) == 0) rc = lua_pcall(slot->L, nargs, nresults, errfunc);
  slot->active.store(false, std::memory_order_release);
  current = outer;
  return rc;
}

}  // namespace ntrun::host
