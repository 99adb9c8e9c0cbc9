// Tests of ntrun::data CSV ingest and the bar_feed merge, on small CSV files each test writes
// into its own temporary folder: layouts, every bad-row kind, skip mode, line endings,
// chunk boundaries and merge order against a sort-based reference.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ntrun/data/csv_bars.hpp"
#include "ntrun/data/feed.hpp"
#include "ntrun/data/time.hpp"

using namespace ntrun;
using namespace ntrun::data;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp dir, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() / fmt::format("ntrun_test_data_{}_{}", stamp, ++counter);
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(const std::string& name, const std::string& content) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<bar> read_all(csv_bar_reader& r) {
  std::vector<bar> out;
  bar b;
  while (r.next(b)) out.push_back(b);
  return out;
}

std::vector<bar> read_all(const csv_source& spec) {
  csv_bar_reader r(spec);
  return read_all(r);
}

// The message of the data_error that reading (or opening) the source throws.
std::string error_of(const csv_source& spec) {
  try {
    (void)read_all(spec);
  } catch (const data_error& e) {
    return e.what();
  }
  return "(no error)";
}

ts_ns day(const char* date) {
  return parse_timestamp(date).value();
}

constexpr const char* ohlcv_header = "date,open,high,low,close,volume\n";
constexpr const char* good_row = "2001-01-01,10,12,9,11,1000\n";

}  // namespace

TEST_CASE("csv: ohlcv file with auto-detected columns") {
  temp_dir dir;
  const auto path = dir.write("spx.csv",
                              "Date,Open,High,Low,Close,AdjClose,Volume\n"
                              "2000-01-03,1469.25,1478,1438.359985,1455.219971,1455.2,931800000\n"
                              "2000-01-04,1455.219971,1455.219971,1397.430054,1399.420044,1,1e9\n");
  csv_bar_reader r({.path = path, .symbols = {"SPX"}, .ids = {7}});
  CHECK_FALSE(r.close_only());
  CHECK(r.symbols() == std::vector<std::string>{"SPX"});
  const auto bars = read_all(r);
  REQUIRE(bars.size() == 2);
  CHECK(bars[0].ts_event == day("2000-01-03"));
  CHECK(bars[0].ts_init == bars[0].ts_event);
  CHECK(bars[0].sid == 7);
  CHECK(bars[0].flags == 0);
  CHECK(bars[0].open == 1469.25);
  CHECK(bars[0].high == 1478.0);
  CHECK(bars[0].low == 1438.359985);
  CHECK(bars[0].close == 1455.219971);
  CHECK(bars[0].volume == 931800000.0);
  CHECK(bars[1].volume == 1e9);
  CHECK(r.stats().rows == 2);
  CHECK(r.stats().bars == 2);
  CHECK(r.stats().missing == 0);
}

TEST_CASE("csv: explicit column names and intraday timestamps") {
  temp_dir dir;
  const auto path = dir.write("q.csv",
                              "when,px,o,h,l,qty\n"
                              "2000-01-03 09:30:00,2,1,3,0.5,10\n"
                              "2000-01-03T09:31:00Z,2.5,2,3,2,0\n");
  const auto bars = read_all({.path = path,
                              .time_col = "when",
                              .open_col = "o",
                              .high_col = "h",
                              .low_col = "l",
                              .close_col = "px",
                              .volume_col = "qty"});
  REQUIRE(bars.size() == 2);
  CHECK(bars[0].ts_event == day("2000-01-03") + (9 * 3600 + 30 * 60) * ns_per_second);
  CHECK(bars[1].ts_event == bars[0].ts_event + 60 * ns_per_second);
  CHECK(bars[0].open == 1.0);
  CHECK(bars[0].close == 2.0);
  CHECK(bars[0].volume == 10.0);
}

TEST_CASE("csv: close-only files") {
  temp_dir dir;
  const auto djia = dir.write("djia.csv", "date,djia\n1980-01-01,838.74\n1980-01-02,824.57\n");
  csv_bar_reader r({.path = djia});
  CHECK(r.close_only());
  const auto bars = read_all(r);
  REQUIRE(bars.size() == 2);
  CHECK(bars[1].close == 824.57);
  CHECK(bars[1].open == 824.57);
  CHECK(bars[1].high == 824.57);
  CHECK(bars[1].low == 824.57);
  CHECK(bars[1].volume == 0.0);
  CHECK((bars[1].flags & 1u) == 1u);

  // Several value columns: close_col picks one, and there is no open/high/low.
  const auto gs = dir.write("gs.csv", "date,gold,silver\n1978-01-02,100,223.42\n");
  const auto silver = read_all({.path = gs, .close_col = "silver"});
  REQUIRE(silver.size() == 1);
  CHECK(silver[0].close == 223.42);
  CHECK(silver[0].flags == 1u);
}

