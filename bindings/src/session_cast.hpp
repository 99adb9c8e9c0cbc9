// Private helper of the C ABI: the opaque ntrun_session_t of the header is an ntrun::session.
#pragma once

#include "ntrun/engine/session.hpp"
#include "ntrun_ffi.h"

namespace ntrun::bindings {

[[nodiscard]] inline ntrun::session* S(ntrun_session_t* s) noexcept {
  return reinterpret_cast<ntrun::session*>(s);
}
[[nodiscard]] inline const ntrun::session* S(const ntrun_session_t* s) noexcept {
  return reinterpret_cast<const ntrun::session*>(s);
}

}  // namespace ntrun::bindings

/// The handle the host passes to a Lua state for `s` (as light userdata).
[[nodiscard]] inline ntrun_session_t* ntrun_session_handle(ntrun::session& s) noexcept {
  return reinterpret_cast<ntrun_session_t*>(&s);
}
