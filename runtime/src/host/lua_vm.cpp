// LuaJIT state set-up: standard libraries, a searcher for the embedded `nt` library, and
// protected calls with tracebacks (see lua_vm.hpp).
#include "ntrun/host/lua_vm.hpp"

#include <cstdlib>
#include <cstring>
#include <vector>
#include <fstream>
#include <sstream>

#include "ntrun/host/embedded.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace ntrun::host {
namespace {

int traceback_handler(lua_State* L) {
  // An error object's __tostring is script code: it could loop (compiled, where no hook
  // fires) or raise again ("error in error handling", no file:line). The handler calls no
  // metamethod; the traceback below says where the object was raised.
  const char* msg = lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER
                        ? lua_tostring(L, 1)
                        : lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/// package.loaders entry: NTRUN_SCRIPTS_DIR (if set) first, then the embedded modules.
int embedded_searcher(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  if (const char* dir = std::getenv("NTRUN_SCRIPTS_DIR");
      dir && std::strcmp(name, "nt._cdef") != 0) {
    std::string rel = name;
    for (char& c : rel) {
      if (c == '.') c = '/';
    }
    const std::string path = std::string(dir) + "/" + rel + ".lua";
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      const std::string src = ss.str();
      const std::string chunk = "@" + path;
      if (luaL_loadbuffer(L, src.data(), src.size(), chunk.c_str()) != 0) return lua_error(L);
      return 1;
    }
  }
  for (const embedded_module* m = embedded_modules; m->name; ++m) {
    if (std::strcmp(m->name, name) == 0) {
      const std::string chunk = std::string("@") + m->path;
      if (luaL_loadbuffer(L, m->source, m->size, chunk.c_str()) != 0) return lua_error(L);
      return 1;
    }
  }
  lua_pushfstring(L, "\n\tno embedded module '%s'", name);
  return 1;
}

}  // namespace

/// The state's allocator: LuaJIT's own (faster than the C library's for Lua's small blocks),
/// counted against the session's memory cap (a state that passes it gets Lua's "not enough
/// memory"; the host keeps running).
void* lua_vm::counted_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
  auto* a = static_cast<alloc_ctx*>(ud);
  const std::size_t old = ptr != nullptr ? osize : 0;
  if (nsize == 0) {
    (void)a->s->lua_resize(old, 0);
    return a->f(a->ud, ptr, osize, 0);
  }
  if (!a->s->lua_resize(old, nsize)) return nullptr;
  void* p = a->f(a->ud, ptr, osize, nsize);
  if (p == nullptr) (void)a->s->lua_resize(nsize, old);
  return p;
}

namespace {

/// package.preload["nt._session"]: the state's session as light userdata (upvalue 1).
int session_loader(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  return 1;
}

}  // namespace

lua_vm::lua_vm() : L_(luaL_newstate()) {
  if (!L_) throw std::runtime_error("cannot create a Lua state (out of memory)");
  // Count from here on, starting with what the new state already holds.
  alloc_.f = lua_getallocf(L_, &alloc_.ud);
  alloc_.s = &session_;
  (void)session_.lua_resize(0, memory_bytes());
  lua_setallocf(L_, counted_alloc, &alloc_);
  luaL_openlibs(L_);
  // Insert the embedded searcher right after the preload searcher.
  lua_getglobal(L_, "package");
  lua_getfield(L_, -1, "loaders");
  const int n = static_cast<int>(lua_objlen(L_, -1));
  for (int i = n; i >= 2; --i) {
    lua_rawgeti(L_, -1, i);
    lua_rawseti(L_, -2, i + 1);
  }
  lua_pushcfunction(L_, embedded_searcher);
  lua_rawseti(L_, -2, 2);
  lua_pop(L_, 1);
  lua_getfield(L_, -1, "preload");
  lua_pushlightuserdata(L_, &session_);
  lua_pushcclosure(L_, session_loader, 1);
  lua_setfield(L_, -2, "nt._session");
  lua_pop(L_, 2);
}

lua_vm::~lua_vm() {
  if (watch_) unwatch(watch_.get());
  if (!L_) return;
  // A state stopped by its hook: finalizers run Lua code at close, without the hook.
  if (timed_out()) lua_sethook(L_, nullptr, 0, 0);
  lua_close(L_);
}

void lua_vm::set_time_limit(std::int64_t budget_ns) {
  if (budget_ns <= 0) {
    if (watch_) unwatch(watch_.get());
    watch_.reset();
    return;
  }
  if (!watch_) {
    watch_ = std::make_unique<watch_slot>();
    watch_->session = &session_;
    watch_->L = L_;
    watch_->budget_ns = budget_ns;
    watch(watch_.get());
    return;
  }
  watch_->budget_ns = budget_ns;
}

namespace {
/// States left from compiled code: kept reachable (never closed: their VM stopped mid-trace).
std::vector<lua_State*> abandoned_states;
}  // namespace

std::optional<std::string> lua_vm::pcall(int nargs, int nresults, bool traceback) {
  if (!L_) return std::string("this strategy's Lua state was stopped and runs nothing more");
  if (watch_ && watch_->fired.load(std::memory_order_acquire)) {
    lua_pop(L_, nargs + 1);
    return std::string(timeout_message);
  }
  int rc = 0;
  const int base = lua_gettop(L_) - nargs;
  if (traceback) {
    lua_pushcfunction(L_, traceback_handler);
    lua_insert(L_, base);
  }
  rc = watch_ ? guarded_pcall(watch_.get(), nargs, nresults, traceback ? base : 0)
              : lua_pcall(L_, nargs, nresults, traceback ? base : 0);
  if (rc == -1) {
    // Left from compiled code by the watchdog: the VM is mid-trace and must not run again.
    unwatch(watch_.get());
    abandoned_states.push_back(L_);
    L_ = nullptr;
    return std::string(timeout_message) + " (in compiled code or a library function)";
  }
  if (traceback) lua_remove(L_, base);
  if (rc == 0) return std::nullopt;
  std::string msg = lua_tostring(L_, -1) ? lua_tostring(L_, -1) : "unknown Lua error";
  lua_pop(L_, 1);
  return msg;
}

void lua_vm::require(const char* name) {
  lua_getglobal(L_, "require");
  lua_pushstring(L_, name);
  if (auto err = pcall(1, 1)) throw lua_error_exception(*err);
}

void lua_vm::set_args(const std::string& script, const std::vector<std::string>& args) {
  lua_createtable(L_, static_cast<int>(args.size()), 1);
  lua_pushstring(L_, script.c_str());
  lua_rawseti(L_, -2, 0);
  for (std::size_t i = 0; i < args.size(); ++i) {
    lua_pushlstring(L_, args[i].data(), args[i].size());
    lua_rawseti(L_, -2, static_cast<int>(i + 1));
  }
  lua_setglobal(L_, "arg");
}

void push_strings(lua_State* L, const std::vector<std::string>& list, bool nil_when_empty) {
  if (list.empty() && nil_when_empty) {
    lua_pushnil(L);
    return;
  }
  lua_createtable(L, static_cast<int>(list.size()), 0);
  for (std::size_t i = 0; i < list.size(); ++i) {
    lua_pushlstring(L, list[i].data(), list[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

std::size_t lua_vm::memory_bytes() const noexcept {
  if (!L_) return 0;
  return static_cast<std::size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024u +
         static_cast<std::size_t>(lua_gc(L_, LUA_GCCOUNTB, 0));
}

}  // namespace ntrun::host