TEST_CASE("csv: wide layout, empty cells are missing observations") {
  temp_dir dir;
  const auto path = dir.write("fx.csv",
                              "date,EUR,GBP,JPY\n"
                              "1971-01-04,,2.3938,357.73\n"
                              "1971-01-05,1.1,,\n"
                              "1971-01-06,,,\n"
                              "1971-01-07,1.2,2.4,358\n");
  csv_bar_reader r(
      {.path = path, .layout = csv_layout::wide, .symbols = {"JPY", "eur"}, .ids = {5, 9}});
  CHECK(r.close_only());
  const auto bars = read_all(r);
  REQUIRE(bars.size() == 4);
  CHECK(bars[0].sid == 5);  // JPY, 1971-01-04
  CHECK(bars[0].close == 357.73);
  CHECK(bars[1].sid == 9);  // eur, 1971-01-05
  CHECK(bars[1].ts_event == day("1971-01-05"));
  CHECK(bars[2].sid == 5);  // 1971-01-07: symbol order of the spec, JPY first
  CHECK(bars[2].close == 358.0);
  CHECK(bars[3].sid == 9);
  CHECK(bars[3].close == 1.2);
  for (const bar& b : bars) CHECK(b.flags == 1u);
  CHECK(r.stats().rows == 4);
  CHECK(r.stats().missing == 4);  // JPY on 05 and 06, eur on 04 and 06
  CHECK(r.stats().bars == 4);

  csv_bar_reader all({.path = path, .layout = csv_layout::wide});
  CHECK(all.symbols() == std::vector<std::string>{"EUR", "GBP", "JPY"});
  CHECK(all.ids() == std::vector<symbol_id>{0, 1, 2});
  CHECK(read_all(all).size() == 6);
  CHECK(all.stats().missing == 6);
}

TEST_CASE("csv: empty close in an ohlcv row is a missing observation") {
  temp_dir dir;
  const auto path = dir.write("m.csv", std::string(ohlcv_header) + good_row +
                                           "2001-01-02,,,,,\n2001-01-03,10,12,9,,5\n"
                                           "2001-01-04,10,12,9,11,1000\n");
  csv_bar_reader r({.path = path});
  CHECK(read_all(r).size() == 2);
  CHECK(r.stats().missing == 2);
  CHECK(r.stats().rows == 4);
}

TEST_CASE("csv: each bad row kind is reported with file:line and the row text") {
  temp_dir dir;
  auto check_row = [&](const std::string& row, const std::string& reason) {
    const auto path = dir.write(
        "bad.csv", std::string(ohlcv_header) + good_row + row + "\n" + "2009-01-01,1,1,1,1,1\n");
    CAPTURE(row);
    CHECK(error_of({.path = path}) == fmt::format("{}:3: bad row: {}: \"{}\"", path, reason, row));
  };
  check_row("2001-01-02,11,10.5,11.2,11,1000", "high < low (high=10.5, low=11.2)");
  check_row("2001-01-02,10,10.5,9,11,1000",
            "high < max(open, close) (high=10.5, open=10, close=11)");
  check_row("2001-01-02,10,12,10.5,11,1000",
            "low > min(open, close) (low=10.5, open=10, close=11)");
  check_row("2001-01-02,10,12,9,11,-5", "negative volume (volume=-5)");
  check_row("2001-01-02,,12,9,11,5", "empty 'open' cell while close is present");
  check_row("2001-01-02,10,12,9,11,", "empty 'volume' cell while close is present");
  check_row("2001-01-02,10,1.2.3,9,11,5", "bad number in column 'high': \"1.2.3\"");
  check_row("2001-01-02,10,12,9,abc,5", "bad number in column 'close': \"abc\"");
  check_row("2001-01-02,10,12,9,+11,5", "bad number in column 'close': \"+11\"");
  check_row("2001-01-02,10,12,nan,11,5", "non-finite value in column 'low': \"nan\"");
  check_row("2001-01-02,10,inf,9,11,5", "non-finite value in column 'high': \"inf\"");
  check_row("2001-01-02,10,12,9,1e999,5", "non-finite value in column 'close': \"1e999\"");
  check_row("2001-01-02,10,12,9,11", "expected 6 fields as in the header, got 5");
  check_row("2001-01-02,10,12,9,11,5,7", "expected 6 fields as in the header, got 7");
  check_row("2001-01-02,\"10,5\",12,9,11,5",
            "quoted fields are not supported (field 2 starts with a quote); remove the quotes");
  check_row("2001-02-30,10,12,9,11,5",
            "bad timestamp \"2001-02-30\" in column 'date': day outside the month");
  check_row("2001/01/02,10,12,9,11,5",
            "bad timestamp \"2001/01/02\" in column 'date': expected YYYY-MM-DD, YYYY-MM-DD "
            "HH:MM[:SS[.fff]] or YYYY-MM-DDTHH:MM:SS[.fff][Z]");
  check_row("2001-01-01,10,12,9,11,5",
            "timestamp not strictly increasing (2001-01-01 is not after 2001-01-01 on line 2)");
  check_row("2000-12-31,10,12,9,11,5",
            "timestamp not strictly increasing (2000-12-31 is not after 2001-01-01 on line 2)");

  check_row("2001-01-02,-10,-8,-12,-9,5", "negative price in column 'open': \"-10\"");
  check_row("2001-01-02,10,12,9,-1,5", "negative price in column 'close': \"-1\"");

  // Long rows are cut in the message.
  const std::string long_row = "2001-01-02,10,12,9,11," + std::string(300, '7') + "x";
  const auto path = dir.write("long.csv", std::string(ohlcv_header) + good_row + long_row + "\n");
  const std::string msg = error_of({.path = path});
  CHECK(msg.find(":3: bad row: bad number in column 'volume'") != std::string::npos);
  CHECK(msg.size() < 600);
}

