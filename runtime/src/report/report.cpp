// format_table: the 80-column terminal report; UTC ISO timestamps; UTF-8 checks shared with
// the JSON writer.
#include "ntrun/report/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ntrun/data/time.hpp"

namespace ntrun::report {
namespace detail {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80;  // allowed range of the second byte (Unicode table 3-7)
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

std::array<char, 20> iso_utc_chars(ts_ns ts) noexcept {
  // The runtime's one calendar conversion (data/time.hpp); int64 nanoseconds span the years
  // 1677-2262, so every field has a fixed width.
  const data::civil_time c = data::to_civil(ts);
  const std::int64_t y = c.year, m = c.month, d = c.day;
  const std::int64_t secs = c.hour * 3600LL + c.minute * 60LL + c.second;
  std::array<char, 20> out{'0', '0', '0', '0', '-', '0', '0', '-', '0', '0',
                           'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
  const auto digits = [&out](std::size_t at, std::size_t width, std::int64_t v) {
    for (std::size_t k = width; k-- > 0; v /= 10) out[at + k] = static_cast<char>('0' + v % 10);
  };
  digits(0, 4, y);
  digits(5, 2, m);
  digits(8, 2, d);
  digits(11, 2, secs / 3600);
  digits(14, 2, secs / 60 % 60);
  digits(17, 2, secs % 60);
  return out;
}

}  // namespace detail

namespace {

constexpr std::size_t gap = 2;
constexpr std::size_t half_width = (table_width - gap) / 2;
constexpr std::size_t value_width = 18;
constexpr std::size_t key_width = 10;  // "Symbols   " in the header block
constexpr std::size_t max_warnings_shown = 20;

// Terminal-safe text: control characters (ESC included) and malformed UTF-8 become '?', so
// a bundle name cannot move the cursor or garble the table.
[[nodiscard]] std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = detail::utf8_sequence_length(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7F))) {
      out += '?';
      i += 1;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

// Columns of sanitized text: one per code point.
[[nodiscard]] std::size_t columns(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Byte offset after the first `cols` code points of sanitized text.
[[nodiscard]] std::size_t byte_offset(std::string_view s, std::size_t cols) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == cols) return i;
      ++seen;
    }
  }
  return s.size();
}

[[nodiscard]] std::string truncate(std::string s, std::size_t width) {
  if (columns(s) <= width) return s;
  if (width < 3) return std::string(width, '.');
  s.resize(byte_offset(s, width - 3));
  return s + "...";
}

