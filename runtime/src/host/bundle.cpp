// Reads the table produced by scripts/nt/_bundle.lua into a bundle_config.
#include "ntrun/host/bundle.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "ntrun/host/lua_vm.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace ntrun::host {
namespace {

/// The validator fills in every key: a missing one is a bug between it and this reader.
[[noreturn]] void missing(const char* key) {
  throw std::logic_error(std::string("nt._bundle did not produce '") + key + "'");
}

std::string get_string(lua_State* L, int idx, const char* key) {
  lua_getfield(L, idx, key);
  if (!lua_isstring(L, -1)) missing(key);
  std::string out = lua_tostring(L, -1);
  lua_pop(L, 1);
  return out;
}

std::optional<std::string> opt_string(lua_State* L, int idx, const char* key) {
  lua_getfield(L, idx, key);
  std::optional<std::string> out;
  if (lua_isstring(L, -1)) out = lua_tostring(L, -1);
  lua_pop(L, 1);
  return out;
}

double get_number(lua_State* L, int idx, const char* key) {
  lua_getfield(L, idx, key);
  if (lua_type(L, -1) != LUA_TNUMBER) missing(key);
  const double out = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return out;
}

bool get_bool(lua_State* L, int idx, const char* key) {
  lua_getfield(L, idx, key);
  if (!lua_isboolean(L, -1)) missing(key);
  const bool out = lua_toboolean(L, -1) != 0;
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

std::string column(lua_State* L, int idx, const char* key) {
  return opt_string(L, idx, key).value_or("");
}

/// A limit given as a number (every symbol: *all) or a table { SYMBOL = limit }: then one
/// value per symbol id (symbols left out: 0, no limit).
std::vector<double> get_limit(lua_State* L, int idx, const char* key, double* all,
                              const std::vector<std::string>& symbols) {
  lua_getfield(L, idx, key);
  std::vector<double> out;
  if (lua_istable(L, -1)) {
    out.assign(symbols.size(), 0.0);
    *all = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      // Keys are symbol names (validated by nt._bundle); copy before lua_tostring can touch them.
      lua_pushvalue(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING && lua_isnumber(L, -2)) {
        const std::string name = lua_tostring(L, -1);
        const auto it = std::find(symbols.begin(), symbols.end(), name);
        if (it == symbols.end()) {
          throw std::runtime_error(std::string("bundle.lua: 'limits.") + key +
                                   "': unknown symbol '" + name + "'; use the names declared in data");
        }
        out[static_cast<std::size_t>(it - symbols.begin())] = lua_tonumber(L, -2);
      }
      lua_pop(L, 2);
    }
  } else if (lua_type(L, -1) == LUA_TNUMBER) {
    *all = lua_tonumber(L, -1);
  } else {
    missing(key);
  }
  lua_pop(L, 1);
  return out;
}

ts_ns seconds_to_ns(double s) {
  return static_cast<ts_ns>(std::llround(s * static_cast<double>(ns_per_second)));
}

market::slippage_model slippage_of(const std::string& model) {
  if (model == "fixed") return market::slippage_model::fixed;
  if (model == "percentage") return market::slippage_model::percentage;
  if (model == "volume") return market::slippage_model::volume;
  return market::slippage_model::none;
}

}  // namespace

