// Streaming CSV bar reader: one file, read in fixed chunks and parsed in place, yielding
// ntrun::bar in file order with validation (bad rows throw data_error or are skipped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ntrun/market/types.hpp"

namespace ntrun::data {

/// A data fault: missing or unreadable file, header without the needed columns, bad row.
/// what() names the file (and line, for rows), the reason and how to fix it.
class data_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class csv_layout : std::uint8_t {
  ohlcv,  ///< one symbol per file: time + open/high/low/close[/volume], or time + close
  wide,   ///< one symbol per column: time + one close column per symbol
};

/// What to read from one CSV file. Empty column names are auto-detected from the header
/// (case-insensitive): see docs/data.md.
struct csv_source {
  std::string path{};
  csv_layout layout = csv_layout::ohlcv;
  /// wide: the columns to read, each a symbol, in the order bars of a row are emitted
  /// (empty = every non-time column). ohlcv: at most one name, for reports (default: none).
  std::vector<std::string> symbols{};
  /// bar.symbol for each resolved symbol, parallel to symbols() (empty = 0, 1, 2, ...).
  std::vector<symbol_id> ids{};
  std::string time_col{}, open_col{}, high_col{}, low_col{}, close_col{}, volume_col{};
  bool skip_bad_rows = false;         ///< skip and count bad rows instead of throwing
  std::optional<ts_ns> from{}, to{};  ///< inclusive ts_event range; reading stops past `to`
  std::size_t read_buffer_bytes = std::size_t{1} << 20;  ///< grows only for longer lines
};

/// Counters of one reader (or, summed, of a feed).
struct csv_stats {
  std::uint64_t rows = 0;      ///< data rows read (not the header, not blank lines)
  std::uint64_t bars = 0;      ///< bars handed out by next()
  std::uint64_t missing = 0;   ///< empty close cells: no observation for that symbol and row
  std::uint64_t bad_rows = 0;  ///< rows skipped as bad (skip_bad_rows only)
  std::uint64_t filtered = 0;  ///< rows read outside [from, to]: the first past `to` ends it
  std::vector<std::string> first_errors{};  ///< messages of the first max_kept_errors bad rows
};

inline constexpr std::size_t max_kept_errors = 10;

/// Column names of a CSV file's header (BOM and CR removed, names trimmed).
[[nodiscard]] std::vector<std::string> read_csv_header(const std::string& path);

class csv_bar_reader {
 public:
  /// Opens the file and resolves columns; throws data_error naming the file and, when a
  /// column is missing, the columns the header has.
  explicit csv_bar_reader(csv_source spec);
  ~csv_bar_reader();
  csv_bar_reader(csv_bar_reader&&) noexcept;
  csv_bar_reader& operator=(csv_bar_reader&&) noexcept;
  csv_bar_reader(const csv_bar_reader&) = delete;
  csv_bar_reader& operator=(const csv_bar_reader&) = delete;

  /// Next bar in file order (rows by time, bars of one row in symbol order); false at the
  /// end. Throws data_error on a bad row unless skip_bad_rows; reading on after that
  /// drops the whole bad row (uncounted) and goes on with the next.
  [[nodiscard]] bool next(bar& out);

  [[nodiscard]] const csv_stats& stats() const noexcept;
  [[nodiscard]] const csv_source& source() const noexcept;
  /// Resolved symbol names (wide: column names; ohlcv: the spec's name or "") and ids.
  [[nodiscard]] const std::vector<std::string>& symbols() const noexcept;
  [[nodiscard]] const std::vector<symbol_id>& ids() const noexcept;
  /// True when bars carry only a close (flags bit 0): wide files, or no open/high/low.
  [[nodiscard]] bool close_only() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ntrun::data
