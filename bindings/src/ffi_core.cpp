// C ABI: version, status strings and host-owned float64 arrays (nt.array).
#include <cstdlib>
#include <cstring>

#include "ntrun_ffi.h"

extern "C" {

int32_t ntrun_ffi_abi_version(void) noexcept {
  return NTRUN_ABI_VERSION;
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
    default:
      return "unknown status";
  }
}

int32_t ntrun_ffi_array_alloc(int64_t len, ntrun_array_t* out) noexcept {
  if (!out) return NTRUN_EINVAL;
  out->data = nullptr;
  out->len = 0;
  if (len < 0 || static_cast<uint64_t>(len) > SIZE_MAX / sizeof(double)) return NTRUN_EINVAL;
  if (len == 0) return NTRUN_OK;
  auto* data = static_cast<double*>(std::calloc(static_cast<size_t>(len), sizeof(double)));
  if (!data) return NTRUN_ENOMEM;
  out->data = data;
  out->len = len;
  return NTRUN_OK;
}

void ntrun_ffi_array_release(ntrun_array_t* a) noexcept {
  if (!a) return;
  std::free(a->data);
  a->data = nullptr;
  a->len = 0;
}

}  // extern "C"
