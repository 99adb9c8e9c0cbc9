// A strategy bundle: a folder with bundle.lua returning a table (name, strategy files, data
// files with symbols and columns, parameters, capital, costs, limits). The manifest is
// evaluated and validated in a restricted Lua environment by scripts/nt/_bundle.lua; this is
// its C++ view, in the engine's types (market::venue_config, market::check_config).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ntrun/agents/router.hpp"
#include "ntrun/market/checks.hpp"
#include "ntrun/market/venue.hpp"

namespace ntrun::host {

class lua_vm;

struct data_spec {
  std::string path;    ///< as usable by the process (bundle dir joined); "" for a zmq feed
  /// A live feed's ZeroMQ endpoint (`zmq = "tcp://..."`, docs/live.md); "" for a CSV file.
  std::string zmq;
  std::string layout;  ///< "ohlcv" or "wide"
  std::vector<std::string> symbols;
  std::string time_col, open_col, high_col, low_col, close_col, volume_col;  ///< "" = auto
};

/// A bundle as the host runs it. Every default and rule lives in scripts/nt/_bundle.lua (the
/// validator, which fills in every key); this is the same configuration in the engine's own
/// types, read strictly: no default is repeated here.
struct bundle_config {
  std::string dir;
  std::string name;
  std::vector<std::string> strategy_files;  ///< paths usable by the process
  std::vector<data_spec> data;
  std::vector<std::string> symbols;  ///< every symbol in declaration order: the symbol ids
  double capital = 0;
  market::venue_config venue{};   ///< slippage, commission, volume cap
  market::check_config checks{};  ///< the limits; per-symbol lists by symbol id
  std::int64_t history = 0;
  /// A strategy state's memory cap in bytes (its Lua heap and the nt arrays it made).
  std::size_t memory_limit = 0;
  /// The callback time budget in nanoseconds (sandbox.callback_ms).
  std::int64_t callback_budget = 0;
  /// The bundle declares itself trusted (`trusted = true`): it runs unsandboxed only when
  /// the user also says so (run_options::allow_trusted).
  bool trusted = false;
  std::optional<std::string> from, to;
  std::uint64_t seed = 0;
  /// Where the run publishes its order events (`publish = "tcp://..."`, docs/live.md).
  std::optional<std::string> publish;
  /// The validated params as a Lua chunk returning them (plain data): strategy states get
  /// this, never the manifest, which is evaluated once in the config state.
  std::string params_source;
  /// A bundle of agents (docs/agents.md): their names, roles, subscriptions, the topology
  /// and the quorum; strategy_files are then the agents' files, in the same order.
  std::optional<agents::router_config> agents;
};

/// Evaluates BUNDLE_DIR/bundle.lua in `vm` and returns the validated configuration.
/// data_override (when not empty) replaces the data files in order; the bundle's own files
/// need not exist then. Throws std::runtime_error with "path/bundle.lua: ..." messages on any
/// problem.
[[nodiscard]] bundle_config load_bundle(lua_vm& vm, const std::string& dir,
                                        const std::vector<std::string>& data_override = {});

}  // namespace ntrun::host
