// Host-side hooks the C ABI reports to: where strategy log lines go, and an error raised
// inside an FFI call (which must not throw) waiting for the host to pick it up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ntrun::bindings {

using log_fn = void (*)(void* user, std::int64_t ts, int strategy, int level, std::string_view msg);

/// Installs the sink for ntrun_ffi_log on this thread (nullptr: lines go to stderr).
void set_log_sink(log_fn fn, void* user) noexcept;
void log_line(std::int64_t ts, int strategy, int level, std::string_view msg) noexcept;

/// An exception caught at the C ABI edge on this thread, kept for the host.
void set_pending_error(const char* what) noexcept;
[[nodiscard]] std::optional<std::string> take_pending_error();

}  // namespace ntrun::bindings
