// Trusted Lua states (`ntrun exec`, `ntrun test`): the whole nt library plus nt._host, which
// lets scripts run backtests (nt.backtest.run).
#pragma once

#include <string>
#include <vector>

#include "ntrun/host/lua_vm.hpp"

namespace ntrun::host {

/// Registers nt._host in the state (package.preload).
void open_host_api(lua_vm& vm);

/// `ntrun exec SCRIPT [args]`: runs a script with `arg` set; returns the exit code
/// (0 ok, 1 Lua error, printed with its traceback).
int exec_script(const std::string& script, const std::vector<std::string>& args);

/// `ntrun test PATH...`: runs *_spec.lua files (a folder: every *_spec.lua below it).
/// Prints each failure and "N passed, N failed"; returns 0 when all passed, 1 otherwise.
int run_specs(const std::vector<std::string>& paths, const std::string& filter);

}  // namespace ntrun::host
