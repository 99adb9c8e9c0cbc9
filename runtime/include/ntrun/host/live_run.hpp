// `ntrun run` on a bundle whose data is a ZeroMQ feed (docs/live.md): paper trading. The
// engine runs on the wall clock over the live bars, the simulated venue fills against them,
// and every order event can be published for clients to see the decisions.
#pragma once

#include "ntrun/host/backtest_run.hpp"
#include "ntrun/host/bundle.hpp"

namespace ntrun::host {

/// True when the bundle's data is a zmq feed.
[[nodiscard]] bool is_live(const bundle_config& b) noexcept;

/// Runs the bundle live until the feed's end-of-stream marker, its idle timeout or a signal;
/// the report covers what was received. Configuration errors throw std::runtime_error.
[[nodiscard]] run_result run_live(const bundle_config& b, const run_options& opts);

}  // namespace ntrun::host
