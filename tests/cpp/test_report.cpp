// Tests of the report writers: ISO timestamps, JSON escaping and numbers, the exact JSON and
// CSV text of a small run, determinism, bad input, and the 80-column table.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ntrun/report/json.hpp"
#include "ntrun/report/metrics.hpp"
#include "ntrun/report/report.hpp"

namespace {

using namespace ntrun;
using namespace ntrun::report;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();
constexpr ts_ns t0 = 1704229200LL * ns_per_second;  // 2024-01-02T21:00:00Z
constexpr ts_ns t1 = 1704315600LL * ns_per_second;  // 2024-01-03T21:00:00Z

run_record small_run() {
  return {.initial_capital = 1000,
          .equity = {{.ts = t0, .equity = 1000, .cash = 1000},
                     {.ts = t1,
                      .equity = 1012.5,
                      .cash = 500,
                      .gross_exposure = 512.5,
                      .net_exposure = -512.5}},
          .trades = {{.symbol = 1,
                      .is_long = false,
                      .entry_ts = t0,
                      .exit_ts = t1,
                      .quantity = 10,
                      .entry_price = 50,
                      .exit_price = 48.75,
                      .pnl = 12.5,
                      .commission = 0}},
          .commissions = 1.25,
          .traded_notional = 987.5,
          .num_fills = 2,
          .num_orders = 3,
          .num_rejected = 1};
}

// Hand-picked metrics (not computed), so the expected text below does not depend on
// compute_metrics, and NaN, infinity and -0 are all exercised.
metrics small_metrics() {
  return {.total_return = 0.25,
          .annual_return = nan_v,
          .volatility = 0.1,
          .sharpe = 1.5,
          .sortino = inf_v,
          .calmar = -0.0,
          .max_drawdown = 0.125,
          .max_drawdown_duration_days = 3,
          .num_trades = 1,
          .win_rate = 1,
          .profit_factor = nan_v,
          .avg_win = 12.5,
          .avg_loss = nan_v,
          .avg_trade = 12.5,
          .best_trade = 12.5,
          .worst_trade = -1e-7,
          .exposure = 0.5,
          .turnover = 2,
          .commissions = 1.25,
          .final_equity = 1012.5,
          .start = t0,
          .end = t1,
          .num_fills = 2,
          .num_orders = 3,
          .num_rejected = 1};
}

report_meta small_meta() {
  return {.version = "0.1.0",
          .bundle_name = "demo",
          .symbols = {"AAPL", "MSFT"},
          .seed = 42,
          .start = t0,
          .end = t1,
          .bars = 4,
          .bad_rows_skipped = 0,
          .warnings = {"w1"},
          .status = "completed",
          .open_positions = {{.symbol = "AAPL",
                              .quantity = 5,
                              .avg_price = 100,
                              .last_price = 101.5,
                              .unrealised_pnl = 7.5,
                              .entry_ts = t0}},
          .errors = {"e1"}};
}

const std::vector<std::string> names{"AAPL", "MSFT"};

std::string json_of(const run_record& run, const metrics& m, const report_meta& meta) {
  std::ostringstream os;
  write_json(os, run, m, meta, names);
  return os.str();
}

// A parser-free structural check: brackets balance outside strings, strings close, hold no
// raw control characters and only the escapes JSON allows, and nothing non-JSON appears.
bool json_well_formed(const std::string& s) {
  std::string stack;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (in_string) {
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i >= s.size() || std::strchr("\"\\/bfnrtu", s[i]) == nullptr) return false;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      stack += static_cast<char>(c);
    } else if (c == '}' || c == ']') {
      if (stack.empty() || stack.back() != (c == '}' ? '{' : '[')) return false;
      stack.pop_back();
    } else if (std::isalpha(c)) {
      std::size_t end = i;
      while (end < s.size() && std::isalpha(static_cast<unsigned char>(s[end]))) ++end;
      const std::string word = s.substr(i, end - i);
      // Only these bare words exist in JSON; "nan" or "inf" would be a writer bug.
      if (word != "null" && word != "true" && word != "false" && word != "e" && word != "E") {
        return false;
      }
      i = end - 1;
    } else if (std::strchr(" \n,:-+.0123456789", static_cast<int>(c)) == nullptr) {
      return false;
    }
  }
  return !in_string && stack.empty();
}

