// The callback time budget (host/watchdog): a protected call that runs past its budget
// without taking an event is stopped, in the interpreter (the count hook, with a line) and in
// compiled code (left by siglongjmp, the state abandoned); a call that keeps taking events, or
// a state without a budget, is left alone; several states are watched independently.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "ntrun/host/lua_vm.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

using ntrun::host::lua_vm;

namespace {

constexpr std::int64_t ms = 1'000'000;

/// take_event(): what the runner does per event (session::next bumps the beat).
int take_event(lua_State* L) {
  auto* s = static_cast<ntrun::session*>(lua_touserdata(L, lua_upvalueindex(1)));
  (void)s->next();
  return 0;
}

std::optional<std::string> run(lua_vm& vm, const char* code) {
  lua_State* L = vm.state();
  lua_pushlightuserdata(L, &vm.session());
  lua_pushcclosure(L, take_event, 1);
  lua_setglobal(L, "take_event");
  REQUIRE(luaL_loadstring(L, code) == 0);
  return vm.pcall(0, 0);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("a compiled endless loop is left from machine code and its state abandoned") {
  lua_vm vm;
  vm.set_time_limit(50 * ms);
  const auto t0 = std::chrono::steady_clock::now();
  const auto err = run(vm, "local x = 0 while true do x = x + 1 end");
  REQUIRE(err.has_value());
  CHECK(err->find(ntrun::host::timeout_message) != std::string::npos);
  CHECK(err->find("compiled code") != std::string::npos);
  CHECK(vm.timed_out());
  CHECK(vm.abandoned());
  CHECK(vm.state() == nullptr);
  CHECK(seconds_since(t0) >= 0.05);
  // The abandoned state runs nothing more, and says so.
  const auto again = vm.pcall(0, 0);
  REQUIRE(again.has_value());
  CHECK(again->find("runs nothing more") != std::string::npos);
}

TEST_CASE("an interpreted endless loop is stopped by the hook, with its line, and pcall cannot keep it") {
  lua_vm vm;
  vm.set_time_limit(50 * ms);
  // A closure per pass (FNEW) keeps LuaJIT from compiling the loops.
  const auto err = run(vm,
                       "local f\n"
                       "while true do\n"
                       "  pcall(function() while true do f = function() end end end)\n"
                       "end\n");
  REQUIRE(err.has_value());
  CHECK(err->find(std::string("]:3: ") + ntrun::host::timeout_message) != std::string::npos);
  CHECK(vm.timed_out());
  CHECK_FALSE(vm.abandoned());
}

TEST_CASE("a call that keeps taking events runs past the budget; one without a budget is not watched") {
  lua_vm vm;
  vm.set_time_limit(100 * ms);
  // 400 ms of work, an event every millisecond or so.
  const auto err = run(vm,
                       "local t0 = os.clock()\n"
                       "while os.clock() - t0 < 0.4 do\n"
                       "  local t1 = os.clock() while os.clock() - t1 < 0.001 do end\n"
                       "  take_event()\n"
                       "end\n");
  CHECK_FALSE(err.has_value());
  CHECK_FALSE(vm.timed_out());

  lua_vm free;
  CHECK(free.time_limit() == 0);
  const auto ok = run(free, "local t0 = os.clock() while os.clock() - t0 < 0.1 do end");
  CHECK_FALSE(ok.has_value());
  CHECK_FALSE(free.timed_out());
}

TEST_CASE("states are watched apart: one stopped, the next one runs normally") {
  lua_vm bad;
  bad.set_time_limit(20 * ms);
  lua_vm good;
  good.set_time_limit(100 * ms);
  CHECK(run(bad, "while true do end").has_value());
  CHECK(bad.timed_out());
  CHECK_FALSE(run(good, "local s = 0 for i = 1, 1000 do s = s + i end assert(s == 500500)").has_value());
  CHECK_FALSE(good.timed_out());
  // Each guarded call starts its own clock: many short calls never add up to a timeout.
  for (int i = 0; i < 50; ++i) {
    REQUIRE_FALSE(run(good, "local t0 = os.clock() while os.clock() - t0 < 0.002 do end").has_value());
  }
  CHECK_FALSE(good.timed_out());
}
