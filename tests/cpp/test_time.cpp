// Tests of ntrun::data time parsing and formatting: hand-worked timestamps, every rejected
// form, and a day-by-day reference calendar over the whole supported range.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "ntrun/data/time.hpp"

using namespace ntrun;
using namespace ntrun::data;

namespace {

constexpr ts_ns sec(std::int64_t s) {
  return s * ns_per_second;
}

time_error error_of(std::string_view text) {
  return parse_timestamp_ex(text).error;
}

}  // namespace

TEST_CASE("time: hand-worked dates") {
  CHECK(parse_timestamp("1970-01-01") == 0);
  CHECK(parse_timestamp("2000-01-03") == sec(946857600));
  CHECK(parse_timestamp("2000-02-29") == sec(951782400));
  CHECK(parse_timestamp("2000-03-01") == sec(951868800));
  CHECK(parse_timestamp("2004-02-29") == sec(1078012800));
  CHECK(parse_timestamp("2020-04-17") == sec(1587081600));
  CHECK(parse_timestamp("1969-12-31") == sec(-86400));
  CHECK(parse_timestamp("1900-01-01") == sec(-2208988800));
  CHECK(parse_timestamp("2100-03-01") == sec(4107542400));
  CHECK(parse_timestamp("1678-01-01") == sec(-9214560000));
  CHECK(parse_timestamp("2261-12-31") == sec(9214560000));
}

TEST_CASE("time: times of day, separators, fractions and Z") {
  const ts_ns day = sec(946857600);  // 2000-01-03
  CHECK(parse_timestamp("2000-01-03 09:30") == day + sec(9 * 3600 + 30 * 60));
  CHECK(parse_timestamp("2000-01-03T09:30") == day + sec(9 * 3600 + 30 * 60));
  CHECK(parse_timestamp("2000-01-03 09:30Z") == day + sec(9 * 3600 + 30 * 60));
  CHECK(parse_timestamp("2000-01-03 23:59:59") == day + sec(86399));
  CHECK(parse_timestamp("2000-01-03T00:00:01Z") == day + sec(1));
  CHECK(parse_timestamp("2000-01-03T00:00:01.5Z") == day + sec(1) + 500'000'000);
  CHECK(parse_timestamp("2000-01-03 00:00:00.000000001") == day + 1);
  CHECK(parse_timestamp("2000-01-03 00:00:00.123456789") == day + 123'456'789);
  CHECK(parse_timestamp("2000-01-03 00:00:00.120") == day + 120'000'000);
  CHECK(parse_timestamp("2261-12-31T23:59:59.999999999Z") == sec(9214560000 + 86399) + 999'999'999);
}

TEST_CASE("time: invalid calendar values are refused with the reason") {
  CHECK(error_of("1900-02-29") == time_error::day_range);  // divisible by 100, not by 400
  CHECK(error_of("2100-02-29") == time_error::day_range);
  CHECK(error_of("2001-02-29") == time_error::day_range);
  CHECK(error_of("2000-02-30") == time_error::day_range);
  CHECK(error_of("2000-04-31") == time_error::day_range);
  CHECK(error_of("2000-01-00") == time_error::day_range);
  CHECK(error_of("2000-01-32") == time_error::day_range);
  CHECK(error_of("2000-00-10") == time_error::month_range);
  CHECK(error_of("2000-13-10") == time_error::month_range);
  CHECK(error_of("1677-12-31") == time_error::year_range);
  CHECK(error_of("2262-01-01") == time_error::year_range);
  CHECK(error_of("0000-01-01") == time_error::year_range);
  CHECK(error_of("2000-01-03 24:00") == time_error::hour_range);
  CHECK(error_of("2000-01-03 23:60") == time_error::minute_range);
  CHECK(error_of("2000-01-03 23:59:60") == time_error::second_range);
  CHECK(std::string(to_string(time_error::day_range)) == "day outside the month");
}

