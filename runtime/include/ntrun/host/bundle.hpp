// A strategy bundle: a folder with bundle.lua returning a table (name, strategy files, data
// files with symbols and columns, parameters, capital, costs, limits). The manifest is
// evaluated and validated in a restricted Lua environment by scripts/nt/_bundle.lua; this is
// its C++ view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ntrun::host {

class lua_vm;

struct data_spec {
  std::string path;    ///< as usable by the process (bundle dir joined)
  std::string layout;  ///< "ohlcv" or "wide"
  std::vector<std::string> symbols;
  std::string time_col, open_col, high_col, low_col, close_col, volume_col;  ///< "" = auto
};

struct bundle_config {
  std::string dir;
  std::string name;
  std::vector<std::string> strategy_files;  ///< paths usable by the process
  std::vector<data_spec> data;
  double capital = 100'000;
  double commission_per_share = 0, commission_per_value = 0, commission_minimum = 0;
  std::string slippage_model = "none";
  double slippage_value = 0;
  double volume_cap = 0;
  // limits (docs/bundles.md); 0 = off
  double max_position = 0, max_order_notional = 0, max_orders_per_second = 0;
  double max_leverage = 1;
  bool allow_short = true;
  double max_notional = 0, max_gross_exposure = 0, max_net_exposure = 0;
  /// Set when the bundle gives a table { SYMBOL = limit } (symbols left out: no limit).
  using per_symbol = std::vector<std::pair<std::string, double>>;
  std::optional<per_symbol> max_position_by_symbol, max_notional_by_symbol;
  double breaker_loss = 0, breaker_window = 0, breaker_max_drawdown = 0;  ///< window: seconds
  double breaker_cooldown = 0;                                            ///< seconds
  double var_limit = 0, var_confidence = 0.99;
  std::int64_t var_window = 250;
  std::int64_t history = 1000;
  std::optional<std::string> from, to;
  std::uint64_t seed = 0;
  /// The validated params as a Lua chunk returning them (plain data): strategy states get
  /// this, never the manifest, which is evaluated once in the config state.
  std::string params_source = "return {}";
};

/// Evaluates BUNDLE_DIR/bundle.lua in `vm` and returns the validated configuration.
/// data_override (when not empty) replaces the data files in order; the bundle's own files
/// need not exist then. Throws std::runtime_error with "path/bundle.lua: ..." messages on any
/// problem.
[[nodiscard]] bundle_config load_bundle(lua_vm& vm, const std::string& dir,
                                        const std::vector<std::string>& data_override = {});

}  // namespace ntrun::host