TEST_CASE("csv: numbers parse to the same double as strtod") {
  std::vector<std::string> texts{"0",
                                 "-0",
                                 "007",
                                 ".5",
                                 "5.",
                                 "-.25",
                                 "1",
                                 "-1",
                                 "0.1",
                                 "0.2",
                                 "0.30000000000000004",
                                 "123456789012345678",
                                 "9007199254740992",
                                 "9007199254740993",
                                 "1e5",
                                 "1.5E-3",
                                 "-2.5e+10",
                                 "12345678901234567890123",
                                 "1.0000000000000000000001",
                                 "0.0000000000000000000001",
                                 "1234.5678",
                                 "99999999.99999999"};
  std::uint64_t state = 12345;
  for (int i = 0; i < 5000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t mantissa = (state >> 11) % 100'000'000'000'000'000ULL;
    const int decimals = static_cast<int>((state >> 3) % 21);
    std::string digits = std::to_string(mantissa);
    if (decimals > 0) {
      if (digits.size() <= static_cast<std::size_t>(decimals)) {
        digits.insert(0, static_cast<std::size_t>(decimals) - digits.size() + 1, '0');
      }
      digits.insert(digits.size() - static_cast<std::size_t>(decimals), ".");
    }
    texts.push_back(((state & 1) != 0 ? "-" : "") + digits);
  }
  std::string text = "date,v\n";
  for (std::size_t i = 0; i < texts.size(); ++i) {
    text +=
        format_date(day("1990-01-01") + static_cast<ts_ns>(i) * ns_per_day) + "," + texts[i] + "\n";
  }
  // Negative prices are bad rows (skipped here), so each negative text is also read
  // without its sign; -0 is a good row.
  std::vector<std::string> good;
  std::uint64_t negative = 0;
  for (const auto& t : texts) {
    if (std::strtod(t.c_str(), nullptr) < 0) {
      ++negative;
      good.push_back(t.substr(1));
    } else {
      good.push_back(t);
    }
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    text += format_date(day("1990-01-01") + static_cast<ts_ns>(texts.size() + i) * ns_per_day) +
            "," + good[i] + "\n";
  }
  temp_dir dir;
  csv_bar_reader r({.path = dir.write("n.csv", text), .skip_bad_rows = true});
  const auto bars = read_all(r);
  CHECK(r.stats().bad_rows == negative);
  std::vector<std::string> expected;
  for (const auto& t : texts) {
    if (std::strtod(t.c_str(), nullptr) >= 0) expected.push_back(t);
  }
  expected.insert(expected.end(), good.begin(), good.end());
  REQUIRE(bars.size() == expected.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (bars[i].close != std::strtod(expected[i].c_str(), nullptr)) {
      ++mismatches;
      MESSAGE("mismatch for ", expected[i]);
    }
  }
  CHECK(mismatches == 0);

  for (const char* bad_number : {"1..2", "-", ".", "1-", "--1", "0x10", "1 2", "1e", "e5", "+"}) {
    const auto path = dir.write("bn.csv", std::string("date,v\n2001-01-01,") + bad_number + "\n");
    CAPTURE(bad_number);
    CHECK(error_of({.path = path}) == fmt::format("{}:2: bad row: bad number in column 'v': "
                                                  "\"{}\": \"2001-01-01,{}\"",
                                                  path, bad_number, bad_number));
  }
}

