// ISO-8601 timestamp parsing and formatting in UTC by calendar arithmetic; see time.hpp.
#include "ntrun/data/time.hpp"

namespace ntrun::data {
namespace {

[[nodiscard]] constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Reads exactly two digits at p; the caller has checked the length.
[[nodiscard]] inline bool two_digits(const char* p, unsigned& out) noexcept {
  if (!is_digit(p[0]) || !is_digit(p[1])) return false;
  out = static_cast<unsigned>(p[0] - '0') * 10 + static_cast<unsigned>(p[1] - '0');
  return true;
}

[[nodiscard]] constexpr time_parse_result fail(time_error e) noexcept {
  return {.ts = 0, .error = e};
}

void put2(char* p, unsigned v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

const char* to_string(time_error e) noexcept {
  switch (e) {
    case time_error::none:
      return "ok";
    case time_error::bad_format:
      return "expected YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS[.fff]] or YYYY-MM-DDTHH:MM:SS[.fff][Z]";
    case time_error::year_range:
      return "year outside 1678..2261";
    case time_error::month_range:
      return "month outside 1..12";
    case time_error::day_range:
      return "day outside the month";
    case time_error::hour_range:
      return "hour outside 0..23";
    case time_error::minute_range:
      return "minute outside 0..59";
    case time_error::second_range:
      return "second outside 0..59";
  }
  return "?";
}

time_parse_result parse_time_of_day(std::string_view tail) noexcept {
  const std::size_t n = tail.size();
  if (n == 0) return {.ts = 0, .error = time_error::none};
  const char* p = tail.data();
  // HH:MM is the minimum time part; seconds, fraction and 'Z' are optional in that order.
  if (n < 6 || (p[0] != ' ' && p[0] != 'T') || p[3] != ':') return fail(time_error::bad_format);
  unsigned hour = 0, minute = 0, second = 0;
  if (!two_digits(p + 1, hour) || !two_digits(p + 4, minute)) {
    return fail(time_error::bad_format);
  }
  std::size_t i = 6;
  std::int64_t fraction = 0;
  if (i < n && p[i] == ':') {
    if (n < 9 || !two_digits(p + 7, second)) return fail(time_error::bad_format);
    i = 9;
    if (i < n && p[i] == '.') {
      ++i;
      int digits = 0;
      while (i < n && is_digit(p[i]) && digits < 9) {
        fraction = fraction * 10 + (p[i] - '0');
        ++digits;
        ++i;
      }
      if (digits == 0) return fail(time_error::bad_format);
      for (int k = digits; k < 9; ++k) fraction *= 10;
    }
  }
  if (i < n && p[i] == 'Z') ++i;
  if (i != n) return fail(time_error::bad_format);
  if (hour > 23) return fail(time_error::hour_range);
  if (minute > 59) return fail(time_error::minute_range);
  if (second > 59) return fail(time_error::second_range);
  return {.ts = (static_cast<std::int64_t>(hour) * 3600 + minute * 60 + second) * ns_per_second +
                fraction,
          .error = time_error::none};
}

time_parse_result parse_timestamp_ex(std::string_view text) noexcept {
  const char* p = text.data();
  if (text.size() < date_chars || p[4] != '-' || p[7] != '-') return fail(time_error::bad_format);
  for (int i = 0; i < 4; ++i)
    if (!is_digit(p[i])) return fail(time_error::bad_format);
  const int year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  unsigned month = 0, day = 0;
  if (!two_digits(p + 5, month) || !two_digits(p + 8, day)) return fail(time_error::bad_format);
  const time_parse_result clock = parse_time_of_day(text.substr(date_chars));
  if (clock.error != time_error::none) return clock;
  if (year < min_year || year > max_year) return fail(time_error::year_range);
  if (month < 1 || month > 12) return fail(time_error::month_range);
  if (day < 1 || day > days_in_month(year, month)) return fail(time_error::day_range);
  return {.ts = days_from_civil(year, month, day) * ns_per_day + clock.ts,
          .error = time_error::none};
}

std::optional<ts_ns> parse_timestamp(std::string_view text) noexcept {
  const time_parse_result r = parse_timestamp_ex(text);
  if (r.error != time_error::none) return std::nullopt;
  return r.ts;
}

civil_time to_civil(ts_ns ts) noexcept {
  // Floor division written so that no step overflows, even at INT64_MIN.
  const std::int64_t days = utc_day(ts);
  std::int64_t rem = ts % ns_per_day;
  if (rem < 0) rem += ns_per_day;
  // Inverse of days_from_civil (H. Hinnant's civil_from_days).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  const std::int64_t secs = rem / ns_per_second;
  return {.year = static_cast<int>(y),
          .month = m,
          .day = d,
          .hour = static_cast<unsigned>(secs / 3600),
          .minute = static_cast<unsigned>(secs / 60 % 60),
          .second = static_cast<unsigned>(secs % 60),
          .nanos = static_cast<std::uint32_t>(rem % ns_per_second)};
}

char* write_date(ts_ns ts, char* out) noexcept {
  const civil_time c = to_civil(ts);
  // Years in the int64 ns range are 1677..2262: always four digits.
  const auto y = static_cast<unsigned>(c.year);
  put2(out, y / 100);
  put2(out + 2, y % 100);
  out[4] = '-';
  put2(out + 5, c.month);
  out[7] = '-';
  put2(out + 8, c.day);
  return out + date_chars;
}

char* write_datetime(ts_ns ts, char* out) noexcept {
  const civil_time c = to_civil(ts);
  char* p = write_date(ts, out);
  *p++ = 'T';
  put2(p, c.hour);
  p[2] = ':';
  put2(p + 3, c.minute);
  p[5] = ':';
  put2(p + 6, c.second);
  p += 8;
  if (c.nanos != 0) {
    *p++ = '.';
    std::uint32_t v = c.nanos;
    char digits[9];
    for (int i = 8; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    int len = 9;
    while (digits[len - 1] == '0') --len;
    for (int i = 0; i < len; ++i) *p++ = digits[i];
  }
  *p++ = 'Z';
  return p;
}

std::string format_date(ts_ns ts) {
  char buf[date_chars];
  return {buf, write_date(ts, buf)};
}

std::string format_datetime(ts_ns ts) {
  char buf[max_datetime_chars];
  return {buf, write_datetime(ts, buf)};
}

}  // namespace ntrun::data
