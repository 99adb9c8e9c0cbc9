// Streaming CSV bar reader: chunked reads, in-place field splitting, fast_float numbers and
// the hand-written timestamp parser; no heap allocation per row on the good path.
#include "ntrun/data/csv_bars.hpp"

#include <fast_float/fast_float.h>
#include <fmt/format.h>
#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "ntrun/data/time.hpp"

namespace ntrun::data {
namespace {

constexpr std::size_t max_line_bytes = std::size_t{64} << 20;
constexpr std::size_t max_shown_bytes = 160;
constexpr double ohlc_tolerance = 1e-9;  // relative: rounding in the source must not fail rows

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

[[nodiscard]] constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t';
}

[[nodiscard]] std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

[[nodiscard]] bool is_blank(std::string_view s) noexcept {
  return trim(s).empty();
}

[[nodiscard]] bool starts_with_quote(std::string_view s) noexcept {
  if (s.empty() || (s.front() != '"' && !is_space(s.front()))) return false;
  s = trim(s);
  return !s.empty() && s.front() == '"';
}

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[i]);
    if (std::tolower(ca) != std::tolower(cb)) return false;
  }
  return true;
}

// Text from the file as it appears in a message: cut after max_shown_bytes (not inside a
// UTF-8 sequence), "... (N bytes)" naming the full length `total` when cut, and made
// terminal-safe: control bytes (below 0x20 but tab, and 0x7F) are written as \xNN.
[[nodiscard]] std::string shown(std::string_view text, std::size_t total = std::string_view::npos) {
  if (total == std::string_view::npos) total = text.size();
  std::size_t keep = std::min(text.size(), max_shown_bytes);
  if (keep < text.size()) {
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  }
  std::string out;
  out.reserve(keep + 24);
  for (const char c : text.substr(0, keep)) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) {
      out += fmt::format("\\x{:02X}", u);
    } else {
      out += c;
    }
  }
  if (keep < total) out += fmt::format("... ({} bytes)", total);
  return out;
}

[[nodiscard]] std::string format_ts(ts_ns ts) {
  return ts % ns_per_day == 0 ? format_date(ts) : format_datetime(ts);
}

// Reads a file in chunks and hands out lines (without '\n' or a trailing '\r') as views
// into its buffer; a view stays valid until the next call.
class line_source {
 public:
  line_source(const std::string& path, std::size_t chunk_bytes) : path_(path) {
    errno = 0;
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) {
      throw data_error(fmt::format("{}: cannot open: {} (check the path and its permissions)", path,
                                   std::strerror(errno)));
    }
    cap_ = std::clamp<std::size_t>(chunk_bytes, 1, max_line_bytes);
    buf_ = std::make_unique_for_overwrite<char[]>(cap_);
  }

  [[nodiscard]] std::uint64_t line_no() const noexcept { return line_no_; }

  [[nodiscard]] bool next(std::string_view& line) {
    std::size_t scanned = pos_;
    for (;;) {
      if (const void* nl = std::memchr(buf_.get() + scanned, '\n', end_ - scanned)) {
        const char* begin = buf_.get() + pos_;
        const char* stop = static_cast<const char*>(nl);
        pos_ = static_cast<std::size_t>(stop - buf_.get()) + 1;
        return emit(line, begin, stop);
      }
      scanned = end_;
      if (eof_) {
        if (pos_ == end_) return false;
        const char* begin = buf_.get() + pos_;
        pos_ = end_;
        return emit(line, begin, buf_.get() + end_);
      }
      refill(scanned);
    }
  }

 private:
  bool emit(std::string_view& line, const char* begin, const char* stop) noexcept {
    if (stop != begin && stop[-1] == '\r') --stop;
    line = {begin, static_cast<std::size_t>(stop - begin)};
    ++line_no_;
    return true;
  }

  // Keeps the unfinished line, moved to the front, and reads after it; grows the buffer
  // only when one line fills it.
  void refill(std::size_t& scanned) {
    if (pos_ > 0) {
      std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
      end_ -= pos_;
      scanned -= pos_;
      pos_ = 0;
    } else if (end_ == cap_) {
      if (cap_ >= max_line_bytes) {
        const bool has_cr = std::memchr(buf_.get(), '\r', end_) != nullptr;
        throw data_error(fmt::format(
            "{}:{}: line longer than {} MiB; is this a CSV file?{}", path_, line_no_ + 1,
            max_line_bytes >> 20,
            has_cr ? " It contains CRs (\\r): if the file uses CR-only line endings (classic "
                     "Mac), convert them to LF, e.g. tr '\\r' '\\n' < in.csv > out.csv"
                   : ""));
      }
      const std::size_t bigger = std::min(cap_ * 2, max_line_bytes);
      auto grown = std::make_unique_for_overwrite<char[]>(bigger);
      std::memcpy(grown.get(), buf_.get(), end_);
      buf_ = std::move(grown);
      cap_ = bigger;
    }
    const std::size_t got = std::fread(buf_.get() + end_, 1, cap_ - end_, file_.get());
    if (got == 0) {
      if (std::ferror(file_.get())) {
        throw data_error(fmt::format("{}:{}: read failed: {} (is it a regular file?)", path_,
                                     line_no_ + 1, std::strerror(errno)));
      }
      eof_ = true;
    }
    end_ += got;
  }

  std::string path_;
  file_ptr file_;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0, pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::uint64_t line_no_ = 0;
};