TEST_CASE("csv: intraday rows that repeat a date still check the time of day") {
  temp_dir dir;
  const auto path = dir.write("i.csv",
                              "datetime,close\n2000-01-03 09:30,1\n2000-01-03 09:31,2\n"
                              "2000-01-03 24:00,3\n2000-01-03 09:32x,4\n2000-01-04,5\n"
                              "2000-01-04 00:00:01.25,6\n");
  csv_bar_reader r({.path = path, .skip_bad_rows = true});
  const auto bars = read_all(r);
  REQUIRE(bars.size() == 4);
  CHECK(bars[1].ts_event == day("2000-01-03") + (9 * 3600 + 31 * 60) * ns_per_second);
  CHECK(bars[2].ts_event == day("2000-01-04"));
  CHECK(bars[3].ts_event == day("2000-01-04") + 1'250'000'000);
  REQUIRE(r.stats().first_errors.size() == 2);
  CHECK(r.stats().first_errors[0] ==
        fmt::format("{}:4: bad row: bad timestamp \"2000-01-03 24:00\" in column 'datetime': "
                    "hour outside 0..23: \"2000-01-03 24:00,3\"",
                    path));
  CHECK(r.stats().first_errors[1].starts_with(
      fmt::format("{}:5: bad row: bad timestamp \"2000-01-03 09:32x\"", path)));
}

TEST_CASE("csv: OHLC checks use a relative tolerance") {
  temp_dir dir;
  const auto path =
      dir.write("tol.csv", std::string(ohlcv_header) + "2001-01-02,100,99.99999999999,90,95,1\n");
  CHECK(read_all({.path = path}).size() == 1);
}

TEST_CASE("csv: skip mode counts bad rows, keeps the first messages and goes on") {
  temp_dir dir;
  std::string text = ohlcv_header;
  int line = 1;
  std::vector<int> bad_lines;
  for (int i = 0; i < 40; ++i) {
    const std::string date = format_date(day("2001-01-01") + i * ns_per_day);
    ++line;
    if (i % 3 == 1) {
      text += date + ",10,8,9,9,1\n";  // high < low
      bad_lines.push_back(line);
    } else {
      text += date + ",10,12,9,11,1\n";
    }
  }
  const auto path = dir.write("skip.csv", text);
  csv_bar_reader r({.path = path, .skip_bad_rows = true});
  const auto bars = read_all(r);
  CHECK(bars.size() == 40 - bad_lines.size());
  CHECK(r.stats().rows == 40);
  CHECK(r.stats().bad_rows == bad_lines.size());
  REQUIRE(r.stats().first_errors.size() == max_kept_errors);
  CHECK(r.stats().first_errors[0] ==
        fmt::format("{}:3: bad row: high < low (high=8, low=9): \"2001-01-02,10,8,9,9,1\"", path));
  CHECK(r.stats().first_errors[9].starts_with(fmt::format("{}:{}:", path, bad_lines[9])));
  // A skipped row does not advance the order check: the next good row is compared with the
  // last good one.
  const auto p2 = dir.write("skip2.csv", std::string(ohlcv_header) + good_row +
                                             "2001-01-05,10,8,9,9,1\n2001-01-03,10,12,9,11,1\n");
  csv_bar_reader r2({.path = p2, .skip_bad_rows = true});
  CHECK(read_all(r2).size() == 2);
  CHECK(r2.stats().bad_rows == 1);
}

TEST_CASE("csv: wide rows are all-or-nothing") {
  temp_dir dir;
  const auto path =
      dir.write("w.csv", "date,A,B\n2001-01-01,1,2\n2001-01-02,3,x\n2001-01-03,5,6\n");
  CHECK(error_of({.path = path, .layout = csv_layout::wide}) ==
        fmt::format("{}:3: bad row: bad number in column 'B': \"x\": \"2001-01-02,3,x\"", path));
  csv_bar_reader r({.path = path, .layout = csv_layout::wide, .skip_bad_rows = true});
  const auto bars = read_all(r);
  REQUIRE(bars.size() == 4);
  CHECK(bars[2].close == 5.0);
  // Reading on after a throw drops the bad row, never half of it.
  csv_bar_reader r2({.path = path, .layout = csv_layout::wide});
  bar b;
  CHECK(r2.next(b));
  CHECK(r2.next(b));
  CHECK_THROWS_AS((void)r2.next(b), data_error);
  CHECK(r2.next(b));
  CHECK(b.close == 5.0);
}

TEST_CASE("csv: CRLF, BOM, no final newline, blank lines, spaces around cells") {
  temp_dir dir;
  const std::vector<double> want{11, 12, 13};
  for (const std::string& text : {
           std::string("\xEF\xBB\xBF"
                       "date,close\r\n2001-01-01,11\r\n2001-01-02,12\r\n"
                       "2001-01-03,13\r\n\r\n\r\n"),
           std::string("date,close\n2001-01-01,11\n\n2001-01-02,12\n2001-01-03,13"),
           std::string("date,close\r\n2001-01-01,11\r\n2001-01-02,12\r\n2001-01-03,13"),
           std::string("\n date , close \n2001-01-01 , 11\n2001-01-02,\t12 \n2001-01-03,13\n  \n"),
       }) {
    CAPTURE(text);
    const auto bars = read_all({.path = dir.write("f.csv", text)});
    REQUIRE(bars.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(bars[i].close == want[i]);
    CHECK(bars[2].ts_event == day("2001-01-03"));
  }
  // Line numbers count physical lines, blank ones included.
  const auto path = dir.write("g.csv", "date,close\r\n\r\n2001-01-01,11\r\n2001-01-01,12\r\n");
  CHECK(error_of({.path = path}).starts_with(path + ":4: bad row:"));
}

TEST_CASE("csv: header and file errors name the file and the columns") {
  temp_dir dir;
  const auto missing = (dir.path() / "nope.csv").string();
  CHECK(error_of({.path = missing}) ==
        fmt::format("{}: cannot open: No such file or directory (check the path and its "
                    "permissions)",
                    missing));
  CHECK(error_of({.path = dir.path().string()}).find("read failed") != std::string::npos);
  const auto empty = dir.write("empty.csv", "\n\n");
  CHECK(error_of({.path = empty}).starts_with(empty + ": empty file"));
  const auto header_only = dir.write("h.csv", ohlcv_header);
  CHECK(read_all({.path = header_only}).empty());

  const auto gs = dir.write("gs.csv", "date,gold,silver\n");
  CHECK(error_of({.path = gs}) ==
        fmt::format("{}: no close column; set close_col, or use layout wide for one symbol per "
                    "column; columns: date, gold, silver",
                    gs));
  CHECK(
      error_of({.path = gs, .close_col = "copper"}) ==
      fmt::format("{}: close_col 'copper' is not in the header; columns: date, gold, silver", gs));
  CHECK(error_of({.path = gs, .layout = csv_layout::wide, .symbols = {"gold", "tin"}})
            .find("symbol column 'tin' is not in the header") != std::string::npos);
  CHECK(error_of({.path = gs, .layout = csv_layout::wide, .symbols = {"date"}})
            .find("symbol 'date' is the time column") != std::string::npos);
  CHECK(error_of({.path = gs, .layout = csv_layout::wide, .ids = {1}})
            .find("1 ids given for 2 symbols") != std::string::npos);
  CHECK(error_of({.path = gs, .symbols = {"a", "b"}}).find("layout ohlcv reads one symbol") !=
        std::string::npos);
  const auto no_time = dir.write("nt.csv", "day,close\n");
  CHECK(error_of({.path = no_time})
            .find("no time column (date, datetime, time or timestamp); set time_col; columns: "
                  "day, close") != std::string::npos);
  CHECK(read_all({.path = no_time, .time_col = "DAY"}).empty());
  const auto partial = dir.write("p.csv", "date,high,low,close\n");
  CHECK(error_of({.path = partial}).find("only some of open/high/low") != std::string::npos);
  const auto dup = dir.write("d.csv", "date,A,a\n");
  CHECK(error_of({.path = dup, .layout = csv_layout::wide}).find("'A' is ambiguous") !=
        std::string::npos);
  const auto one = dir.write("one.csv", "date\n2001-01-01\n");
  CHECK(error_of({.path = one}).find("need a time column and at least one value") !=
        std::string::npos);
  CHECK(read_csv_header(gs) == std::vector<std::string>{"date", "gold", "silver"});
}

TEST_CASE("csv: negative prices are bad rows at the reader; zero is allowed") {
  temp_dir dir;
  const auto co = dir.write("co.csv", "date,close\n2001-01-01,1\n2001-01-02,-2\n");
  CHECK(error_of({.path = co}) ==
        fmt::format("{}:3: bad row: negative price in column 'close': \"-2\": "
                    "\"2001-01-02,-2\"",
                    co));
  const auto w = dir.write("w.csv", "date,A,B\n2001-01-01,1,2\n2001-01-02,3, -4\n");
  CHECK(error_of({.path = w, .layout = csv_layout::wide}) ==
        fmt::format("{}:3: bad row: negative price in column 'B': \"-4\": "
                    "\"2001-01-02,3, -4\"",
                    w));
  // Skipped like any bad row; zero and -0 pass, as the venue accepts them.
  const auto o = dir.write("o.csv", std::string(ohlcv_header) + good_row +
                                        "2001-01-02,-3,-1,-4,-2,5\n"
                                        "2001-01-03,0,0,0,0,0\n"
                                        "2001-01-04,-0,0,-0,0,-0\n");
  csv_bar_reader r({.path = o, .skip_bad_rows = true});
  const auto bars = read_all(r);
  REQUIRE(bars.size() == 3);
  CHECK(bars[1].close == 0.0);
  CHECK(r.stats().bad_rows == 1);
  REQUIRE(r.stats().first_errors.size() == 1);
  CHECK(r.stats().first_errors[0].starts_with(
      fmt::format("{}:3: bad row: negative price in column 'open'", o)));
}

TEST_CASE("csv: file text in messages is cut and made terminal-safe") {
  temp_dir dir;
  auto has_control = [](const std::string& m) {
    return std::any_of(m.begin(), m.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return (u < 0x20 && c != '\t') || u == 0x7F;
    });
  };
  // A huge header is not echoed whole: the column list is cut, with its full length.
  const std::string wide_name(1'000'000, 'g');
  const auto big = dir.write("big.csv", "date," + wide_name + ",silver\n");
  std::string msg = error_of({.path = big});
  CHECK(msg.starts_with(big + ": no close column;"));
  CHECK(msg.size() < 600);
  CHECK(msg.ends_with(fmt::format("... ({} bytes)", 6 + wide_name.size() + 8)));
  // A huge cell: the cell and the row are both cut.
  const std::string cell(100'000, '7');
  const auto bigcell = dir.write(
      "bc.csv", std::string(ohlcv_header) + good_row + "2001-01-02,10,12,9,11," + cell + "x\n");
  msg = error_of({.path = bigcell});
  CHECK(msg.starts_with(bigcell + ":3: bad row: bad number in column 'volume': \"777"));
  CHECK(msg.size() < 600);
  CHECK(msg.find(fmt::format("... ({} bytes)", cell.size() + 1)) != std::string::npos);
  CHECK(msg.ends_with(fmt::format("... ({} bytes)\"", 22 + cell.size() + 1)));
  // Control characters from the file are written as \xNN, in rows and headers.
  const auto esc = dir.write(
      "esc.csv", std::string(ohlcv_header) + good_row + "2001-01-02,10,12,9,1\x1b[2J1\r,5\x7f\n");
  msg = error_of({.path = esc});
  CHECK(msg == fmt::format("{}:3: bad row: bad number in column 'close': \"1\\x1B[2J1\\x0D\": "
                           "\"2001-01-02,10,12,9,1\\x1B[2J1\\x0D,5\\x7F\"",
                           esc));
  CHECK_FALSE(has_control(msg));
  const auto eh = dir.write("eh.csv", "date,g\x1b]0;owned\x07old,silver\n");
  msg = error_of({.path = eh});
  CHECK(msg.ends_with("columns: date, g\\x1B]0;owned\\x07old, silver"));
  CHECK_FALSE(has_control(msg));
  // A cut never splits a UTF-8 sequence: "date, " and 153 ASCII bytes, then two-byte
  // characters, whose second byte would be byte 161.
  std::string utf(153, 'a');
  for (int i = 0; i < 10; ++i) utf += "\xC3\xA9";
  const auto u8 = dir.write("u8.csv", "date," + utf + ",silver\n");
  msg = error_of({.path = u8});
  CHECK(msg.ends_with(
      fmt::format("date, {}... ({} bytes)", std::string(153, 'a'), 6 + utf.size() + 8)));
}

TEST_CASE("csv: CR-only line endings are an error naming the file; CRLF still reads") {
  temp_dir dir;
  const auto mac = dir.write("mac.csv", "date,close\r2001-01-01,11\r2001-01-02,12\r");
  const std::string msg = error_of({.path = mac});
  CHECK(msg.starts_with(mac + ":1: the header line contains a CR"));
  CHECK(msg.find("CR-only line endings") != std::string::npos);
  CHECK(msg.find("tr '\\r' '\\n'") != std::string::npos);
  CHECK_THROWS_AS((void)read_csv_header(mac), data_error);
  // Without a final CR, and after blank lines, too.
  CHECK(error_of({.path = dir.write("mac2.csv", "\n\ndate,close\r2001-01-01,11")})
            .find(":3: the header line contains a CR") != std::string::npos);
  // CRLF, and a header alone ending in CR, are fine.
  CHECK(read_all({.path = dir.write("crlf.csv", "date,close\r\n2001-01-01,11\r\n")}).size() == 1);
  CHECK(read_all({.path = dir.write("h.csv", "date,close\r")}).empty());
}

TEST_CASE("csv: from/to keep an inclusive range and stop reading past `to`") {
  temp_dir dir;
  std::string text = "date,close\n";
  for (int i = 0; i < 10; ++i) text += format_date(day("2001-01-01") + i * ns_per_day) + ",1\n";
  text += "garbage that is never read\n";
  const auto path = dir.write("r.csv", text);
  csv_bar_reader r({.path = path, .from = day("2001-01-03"), .to = day("2001-01-05")});
  const auto bars = read_all(r);
  REQUIRE(bars.size() == 3);
  CHECK(bars.front().ts_event == day("2001-01-03"));
  CHECK(bars.back().ts_event == day("2001-01-05"));
  CHECK(r.stats().filtered == 3);  // two before, one after (where reading stopped)
}

TEST_CASE("csv: a file much larger than the read buffer streams exactly") {
  temp_dir dir;
  constexpr int n = 200'000;
  std::string text = "datetime,open,high,low,close,volume\n";
  std::vector<bar> want;
  want.reserve(n);
  const ts_ns t0 = day("2010-01-04");
  double price = 100;
  for (int i = 0; i < n; ++i) {
    const double o = price;
    price += ((i * 7919) % 13 - 6) * 0.01;
    const double c = price;
    const bar b{.ts_event = t0 + i * 60 * ns_per_second,
                .ts_init = t0 + i * 60 * ns_per_second,
                .open = o,
                .high = std::max(o, c) + 0.05,
                .low = std::min(o, c) - 0.05,
                .close = c,
                .volume = static_cast<double>(i % 1000)};
    const std::string stamp = format_datetime(b.ts_event);
    text += fmt::format("{} {},{},{},{},{},{}\n", stamp.substr(0, 10), stamp.substr(11, 8), b.open,
                        b.high, b.low, b.close, b.volume);
    want.push_back(b);
  }
  const auto path = dir.write("big.csv", text);
  for (const std::size_t buffer : {std::size_t{1} << 20, std::size_t{4093}, std::size_t{7}}) {
    CAPTURE(buffer);
    csv_bar_reader r({.path = path, .read_buffer_bytes = buffer});
    bar b;
    std::size_t i = 0, mismatches = 0;
    while (r.next(b)) {
      if (i >= want.size() || b.ts_event != want[i].ts_event || b.open != want[i].open ||
          b.high != want[i].high || b.low != want[i].low || b.close != want[i].close ||
          b.volume != want[i].volume) {
        ++mismatches;
      }
      ++i;
    }
    CHECK(i == want.size());
    CHECK(mismatches == 0);
    CHECK(r.stats().rows == static_cast<std::uint64_t>(n));
  }
}

TEST_CASE("feed: merge order with interleaved and equal timestamps matches a stable sort") {
  temp_dir dir;
  const auto a = dir.write("a.csv",
                           "date,open,high,low,close,volume\n"
                           "2001-01-01,1,1,1,1,0\n2001-01-03,3,3,3,3,0\n2001-01-04,4,4,4,4,0\n");
  const auto w = dir.write("w.csv",
                           "date,X,Y\n2001-01-01,10,11\n2001-01-02,,21\n2001-01-03,30,31\n"
                           "2001-01-05,50,\n");
  const auto c = dir.write("c.csv", "date,close\n2000-12-31,0\n2001-01-03,300\n2001-01-06,600\n");
  const std::vector<csv_source> specs{
      {.path = a, .ids = {0}},
      {.path = w, .layout = csv_layout::wide, .symbols = {"Y", "X"}, .ids = {2, 1}},
      {.path = c, .ids = {3}},
  };
  // Reference: every source read alone, then stable-sorted by (ts, source) keeping each
  // source's own order.
  struct tagged {
    bar b;
    std::size_t source;
  };
  std::vector<tagged> ref;
  for (std::size_t s = 0; s < specs.size(); ++s) {
    for (const bar& b : read_all(specs[s])) ref.push_back({b, s});
  }
  std::stable_sort(ref.begin(), ref.end(), [](const tagged& x, const tagged& y) {
    return x.b.ts_event != y.b.ts_event ? x.b.ts_event < y.b.ts_event : x.source < y.source;
  });

  bar_feed feed;
  for (const auto& s : specs) (void)feed.add_source(s);
  std::vector<bar> got;
  bar b;
  for (;;) {
    const auto peek = feed.peek_ts();
    if (!feed.next(b)) {
      CHECK_FALSE(peek.has_value());
      break;
    }
    CHECK(peek == b.ts_event);
    got.push_back(b);
  }
  REQUIRE(got.size() == ref.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].ts_event == ref[i].b.ts_event);
    CHECK(got[i].sid == ref[i].b.sid);
    CHECK(got[i].close == ref[i].b.close);
  }
  // Hand-worked order on 2001-01-03: source a, then w's Y before X, then c.
  std::vector<symbol_id> on_03;
  for (const bar& x : got) {
    if (x.ts_event == day("2001-01-03")) on_03.push_back(x.sid);
  }
  CHECK(on_03 == std::vector<symbol_id>{0, 2, 1, 3});
  CHECK(got.front().sid == 3);  // 2000-12-31 from the last source comes first
  const csv_stats st = feed.stats();
  CHECK(st.rows == 10);
  CHECK(st.bars == got.size());
  CHECK(st.missing == 2);
  CHECK_FALSE(feed.next(b));
}

