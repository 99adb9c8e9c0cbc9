// Benchmarks of transport/quorum: a proposal's whole life (open, 5 votes, the decision), the
// same with 10,000 other proposals open, opening and deciding 10,000 at once, the per-event
// calls (advance with nothing due, a heartbeat, the liveness scan) and an agent going down
// with 10,000 proposals open. The "allocs" counter is heap allocations per iteration, counted
// by the operator new of this program: 0 once warm is the goal.
//
// Budget: deciding sits on the trading hot path (a full cycle is 50 us median in-process), so
// open + 5 votes + decision under 1 us, each vote under 100 ns, no allocation once warm.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "ntrun/transport/liveness.hpp"
#include "ntrun/transport/quorum.hpp"

// GCC sees the replaced operator delete's free() inlined next to `new` expressions and warns
// of a mismatch; the pair below is consistent (malloc/free on both sides).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<std::uint64_t> g_allocs{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace nt = ntrun::transport;

namespace {

constexpr nt::ts_ns k_deadline = 1'000'000;

const std::vector<nt::voter>& five() {
  static const std::vector<nt::voter> v = {{.id = 1, .weight = 3},
                                           {.id = 2, .weight = 1},
                                           {.id = 3, .weight = 2},
                                           {.id = 4, .weight = 1},
                                           {.id = 5, .weight = 3, .veto = true}};
  return v;
}

void allocs(benchmark::State& state, std::uint64_t before) {
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(g_allocs.load() - before) /
                                                static_cast<double>(state.iterations()));
}

// One proposal's life: open among 5 voters, 5 votes, the decision on the fifth (unanimous and
// weighted wait for the veto voter, 5, who votes last).
void one_life(nt::quorum_book& book, nt::proposal_id id, nt::quorum_rule rule) {
  const nt::ts_ns t = static_cast<nt::ts_ns>(id);
  nt::proposal_spec s{.id = id,
                      .proposer = 1,
                      .created = t,
                      .deadline = t + k_deadline,
                      .rule = rule,
                      .threshold_num = 2,
                      .threshold_den = 3};
  benchmark::DoNotOptimize(book.open(s, five()).status);
  for (nt::agent_id a = 1; a <= 5; ++a) {
    const nt::cast_result r = book.cast(
        nt::vote{.proposal = id, .voter = a, .choice = nt::vote_choice::approve, .ts = t + a});
    benchmark::DoNotOptimize(r.decisions.data());
  }
}

void bm_life(benchmark::State& state, nt::quorum_rule rule) {
  nt::quorum_book book;
  book.reserve(16, 8);
  nt::proposal_id id = 0;
  for (int i = 0; i < 64; ++i) one_life(book, ++id, rule);  // warm
  const std::uint64_t before = g_allocs.load();
  for (auto _ : state) one_life(book, ++id, rule);
  allocs(state, before);
  if (book.open_count() != 0) state.SkipWithError("a proposal was left open");
}
BENCHMARK_CAPTURE(bm_life, unanimous, nt::quorum_rule::unanimous);
BENCHMARK_CAPTURE(bm_life, weighted, nt::quorum_rule::weighted);
BENCHMARK_CAPTURE(bm_life, majority_early_on_3rd, nt::quorum_rule::majority);
BENCHMARK_CAPTURE(bm_life, supermajority, nt::quorum_rule::supermajority);

