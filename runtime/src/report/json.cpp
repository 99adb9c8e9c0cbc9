// write_json and the CSV exports. Output is built in memory and written in one go, so an
// error found on the way leaves the stream untouched.
#include "ntrun/report/json.hpp"

#include <cmath>
#include <initializer_list>
#include <iterator>
#include <ostream>
#include <utility>

#include <fmt/compile.h>
#include <fmt/format.h>

namespace ntrun::report {
namespace {

using buffer = fmt::memory_buffer;

void put(buffer& b, std::string_view s) {
  b.append(s.data(), s.data() + s.size());
}

// Bytes that stand for themselves inside a JSON string.
[[nodiscard]] constexpr bool plain(unsigned char c) noexcept {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

void append_escaped_ascii(buffer& b, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      put(b, "\\\"");
      return;
    case '\\':
      put(b, "\\\\");
      return;
    case '\b':
      put(b, "\\b");
      return;
    case '\f':
      put(b, "\\f");
      return;
    case '\n':
      put(b, "\\n");
      return;
    case '\r':
      put(b, "\\r");
      return;
    case '\t':
      put(b, "\\t");
      return;
    default: {
      const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
      put(b, std::string_view(u, sizeof u));
    }
  }
}

void append_string(buffer& b, std::string_view s) {
  b.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    std::size_t run = i;
    while (run < s.size() && plain(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {  // the common case: copy a whole run of plain ASCII at once
      put(b, s.substr(i, run - i));
      i = run;
      continue;
    }
    const std::size_t len = detail::utf8_sequence_length(s, i);
    if (len == 0) {
      put(b, "\\ufffd");
      i += 1;
    } else if (len == 1) {
      append_escaped_ascii(b, static_cast<unsigned char>(s[i]));
      i += 1;
    } else {
      const std::string_view seq = s.substr(i, len);
      if (seq == "\u2028") {
        put(b, "\\u2028");
      } else if (seq == "\u2029") {
        put(b, "\\u2029");
      } else {
        put(b, seq);
      }
      i += len;
    }
  }
  b.push_back('"');
}

void append_number(buffer& b, double v) {
  if (!std::isfinite(v)) {
    put(b, "null");
  } else if (v == 0) {
    b.push_back('0');  // also for -0, which JSON readers disagree on
  } else {
    fmt::format_to(std::back_inserter(b), FMT_COMPILE("{}"), v);
  }
}

void append_int(buffer& b, std::int64_t v) {
  fmt::format_to(std::back_inserter(b), FMT_COMPILE("{}"), v);
}

void put_time(buffer& b, ts_ns ts) {
  const auto iso = detail::iso_utc_chars(ts);
  put(b, std::string_view(iso.data(), iso.size()));
}

void append_time(buffer& b, ts_ns ts) {
  b.push_back('"');
  put_time(b, ts);
  b.push_back('"');
}

// `"key": ` with the given indent.
void key(buffer& b, std::string_view indent, std::string_view name) {
  put(b, indent);
  append_string(b, name);
  put(b, ": ");
}

const std::string& symbol_name(const std::vector<std::string>& names, symbol_id id) {
  if (id >= names.size()) {
    throw report_error(fmt::format(
        "report: trade on symbol id {} but only {} symbol names were given; pass the run's "
        "full symbol table (in bundle declaration order)",
        id, names.size()));
  }
  return names[id];
}

void check_symbols(const run_record& run, const std::vector<std::string>& names) {
  for (const auto& t : run.trades) (void)symbol_name(names, t.symbol);
}

void flush(std::ostream& os, const buffer& b, std::string_view what) {
  os.write(b.data(), static_cast<std::streamsize>(b.size()));
  if (!os) {
    throw report_error(fmt::format(
        "report: writing the {} failed (stream error); check the output path is writable "
        "and the disk is not full",
        what));
  }
}

void append_metrics(buffer& b, const metrics& m, bool has_curve) {
  put(b, "{\n");
  bool first = true;
  const auto next = [&](std::string_view name) {
    if (!first) put(b, ",\n");
    first = false;
    key(b, "    ", name);
  };
  const auto num = [&](std::string_view name, double v) {
    next(name);
    append_number(b, v);
  };
  const auto integer = [&](std::string_view name, std::int64_t v) {
    next(name);
    append_int(b, v);
  };
  const auto time = [&](std::string_view name, ts_ns ts) {
    next(name);
    if (has_curve) {
      append_time(b, ts);
    } else {
      put(b, "null");
    }
  };
  num("total_return", m.total_return);
  num("annual_return", m.annual_return);
  num("volatility", m.volatility);
  num("sharpe", m.sharpe);
  num("sortino", m.sortino);
  num("calmar", m.calmar);
  num("max_drawdown", m.max_drawdown);
  num("max_drawdown_duration_days", m.max_drawdown_duration_days);
  integer("num_trades", m.num_trades);
  num("win_rate", m.win_rate);
  num("profit_factor", m.profit_factor);
  num("avg_win", m.avg_win);
  num("avg_loss", m.avg_loss);
  num("avg_trade", m.avg_trade);
  num("best_trade", m.best_trade);
  num("worst_trade", m.worst_trade);
  num("exposure", m.exposure);
  num("turnover", m.turnover);
  num("commissions", m.commissions);
  num("final_equity", m.final_equity);
  time("start", m.start);
  time("end", m.end);
  integer("num_fills", m.num_fills);
  integer("num_orders", m.num_orders);
  integer("num_rejected", m.num_rejected);
  put(b, "\n  }");
}

// A JSON array with one compact element per line, or [] when empty.
template <typename T, typename Fn>
void append_lines(buffer& b, const std::vector<T>& items, Fn&& element) {
  if (items.empty()) {
    put(b, "[]");
    return;
  }
  put(b, "[\n");
  for (std::size_t i = 0; i < items.size(); ++i) {
    put(b, "    ");
    element(items[i]);
    put(b, i + 1 < items.size() ? ",\n" : "\n");
  }
  put(b, "  ]");
}

// Compact object fields: `"k": v, "k": v`.
void field(buffer& b, bool first, std::string_view name) {
  if (!first) put(b, ", ");
  append_string(b, name);
  put(b, ": ");
}

void append_csv_field(buffer& b, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    put(b, s);
    return;
  }
  b.push_back('"');
  for (char c : s) {
    if (c == '"') b.push_back('"');
    b.push_back(c);
  }
  b.push_back('"');
}

void append_csv_number(buffer& b, double v) {
  if (std::isfinite(v)) append_number(b, v);
}

}  // namespace

std::string json_string(std::string_view s) {
  buffer b;
  append_string(b, s);
  return fmt::to_string(b);
}

std::string json_number(double v) {
  buffer b;
  append_number(b, v);
  return fmt::to_string(b);
}

double trade_return(const trade& t) noexcept {
  const double notional = std::fabs(t.entry_price * t.quantity);
  return notional > 0 ? t.pnl / notional : undefined;
}

void write_json(std::ostream& os, const run_record& run, const metrics& m, const report_meta& meta,
                const std::vector<std::string>& symbol_names) {
  check_symbols(run, symbol_names);
  buffer b;
  put(b, "{\n");
  key(b, "  ", "ntrun");
  append_string(b, meta.version);
  put(b, ",\n");
  key(b, "  ", "bundle");
  append_string(b, meta.bundle_name);
  put(b, ",\n");
  key(b, "  ", "status");
  append_string(b, meta.status);
  put(b, ",\n");
  key(b, "  ", "seed");
  fmt::format_to(std::back_inserter(b), "{}", meta.seed);
  put(b, ",\n");
  // What was replayed: symbols, bar count, data range and skipped rows (--skip-bad-rows).
  key(b, "  ", "data");
  put(b, "{");
  field(b, true, "symbols");
  b.push_back('[');
  for (std::size_t i = 0; i < meta.symbols.size(); ++i) {
    if (i > 0) put(b, ", ");
    append_string(b, meta.symbols[i]);
  }
  b.push_back(']');
  field(b, false, "bars");
  fmt::format_to(std::back_inserter(b), "{}", meta.bars);
  field(b, false, "bad_rows_skipped");
  fmt::format_to(std::back_inserter(b), "{}", meta.bad_rows_skipped);
  put(b, "},\n");
  key(b, "  ", "metrics");
  append_metrics(b, m, !run.equity.empty());
  put(b, ",\n");
  key(b, "  ", "trades");
  // Watch mode: each trade names the code versions in force at its entry and exit.
  const bool versions = meta.watch && meta.trade_code.size() == run.trades.size();
  const auto append_versions = [&](const std::vector<int>& v) {
    b.push_back('{');
    for (std::size_t i = 0; i < v.size() && i < meta.strategies.size(); ++i) {
      field(b, i == 0, meta.strategies[i]);
      append_int(b, v[i]);
    }
    b.push_back('}');
  };
  std::size_t trade_index = 0;
  append_lines(b, run.trades, [&](const trade& t) {
    b.push_back('{');
    field(b, true, "symbol");
    append_string(b, symbol_name(symbol_names, t.symbol));
    field(b, false, "side");
    append_string(b, t.is_long ? "long" : "short");
    field(b, false, "entry_time");
    append_time(b, t.entry_ts);
    field(b, false, "exit_time");
    append_time(b, t.exit_ts);
    for (const auto& [name, v] : {std::pair<std::string_view, double>{"quantity", t.quantity},
                                  {"entry_price", t.entry_price},
                                  {"exit_price", t.exit_price},
                                  {"pnl", t.pnl},
                                  {"commission", t.commission},
                                  {"return", trade_return(t)}}) {
      field(b, false, name);
      append_number(b, v);
    }
    field(b, false, "exit_reason");
    append_string(b, t.exit_reason != nullptr ? t.exit_reason : "market");
    field(b, false, "entry_tag");
    append_number(b, static_cast<double>(t.entry_tag));
    field(b, false, "exit_tag");
    append_number(b, static_cast<double>(t.exit_tag));
    if (versions) {
      field(b, false, "entry_version");
      append_versions(meta.trade_code[trade_index].entry);
      field(b, false, "exit_version");
      append_versions(meta.trade_code[trade_index].exit);
    }
    ++trade_index;
    b.push_back('}');
  });
  put(b, ",\n");
  key(b, "  ", "equity");
  append_lines(b, run.equity, [&](const equity_point& p) {
    b.push_back('{');
    field(b, true, "time");
    append_time(b, p.ts);
    for (const auto& [name, v] : {std::pair<std::string_view, double>{"equity", p.equity},
                                  {"cash", p.cash},
                                  {"gross_exposure", p.gross_exposure},
                                  {"net_exposure", p.net_exposure}}) {
      field(b, false, name);
      append_number(b, v);
    }
    b.push_back('}');
  });
  put(b, ",\n");
  key(b, "  ", "open_positions");
  append_lines(b, meta.open_positions, [&](const open_position& p) {
    b.push_back('{');
    field(b, true, "symbol");
    append_string(b, p.symbol);
    field(b, false, "side");
    append_string(b, p.quantity > 0 ? "long" : "short");
    field(b, false, "entry_time");
    append_time(b, p.entry_ts);
    for (const auto& [name, v] : {std::pair<std::string_view, double>{"quantity", p.quantity},
                                  {"avg_price", p.avg_price},
                                  {"last_price", p.last_price},
                                  {"unrealised_pnl", p.unrealised_pnl}}) {
      field(b, false, name);
      append_number(b, v);
    }
    b.push_back('}');
  });
  put(b, ",\n");
  key(b, "  ", "warnings");
  append_lines(b, meta.warnings, [&](const std::string& w) { append_string(b, w); });
  put(b, ",\n");
  key(b, "  ", "errors");
  append_lines(b, meta.errors, [&](const std::string& e) { append_string(b, e); });
  if (meta.agents) {
    const agents_report& a = *meta.agents;
    put(b, ",\n");
    key(b, "  ", "agents");
    put(b, "{\n");
    key(b, "    ", "topology");
    append_string(b, a.topology);
    put(b, ",\n");
    key(b, "    ", "list");
    put(b, "[");
    for (std::size_t i = 0; i < a.agents.size(); ++i) {
      const agent_line& l = a.agents[i];
      put(b, i == 0 ? "\n      {" : ",\n      {");
      field(b, true, "name");
      append_string(b, l.name);
      field(b, false, "role");
      append_string(b, l.role);
      field(b, false, "status");
      append_string(b, l.status);
      field(b, false, "sent");
      append_int(b, l.sent);
      field(b, false, "received");
      append_int(b, l.received);
      b.push_back('}');
    }
    put(b, a.agents.empty() ? "]" : "\n    ]");
    for (const auto& [name, v] :
         {std::pair<std::string_view, std::int64_t>{"messages", a.messages},
          {"delivered", a.delivered},
          {"bad_messages", a.bad},
          {"replayed_messages", a.replayed},
          {"missing_messages", a.missing},
          {"rounds_max", a.rounds_max},
          {"proposals", a.proposals},
          {"approved", a.approved},
          {"rejected", a.rejected},
          {"votes_counted", a.votes_counted},
          {"votes_late", a.votes_late},
          {"votes_duplicate", a.votes_duplicate},
          {"votes_not_eligible", a.votes_not_eligible},
          {"votes_closed", a.votes_closed}}) {
      put(b, ",\n");
      key(b, "    ", name);
      append_int(b, v);
    }
    put(b, ",\n");
    key(b, "    ", "decisions");
    put(b, "[");
    for (std::size_t i = 0; i < a.decisions.size(); ++i) {
      const decision_line& d = a.decisions[i];
      put(b, i == 0 ? "\n      {" : ",\n      {");
      field(b, true, "time");
      append_time(b, d.ts);
      field(b, false, "proposal");
      append_int(b, static_cast<std::int64_t>(d.proposal));
      field(b, false, "proposer");
      append_string(b, d.proposer);
      field(b, false, "symbol");
      append_string(b, d.symbol);
      field(b, false, "side");
      append_string(b, d.side);
      field(b, false, "quantity");
      append_number(b, d.quantity);
      field(b, false, "approved");
      put(b, d.approved ? "true" : "false");
      field(b, false, "reason");
      append_string(b, d.reason);
      field(b, false, "votes");
      b.push_back('[');
      for (std::size_t k = 0; k < d.votes.size(); ++k) {
        if (k) put(b, ", ");
        append_string(b, d.votes[k]);
      }
      put(b, "]}");
    }
    put(b, a.decisions.empty() ? "]" : "\n    ]");
    put(b, "\n  }");
  }
  if (meta.watch) {
    // Watch mode: the versions at the end and every reload, applied or refused (wall-clock
    // durations: a paper run's report is not byte-identical between runs).
    put(b, ",\n");
    key(b, "  ", "versions");
    append_versions(meta.versions);
    put(b, ",\n");
    key(b, "  ", "reloads");
    append_lines(b, meta.reloads, [&](const reload_event& r) {
      b.push_back('{');
      field(b, true, "time");
      append_time(b, r.ts);
      field(b, false, "strategy");
      append_string(b, r.strategy);
      field(b, false, "trigger");
      append_string(b, r.trigger);
      field(b, false, "version");
      append_int(b, r.version);
      field(b, false, "outcome");
      append_string(b, r.ok ? "ok" : r.stopped ? "stopped" : "refused");
      field(b, false, "message");
      append_string(b, r.message);
      field(b, false, "duration_ms");
      append_number(b, r.duration_ms);
      b.push_back('}');
    });
  }
  put(b, "\n}\n");
  flush(os, b, "JSON report");
}

void write_equity_csv(std::ostream& os, const run_record& run) {
  buffer b;
  put(b, "time,equity,cash,gross_exposure,net_exposure\n");
  for (const auto& p : run.equity) {
    put_time(b, p.ts);
    for (double v : {p.equity, p.cash, p.gross_exposure, p.net_exposure}) {
      b.push_back(',');
      append_csv_number(b, v);
    }
    b.push_back('\n');
  }
  flush(os, b, "equity CSV");
}

void write_trades_csv(std::ostream& os, const run_record& run,
                      const std::vector<std::string>& symbol_names) {
  check_symbols(run, symbol_names);
  buffer b;
  put(b,
      "symbol,side,entry_time,exit_time,quantity,entry_price,exit_price,pnl,commission,"
      "return,exit_reason,entry_tag,exit_tag\n");
  for (const auto& t : run.trades) {
    append_csv_field(b, symbol_name(symbol_names, t.symbol));
    put(b, t.is_long ? ",long," : ",short,");
    put_time(b, t.entry_ts);
    b.push_back(',');
    put_time(b, t.exit_ts);
    for (double v :
         {t.quantity, t.entry_price, t.exit_price, t.pnl, t.commission, trade_return(t)}) {
      b.push_back(',');
      append_csv_number(b, v);
    }
    b.push_back(',');
    put(b, t.exit_reason != nullptr ? t.exit_reason : "market");
    for (const std::int64_t tag : {t.entry_tag, t.exit_tag}) {
      b.push_back(',');
      put(b, std::to_string(tag));
    }
    b.push_back('\n');
  }
  flush(os, b, "trades CSV");
}

}  // namespace ntrun::report
