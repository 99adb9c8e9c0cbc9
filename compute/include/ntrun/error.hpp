// The typed error of every layer below the C ABI: a status (the NTRUN_E* code it becomes at
// the edge, bindings/src/ffi_guard.hpp) and a message that says what, where and how to fix.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ntrun {

/// Values equal the C ABI's NTRUN_E* codes (static_asserts in bindings/).
enum class status : std::int32_t {
  ok = 0,
  invalid = -1,
  no_memory = -2,
  state = -3,
  not_found = -4,
  rejected = -5,
  internal = -6,
};

class error : public std::runtime_error {
 public:
  error(status s, const std::string& message) : std::runtime_error(message), status_(s) {}
  [[nodiscard]] status code() const noexcept { return status_; }

 private:
  status status_;
};

}  // namespace ntrun
