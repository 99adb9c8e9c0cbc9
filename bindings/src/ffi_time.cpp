// C ABI of the calendar: nt.time formats with the same conversion as the reports and the
// CSV reader (runtime/data/time.hpp), so Lua keeps no copy of it.
#include "ntrun/data/time.hpp"
#include "ntrun_ffi.h"

extern "C" {

void ntrun_ffi_time_civil(int64_t ts, ntrun_civil_t* out) noexcept {
  if (!out) return;
  const ntrun::data::civil_time c = ntrun::data::to_civil(ts);
  *out = ntrun_civil_t{.year = c.year,
                       .month = static_cast<int32_t>(c.month),
                       .day = static_cast<int32_t>(c.day),
                       .hour = static_cast<int32_t>(c.hour),
                       .minute = static_cast<int32_t>(c.minute),
                       .second = static_cast<int32_t>(c.second),
                       .nanos = static_cast<int32_t>(c.nanos)};
}

}  // extern "C"