std::size_t columns(const std::string& line) {
  std::size_t n = 0;
  for (unsigned char c : line) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool all_lines_fit(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (columns(line) > table_width) return false;
  }
  return true;
}

// The value shown beside `label` in a two-column section of the table ("" when absent).
std::string table_value(const std::string& table, const std::string& label) {
  constexpr std::size_t half = (table_width - 2) / 2;
  const auto trim = [](std::string v) {
    v.erase(0, v.find_first_not_of(' '));
    v.erase(v.find_last_not_of(' ') + 1);
    return v;
  };
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(label + ' ', 0) == 0) {
      return trim(line.substr(label.size(), half - label.size()));
    }
    if (line.size() > half + 2 && line.compare(half + 2, label.size() + 1, label + ' ') == 0) {
      return trim(line.substr(half + 2 + label.size()));
    }
  }
  return "";
}

}  // namespace

TEST_CASE("iso_utc: known instants") {
  CHECK(iso_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(iso_utc(t0) == "2024-01-02T21:00:00Z");
  CHECK(iso_utc(1'700'000'000LL * ns_per_second) == "2023-11-14T22:13:20Z");
  CHECK(iso_utc(1'582'977'600LL * ns_per_second) == "2020-02-29T12:00:00Z");
  CHECK(iso_utc(951'782'400LL * ns_per_second) == "2000-02-29T00:00:00Z");
  CHECK(iso_utc(ns_per_second - 1) == "1970-01-01T00:00:00Z");  // sub-second dropped
  CHECK(iso_utc(-1) == "1969-12-31T23:59:59Z");                 // floor, not truncation
  CHECK(iso_utc(std::numeric_limits<ts_ns>::min()) == "1677-09-21T00:12:43Z");
  CHECK(iso_utc(std::numeric_limits<ts_ns>::max()) == "2262-04-11T23:47:16Z");
  CHECK(iso_date(t1) == "2024-01-03");
}

TEST_CASE("iso_utc: every day of +-300 years against a day-by-day calendar walk") {
  const auto leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  const auto month_days = [&](int y, int m) {
    constexpr int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : len[m - 1];
  };
  char buf[32];
  int y = 1970, m = 1, d = 1;
  for (std::int64_t day = 0; day < 106'700; ++day) {  // forward to 2262
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    REQUIRE(iso_date(day * ns_per_day + 3 * 3600 * ns_per_second) == buf);
    if (++d > month_days(y, m)) d = 1, ++m;
    if (m > 12) m = 1, ++y;
  }
  y = 1969, m = 12, d = 31;
  for (std::int64_t day = -1; day > -106'700; --day) {  // back to 1677
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    REQUIRE(iso_date(day * ns_per_day + 3 * 3600 * ns_per_second) == buf);
    if (--d == 0) {
      if (--m == 0) m = 12, --y;
      d = month_days(y, m);
    }
  }
}

TEST_CASE("json_string: escaping of odd strings") {
  CHECK(json_string("plain") == "\"plain\"");
  CHECK(json_string("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(json_string("C:\\path") == "\"C:\\\\path\"");
  CHECK(json_string("a\nb\rc\td\be\ff") == "\"a\\nb\\rc\\td\\be\\ff\"");
  CHECK(json_string(std::string("x\0y", 3)) == "\"x\\u0000y\"");
  CHECK(json_string("\x01\x1f\x7f\x1b[31m") == "\"\\u0001\\u001f\\u007f\\u001b[31m\"");
  CHECK(json_string("") == "\"\"");
  // Well-formed UTF-8 passes through; U+2028/U+2029 are escaped for JavaScript readers.
  CHECK(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(json_string("a\xe2\x80\xa8z\xe2\x80\xa9") == "\"a\\u2028z\\u2029\"");
  // Malformed UTF-8: each bad byte becomes U+FFFD, and the next byte is read afresh.
  CHECK(json_string("\xff") == "\"\\ufffd\"");
  CHECK(json_string("a\xe2\x82") == "\"a\\ufffd\\ufffd\"");                      // cut short
  CHECK(json_string("\xc0\xaf") == "\"\\ufffd\\ufffd\"");                        // overlong '/'
  CHECK(json_string("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");             // surrogate
  CHECK(json_string("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
  CHECK(json_string("\x80x") == "\"\\ufffdx\"");      // stray continuation
  CHECK(json_string("\xc3\"") == "\"\\ufffd\\\"\"");  // a bad lead never eats the quote
}

TEST_CASE("json_number: shortest round trip, null for non-finite") {
  CHECK(json_number(0.1) == "0.1");
  CHECK(json_number(100.0) == "100");
  CHECK(json_number(-2.5) == "-2.5");
  CHECK(json_number(0.0) == "0");
  CHECK(json_number(-0.0) == "0");
  CHECK(json_number(1e300) == "1e+300");
  CHECK(json_number(1e-7) == "1e-07");
  CHECK(json_number(nan_v) == "null");
  CHECK(json_number(inf_v) == "null");
  CHECK(json_number(-inf_v) == "null");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v) || v == 0) continue;
    const std::string s = json_number(v);
    REQUIRE(std::strtod(s.c_str(), nullptr) == v);
  }
}

TEST_CASE("write_json: exact text of a small record") {
  const std::string expected = R"({
  "ntrun": "0.1.0",
  "bundle": "demo",
  "status": "completed",
  "seed": 42,
  "data": {"symbols": ["AAPL", "MSFT"], "bars": 4, "bad_rows_skipped": 0},
  "metrics": {
    "total_return": 0.25,
    "annual_return": null,
    "volatility": 0.1,
    "sharpe": 1.5,
    "sortino": null,
    "calmar": 0,
    "max_drawdown": 0.125,
    "max_drawdown_duration_days": 3,
    "num_trades": 1,
    "win_rate": 1,
    "profit_factor": null,
    "avg_win": 12.5,
    "avg_loss": null,
    "avg_trade": 12.5,
    "best_trade": 12.5,
    "worst_trade": -1e-07,
    "exposure": 0.5,
    "turnover": 2,
    "commissions": 1.25,
    "final_equity": 1012.5,
    "start": "2024-01-02T21:00:00Z",
    "end": "2024-01-03T21:00:00Z",
    "num_fills": 2,
    "num_orders": 3,
    "num_rejected": 1
  },
  "trades": [
    {"symbol": "MSFT", "side": "short", "entry_time": "2024-01-02T21:00:00Z", "exit_time": "2024-01-03T21:00:00Z", "quantity": 10, "entry_price": 50, "exit_price": 48.75, "pnl": 12.5, "commission": 0, "return": 0.025, "exit_reason": "market", "entry_tag": 0, "exit_tag": 0}
  ],
  "equity": [
    {"time": "2024-01-02T21:00:00Z", "equity": 1000, "cash": 1000, "gross_exposure": 0, "net_exposure": 0},
    {"time": "2024-01-03T21:00:00Z", "equity": 1012.5, "cash": 500, "gross_exposure": 512.5, "net_exposure": -512.5}
  ],
  "open_positions": [
    {"symbol": "AAPL", "side": "long", "entry_time": "2024-01-02T21:00:00Z", "quantity": 5, "avg_price": 100, "last_price": 101.5, "unrealised_pnl": 7.5}
  ],
  "warnings": [
    "w1"
  ],
  "errors": [
    "e1"
  ]
}
)";
  const std::string got = json_of(small_run(), small_metrics(), small_meta());
  CHECK(got == expected);
  CHECK(json_well_formed(got));
}

TEST_CASE("write_json: empty run, odd strings, NaN everywhere") {
  run_record run{.initial_capital = 100};
  report_meta meta = small_meta();
  meta.version = "";
  meta.bundle_name = "we\"ird\\ \n\t\x01\x1b[2J \xff bundle";
  meta.status = "stopped: strategy error\nat line 3";
  meta.warnings = {"", "quote \" and \\", std::string("nul\0here", 8)};
  meta.seed = std::numeric_limits<std::uint64_t>::max();
  const std::string got = json_of(run, compute_metrics(run), meta);
  CHECK(json_well_formed(got));
  CHECK(got.find("\"trades\": [],\n") != std::string::npos);
  CHECK(got.find("\"equity\": [],\n") != std::string::npos);
  CHECK(got.find("\"start\": null,") != std::string::npos);
  CHECK(got.find("\"sharpe\": null,") != std::string::npos);
  CHECK(got.find("\"seed\": 18446744073709551615,") != std::string::npos);
  CHECK(got.find(R"("bundle": "we\"ird\\ \n\t\u0001\u001b[2J \ufffd bundle")") !=
        std::string::npos);
  CHECK(got.find(R"("nul\u0000here")") != std::string::npos);

  metrics all_nan{};
  all_nan.commissions = nan_v;
  run = small_run();
  run.equity[1].cash = nan_v;
  run.trades[0].entry_price = 0;  // return on a zero notional is undefined
  const std::string nan_json = json_of(run, all_nan, small_meta());
  CHECK(json_well_formed(nan_json));
  CHECK(nan_json.find("\"cash\": null") != std::string::npos);
  CHECK(nan_json.find("\"return\": null, \"exit_reason\"") != std::string::npos);
}

TEST_CASE("write_json: byte-identical for identical inputs") {
  run_record run = small_run();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 500; ++i) {
    run.equity.push_back({.ts = t1 + (i + 1) * ns_per_day,
                          .equity = 1000 + static_cast<double>(rng() % 1000) / 7.0});
  }
  const metrics m = compute_metrics(run);
  const std::string a = json_of(run, m, small_meta());
  const std::string b = json_of(run, compute_metrics(run), small_meta());
  CHECK(a == b);
  CHECK(json_well_formed(a));
  // One equity point per line: header lines + one per point.
  std::size_t lines = 0;
  for (char c : a) lines += c == '\n' ? 1 : 0;
  CHECK(lines == 48 + run.equity.size());
}

TEST_CASE("write_json and write_trades_csv: unknown symbol id throws before writing") {
  run_record run = small_run();
  run.trades[0].symbol = 7;
  std::ostringstream os;
  CHECK_THROWS_WITH_AS(write_json(os, run, small_metrics(), small_meta(), names),
                       doctest::Contains("symbol id 7"), report_error);
  CHECK(os.str().empty());
  CHECK_THROWS_AS(write_trades_csv(os, run, names), report_error);
  CHECK(os.str().empty());
}

TEST_CASE("writers: a failed stream throws") {
  std::ostringstream os;
  os.setstate(std::ios::badbit);
  CHECK_THROWS_AS(write_json(os, small_run(), small_metrics(), small_meta(), names), report_error);
  CHECK_THROWS_AS(write_equity_csv(os, small_run()), report_error);
}

TEST_CASE("CSV exports: exact text, quoting, empty fields for NaN") {
  run_record run = small_run();
  run.equity[1].net_exposure = nan_v;
  std::ostringstream eq;
  write_equity_csv(eq, run);
  CHECK(eq.str() ==
        "time,equity,cash,gross_exposure,net_exposure\n"
        "2024-01-02T21:00:00Z,1000,1000,0,0\n"
        "2024-01-03T21:00:00Z,1012.5,500,512.5,\n");
  std::ostringstream tr;
  write_trades_csv(tr, run, {"AAPL", "odd,\"name\""});
  CHECK(tr.str() ==
        "symbol,side,entry_time,exit_time,quantity,entry_price,exit_price,pnl,commission,"
        "return,exit_reason,entry_tag,exit_tag\n"
        "\"odd,\"\"name\"\"\",short,2024-01-02T21:00:00Z,2024-01-03T21:00:00Z,10,50,48.75,"
        "12.5,0,0.025,market,0,0\n");
}

TEST_CASE("trade_return: pnl over entry notional") {
  CHECK(trade_return({.quantity = 10, .entry_price = 50, .pnl = 25}) == doctest::Approx(0.05));
  CHECK(std::isnan(trade_return({.quantity = 0, .entry_price = 50, .pnl = 1})));
}

TEST_CASE("format_table: key figures, sections, 80 columns") {
  const std::string t = format_table(small_metrics(), small_meta());
  for (const char* s :
       {"ntrun 0.1.0 backtest report", "Performance", "Risk", "Trades", "Costs", "demo",
        "completed", "AAPL, MSFT (2 symbols)", "2024-01-02 .. 2024-01-03, 4 bars", "42", "25.00%",
        "10.00%", "12.50%", "1.50", "1,012.50", "3.0 days", "2.00x", "Warnings (1)", "- w1",
        "Open positions at the end (1): marked to the last close, not in trades",
        "- AAPL long 5 @ 100.00 since 2024-01-02, last 101.50, unrealised 7.50"}) {
    CHECK_MESSAGE(t.find(s) != std::string::npos, s);
  }
  CHECK(all_lines_fit(t));
  CHECK(t.find("nan") == std::string::npos);
  CHECK(table_value(t, "Total return") == "25.00%");
  CHECK(table_value(t, "Annual return") == "-");
  CHECK(table_value(t, "Sortino") == "inf");
  CHECK(table_value(t, "Calmar") == "0.00");  // -0 shows unsigned
  CHECK(table_value(t, "Max drawdown") == "12.50%");
  CHECK(table_value(t, "Max DD duration") == "3.0 days");
  CHECK(table_value(t, "Win rate") == "100.00%");
  CHECK(table_value(t, "Profit factor") == "-");
  CHECK(table_value(t, "Worst trade") == "0.00");  // -1e-7
  CHECK(table_value(t, "Commissions") == "1.25");
  CHECK(table_value(t, "Turnover") == "2.00x");
  CHECK(table_value(t, "Rejected") == "1");
  CHECK(table_value(t, "Start") == "2024-01-02");
}

TEST_CASE("format_table: hostile and oversized input stays within 80 columns") {
  report_meta meta = small_meta();
  meta.bundle_name = std::string(200, 'b') + "\x1b[2J";
  meta.status = "stopped: strategy error: \x1b]0;pwned\x07 attempt to index a nil value";
  meta.symbols.assign(500, "SYMBOL\xc3\xa9");
  meta.bad_rows_skipped = 1234567;
  meta.warnings.assign(30, "a warning that is long enough to need wrapping across lines: " +
                               std::string(150, 'w') + " tail\nnext line");
  metrics m = small_metrics();
  m.final_equity = -1.2345e17;
  m.avg_win = 1e300;
  m.num_trades = 1'234'567'890;
  m.best_trade = -0.001;
  const std::string t = format_table(m, meta);
  CHECK(all_lines_fit(t));
  CHECK(t.find('\x1b') == std::string::npos);
  CHECK(t.find('\x07') == std::string::npos);
  CHECK(t.find("(500 symbols)") != std::string::npos);
  CHECK(t.find("1,234,567 bad rows skipped") != std::string::npos);
  CHECK(t.find("1,234,567,890") != std::string::npos);
  CHECK(t.find("-1.2345e+17") != std::string::npos);
  CHECK(table_value(t, "Best trade") == "0.00");  // a tiny loss is not shown as "-0.00"
  CHECK(table_value(t, "Avg win") == "1e+300");
  CHECK(table_value(t, "Final equity") == "-1.2345e+17");
  CHECK(t.find("Warnings (30)") != std::string::npos);
  CHECK(t.find("and 10 more") != std::string::npos);
  CHECK(t.find(" tail\n  next line\n") != std::string::npos);  // line breaks re-flow

  const std::string empty = format_table(compute_metrics({.initial_capital = 100}), {});
  CHECK(all_lines_fit(empty));
  CHECK(table_value(empty, "Start") == "-");
  CHECK(table_value(empty, "Final equity") == "100.00");
  CHECK(empty.find("0 bars") != std::string::npos);
}

TEST_CASE("watch mode: versions, reloads and each trade's versions in the JSON and the table") {
  report_meta meta = small_meta();
  // A backtest's report has none of them.
  const std::string plain = json_of(small_run(), small_metrics(), meta);
  CHECK(plain.find("\"reloads\"") == std::string::npos);
  CHECK(plain.find("entry_version") == std::string::npos);
  CHECK(format_table(small_metrics(), meta).find("Reloads") == std::string::npos);

  meta.watch = true;
  meta.strategies = {"a.lua", "b.lua"};
  meta.versions = {3, 1};
  meta.reloads = {{.ts = t0,
                   .strategy = "a.lua",
                   .trigger = "file",
                   .version = 2,
                   .ok = true,
                   .duration_ms = 0.5},
                  {.ts = t0,
                   .strategy = "a.lua",
                   .trigger = "file",
                   .version = 2,
                   .ok = false,
                   .message = "a.lua:3: '=' expected near 'end'",
                   .duration_ms = 0.25},
                  {.ts = t1,
                   .strategy = "a.lua",
                   .trigger = "signal",
                   .version = 3,
                   .ok = true,
                   .duration_ms = 1},
                  {.ts = t1,
                   .strategy = "b.lua",
                   .trigger = "file",
                   .version = 1,
                   .ok = false,
                   .stopped = true,
                   .message = "stopped: the reload ran longer than 250 ms",
                   .duration_ms = 250}};
  meta.trade_code = {{.entry = {1, 1}, .exit = {2, 1}}};
  const std::string json = json_of(small_run(), small_metrics(), meta);
  CHECK(
      json.find("\"entry_version\": {\"a.lua\": 1, \"b.lua\": 1}, \"exit_version\": {\"a.lua\": 2, "
                "\"b.lua\": 1}}") != std::string::npos);
  CHECK(json.find("  \"versions\": {\"a.lua\": 3, \"b.lua\": 1},\n") != std::string::npos);
  CHECK(json.find(
            "{\"time\": \"2024-01-02T21:00:00Z\", \"strategy\": \"a.lua\", \"trigger\": \"file\", "
            "\"version\": 2, \"outcome\": \"refused\", \"message\": \"a.lua:3: '=' expected near "
            "'end'\", \"duration_ms\": 0.25}") != std::string::npos);
  CHECK(json.find("\"outcome\": \"stopped\"") != std::string::npos);
  CHECK(json.rfind("\n}\n") == json.size() - 3);
  CHECK(json_well_formed(json));
  const std::string table = format_table(small_metrics(), meta);
  CHECK(table.find("Reloads (4: 2 applied, 2 refused)") != std::string::npos);
  CHECK(table.find("versions at the end: a.lua v3, b.lua v1") != std::string::npos);
  CHECK(table.find("a.lua v2 applied in 0.5 ms (file)") != std::string::npos);
  CHECK(table.find("v2 kept trading") != std::string::npos);
  CHECK(table.find("the strategy stopped") != std::string::npos);
  std::size_t start = 0;
  while (start < table.size()) {  // still 80 columns
    const std::size_t end = table.find('\n', start);
    CHECK(end - start <= table_width);
    start = end + 1;
  }
}
