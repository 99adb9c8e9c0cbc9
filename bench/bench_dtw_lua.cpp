// The Lua layer over DTW: nt.dtw.batch on 10 candidates (length 100) called from Lua, against
// dtw::batch called from C++ on the same data in the same run.
//
// Budget (issue 3): Lua call overhead for nt.dtw.batch on 10 candidates under 100 ns above
// the kernel.
#include <benchmark/benchmark.h>

#include <cmath>
#include <span>
#include <vector>

#include "ntrun/compute/dtw.hpp"
#include "ntrun/host/lua_vm.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace {

constexpr int num_candidates = 10;
constexpr int length = 100;

std::vector<double> walk(std::size_t n, double seed) {
  std::vector<double> v(n);
  double x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    x += 0.37 * std::sin(seed * static_cast<double>(i + 1)) - 0.1;
    v[i] = x;
  }
  return v;
}

void BM_cpp_dtw_batch10(benchmark::State& state) {
  const auto q = walk(length, 0.5);
  std::vector<std::vector<double>> c;
  std::vector<std::span<const double>> spans;
  for (int k = 0; k < num_candidates; ++k) c.push_back(walk(length, 1.0 + k));
  for (const auto& v : c) spans.emplace_back(v);
  std::vector<double> out(num_candidates);
  const ntrun::compute::dtw::options opt{.band = 10};
  for (auto _ : state) {
    ntrun::compute::dtw::batch(q, spans, opt, out);
    benchmark::DoNotOptimize(out.data());
  }
}

/// The same call from Lua, n times in a loop timed inside Lua (os.clock), reusing the output.
void BM_lua_dtw_batch10(benchmark::State& state) {
  ntrun::host::lua_vm vm;
  lua_State* L = vm.state();
  static constexpr const char* code = R"(
    local nt = require "nt"
    local n, K, len = ...
    local function walk(m, seed)
      local a, x = nt.array(m), seed
      for i = 1, m do x = x + 0.37 * math.sin(seed * i) - 0.1; a[i] = x end
      return a
    end
    local q, cands = walk(len, 0.5), {}
    for k = 1, K do cands[k] = walk(len, 1.0 + (k - 1)) end
    local out = nt.array(K)
    local opts = { band = 10, out = out }
    local t0 = os.clock()
    for _ = 1, n do nt.dtw.batch(q, cands, opts) end
    return (os.clock() - t0) / n * 1e9
  )";
  double ns = 0;
  for (auto _ : state) {
    if (luaL_loadstring(L, code) != 0) {
      state.SkipWithError(lua_tostring(L, -1));
      return;
    }
    lua_pushinteger(L, static_cast<lua_Integer>(state.range(0)));
    lua_pushinteger(L, num_candidates);
    lua_pushinteger(L, length);
    if (auto err = vm.pcall(3, 1)) {
      state.SkipWithError(err->c_str());
      return;
    }
    ns = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  state.counters["ns_per_call"] = ns;
}

}  // namespace

BENCHMARK(BM_cpp_dtw_batch10);
BENCHMARK(BM_lua_dtw_batch10)->Arg(200'000)->Unit(benchmark::kMillisecond)->Iterations(1);
