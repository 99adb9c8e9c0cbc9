// What a child process per untrusted strategy would cost (docs/sandbox.md, "Why in-process"):
// the round trip of one event to another process and back, the floor under any out-of-process
// sandbox, over a pipe (blocking), shared memory with futex waits, and shared memory with both
// sides spinning (the fastest, at the price of a core each). Compare with ns_per_bar of
// BM_sma_cross in bench_engine (the whole in-process SMA-cross backtest per bar).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

/// One event as it would cross: a bar (ts, o, h, l, c, v, symbol) and a reply word.
struct alignas(64) channel {
  std::atomic<std::uint32_t> seq{0};    // parent -> child: event number
  std::atomic<std::uint32_t> ack{0};    // child -> parent: event number handled
  double bar[6] = {};
};

long futex(std::atomic<std::uint32_t>* addr, int op, std::uint32_t val) {
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), op, val, nullptr, nullptr, 0);
}

void BM_ipc_pipe_round_trip(benchmark::State& state) {
  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0) {
    state.SkipWithError("pipe");
    return;
  }
  const pid_t child = fork();
  if (child == 0) {
    close(down[1]);
    close(up[0]);
    double bar[6];
    while (read(down[0], bar, sizeof bar) == static_cast<ssize_t>(sizeof bar)) {
      bar[0] += 1;
      if (write(up[1], bar, sizeof bar) != static_cast<ssize_t>(sizeof bar)) break;
    }
    _exit(0);
  }
  close(down[0]);
  close(up[1]);
  double bar[6] = {1, 2, 3, 4, 5, 6};
  for (auto _ : state) {
    if (write(down[1], bar, sizeof bar) != static_cast<ssize_t>(sizeof bar) ||
        read(up[0], bar, sizeof bar) != static_cast<ssize_t>(sizeof bar)) {
      state.SkipWithError("pipe io");
      break;
    }
  }
  close(down[1]);  // the child reads end of file and exits
  waitpid(child, nullptr, 0);
  close(up[0]);
}

template <bool Spin>
void shm_round_trip(benchmark::State& state) {
  void* mem = mmap(nullptr, sizeof(channel), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    state.SkipWithError("mmap");
    return;
  }
  auto* ch = new (mem) channel();
  const pid_t child = fork();
  if (child == 0) {
    std::uint32_t seen = 0;
    for (;;) {
      std::uint32_t s;
      while ((s = ch->seq.load(std::memory_order_acquire)) == seen) {
        if constexpr (!Spin) futex(&ch->seq, FUTEX_WAIT, seen);
      }
      if (s == 0xFFFFFFFFu) _exit(0);
      seen = s;
      ch->bar[0] += 1;
      ch->ack.store(s, std::memory_order_release);
      if constexpr (!Spin) futex(&ch->ack, FUTEX_WAKE, 1);
    }
  }
  std::uint32_t n = 0;
  for (auto _ : state) {
    ch->seq.store(++n, std::memory_order_release);
    if constexpr (!Spin) futex(&ch->seq, FUTEX_WAKE, 1);
    std::uint32_t a;
    while ((a = ch->ack.load(std::memory_order_acquire)) != n) {
      if constexpr (!Spin) futex(&ch->ack, FUTEX_WAIT, a);
    }
  }
  ch->seq.store(0xFFFFFFFFu, std::memory_order_release);
  futex(&ch->seq, FUTEX_WAKE, 1);
  waitpid(child, nullptr, 0);
  munmap(mem, sizeof(channel));
}

void BM_ipc_shm_futex_round_trip(benchmark::State& state) { shm_round_trip<false>(state); }
void BM_ipc_shm_spin_round_trip(benchmark::State& state) { shm_round_trip<true>(state); }

}  // namespace

BENCHMARK(BM_ipc_pipe_round_trip)->MinTime(0.5);
BENCHMARK(BM_ipc_shm_futex_round_trip)->MinTime(0.5);
BENCHMARK(BM_ipc_shm_spin_round_trip)->MinTime(0.5);
