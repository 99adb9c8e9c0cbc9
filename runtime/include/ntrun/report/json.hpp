// The deterministic JSON report of a backtest and CSV exports of its equity curve and trades,
// on a small JSON writer (escaping, shortest round-trip numbers) with no JSON library.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/report/metrics.hpp"
#include "ntrun/report/report.hpp"

namespace ntrun::report {

/// Writes the full report. Keys in order: "ntrun", "bundle", "status", "seed", "data"
/// (symbols, bars, bad_rows_skipped), "metrics",
/// "trades", "equity", "open_positions", "warnings", "errors"; with meta.watch also
/// "versions" and "reloads", and each trade's "entry_version"/"exit_version"
/// (docs/hot_reload.md). Identical inputs give identical bytes. Times are UTC ISO
/// strings; undefined numbers are null; trades and equity points are one object per line.
/// Throws report_error, before writing anything, when a trade's symbol id has no name in
/// symbol_names, and after writing when the stream has failed.
void write_json(std::ostream& os, const run_record& run, const metrics& m, const report_meta& meta,
                const std::vector<std::string>& symbol_names);

/// CSV with header time,equity,cash,gross_exposure,net_exposure; an undefined number is an
/// empty field.
void write_equity_csv(std::ostream& os, const run_record& run);

/// CSV with header symbol,side,entry_time,exit_time,quantity,entry_price,exit_price,pnl,
/// commission,return. Fields holding commas, quotes or line breaks are quoted (RFC 4180).
void write_trades_csv(std::ostream& os, const run_record& run,
                      const std::vector<std::string>& symbol_names);

/// `s` as a quoted JSON string: '"' and '\\' escaped, control characters as \n, \t, ... or
/// \u00XX, U+2028/U+2029 escaped (for JavaScript), malformed UTF-8 bytes as \ufffd.
[[nodiscard]] std::string json_string(std::string_view s);

/// A finite double in its shortest round-trip form ("0.1", "1e+300"); -0 as "0"; NaN and
/// infinities as "null".
[[nodiscard]] std::string json_number(double v);

/// A trade's return on its entry notional: pnl / |entry_price * quantity| (NaN when that
/// notional is zero).
[[nodiscard]] double trade_return(const trade& t) noexcept;

}  // namespace ntrun::report
