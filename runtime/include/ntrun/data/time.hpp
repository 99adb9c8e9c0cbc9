// UTC timestamps for data ingest: ISO-8601 text <-> ns since the Unix epoch, by calendar
// arithmetic (days from civil), with no allocation, locale or time-zone database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ntrun/market/types.hpp"

namespace ntrun::data {

/// Why a timestamp text was refused; `none` means it parsed.
enum class time_error : std::uint8_t {
  none = 0,
  bad_format,    ///< not YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,9}]][Z]]
  year_range,    ///< outside 1678..2261, the years int64 nanoseconds can hold
  month_range,   ///< month not in 1..12
  day_range,     ///< day 0 or past the end of the month (leap years counted)
  hour_range,    ///< hour not in 0..23
  minute_range,  ///< minute not in 0..59
  second_range,  ///< second not in 0..59 (leap seconds are not representable)
};

[[nodiscard]] const char* to_string(time_error e) noexcept;

/// Result of a parse: `ts` is valid only when `error == time_error::none`.
struct time_parse_result {
  ts_ns ts = 0;
  time_error error = time_error::none;
};

inline constexpr int min_year = 1678;
inline constexpr int max_year = 2261;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm); the date
/// must be valid, which the caller checks.
[[nodiscard]] constexpr std::int64_t days_from_civil(int year, unsigned month,
                                                     unsigned day) noexcept {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<std::uint64_t>(y - era * 400);
  const std::uint64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// A calendar date and a time of day, the split form of a `ts_ns` (UTC).
struct civil_time {
  int year = 1970;
  unsigned month = 1, day = 1;
  unsigned hour = 0, minute = 0, second = 0;
  std::uint32_t nanos = 0;
};

[[nodiscard]] civil_time to_civil(ts_ns ts) noexcept;

[[nodiscard]] constexpr bool is_leap_year(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
[[nodiscard]] constexpr unsigned days_in_month(int y, unsigned m) noexcept {
  constexpr unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29u : days[m - 1];
}

/// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" and the same with 'T' as
/// separator, optional fractional seconds (1..9 digits) and an optional trailing 'Z'.
/// Date-only text is 00:00 UTC. No surrounding whitespace is accepted.
[[nodiscard]] time_parse_result parse_timestamp_ex(std::string_view text) noexcept;

/// The time-of-day part alone: what follows "YYYY-MM-DD" (empty, or " HH:MM[:SS[.f]][Z]"
/// with ' ' or 'T' first), as nanoseconds into the day. Lets a reader reuse the day of
/// the previous row when the date text repeats.
[[nodiscard]] time_parse_result parse_time_of_day(std::string_view tail) noexcept;

/// As parse_timestamp_ex, without the reason.
[[nodiscard]] std::optional<ts_ns> parse_timestamp(std::string_view text) noexcept;

inline constexpr std::size_t date_chars = 10;          ///< "YYYY-MM-DD"
inline constexpr std::size_t max_datetime_chars = 30;  ///< "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"

/// Writes "YYYY-MM-DD" (the UTC date containing ts) to out[0..10); returns out + 10.
char* write_date(ts_ns ts, char* out) noexcept;

/// Writes "YYYY-MM-DDTHH:MM:SSZ", with ".fff..." (trailing zeros trimmed) before the 'Z'
/// when ts has a sub-second part; at most max_datetime_chars. Returns the end.
char* write_datetime(ts_ns ts, char* out) noexcept;

[[nodiscard]] std::string format_date(ts_ns ts);
[[nodiscard]] std::string format_datetime(ts_ns ts);

}  // namespace ntrun::data
