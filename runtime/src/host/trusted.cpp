// Trusted Lua states: nt._host (backtests from Lua), `ntrun exec` and `ntrun test`.
#include "ntrun/host/trusted.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "ntrun/host/backtest_run.hpp"
#include "ntrun/report/json.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace ntrun::host {
namespace {

std::optional<std::string> opt_string(lua_State* L, int idx, const char* key) {
  lua_getfield(L, idx, key);
  std::optional<std::string> out;
  if (lua_isstring(L, -1)) out = lua_tostring(L, -1);
  lua_pop(L, 1);
  return out;
}

/// Does the work of l_run; on failure leaves the message on the stack and returns false. Kept
/// apart so no C++ object is alive when l_run raises the Lua error (lua_error longjmps).
bool run_impl(lua_State* L) {
  run_options o;
  if (!lua_isstring(L, 1)) {
    lua_pushstring(L, "bad 'bundle' argument to nt.backtest.run: folder path expected");
    return false;
  }
  o.bundle_dir = lua_tostring(L, 1);
  o.quiet = true;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "data");
    if (lua_isstring(L, -1)) {
      o.data_files.emplace_back(lua_tostring(L, -1));
    } else if (lua_istable(L, -1)) {
      for (int i = 1; i <= static_cast<int>(lua_objlen(L, -1)); ++i) {
        lua_rawgeti(L, -1, i);
        if (lua_isstring(L, -1)) o.data_files.emplace_back(lua_tostring(L, -1));
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
    o.from = opt_string(L, 2, "from");
    o.to = opt_string(L, 2, "to");
    lua_getfield(L, 2, "capital");
    if (lua_isnumber(L, -1)) o.capital = lua_tonumber(L, -1);
    lua_getfield(L, 2, "seed");
    if (lua_isnumber(L, -1)) o.seed = static_cast<std::uint64_t>(lua_tonumber(L, -1));
    lua_getfield(L, 2, "skip_bad_rows");
    o.skip_bad_rows = lua_toboolean(L, -1) != 0;
    lua_getfield(L, 2, "quiet");
    if (!lua_isnil(L, -1)) o.quiet = lua_toboolean(L, -1) != 0;
    lua_getfield(L, 2, "jit_log");
    o.jit_log = lua_toboolean(L, -1) != 0;
    lua_getfield(L, 2, "trusted");
    o.allow_trusted = lua_toboolean(L, -1) != 0;
    lua_pop(L, 6);
  }
  try {
    run_result r = run_backtest(o);
    std::ostringstream os;
    report::write_json(os, r.record, r.metrics, r.meta, r.symbols);
    const std::string json = os.str();
    lua_pushlstring(L, json.data(), json.size());
    lua_pushlstring(L, r.status.data(), r.status.size());
    lua_pushinteger(L, r.exit_code);
    push_strings(L, r.errors);
    push_strings(L, r.jit_log);
    return true;
  } catch (const std::exception& e) {
    lua_pushstring(L, e.what());
    return false;
  }
}

/// nt._host.run(bundle_dir, opts) -> json_text, status, exit_code, errors, jit_log
/// opts: data (string or list), from, to, capital, seed, skip_bad_rows, quiet (default true),
/// jit_log.
int l_run(lua_State* L) {
  if (!run_impl(L)) return lua_error(L);  // the message has no position: it names the bundle
  return 5;
}

int open_host(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, l_run);
  lua_setfield(L, -2, "run");
  return 1;
}

}  // namespace

void open_host_api(lua_vm& vm) {
  lua_State* L = vm.state();
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, open_host);
  lua_setfield(L, -2, "nt._host");
  lua_pop(L, 2);
}

int exec_script(const std::string& script, const std::vector<std::string>& args) {
  lua_vm vm;
  open_host_api(vm);
  vm.set_args(script, args);
  lua_State* L = vm.state();
  if (luaL_loadfile(L, script.c_str()) != 0) {
    std::fprintf(stderr, "ntrun exec: %s\n", lua_tostring(L, -1));
    return 1;
  }
  for (const auto& a : args) lua_pushlstring(L, a.data(), a.size());
  if (auto err = vm.pcall(static_cast<int>(args.size()), 0)) {
    std::fprintf(stderr, "ntrun exec: %s\n", err->c_str());
    return 1;
  }
  return 0;
}

int run_specs(const std::vector<std::string>& paths, const std::string& filter) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name.size() > 9 && name.ends_with("_spec.lua")) {
          found.push_back(e.path().string());
        }
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        std::fprintf(stderr, "ntrun test: no *_spec.lua files under '%s'\n", p.c_str());
        return 1;
      }
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "ntrun test: '%s' is neither a spec file nor a folder\n", p.c_str());
      return 1;
    }
  }
  long passed = 0, failed = 0;
  for (const auto& f : files) {
    // A fresh state per file: specs cannot leak into each other.
    lua_vm vm;
    open_host_api(vm);
    lua_State* L = vm.state();
    vm.require("nt.test");
    lua_getfield(L, -1, "run_file");
    lua_pushstring(L, f.c_str());
    lua_pushstring(L, filter.c_str());
    if (auto err = vm.pcall(2, 2)) {
      std::fprintf(stdout, "FAIL %s\n  %s\n", f.c_str(), err->c_str());
      ++failed;
      continue;
    }
    passed += static_cast<long>(lua_tointeger(L, -2));
    failed += static_cast<long>(lua_tointeger(L, -1));
  }
  std::fprintf(stdout, "%ld passed, %ld failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}

}  // namespace ntrun::host
