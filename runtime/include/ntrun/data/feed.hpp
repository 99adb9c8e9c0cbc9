// bar_feed: merges several streaming CSV readers into one timeline ordered by ts_event,
// ties broken by source order, then by symbol order within a source.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <vector>

#include "ntrun/data/csv_bars.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::data {

struct feed_options {
  std::optional<ts_ns> from{}, to{};  ///< inclusive ts_event range, applied to every source
};

class bar_feed {
 public:
  explicit bar_feed(feed_options options = {});

  /// Opens a source (its own from/to are narrowed by the feed's); returns its index, the
  /// tie-break rank. Throws data_error for a bad file or header, or once reading started.
  std::size_t add_source(csv_source spec);

  /// Next bar of the merged timeline; false when every source is exhausted. Each source is
  /// read one bar ahead; a bad row is raised (data_error) once every bar of the timestamp
  /// of its source's previous bar has been handed out, so a timestamp arrives whole. After a
  /// data_error the feed may be read on: the bad row is dropped (and not counted).
  [[nodiscard]] bool next(bar& out);

  /// ts_event of the bar next() would return, without consuming it.
  [[nodiscard]] std::optional<ts_ns> peek_ts();

  /// Counters summed over the sources; first_errors keeps the first max_kept_errors.
  [[nodiscard]] csv_stats stats() const;

  [[nodiscard]] std::size_t source_count() const noexcept { return readers_.size(); }
  [[nodiscard]] const csv_bar_reader& source(std::size_t index) const { return readers_.at(index); }

 private:
  void advance();
  void push(std::size_t index);
  [[nodiscard]] bool later(std::size_t a, std::size_t b) const noexcept;

  static constexpr std::size_t no_refill = static_cast<std::size_t>(-1);

  feed_options options_;
  std::vector<csv_bar_reader> readers_;
  std::vector<bar> heads_;          // next bar of each source
  std::vector<std::size_t> heap_;   // sources with a head, min-heap on (ts_event, index)
  std::size_t primed_ = 0;          // sources [0, primed_) have had their first read
  std::size_t refill_ = no_refill;  // source to advance before the next look at the heap
  bool started_ = false;
  std::exception_ptr error_{};  ///< a bad row met while refilling, raised after its timestamp
  ts_ns error_ts_ = 0;          ///< timestamp of the last bar of the failing source
  std::size_t error_source_ = 0;
};

}  // namespace ntrun::data
