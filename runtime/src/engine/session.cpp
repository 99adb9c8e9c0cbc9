// A Lua state's session with the host (see session.hpp).
#include "ntrun/engine/session.hpp"

#include "ntrun/constants.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace ntrun {

std::atomic<bool> session::interrupted_{false};
std::atomic<std::uint32_t> session::status_requests_{0};

event_kind session::next() noexcept {
  // One writer: a plain load and store (no locked instruction on the event path).
  beat_.store(beat_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (interrupted()) {
    slot_.kind = static_cast<std::int32_t>(event_kind::control);
    slot_.control = control_event_view{.ts_event = port_ ? port_->now() : 0,
                                       .code = static_cast<std::int32_t>(control_code::stop),
                                       .flags = static_cast<std::int32_t>(control_code::stop)};
    return event_kind::control;
  }
  if (const std::uint32_t n = status_requests(); n != status_seen_) {
    status_seen_ = n;
    slot_.kind = static_cast<std::int32_t>(event_kind::control);
    slot_.control = control_event_view{.ts_event = port_ ? port_->now() : 0,
                                       .code = static_cast<std::int32_t>(control_code::status),
                                       .flags = static_cast<std::int32_t>(control_code::status)};
    return event_kind::control;
  }
  if (const std::uint32_t f = flags(); f != 0) {
    // Stop before reload before deadline: the most final request wins.
    const control_code c = (f & static_cast<std::uint32_t>(control_code::stop)) != 0
                               ? control_code::stop
                           : (f & static_cast<std::uint32_t>(control_code::reload)) != 0
                               ? control_code::reload
                               : control_code::deadline;
    clear(c);
    slot_.kind = static_cast<std::int32_t>(event_kind::control);
    slot_.control = control_event_view{.ts_event = port_ ? port_->now() : 0,
                                       .code = static_cast<std::int32_t>(c),
                                       .flags = static_cast<std::int32_t>(f)};
    return event_kind::control;
  }
  if (mail_ && mail_->take(slot_.message)) {
    slot_.kind = static_cast<std::int32_t>(event_kind::message);
    return event_kind::message;
  }
  if (!port_) {
    slot_.kind = static_cast<std::int32_t>(event_kind::end);
    return event_kind::end;
  }
  try {
    return port_->next(slot_);
  } catch (const std::exception& e) {
    // A data error mid-run (bad CSV row): the host reports it when the runner returns.
    set_error(e.what());
  } catch (...) {
    set_error("unknown error in the event source");
  }
  slot_.kind = static_cast<std::int32_t>(event_kind::end);
  return event_kind::end;
}

void session::log(int level, std::string_view msg) noexcept {
  if (log_lines_ >= static_cast<std::int64_t>(NTRUN_K_MAX_LOG_LINES)) {
    // A line per bar of a long run would bury the terminal and the disk: say so once.
    if (log_dropped_++ == 0) {
      char notice[160];
      std::snprintf(notice, sizeof notice,
                    "log cap of %lld lines reached: this strategy's further lines are dropped "
                    "(the report counts them)",
                    static_cast<long long>(NTRUN_K_MAX_LOG_LINES));
      emit(2, notice);
    }
    return;
  }
  ++log_lines_;
  constexpr std::size_t max_line = NTRUN_K_MAX_LOG_LINE_BYTES;
  if (msg.size() > max_line) {
    // 100,000 lines of 100 MB each would fill a disk: a line keeps its start and says so.
    char line[max_line + 96];
    std::memcpy(line, msg.data(), max_line);
    const int n = std::snprintf(line + max_line, sizeof line - max_line,
                                " ... (%zu more bytes cut: log lines keep %zu)",
                                msg.size() - max_line, max_line);
    emit(level, std::string_view(line, max_line + static_cast<std::size_t>(std::max(n, 0))));
    return;
  }
  emit(level, msg);
}

void session::emit(int level, std::string_view msg) noexcept {
  level = std::clamp(level, 0, 3);
  const ts_ns ts = port_ ? port_->now() : 0;
  if (log_fn_) {
    log_fn_(log_user_, *this, ts, level, msg);
    return;
  }
  std::fprintf(stderr, "[%s] %.*s\n", name_.c_str(), static_cast<int>(msg.size()), msg.data());
}

void session::set_error(std::string_view what) noexcept {
  try {
    if (!error_) error_ = std::string(what);
  } catch (...) {
  }
}

std::optional<std::string> session::take_error() {
  std::optional<std::string> out;
  out.swap(error_);
  return out;
}

double* session::alloc_doubles(std::int64_t n) noexcept {
  if (n < 0 || static_cast<std::uint64_t>(n) > SIZE_MAX / sizeof(double)) return nullptr;
  const std::size_t count = std::max<std::size_t>(static_cast<std::size_t>(n), 1);
  if (memory_limit_ > 0 && count * sizeof(double) > memory_limit_ - std::min(memory_limit_, bytes_live_ + lua_bytes_)) {
    memory_exceeded_ = true;
    return nullptr;
  }
  auto* p = static_cast<double*>(std::calloc(count, sizeof(double)));
  if (p) account_alloc(count * sizeof(double));
  return p;
}

void session::free_doubles(double* p, std::int64_t n) noexcept {
  if (!p) return;
  std::free(p);
  account_free(std::max<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)), 1) *
               sizeof(double));
}

void session::account_alloc(std::size_t bytes) noexcept {
  bytes_live_ += bytes;
  ++allocs_live_;
  bytes_peak_ = std::max(bytes_peak_, bytes_live_);
}

void session::account_free(std::size_t bytes) noexcept {
  bytes_live_ -= std::min(bytes, bytes_live_);
  --allocs_live_;
}

}  // namespace ntrun
