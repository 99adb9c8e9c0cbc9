// C ABI: version, status strings, the session's error and memory, host-owned float64 arrays
// (nt.array).
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "ffi_guard.hpp"
#include "ntrun_ffi.h"
#include "session_cast.hpp"

using ntrun::bindings::S;

extern "C" {

int32_t ntrun_ffi_abi_version(void) noexcept {
  return NTRUN_ABI_VERSION;
}

int32_t ntrun_ffi_path_kind(const char* path) noexcept {
  if (path == nullptr) return NTRUN_PATH_MISSING;
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);  // stat(2): follows links, opens nothing
  if (ec || !std::filesystem::exists(st)) return NTRUN_PATH_MISSING;
  if (std::filesystem::is_regular_file(st)) return NTRUN_PATH_FILE;
  if (std::filesystem::is_directory(st)) return NTRUN_PATH_DIR;
  return NTRUN_PATH_OTHER;
}

int32_t ntrun_ffi_path_inside(const char* path, const char* dir) noexcept {
  if (path == nullptr || dir == nullptr) return 0;
  try {
    std::error_code ec;
    const auto p = std::filesystem::weakly_canonical(path, ec);
    if (ec) return 0;
    const auto d = std::filesystem::weakly_canonical(dir, ec);
    if (ec) return 0;
    // Component by component: /a/bundle2 is not inside /a/bundle.
    auto pi = p.begin();
    for (auto di = d.begin(); di != d.end(); ++di, ++pi) {
      if (di->empty()) continue;  // a trailing separator
      if (pi == p.end() || *pi != *di) return 0;
    }
    return pi != p.end() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

const char* ntrun_ffi_version(void) noexcept {
  return NTRUN_VERSION_STRING;
}

const char* ntrun_ffi_strerror(int32_t status) noexcept {
  switch (status) {
    case NTRUN_OK:
      return "ok";
    case NTRUN_EINVAL:
      return "invalid argument";
    case NTRUN_ENOMEM:
      return "out of memory";
    case NTRUN_ESTATE:
      return "not valid in the current state";
    case NTRUN_ENOTFOUND:
      return "not found";
    case NTRUN_EREJECTED:
      return "rejected";
    case NTRUN_EINTERNAL:
      return "internal error (see the session's error)";
    default:
      return "unknown status";
  }
}

int64_t ntrun_ffi_session_error(const ntrun_session_t* s, char* buf, size_t len) noexcept {
  if (!s) return 0;
  return ntrun::bindings::guarded_value<int64_t>(s, 0, [&]() -> int64_t {
    const auto& err = S(s)->error();
    if (!err) return 0;
    if (buf && len > 0) ntrun::bindings::write_error(buf, len, err->c_str());
    return static_cast<int64_t>(err->size());
  });
}

int64_t ntrun_ffi_session_bytes(const ntrun_session_t* s) noexcept {
  return s ? static_cast<int64_t>(S(s)->bytes_live()) : 0;
}

int64_t ntrun_ffi_session_allocs(const ntrun_session_t* s) noexcept {
  return s ? S(s)->allocs_live() : 0;
}

double* ntrun_ffi_array_alloc(ntrun_session_t* s, int64_t len) noexcept {
  if (!s) return nullptr;
  return S(s)->alloc_doubles(len);
}

void ntrun_ffi_array_release(ntrun_session_t* s, double* data, int64_t len) noexcept {
  if (!s || !data) return;
  S(s)->free_doubles(data, len);
}

}  // extern "C"
