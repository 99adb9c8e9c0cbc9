// Reads the table produced by scripts/nt/_bundle.lua into a bundle_config.
#include "ntrun/host/bundle.hpp"

#include <stdexcept>

#include "ntrun/host/lua_vm.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace ntrun::host {
namespace {

std::string get_string(lua_State* L, int idx, const char* key, const std::string& def = {}) {
  lua_getfield(L, idx, key);
  std::string out = lua_isstring(L, -1) ? lua_tostring(L, -1) : def;
  lua_pop(L, 1);
  return out;
}

double get_number(lua_State* L, int idx, const char* key, double def) {
  lua_getfield(L, idx, key);
  const double out = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : def;
  lua_pop(L, 1);
  return out;
}

std::vector<std::string> get_strings(lua_State* L, int idx, const char* key) {
  std::vector<std::string> out;
  lua_getfield(L, idx, key);
  if (lua_istable(L, -1)) {
    const int n = static_cast<int>(lua_objlen(L, -1));
    for (int i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, i);
      if (lua_isstring(L, -1)) out.emplace_back(lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return out;
}

/// A limit given as a number (every symbol: *all) or a table { SYMBOL = limit } (returned).
std::optional<bundle_config::per_symbol> get_limit(lua_State* L, int idx, const char* key,
                                                   double* all) {
  lua_getfield(L, idx, key);
  std::optional<bundle_config::per_symbol> out;
  if (lua_istable(L, -1)) {
    out.emplace();
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      // Keys are symbol names (validated by nt._bundle); copy before lua_tostring can touch them.
      lua_pushvalue(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING && lua_isnumber(L, -2)) {
        out->emplace_back(lua_tostring(L, -1), lua_tonumber(L, -2));
      }
      lua_pop(L, 2);
    }
  } else if (lua_isnumber(L, -1)) {
    *all = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return out;
}

}  // namespace

bundle_config load_bundle(lua_vm& vm, const std::string& dir,
                          const std::vector<std::string>& data_override) {
  lua_State* L = vm.state();
  const int top = lua_gettop(L);
  vm.require("nt._bundle");
  lua_getfield(L, -1, "load");
  lua_pushlstring(L, dir.data(), dir.size());
  if (data_override.empty()) {
    lua_pushnil(L);
  } else {
    lua_createtable(L, static_cast<int>(data_override.size()), 0);
    for (std::size_t i = 0; i < data_override.size(); ++i) {
      lua_pushlstring(L, data_override[i].data(), data_override[i].size());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  }
  if (auto err = vm.pcall(2, 1, /*traceback=*/false)) {
    lua_settop(L, top);
    throw std::runtime_error(*err);
  }
  const int t = lua_gettop(L);
  bundle_config b;
  b.dir = get_string(L, t, "dir");
  b.name = get_string(L, t, "name");
  b.strategy_files = get_strings(L, t, "strategies");
  lua_getfield(L, t, "data");
  const int n = static_cast<int>(lua_objlen(L, -1));
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, i);
    const int d = lua_gettop(L);
    data_spec s;
    s.path = get_string(L, d, "path");
    s.layout = get_string(L, d, "layout", "ohlcv");
    s.symbols = get_strings(L, d, "symbols");
    lua_getfield(L, d, "columns");
    const int c = lua_gettop(L);
    s.time_col = get_string(L, c, "time");
    s.open_col = get_string(L, c, "open");
    s.high_col = get_string(L, c, "high");
    s.low_col = get_string(L, c, "low");
    s.close_col = get_string(L, c, "close");
    s.volume_col = get_string(L, c, "volume");
    lua_pop(L, 2);
    b.data.push_back(std::move(s));
  }
  lua_pop(L, 1);
  b.capital = get_number(L, t, "capital", b.capital);
  lua_getfield(L, t, "commission");
  b.commission_per_share = get_number(L, -1, "per_share", 0);
  b.commission_per_value = get_number(L, -1, "per_value", 0);
  b.commission_minimum = get_number(L, -1, "minimum", 0);
  lua_pop(L, 1);
  lua_getfield(L, t, "slippage");
  b.slippage_model = get_string(L, -1, "model", "none");
  b.slippage_value = get_number(L, -1, "value", 0);
  lua_pop(L, 1);
  lua_getfield(L, t, "venue");
  b.volume_cap = get_number(L, -1, "volume_cap", 0);
  lua_pop(L, 1);
  lua_getfield(L, t, "limits");
  const int l = lua_gettop(L);
  b.max_position_by_symbol = get_limit(L, l, "max_position", &b.max_position);
  b.max_notional_by_symbol = get_limit(L, l, "max_notional", &b.max_notional);
  b.max_order_notional = get_number(L, l, "max_order_notional", 0);
  b.max_orders_per_second = get_number(L, l, "max_orders_per_second", 0);
  b.max_leverage = get_number(L, l, "max_leverage", 1);
  b.max_gross_exposure = get_number(L, l, "max_gross_exposure", 0);
  b.max_net_exposure = get_number(L, l, "max_net_exposure", 0);
  b.var_limit = get_number(L, l, "var_limit", 0);
  b.var_confidence = get_number(L, l, "var_confidence", 0.99);
  b.var_window = static_cast<std::int64_t>(get_number(L, l, "var_window", 250));
  lua_getfield(L, l, "circuit_breaker");
  if (lua_istable(L, -1)) {
    b.breaker_loss = get_number(L, -1, "loss", 0);
    b.breaker_window = get_number(L, -1, "window", 0);
    b.breaker_max_drawdown = get_number(L, -1, "max_drawdown", 0);
    b.breaker_cooldown = get_number(L, -1, "cooldown", 0);
  }
  lua_pop(L, 1);
  lua_getfield(L, l, "allow_short");
  b.allow_short = lua_isnil(L, -1) ? true : lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  b.history = static_cast<std::int64_t>(get_number(L, t, "history", 1000));
  if (auto s = get_string(L, t, "from"); !s.empty()) b.from = s;
  if (auto s = get_string(L, t, "to"); !s.empty()) b.to = s;
  b.seed = static_cast<std::uint64_t>(get_number(L, t, "seed", 0));
  b.params_source = get_string(L, t, "params_source", "return {}");
  lua_settop(L, top);
  return b;
}

}  // namespace ntrun::host
