// Private helper of the C ABI: runs C++ code, turning exceptions into status codes and the
// message into the caller's error buffer (never an allocation the caller must free).
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <new>
#include <span>
#include <stdexcept>
#include <string>

#include "ntrun_ffi.h"

namespace ntrun::bindings {

inline void write_error(char* err, size_t errlen, const char* msg) noexcept {
  if (!err || errlen == 0) return;
  std::strncpy(err, msg, errlen - 1);
  err[errlen - 1] = '\0';
}

template <class Fn>
int32_t guarded(char* err, size_t errlen, Fn&& fn) noexcept {
  try {
    fn();
    return NTRUN_OK;
  } catch (const std::bad_alloc&) {
    write_error(err, errlen, "out of memory");
    return NTRUN_ENOMEM;
  } catch (const std::exception& e) {
    write_error(err, errlen, e.what());
    return NTRUN_EINVAL;
  } catch (...) {
    write_error(err, errlen, "unknown error");
    return NTRUN_EINVAL;
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