bundle_config load_bundle(lua_vm& vm, const std::string& dir,
                          const std::vector<std::string>& data_override) {
  lua_State* L = vm.state();
  const int top = lua_gettop(L);
  vm.require("nt._bundle");
  lua_getfield(L, -1, "load");
  lua_pushlstring(L, dir.data(), dir.size());
  push_strings(L, data_override, true);
  if (auto err = vm.pcall(2, 1, /*traceback=*/false)) {
    lua_settop(L, top);
    throw std::runtime_error(*err);
  }
  struct restore {
    lua_State* L;
    int top;
    ~restore() { lua_settop(L, top); }
  } restore_stack{L, top};
  const int t = lua_gettop(L);
  bundle_config b;
  b.dir = get_string(L, t, "dir");
  b.name = get_string(L, t, "name");
  b.strategy_files = get_strings(L, t, "strategies");
  lua_getfield(L, t, "data");
  const int n = static_cast<int>(lua_objlen(L, -1));
  std::set<std::string> seen;
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, i);
    const int d = lua_gettop(L);
    data_spec s;
    s.path = get_string(L, d, "path");
    s.layout = get_string(L, d, "layout");
    s.zmq = opt_string(L, d, "zmq").value_or("");
    s.symbols = get_strings(L, d, "symbols");
    for (const std::string& sym : s.symbols) {
      if (!seen.insert(sym).second) {
        throw std::runtime_error(dir + "/bundle.lua: symbol '" + sym +
                                 "' is declared twice; symbol names must be unique");
      }
      b.symbols.push_back(sym);
    }
    lua_getfield(L, d, "columns");
    const int c = lua_gettop(L);
    s.time_col = column(L, c, "time");
    s.open_col = column(L, c, "open");
    s.high_col = column(L, c, "high");
    s.low_col = column(L, c, "low");
    s.close_col = column(L, c, "close");
    s.volume_col = column(L, c, "volume");
    lua_pop(L, 2);
    b.data.push_back(std::move(s));
  }
  lua_pop(L, 1);
  b.capital = get_number(L, t, "capital");

  lua_getfield(L, t, "commission");
  b.venue.commission = {.per_share = get_number(L, -1, "per_share"),
                        .per_value = get_number(L, -1, "per_value"),
                        .minimum = get_number(L, -1, "minimum")};
  lua_pop(L, 1);
  lua_getfield(L, t, "slippage");
  b.venue.slippage = {.model = slippage_of(get_string(L, -1, "model")),
                      .value = get_number(L, -1, "value")};
  lua_pop(L, 1);
  lua_getfield(L, t, "venue");
  b.venue.volume_cap = get_number(L, -1, "volume_cap");
  lua_pop(L, 1);
  lua_getfield(L, t, "sandbox");
  b.memory_limit = static_cast<std::size_t>(get_number(L, -1, "memory_mb") * 1024.0 * 1024.0);
  b.callback_budget = static_cast<std::int64_t>(get_number(L, -1, "callback_ms") * 1e6);
  lua_pop(L, 1);
  b.trusted = get_bool(L, t, "trusted");

  lua_getfield(L, t, "limits");
  const int l = lua_gettop(L);
  market::check_config& k = b.checks;
  k.max_position_by_symbol = get_limit(L, l, "max_position", &k.max_position, b.symbols);
  k.max_notional_by_symbol = get_limit(L, l, "max_notional", &k.max_notional, b.symbols);
  k.max_order_notional = get_number(L, l, "max_order_notional");
  k.max_orders_per_second = static_cast<std::uint32_t>(get_number(L, l, "max_orders_per_second"));
  k.max_leverage = get_number(L, l, "max_leverage");
  k.allow_short = get_bool(L, l, "allow_short");
  k.max_gross_exposure = get_number(L, l, "max_gross_exposure");
  k.max_net_exposure = get_number(L, l, "max_net_exposure");
  k.var = {.limit = get_number(L, l, "var_limit"),
           .confidence = get_number(L, l, "var_confidence"),
           .window = static_cast<std::uint32_t>(get_number(L, l, "var_window"))};
  lua_getfield(L, l, "circuit_breaker");
  if (!lua_istable(L, -1)) missing("circuit_breaker");
  k.breaker = {.loss = get_number(L, -1, "loss"),
               .window = seconds_to_ns(get_number(L, -1, "window")),
               .max_drawdown = get_number(L, -1, "max_drawdown"),
               .cooldown = seconds_to_ns(get_number(L, -1, "cooldown"))};
  lua_pop(L, 2);

  b.history = static_cast<std::int64_t>(get_number(L, t, "history"));
  b.from = opt_string(L, t, "from");
  b.to = opt_string(L, t, "to");
  b.seed = static_cast<std::uint64_t>(get_number(L, t, "seed"));
  b.publish = opt_string(L, t, "publish");
  b.params_source = get_string(L, t, "params_source");
  lua_getfield(L, t, "agents");
  if (lua_istable(L, -1)) {
    const int a = lua_gettop(L);
    agents::router_config rc;
    const int na = static_cast<int>(lua_objlen(L, a));
    for (int i = 1; i <= na; ++i) {
      lua_rawgeti(L, a, i);
      const int e = lua_gettop(L);
      rc.agents.push_back({.name = get_string(L, e, "name"),
                           .role = get_string(L, e, "role"),
                           .subscribe = get_strings(L, e, "subscribe"),
                           .parent = get_string(L, e, "parent")});
      lua_pop(L, 1);
    }
    const std::string topo = get_string(L, a, "topology");
    rc.topo = topo == "star" ? agents::topology::star
              : topo == "hierarchical" ? agents::topology::hierarchical
                                       : agents::topology::mesh;
    rc.hub = get_string(L, a, "hub");
    lua_getfield(L, a, "quorum");
    const int q = lua_gettop(L);
    const std::string rule = get_string(L, q, "rule");
    rc.quorum.rule = rule == "supermajority" ? transport::quorum_rule::supermajority
                     : rule == "unanimous"   ? transport::quorum_rule::unanimous
                     : rule == "weighted"    ? transport::quorum_rule::weighted
                                             : transport::quorum_rule::majority;
    rc.quorum.deadline = static_cast<ts_ns>(std::llround(get_number(L, q, "deadline_ms") * 1e6));
    // The weighted threshold as a fraction num/den with den = 1e6 (exact integers in the book).
    rc.quorum.threshold_den = 1'000'000;
    rc.quorum.threshold_num = static_cast<std::uint32_t>(
        std::max(1.0, std::round(get_number(L, q, "threshold") * 1e6)));
    const double turnout = get_number(L, q, "min_turnout");
    rc.quorum.min_turnout =
        turnout < 0 ? transport::k_default_turnout : static_cast<std::uint32_t>(turnout);
    lua_getfield(L, q, "voters");
    const int vs = lua_gettop(L);
    const int nv = static_cast<int>(lua_objlen(L, vs));
    for (int i = 1; i <= nv; ++i) {
      lua_rawgeti(L, vs, i);
      rc.quorum.voters.push_back({.name = get_string(L, -1, "name"),
                                  .weight = static_cast<std::uint32_t>(get_number(L, -1, "weight")),
                                  .veto = get_bool(L, -1, "veto")});
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
    b.agents = std::move(rc);
  }
  lua_pop(L, 1);
  return b;
}

}  // namespace ntrun::host