[[nodiscard]] std::string group_thousands(std::string_view digits) {
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Keeps a value within value_width; "-0.00" (a tiny loss, or -0) reads as a real loss, so
// a value that rounds to zero loses its sign.
[[nodiscard]] std::string fit(std::string s, double v) {
  if (s.size() > value_width) return fmt::format("{:.6g}", v);
  if (!s.empty() && s.front() == '-' && s.find_first_of("123456789") == std::string::npos) {
    s.erase(0, 1);
  }
  return s;
}

[[nodiscard]] std::string money(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "-" : fmt::format("{}", v);
  const std::string plain = fmt::format("{:.2f}", std::fabs(v));
  const std::size_t dot = plain.find('.');
  std::string s = group_thousands(std::string_view(plain).substr(0, dot)) + plain.substr(dot);
  if (std::signbit(v)) s.insert(0, "-");
  return fit(std::move(s), v);
}

[[nodiscard]] std::string percent(double v) {
  return std::isnan(v) ? "-" : fit(fmt::format("{:.2f}%", v * 100.0), v * 100.0);
}

[[nodiscard]] std::string decimal(double v) {
  return std::isnan(v) ? "-" : fit(fmt::format("{:.2f}", v), v);
}

[[nodiscard]] std::string count(std::int64_t v) {
  const std::string digits = fmt::format("{}", v);
  if (v < 0) return "-" + group_thousands(std::string_view(digits).substr(1));
  return group_thousands(digits);
}

[[nodiscard]] std::string days(double v) {
  return std::isnan(v) ? "-" : fit(fmt::format("{:.1f} days", v), v);
}

struct row {
  std::string label;
  std::string value;
};

[[nodiscard]] std::string cell(const row& r) {
  const std::size_t used = columns(r.label) + columns(r.value);
  return r.label + std::string(used < half_width ? half_width - used : 1, ' ') + r.value;
}

// Two sections side by side, each half_width wide.
void append_pair(std::string& out, std::string_view left_title, const std::vector<row>& left,
                 std::string_view right_title, const std::vector<row>& right) {
  out += fmt::format("{:<{}}{:{}}{}\n", left_title, half_width, "", gap, right_title);
  out += fmt::format("{0:-<{1}}{2:{3}}{0:-<{1}}\n", "", half_width, "", gap);
  const std::size_t n = std::max(left.size(), right.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::string line = i < left.size() ? cell(left[i]) : std::string(half_width, ' ');
    if (i < right.size()) line += std::string(gap, ' ') + cell(right[i]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out +=
      fmt::format("{:<{}}{}\n", key, key_width, truncate(sanitize(value), table_width - key_width));
}

// Word-wrapped lines; a word wider than a line is cut (at code points).
void append_wrapped(std::string& out, std::string_view text, std::string_view first_prefix,
                    std::string_view next_prefix) {
  std::string spaced(text);
  for (char& c : spaced) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';  // line breaks re-flow, not '?'
  }
  const std::string clean = sanitize(spaced);
  const std::size_t avail = table_width - first_prefix.size();
  std::string line;
  bool first = true;
  const auto flush = [&] {
    out += std::string(first ? first_prefix : next_prefix) + line + '\n';
    line.clear();
    first = false;
  };
  std::size_t pos = 0;
  while (pos <= clean.size()) {
    std::size_t stop = clean.find(' ', pos);
    if (stop == std::string::npos) stop = clean.size();
    std::string word = clean.substr(pos, stop - pos);
    pos = stop + 1;
    if (word.empty()) continue;
    if (!line.empty() && columns(line) + 1 + columns(word) > avail) flush();
    while (columns(word) > avail) {
      if (!line.empty()) flush();
      const std::size_t cut = byte_offset(word, avail);
      line = word.substr(0, cut);
      flush();
      word.erase(0, cut);
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty() || first) flush();
}

[[nodiscard]] std::string symbols_text(const std::vector<std::string>& symbols) {
  if (symbols.empty()) return "-";
  std::string joined;
  for (const auto& s : symbols) {
    if (!joined.empty()) joined += ", ";
    joined += sanitize(s);
  }
  if (symbols.size() == 1) return joined;
  const std::string tail = fmt::format(" ({} symbols)", symbols.size());
  return truncate(joined, table_width - key_width - tail.size()) + tail;
}

}  // namespace

std::string iso_utc(ts_ns ts) {
  const auto chars = detail::iso_utc_chars(ts);
  return {chars.data(), chars.size()};
}

std::string iso_date(ts_ns ts) {
  return iso_utc(ts).substr(0, 10);
}

namespace {

// Watch mode: which code traded (each strategy's last version) and every reload, the
// refused ones with their message (the first few in full; all are in the JSON report).
void append_reloads(std::string& out, const report_meta& meta) {
  std::size_t ok = 0;
  for (const reload_event& r : meta.reloads) ok += r.ok ? 1 : 0;
  out += fmt::format("\nReloads ({}: {} applied, {} refused)\n", meta.reloads.size(), ok,
                     meta.reloads.size() - ok);
  std::string versions;
  for (std::size_t i = 0; i < meta.strategies.size() && i < meta.versions.size(); ++i) {
    versions += fmt::format("{}{} v{}", i == 0 ? "" : ", ", meta.strategies[i], meta.versions[i]);
  }
  append_wrapped(out, "versions at the end: " + versions, "- ", "  ");
  const std::size_t shown = std::min(meta.reloads.size(), max_warnings_shown);
  for (std::size_t i = 0; i < shown; ++i) {
    const reload_event& r = meta.reloads[i];
    append_wrapped(
        out,
        r.ok ? fmt::format("{} {} v{} applied in {:.1f} ms ({}){}{}", iso_utc(r.ts), r.strategy,
                           r.version, r.duration_ms, r.trigger, r.message.empty() ? "" : ": ",
                           r.message)
             : fmt::format("{} {} refused ({}; {}): {}", iso_utc(r.ts), r.strategy, r.trigger,
                           r.stopped ? std::string("the strategy stopped")
                                     : fmt::format("v{} kept trading", r.version),
                           r.message),
        "- ", "  ");
  }
  if (shown < meta.reloads.size()) {
    out += fmt::format("  ... and {} more (all are in the JSON report)\n",
                       meta.reloads.size() - shown);
  }
}

}  // namespace

std::string format_table(const metrics& m, const report_meta& meta) {
  std::string out;
  const std::string title =
      meta.version.empty() ? "ntrun backtest report" : "ntrun " + meta.version + " backtest report";
  out += truncate(sanitize(title), table_width) + '\n';
  out += std::string(table_width, '=') + '\n';
  append_field(out, "Bundle", meta.bundle_name);
  append_field(out, "Status", meta.status);
  out += fmt::format("{:<{}}{}\n", "Symbols", key_width, symbols_text(meta.symbols));
  std::string data = meta.bars > 0
                         ? fmt::format("{} .. {}, ", iso_date(meta.start), iso_date(meta.end))
                         : std::string();
  data += count(meta.bars) + (meta.bars == 1 ? " bar" : " bars");
  if (meta.bad_rows_skipped != 0) {
    data += fmt::format(", {} bad {} skipped", count(meta.bad_rows_skipped),
                        meta.bad_rows_skipped == 1 ? "row" : "rows");
  }
  append_field(out, "Data", data);
  append_field(out, "Seed", fmt::format("{}", meta.seed));
  const bool has_curve = m.start != 0 || m.end != 0;
  out += '\n';
  append_pair(out, "Performance",
              {{"Total return", percent(m.total_return)},
               {"Annual return", percent(m.annual_return)},
               {"Sharpe", decimal(m.sharpe)},
               {"Sortino", decimal(m.sortino)},
               {"Calmar", decimal(m.calmar)},
               {"Final equity", money(m.final_equity)},
               {"Start", has_curve ? iso_date(m.start) : "-"},
               {"End", has_curve ? iso_date(m.end) : "-"}},
              "Risk",
              {{"Volatility", percent(m.volatility)},
               {"Max drawdown", percent(m.max_drawdown)},
               {"Max DD duration", days(m.max_drawdown_duration_days)},
               {"Exposure", percent(m.exposure)}});
  out += '\n';
  append_pair(out, "Trades",
              {{"Trades", count(m.num_trades)},
               {"Win rate", percent(m.win_rate)},
               {"Profit factor", decimal(m.profit_factor)},
               {"Avg win", money(m.avg_win)},
               {"Avg loss", money(m.avg_loss)},
               {"Avg trade", money(m.avg_trade)},
               {"Best trade", money(m.best_trade)},
               {"Worst trade", money(m.worst_trade)}},
              "Costs",
              {{"Commissions", money(m.commissions)},
               {"Turnover",
                std::isnan(m.turnover) ? "-" : fit(fmt::format("{:.2f}x", m.turnover), m.turnover)},
               {"Fills", count(m.num_fills)},
               {"Orders", count(m.num_orders)},
               {"Rejected", count(m.num_rejected)}});
  if (!meta.open_positions.empty()) {
    out += fmt::format("\nOpen positions at the end ({}): marked to the last close, not in trades\n",
                       meta.open_positions.size());
    for (const open_position& p : meta.open_positions) {
      append_wrapped(out,
                     fmt::format("{} {} {} @ {:.2f} since {}, last {:.2f}, unrealised {}",
                                 p.symbol, p.quantity > 0 ? "long" : "short",
                                 fmt::format("{:g}", std::abs(p.quantity)), p.avg_price,
                                 iso_date(p.entry_ts), p.last_price, money(p.unrealised_pnl)),
                     "- ", "  ");
    }
  }
  if (meta.watch) append_reloads(out, meta);
  if (meta.agents) {
    const agents_report& a = *meta.agents;
    out += fmt::format("\nAgents ({}, {} topology)\n", a.agents.size(), a.topology);
    for (const agent_line& l : a.agents) {
      append_wrapped(out,
                     fmt::format("{} ({}): sent {}, received {}{}", l.name, l.role, l.sent,
                                 l.received, l.status == "up" ? "" : "; " + l.status),
                     "- ", "  ");
    }
    append_wrapped(out,
                   fmt::format("messages {}, delivered {}, bad {}; proposals {}: {} approved, {} "
                               "rejected; votes counted {}, late {}, duplicate {}, not eligible {}",
                               a.messages, a.delivered, a.bad, a.proposals, a.approved,
                               a.rejected, a.votes_counted, a.votes_late, a.votes_duplicate,
                               a.votes_not_eligible),
                   "- ", "  ");
  }
  if (!meta.warnings.empty()) {
    out += fmt::format("\nWarnings ({})\n", meta.warnings.size());
    const std::size_t shown = std::min(meta.warnings.size(), max_warnings_shown);
    for (std::size_t i = 0; i < shown; ++i) append_wrapped(out, meta.warnings[i], "- ", "  ");
    if (shown < meta.warnings.size()) {
      out += fmt::format("  ... and {} more (all are in the JSON report)\n",
                         meta.warnings.size() - shown);
    }
  }
  return out;
}

}  // namespace ntrun::report