TEST_CASE("time: malformed text is refused, never read past its end") {
  for (const char* text : {"",
                           "2000",
                           "2000-01-3",
                           "2000-1-03",
                           "2000/01/03",
                           "20000103",
                           " 2000-01-03",
                           "2000-01-03 ",
                           "2000-01-03Z",
                           "2000-01-03T",
                           "2000-01-03 9:30",
                           "2000-01-03 09:3",
                           "2000-01-03 09-30",
                           "2000-01-03 09:30:",
                           "2000-01-03 09:30:0",
                           "2000-01-03 09:30:00.",
                           "2000-01-03 09:30:00.1234567890",
                           "2000-01-03 09:30:00ZZ",
                           "2000-01-03 09:30:00+01:00",
                           "2000-01-03x09:30",
                           "abcd-01-03",
                           "2000-ab-03",
                           "2000-01-03 ab:30",
                           "-200-01-03"}) {
    CAPTURE(text);
    CHECK(error_of(text) == time_error::bad_format);
    CHECK_FALSE(parse_timestamp(text).has_value());
  }
  // A view of a longer buffer must be parsed only within its length.
  const std::string buffer = "2000-01-03 09:30:00,1.0";
  CHECK(parse_timestamp(std::string_view(buffer).substr(0, 10)) == sec(946857600));
  CHECK(parse_timestamp(std::string_view(buffer).substr(0, 19)) ==
        sec(946857600 + 9 * 3600 + 30 * 60));
}

TEST_CASE("time: every day 1678..2261 matches a day-counting reference and round-trips") {
  // Reference: walk the calendar one day at a time with the plain leap-year rule.
  std::int64_t days = days_from_civil(1678, 1, 1);
  CHECK(days == -9214560000 / 86400);
  char text[date_chars];
  for (int y = 1678; y <= 2261; ++y) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const unsigned lengths[12] = {31, leap ? 29u : 28u, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned m = 1; m <= 12; ++m) {
      for (unsigned d = 1; d <= lengths[m - 1]; ++d) {
        const ts_ns ts = days * ns_per_day;
        if (days_from_civil(y, m, d) != days || to_civil(ts).day != d || to_civil(ts).month != m ||
            to_civil(ts).year != y) {
          FAIL("calendar mismatch at ", y, "-", m, "-", d);
        }
        write_date(ts, text);
        if (parse_timestamp({text, date_chars}) != ts) FAIL("round trip failed at ", days);
        ++days;
      }
      CHECK(error_of(format_date(days_from_civil(y, m, 1) * ns_per_day).replace(8, 2, "00")) ==
            time_error::day_range);
    }
  }
  CHECK(days == days_from_civil(2262, 1, 1));
}

TEST_CASE("time: formatting") {
  CHECK(format_date(0) == "1970-01-01");
  CHECK(format_datetime(0) == "1970-01-01T00:00:00Z");
  CHECK(format_date(sec(946857600) + sec(86399)) == "2000-01-03");
  CHECK(format_datetime(sec(946857600 + 9 * 3600 + 30 * 60)) == "2000-01-03T09:30:00Z");
  CHECK(format_datetime(sec(1) + 500'000'000) == "1970-01-01T00:00:01.5Z");
  CHECK(format_datetime(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(format_date(-1) == "1969-12-31");
  CHECK(format_date(sec(-86400)) == "1969-12-31");
  CHECK(format_date(sec(-86401)) == "1969-12-30");
  CHECK(format_datetime(INT64_MAX) == "2262-04-11T23:47:16.854775807Z");
  CHECK(format_datetime(INT64_MIN) == "1677-09-21T00:12:43.145224192Z");
  CHECK(format_datetime(INT64_MIN).size() == max_datetime_chars);
  const civil_time c = to_civil(sec(951782400 + 3723) + 42);
  CHECK(c.year == 2000);
  CHECK(c.month == 2);
  CHECK(c.day == 29);
  CHECK(c.hour == 1);
  CHECK(c.minute == 2);
  CHECK(c.second == 3);
  CHECK(c.nanos == 42);
}

TEST_CASE("time: format_datetime and parse_timestamp round-trip at odd instants") {
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  const ts_ns lo = sec(-9214560000), hi = sec(9214560000);
  for (int i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // LCG: deterministic
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    const auto ts = static_cast<ts_ns>(static_cast<std::uint64_t>(lo) + (state >> 1) % span);
    const std::string text = format_datetime(ts);
    if (parse_timestamp(text) != ts) FAIL("round trip failed for ", text);
  }
}