// The same life while 10,000 other proposals stay open (index and heap at that size, caches
// shared with them).
void bm_life_among_10000(benchmark::State& state) {
  nt::quorum_book book;
  book.reserve(10'016, 8);
  for (nt::proposal_id id = 1; id <= 10'000; ++id) {
    nt::proposal_spec s{.id = id << 32,
                        .proposer = 1,
                        .created = 0,
                        .deadline = INT64_MAX / 2,
                        .rule = nt::quorum_rule::majority};
    benchmark::DoNotOptimize(book.open(s, five()).status);
  }
  nt::proposal_id id = 0;
  for (int i = 0; i < 64; ++i) one_life(book, ++id, nt::quorum_rule::unanimous);
  const std::uint64_t before = g_allocs.load();
  for (auto _ : state) one_life(book, ++id, nt::quorum_rule::unanimous);
  allocs(state, before);
  state.counters["open"] = static_cast<double>(book.open_count());
}
BENCHMARK(bm_life_among_10000);

// Open 10,000 proposals, then decide them all: 5 votes each, in an interleaved order.
void bm_open_and_decide_10000(benchmark::State& state) {
  constexpr std::uint64_t k_n = 10'000;
  nt::quorum_book book;
  book.reserve(k_n, 8);
  std::vector<std::uint64_t> order(k_n);
  std::mt19937_64 rng(1);
  for (std::uint64_t i = 0; i < k_n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::uint64_t base = 0, decided = 0;
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < k_n; ++i) {
      nt::proposal_spec s{.id = base + i,
                          .proposer = 1,
                          .created = 0,
                          .deadline = k_deadline,
                          .rule = nt::quorum_rule::majority};
      benchmark::DoNotOptimize(book.open(s, five()).status);
    }
    for (nt::agent_id a = 1; a <= 5; ++a)
      for (const std::uint64_t i : order)
        decided +=
            book
                .cast(nt::vote{
                    .proposal = base + i, .voter = a, .choice = nt::vote_choice::approve, .ts = 10})
                .decisions.size();
    base += k_n;
    benchmark::DoNotOptimize(book.advance(k_deadline).size());  // drains the heap's stale entries
  }
  state.counters["per_proposal"] =
      benchmark::Counter(static_cast<double>(state.iterations() * k_n),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (decided != state.iterations() * k_n) state.SkipWithError("not every proposal was decided");
}
BENCHMARK(bm_open_and_decide_10000)->Unit(benchmark::kMillisecond);

// advance() with 10,000 proposals open and none due: what every event pays.
void bm_advance_nothing_due(benchmark::State& state) {
  nt::quorum_book book;
  for (nt::proposal_id id = 1; id <= 10'000; ++id) {
    nt::proposal_spec s{.id = id,
                        .proposer = 1,
                        .created = 0,
                        .deadline = k_deadline,
                        .rule = nt::quorum_rule::majority};
    benchmark::DoNotOptimize(book.open(s, five()).status);
  }
  nt::ts_ns t = 0;
  for (auto _ : state) benchmark::DoNotOptimize(book.advance(++t % k_deadline).size());
}
BENCHMARK(bm_advance_nothing_due);

// A heartbeat and the liveness scan over 16 agents, as each event would call them.
void bm_liveness_16(benchmark::State& state) {
  nt::liveness_tracker live(1'000'000);
  for (nt::agent_id a = 0; a < 16; ++a) (void)live.heartbeat(a, 0);
  nt::ts_ns t = 0;
  const std::uint64_t before = g_allocs.load();
  for (auto _ : state) {
    ++t;
    benchmark::DoNotOptimize(live.heartbeat(static_cast<nt::agent_id>(t % 16), t));
    benchmark::DoNotOptimize(live.advance(t).size());
  }
  allocs(state, before);
}
BENCHMARK(bm_liveness_16);

// An agent going down with 10,000 proposals open among 5 voters (it scans them all: a rare
// event). Each iteration drops voter 5 from fresh proposals.
void bm_agent_down_10000(benchmark::State& state) {
  nt::quorum_book book;
  std::uint64_t base = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (std::uint64_t i = 0; i < 10'000; ++i) {
      nt::proposal_spec s{.id = base + i,
                          .proposer = 1,
                          .created = 0,
                          .deadline = k_deadline,
                          .rule = nt::quorum_rule::supermajority};
      benchmark::DoNotOptimize(book.open(s, five()).status);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(book.agent_down(5, 1).size());
    state.PauseTiming();
    for (std::uint64_t i = 0; i < 10'000; ++i) (void)book.cancel(base + i, 2);
    base += 10'000;
    state.ResumeTiming();
  }
}
BENCHMARK(bm_agent_down_10000)->Unit(benchmark::kMicrosecond);

}  // namespace