TEST_CASE("feed: from/to, stats, bad rows and misuse") {
  temp_dir dir;
  const auto a = dir.write("a.csv",
                           "date,close\n2001-01-01,1\n2001-01-02,x\n2001-01-03,3\n"
                           "2001-01-04,4\n");
  const auto b = dir.write("b.csv", "date,close\n2001-01-02,20\n2001-01-04,40\n2001-01-05,50\n");
  bar_feed feed({.from = day("2001-01-02"), .to = day("2001-01-04")});
  CHECK(feed.add_source({.path = a, .ids = {0}, .skip_bad_rows = true}) == 0);
  CHECK(feed.add_source({.path = b, .ids = {1}, .from = day("2001-01-03")}) == 1);
  CHECK(feed.peek_ts() == day("2001-01-03"));
  std::vector<std::pair<ts_ns, symbol_id>> got;
  bar x;
  while (feed.next(x)) got.emplace_back(x.ts_event, x.sid);
  CHECK(got == std::vector<std::pair<ts_ns, symbol_id>>{
                   {day("2001-01-03"), 0}, {day("2001-01-04"), 0}, {day("2001-01-04"), 1}});
  const csv_stats st = feed.stats();
  CHECK(st.bars == 3);
  CHECK(st.bad_rows == 1);
  REQUIRE(st.first_errors.size() == 1);
  CHECK(st.first_errors[0].starts_with(a + ":3: bad row: bad number in column 'close'"));
  CHECK(feed.source_count() == 2);
  CHECK(feed.source(1).stats().filtered == 2);  // 01-02 before `from`, 01-05 after `to`
  CHECK_THROWS_AS((void)feed.add_source({.path = b}), data_error);
  CHECK_THROWS_AS(bar_feed({.from = day("2001-01-02"), .to = day("2001-01-01")}), data_error);

  // Without skip mode the bar before the bad row is delivered, then the error.
  bar_feed strict;
  (void)strict.add_source({.path = a});
  CHECK(strict.next(x));
  CHECK(x.close == 1.0);
  CHECK_THROWS_WITH_AS((void)strict.next(x),
                       doctest::Contains((a + ":3: bad row: bad number in column 'close'").c_str()),
                       data_error);
  // A bad first row does not lose its source: reading on resumes after the dropped row.
  const auto c = dir.write("c.csv", "date,close\n2001-01-01,x\n2001-01-02,2\n");
  bar_feed resume;
  (void)resume.add_source({.path = c, .ids = {0}});
  (void)resume.add_source({.path = b, .ids = {1}});
  CHECK_THROWS_AS((void)resume.peek_ts(), data_error);
  std::vector<std::pair<ts_ns, symbol_id>> rest;
  while (resume.next(x)) rest.emplace_back(x.ts_event, x.sid);
  CHECK(rest == std::vector<std::pair<ts_ns, symbol_id>>{{day("2001-01-02"), 0},
                                                         {day("2001-01-02"), 1},
                                                         {day("2001-01-04"), 1},
                                                         {day("2001-01-05"), 1}});
  bar_feed empty;
  CHECK_FALSE(empty.peek_ts().has_value());
  CHECK_FALSE(empty.next(x));
}
