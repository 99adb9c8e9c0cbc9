// Private helper of the C ABI: the one guard at the edge. Every entry point that can fail runs
// its body through guarded(): ntrun::error becomes its status, std::bad_alloc NTRUN_ENOMEM,
// the standard argument errors of compute/ NTRUN_EINVAL, anything else NTRUN_EINTERNAL; the
// message always reaches the caller's buffer, or the session's error slot when there is none.
// Exceptions never cross the boundary (a JIT-compiled FFI call cannot unwind).
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ntrun/engine/session.hpp"
#include "ntrun/error.hpp"
#include "ntrun_ffi.h"

static_assert(static_cast<int>(ntrun::status::invalid) == NTRUN_EINVAL);
static_assert(static_cast<int>(ntrun::status::no_memory) == NTRUN_ENOMEM);
static_assert(static_cast<int>(ntrun::status::state) == NTRUN_ESTATE);
static_assert(static_cast<int>(ntrun::status::not_found) == NTRUN_ENOTFOUND);
static_assert(static_cast<int>(ntrun::status::rejected) == NTRUN_EREJECTED);
static_assert(static_cast<int>(ntrun::status::internal) == NTRUN_EINTERNAL);

namespace ntrun::bindings {

inline void write_error(char* err, size_t errlen, const char* msg) noexcept {
  if (!err || errlen == 0) return;
  std::strncpy(err, msg, errlen - 1);
  err[errlen - 1] = '\0';
}

namespace detail {
inline void deliver(char* err, size_t errlen, const ntrun::session* s, const char* msg) noexcept {
  if (err && errlen > 0) {
    write_error(err, errlen, msg);
  } else if (s) {
    const_cast<ntrun::session*>(s)->set_error(msg);
  }
}

/// The status of the exception in flight, its message delivered.
inline int32_t current_status(char* err, size_t errlen, const ntrun::session* s) noexcept {
  try {
    throw;
  } catch (const ntrun::error& e) {
    deliver(err, errlen, s, e.what());
    return static_cast<int32_t>(e.code());
  } catch (const std::bad_alloc&) {
    deliver(err, errlen, s, "out of memory");
    return NTRUN_ENOMEM;
  } catch (const std::invalid_argument& e) {
    deliver(err, errlen, s, e.what());
    return NTRUN_EINVAL;
  } catch (const std::domain_error& e) {
    deliver(err, errlen, s, e.what());
    return NTRUN_EINVAL;
  } catch (const std::out_of_range& e) {
    deliver(err, errlen, s, e.what());
    return NTRUN_EINVAL;
  } catch (const std::exception& e) {
    deliver(err, errlen, s, e.what());
    return NTRUN_EINTERNAL;
  } catch (...) {
    deliver(err, errlen, s, "unknown internal error");
    return NTRUN_EINTERNAL;
  }
}
}  // namespace detail

/// Runs fn (returning void or an int32_t status); exceptions become statuses as above, with
/// the message in err (errlen bytes) or, when err is NULL, in the session's error slot.
template <class Fn>
int32_t guarded(char* err, size_t errlen, const ntrun::session* s, Fn&& fn) noexcept {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
      fn();
      return NTRUN_OK;
    } else {
      return static_cast<int32_t>(fn());
    }
  } catch (...) {
    return detail::current_status(err, errlen, s);
  }
}
template <class Fn>
int32_t guarded(char* err, size_t errlen, Fn&& fn) noexcept {
  return guarded(err, errlen, nullptr, std::forward<Fn>(fn));
}

/// For entry points that return a value: `fallback` on any exception (message to the session).
template <class T, class Fn>
T guarded_value(const void* s, T fallback, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (...) {
    (void)detail::current_status(nullptr, 0, static_cast<const ntrun::session*>(s));
    return fallback;
  }
}

/// A caller's (pointer, length) as a span; a NULL pointer with a positive length is an error
/// naming the argument.
inline std::span<const double> input_span(const double* p, int64_t n, const char* name) {
  if (n < 0 || (n > 0 && !p)) {
    throw std::invalid_argument(std::string("bad '") + name + "' argument: no data");
  }
  return {p, static_cast<std::size_t>(n)};
}

}  // namespace ntrun::bindings