// Reads the first non-blank line as the header: BOM and CR removed, names trimmed.
std::vector<std::string> read_header(line_source& lines, const std::string& path) {
  std::string_view line;
  bool first = true;
  for (;;) {
    if (!lines.next(line)) {
      throw data_error(fmt::format(
          "{}: empty file: expected a header line such as date,open,high,low,close,volume", path));
    }
    if (first && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    first = false;
    if (!is_blank(line)) break;
  }
  // A CR inside the header line with more text after it means CR-only line endings (classic
  // Mac): read as one line, the file would be a header with no rows at all. (A trailing CR,
  // as in CRLF, is already gone.)
  if (const std::size_t cr = line.find('\r');
      cr != std::string_view::npos && line.find_first_not_of(" \t\r", cr) != line.npos) {
    throw data_error(fmt::format(
        "{}:{}: the header line contains a CR (\\r) at byte {}: the file seems to use CR-only "
        "line endings (classic Mac); convert them to LF, e.g. tr '\\r' '\\n' < in.csv > "
        "out.csv",
        path, lines.line_no(), cr + 1));
  }
  std::vector<std::string> names;
  for (;;) {
    const std::size_t comma = line.find(',');
    names.emplace_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return names;
}

enum class num_status : std::uint8_t { ok, empty, bad, non_finite };

// Clinger's fast path: a mantissa below 2^53 and at most 22 decimals are both exact in a
// double, so one IEEE division is correctly rounded: the same double fast_float returns.
// Anything else (exponents, long mantissas, inf/nan) is left to fast_float.
[[nodiscard]] bool parse_plain_decimal(const char* p, const char* end, double& out) noexcept {
  static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const bool negative = *p == '-';
  if (negative) ++p;
  const char* const start = p;
  std::uint64_t mantissa = 0;
  for (unsigned d; p != end && (d = static_cast<unsigned>(*p - '0')) < 10; ++p) {
    mantissa = mantissa * 10 + d;
  }
  const std::ptrdiff_t whole_digits = p - start;
  std::ptrdiff_t decimals = 0;
  if (p != end && *p == '.') {
    const char* const point = ++p;
    for (unsigned d; p != end && (d = static_cast<unsigned>(*p - '0')) < 10; ++p) {
      mantissa = mantissa * 10 + d;
    }
    decimals = p - point;
  }
  const std::ptrdiff_t digits = whole_digits + decimals;
  if (p != end || digits == 0 || digits > 19 || decimals > 22 ||
      mantissa > (std::uint64_t{1} << 53)) {
    return false;
  }
  const double v = static_cast<double>(mantissa) / pow10[decimals];
  out = negative ? -v : v;
  return true;
}

[[nodiscard]] num_status parse_num(std::string_view s, double& out) noexcept {
  if (!s.empty() && (is_space(s.front()) || is_space(s.back()))) s = trim(s);
  if (s.empty()) return num_status::empty;
  const char* end = s.data() + s.size();
  if (parse_plain_decimal(s.data(), end, out)) return num_status::ok;
  const auto r = fast_float::from_chars(s.data(), end, out);
  if (r.ec != std::errc() || r.ptr != end) return num_status::bad;
  if (!std::isfinite(out)) return num_status::non_finite;
  return num_status::ok;
}

}  // namespace

struct csv_bar_reader::impl {
  csv_source spec;
  line_source lines;
  std::vector<std::string> header;
  std::size_t time_idx = 0;
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t open_idx = none, high_idx = none, low_idx = none, close_idx = none, volume_idx = none;
  std::vector<std::size_t> value_cols;  // wide: column of each symbol
  std::vector<std::string> symbols;
  std::vector<symbol_id> ids;
  bool close_only = false;

  std::vector<std::string_view> fields;  // sized to the header once; views into `lines`
  std::vector<bar> pending;              // bars of the current row, handed out in order
  std::size_t pending_pos = 0;
  ts_ns prev_ts = 0;
  std::uint64_t prev_line = 0;
  bool have_prev = false;
  bool done = false;
  char cached_date[date_chars] = {};
  ts_ns cached_day = 0;
  bool cached_day_valid = false;
  csv_stats stats;

  explicit impl(csv_source s) : spec(std::move(s)), lines(spec.path, spec.read_buffer_bytes) {
    header = read_header(lines, spec.path);
    resolve_columns();
    fields.resize(header.size());
    pending.reserve(std::max<std::size_t>(symbols.size(), 1));
  }

  [[noreturn]] void header_error(const std::string& what) const {
    // The list is built only as far as it is shown: a header can be tens of MB.
    std::string cols;
    std::size_t total = 0;
    for (std::size_t i = 0; i < header.size(); ++i) {
      const std::string_view sep = i == 0 ? "" : ", ";
      total += sep.size() + header[i].size();
      if (cols.size() <= max_shown_bytes) {
        cols += sep;
        cols.append(header[i], 0, max_shown_bytes + 1);
      }
    }
    throw data_error(fmt::format("{}: {}; columns: {}", spec.path, what, shown(cols, total)));
  }

  // Index of the column named `name` (case-insensitive); none when absent.
  [[nodiscard]] std::size_t find(std::string_view name) const {
    std::size_t found = none;
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (!iequals(header[i], name)) continue;
      if (found != none) header_error(fmt::format("column name '{}' is ambiguous", shown(name)));
      found = i;
    }
    return found;
  }

  // An explicit name must exist; an empty one is looked up under `auto_name`, if any.
  [[nodiscard]] std::size_t column(const std::string& given, std::string_view field,
                                   std::string_view auto_name) const {
    if (given.empty()) return auto_name.empty() ? none : find(auto_name);
    const std::size_t i = find(given);
    if (i == none) header_error(fmt::format("{} '{}' is not in the header", field, shown(given)));
    return i;
  }

  void resolve_columns() {
    if (header.size() < 2) header_error("need a time column and at least one value column");
    time_idx = column(spec.time_col, "time_col", "");
    for (std::size_t i = 0; i < header.size() && time_idx == none; ++i) {
      for (std::string_view n : {"date", "datetime", "time", "timestamp"}) {
        if (iequals(header[i], n)) time_idx = i;
      }
    }
    if (time_idx == none) {
      header_error("no time column (date, datetime, time or timestamp); set time_col");
    }
    if (spec.layout == csv_layout::wide) {
      resolve_wide();
    } else {
      resolve_ohlcv();
    }
    if (spec.ids.empty()) {
      for (std::size_t i = 0; i < symbols.size(); ++i) ids.push_back(static_cast<symbol_id>(i));
    } else if (spec.ids.size() == symbols.size()) {
      ids = spec.ids;
    } else {
      header_error(fmt::format("{} ids given for {} symbols; give one id per symbol or none",
                               spec.ids.size(), symbols.size()));
    }
  }

  void resolve_wide() {
    close_only = true;
    if (spec.symbols.empty()) {
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (i == time_idx) continue;
        if (header[i].empty()) {
          header_error(fmt::format("column {} has no name; list the symbols to read", i + 1));
        }
        (void)find(header[i]);  // throws on a duplicate name
        value_cols.push_back(i);
        symbols.push_back(header[i]);
      }
      return;
    }
    for (const auto& s : spec.symbols) {
      const std::size_t i = column(s, "symbol column", "");
      if (i == time_idx) header_error(fmt::format("symbol '{}' is the time column", shown(s)));
      value_cols.push_back(i);
      symbols.push_back(s);
    }
  }

  void resolve_ohlcv() {
    if (spec.symbols.size() > 1) {
      header_error("layout ohlcv reads one symbol; use layout wide for one symbol per column");
    }
    symbols.push_back(spec.symbols.empty() ? std::string() : spec.symbols.front());
    open_idx = column(spec.open_col, "open_col", "open");
    high_idx = column(spec.high_col, "high_col", "high");
    low_idx = column(spec.low_col, "low_col", "low");
    close_idx = column(spec.close_col, "close_col", "close");
    volume_idx = column(spec.volume_col, "volume_col", "volume");
    if (close_idx == none && header.size() == 2) close_idx = 1 - time_idx;
    if (close_idx == none) {
      header_error("no close column; set close_col, or use layout wide for one symbol per column");
    }
    const int ohl = (open_idx != none) + (high_idx != none) + (low_idx != none);
    if (ohl != 0 && ohl != 3) {
      header_error("has only some of open/high/low; set open_col, high_col and low_col");
    }
    close_only = ohl == 0;
  }

  // Records or throws a bad row; the row's bars are dropped.
  void bad(std::string_view line, const std::string& reason) {
    std::string msg =
        fmt::format("{}:{}: bad row: {}: \"{}\"", spec.path, lines.line_no(), reason, shown(line));
    pending.clear();  // also on throw: a caller that reads on must not see half a row
    if (!spec.skip_bad_rows) throw data_error(msg);
    ++stats.bad_rows;
    if (stats.first_errors.size() < max_kept_errors) stats.first_errors.push_back(std::move(msg));
  }

  // One pass over the row, eight bytes at a time: comma bytes are found as the zero bytes
  // of word ^ ",,,,,,,," with an exact (carry-free) zero-byte test.
  [[nodiscard]] std::size_t split(std::string_view line) noexcept {
    const char* p = line.data();
    const char* const e = p + line.size();
    const std::size_t cap = fields.size();
    std::size_t n = 0;
    const char* start = p;
    auto cut = [&](const char* comma) {
      if (n < cap) fields[n] = {start, static_cast<std::size_t>(comma - start)};
      ++n;
      start = comma + 1;
    };
    if constexpr (std::endian::native == std::endian::little) {
      constexpr std::uint64_t commas = 0x2c2c2c2c2c2c2c2cULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
      for (; e - p >= 8; p += 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        const std::uint64_t x = word ^ commas;
        std::uint64_t hits = ~(((x & low7) + low7) | x | low7);
        while (hits != 0) {
          cut(p + std::countr_zero(hits) / 8);
          hits &= hits - 1;
        }
      }
    }
    for (; p != e; ++p) {
      if (*p == ',') cut(p);
    }
    if (n < cap) fields[n] = {start, static_cast<std::size_t>(e - start)};
    return n + 1;
  }

  // Turns a cell's parse status into a verdict; reports the row when it is not ok.
  [[nodiscard]] bool cell_ok(num_status st, std::string_view line, std::size_t col) {
    switch (st) {
      case num_status::ok:
        return true;
      case num_status::empty:
        bad(line, fmt::format("empty '{}' cell while close is present", shown(header[col])));
        return false;
      case num_status::bad:
        bad(line, fmt::format("bad number in column '{}': \"{}\"", shown(header[col]),
                              shown(fields[col])));
        return false;
      case num_status::non_finite:
        bad(line, fmt::format("non-finite value in column '{}': \"{}\"", shown(header[col]),
                              shown(fields[col])));
        return false;
    }
    return false;
  }

  [[nodiscard]] bool number(std::string_view line, std::size_t col, double& out) {
    return cell_ok(parse_num(fields[col], out), line, col);
  }

  // Prices below zero are bad rows here, with file:line, rather than a stop in the venue;
  // zero (and -0) is allowed, as the venue allows it.
  [[nodiscard]] bool non_negative(std::string_view line, std::size_t col, double v) {
    if (!(v < 0)) return true;
    bad(line, fmt::format("negative price in column '{}': \"{}\"", shown(header[col]),
                          shown(trim(fields[col]))));
    return false;
  }

  [[nodiscard]] bar make_bar(ts_ns ts, std::size_t symbol_index) const noexcept {
    return {.ts_event = ts, .ts_init = ts, .sid = ids[symbol_index], .flags = 0};
  }

  // Appends the bars of one valid row to `pending`; returns false for a bad row.
  [[nodiscard]] bool row_values(std::string_view line, ts_ns ts) {
    if (spec.layout == csv_layout::wide) {
      std::uint64_t empty = 0;
      for (std::size_t k = 0; k < value_cols.size(); ++k) {
        double v = 0;
        const num_status st = parse_num(fields[value_cols[k]], v);
        if (st == num_status::empty) {
          ++empty;
          continue;
        }
        if (!cell_ok(st, line, value_cols[k]) || !non_negative(line, value_cols[k], v)) {
          return false;
        }
        bar b = make_bar(ts, k);
        b.flags = 1;
        b.open = b.high = b.low = b.close = v;
        pending.push_back(b);
      }
      stats.missing += empty;
      return true;
    }
    bar b = make_bar(ts, 0);
    const num_status close_st = parse_num(fields[close_idx], b.close);
    if (close_st == num_status::empty) {
      ++stats.missing;
      return true;
    }
    if (!cell_ok(close_st, line, close_idx)) return false;
    if (close_only) {
      b.flags = 1;
      b.open = b.high = b.low = b.close;
    } else if (!number(line, open_idx, b.open) || !number(line, high_idx, b.high) ||
               !number(line, low_idx, b.low)) {
      return false;
    }
    if ((!close_only &&
         (!non_negative(line, open_idx, b.open) || !non_negative(line, high_idx, b.high) ||
          !non_negative(line, low_idx, b.low))) ||
        !non_negative(line, close_idx, b.close)) {
      return false;
    }
    if (volume_idx != none) {
      if (!number(line, volume_idx, b.volume)) return false;
      if (b.volume < 0) {
        bad(line, fmt::format("negative volume (volume={})", b.volume));
        return false;
      }
    }
    if (!close_only && !ohlc_consistent(line, b)) return false;
    pending.push_back(b);
    return true;
  }

  [[nodiscard]] bool ohlc_consistent(std::string_view line, const bar& b) {
    const double scale =
        std::max({std::abs(b.open), std::abs(b.high), std::abs(b.low), std::abs(b.close)});
    const double tol = ohlc_tolerance * scale;
    if (b.high < b.low - tol) {
      bad(line, fmt::format("high < low (high={}, low={})", b.high, b.low));
    } else if (b.high < std::max(b.open, b.close) - tol) {
      bad(line, fmt::format("high < max(open, close) (high={}, open={}, close={})", b.high, b.open,
                            b.close));
    } else if (b.low > std::min(b.open, b.close) + tol) {
      bad(line, fmt::format("low > min(open, close) (low={}, open={}, close={})", b.low, b.open,
                            b.close));
    } else {
      return true;
    }
    return false;
  }

  // Intraday files repeat the date on every row: the day is parsed once per date text.
  [[nodiscard]] time_parse_result parse_ts(std::string_view text) noexcept {
    if (text.size() >= date_chars && cached_day_valid &&
        std::memcmp(text.data(), cached_date, date_chars) == 0) {
      time_parse_result r = parse_time_of_day(text.substr(date_chars));
      r.ts += cached_day;
      return r;
    }
    const time_parse_result r = parse_timestamp_ex(text);
    if (r.error == time_error::none) {
      std::memcpy(cached_date, text.data(), date_chars);
      cached_day = r.ts - parse_time_of_day(text.substr(date_chars)).ts;
      cached_day_valid = true;
    }
    return r;
  }

  void process_row(std::string_view line) {
    ++stats.rows;
    const std::size_t n = split(line);
    for (std::size_t i = 0; i < std::min(n, fields.size()); ++i) {
      if (starts_with_quote(fields[i])) {
        return bad(line, fmt::format("quoted fields are not supported (field {} starts with a "
                                     "quote); remove the quotes",
                                     i + 1));
      }
    }
    if (n != fields.size()) {
      return bad(line,
                 fmt::format("expected {} fields as in the header, got {}", fields.size(), n));
    }
    const std::string_view ts_text = trim(fields[time_idx]);
    const time_parse_result t = parse_ts(ts_text);
    if (t.error != time_error::none) {
      return bad(line, fmt::format("bad timestamp \"{}\" in column '{}': {}", shown(ts_text),
                                   shown(header[time_idx]), to_string(t.error)));
    }
    if (have_prev && t.ts <= prev_ts) {
      return bad(line, fmt::format("timestamp not strictly increasing ({} is not after {} on "
                                   "line {})",
                                   shown(ts_text), format_ts(prev_ts), prev_line));
    }
    if (spec.to && t.ts > *spec.to) {
      ++stats.filtered;
      done = true;
      return;
    }
    if (spec.from && t.ts < *spec.from) {
      ++stats.filtered;  // still checked for order, so `from` cannot hide a disorder
    } else if (!row_values(line, t.ts)) {
      return;
    }
    prev_ts = t.ts;
    prev_line = lines.line_no();
    have_prev = true;
  }

  [[nodiscard]] bool next(bar& out) {
    for (;;) {
      if (pending_pos < pending.size()) {
        out = pending[pending_pos++];
        ++stats.bars;
        return true;
      }
      pending.clear();
      pending_pos = 0;
      std::string_view line;
      if (done || !lines.next(line)) {
        done = true;
        return false;
      }
      if (!line.empty() && !is_blank(line)) process_row(line);
    }
  }
};

std::vector<std::string> read_csv_header(const std::string& path) {
  line_source lines(path, std::size_t{64} << 10);
  return read_header(lines, path);
}

csv_bar_reader::csv_bar_reader(csv_source spec) : impl_(std::make_unique<impl>(std::move(spec))) {}
csv_bar_reader::~csv_bar_reader() = default;
csv_bar_reader::csv_bar_reader(csv_bar_reader&&) noexcept = default;
csv_bar_reader& csv_bar_reader::operator=(csv_bar_reader&&) noexcept = default;

bool csv_bar_reader::next(bar& out) {
  return impl_->next(out);
}
const csv_stats& csv_bar_reader::stats() const noexcept {
  return impl_->stats;
}
const csv_source& csv_bar_reader::source() const noexcept {
  return impl_->spec;
}
const std::vector<std::string>& csv_bar_reader::symbols() const noexcept {
  return impl_->symbols;
}
const std::vector<symbol_id>& csv_bar_reader::ids() const noexcept {
  return impl_->ids;
}
bool csv_bar_reader::close_only() const noexcept {
  return impl_->close_only;
}

}  // namespace ntrun::data
