// The terminal report of a backtest: run metadata, format_table (80 columns) and the
// UTC ISO-8601 timestamp formatting shared by the table, JSON and CSV writers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/market/types.hpp"
#include "ntrun/report/metrics.hpp"

namespace ntrun::report {

/// What the run was, as opposed to how it did (that is `metrics`).
/// A position still open when the run ended: marked to the last close, not in `trades`.
struct open_position {
  std::string symbol{};
  double quantity = 0;  ///< signed: > 0 long, < 0 short
  double avg_price = 0;
  double last_price = 0;
  double unrealised_pnl = 0;
  ts_ns entry_ts = 0;  ///< when the round trip in progress opened
};

/// A code reload of a strategy in watch mode (`ntrun run --watch`), applied or refused.
struct reload_event {
  ts_ns ts = 0;            ///< the bar time it came after (the simulated clock)
  std::string strategy{};  ///< the strategy file's name, or "bundle.lua" for a refused manifest
  std::string trigger{};   ///< "file" (a save), "signal" (SIGHUP) or "bundle.lua" (params)
  int version = 0;         ///< the version trading after it: the new one, or the old when refused
  bool ok = false;
  bool stopped = false;    ///< refused and the strategy stopped (the reload ran past its budget)
  std::string message{};   ///< why it was refused (file:line: ...); applied: a warning or empty
  double duration_ms = 0;  ///< compile, state handover and swap, on the event thread
};

/// The code versions in force (one per strategy, in bundle order) when a trade opened and
/// when it closed: the version that handled the bars before its entry and exit fills.
struct trade_versions {
  std::vector<int> entry{};
  std::vector<int> exit{};
};

/// A run with agents (docs/agents.md): who took part, what passed between them, and every
/// quorum decision with its votes.
struct agent_line {
  std::string name, role;
  std::string status = "up";  ///< or "stopped at <time>: why"
  std::int64_t sent = 0, received = 0;
};
struct decision_line {
  ts_ns ts = 0;
  std::uint64_t proposal = 0;
  std::string proposer, symbol, side;
  double quantity = 0;
  bool approved = false;
  std::string reason;
  std::vector<std::string> votes;  ///< "risk: approve (var 1.2% under 2%)", one per voter
};
struct agents_report {
  std::string topology;
  std::vector<agent_line> agents;
  std::int64_t messages = 0, delivered = 0, bad = 0, replayed = 0, missing = 0, rounds_max = 0;
  std::int64_t proposals = 0, approved = 0, rejected = 0;
  std::int64_t votes_counted = 0, votes_late = 0, votes_duplicate = 0, votes_not_eligible = 0,
               votes_closed = 0;
  std::vector<decision_line> decisions;
};

struct report_meta {
  std::string version{};  ///< ntrun version string, the JSON "ntrun" key
  std::string bundle_name{};
  std::vector<std::string> symbols{};
  std::uint64_t seed = 0;
  ts_ns start = 0;  ///< first bar of the data replayed
  ts_ns end = 0;    ///< last bar of the data replayed
  std::int64_t bars = 0;
  std::int64_t bad_rows_skipped = 0;
  std::vector<std::string> warnings{};
  std::string status = "completed";  ///< or e.g. "stopped: strategy error"
  std::vector<open_position> open_positions{};  ///< at the end of the run, in symbol order
  std::vector<std::string> errors{};  ///< what stopped the run: Lua errors with tracebacks, data errors
  // ---- watch mode only (the JSON's "reloads" and the trades' versions; absent otherwise) ----
  bool watch = false;
  std::vector<std::string> strategies{};     ///< strategy file names, in bundle order
  std::vector<int> versions{};               ///< each strategy's version at the end
  std::vector<reload_event> reloads{};       ///< in order
  std::vector<trade_versions> trade_code{};  ///< one per trade of the run record, when watch
  // ---- runs with agents only (the JSON's "agents"; absent otherwise) ----
  std::optional<agents_report> agents{};
};

inline constexpr std::size_t table_width = 80;

/// A readable, aligned table of the run: header, then Performance, Risk, Trades and Costs,
/// then warnings. No line is wider than table_width columns (a UTF-8 code point counts as
/// one); undefined metrics show as "-"; control characters in names become '?'.
[[nodiscard]] std::string format_table(const metrics& m, const report_meta& meta);

/// "YYYY-MM-DDTHH:MM:SSZ" in UTC; sub-second digits are dropped (floor, also before 1970).
[[nodiscard]] std::string iso_utc(ts_ns ts);

/// "YYYY-MM-DD" in UTC.
[[nodiscard]] std::string iso_date(ts_ns ts);

namespace detail {
/// iso_utc without an allocation, for writers that emit one timestamp per row.
[[nodiscard]] std::array<char, 20> iso_utc_chars(ts_ns ts) noexcept;

/// Length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 when the bytes
/// there are not one (stray continuation, overlong form, surrogate, above U+10FFFF, cut).
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;
}  // namespace detail

}  // namespace ntrun::report
