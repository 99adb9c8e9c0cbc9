// Per-symbol bar history kept in double-mapped ring buffers: every value is stored twice,
// so the last n values are always contiguous and Lua reads them through one pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ntrun/market/types.hpp"

namespace ntrun::backtest {

using ntrun::bar_field;
inline constexpr std::size_t num_bar_fields = 5;

class history_store {
 public:
  history_store(std::size_t num_symbols, std::size_t capacity);

  void push(const bar& b) noexcept;
  /// The last min(n, seen) values, oldest first. Valid until the next push of that symbol.
  /// Preconditions (checked by the caller): symbol < num_symbols, n <= capacity.
  [[nodiscard]] std::span<const double> last(symbol_id symbol, bar_field field,
                                             std::size_t n) const noexcept;
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t num_symbols() const noexcept { return count_.size(); }
  [[nodiscard]] std::uint64_t seen(symbol_id symbol) const noexcept { return count_[symbol]; }

 private:
  std::size_t capacity_;
  std::vector<double> buf_;           ///< [symbol][field][2 * capacity]
  std::vector<std::uint64_t> count_;  ///< bars pushed per symbol
};

}  // namespace ntrun::backtest
