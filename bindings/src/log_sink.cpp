// Log sink and pending-error slot of the C ABI (see log_sink.hpp).
#include "ntrun/bindings/log_sink.hpp"

#include <cstdio>

namespace ntrun::bindings {
namespace {
thread_local log_fn sink_fn = nullptr;
thread_local void* sink_user = nullptr;
thread_local std::optional<std::string> pending;
}  // namespace

void set_log_sink(log_fn fn, void* user) noexcept {
  sink_fn = fn;
  sink_user = user;
}

void log_line(std::int64_t ts, int strategy, int level, std::string_view msg) noexcept {
  if (sink_fn) {
    sink_fn(sink_user, ts, strategy, level, msg);
    return;
  }
  std::fprintf(stderr, "[%d] %.*s\n", strategy, static_cast<int>(msg.size()), msg.data());
}

void set_pending_error(const char* what) noexcept {
  try {
    if (!pending) pending = std::string(what ? what : "unknown error");
  } catch (...) {
  }
}

std::optional<std::string> take_pending_error() {
  std::optional<std::string> out;
  out.swap(pending);
  return out;
}

}  // namespace ntrun::bindings
