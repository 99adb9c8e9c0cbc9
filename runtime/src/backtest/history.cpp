// Double-mapped ring buffers of bar history (see history.hpp).
#include "ntrun/backtest/history.hpp"

#include <algorithm>
#include <limits>

namespace ntrun::backtest {

history_store::history_store(std::size_t num_symbols, std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      buf_(num_symbols * num_bar_fields * 2 * capacity_, std::numeric_limits<double>::quiet_NaN()),
      count_(num_symbols, 0) {}

void history_store::push(const bar& b) noexcept {
  const std::size_t pos = count_[b.sid] % capacity_;
  double* base = buf_.data() + b.sid * num_bar_fields * 2 * capacity_;
  const double values[num_bar_fields] = {b.open, b.high, b.low, b.close, b.volume};
  for (std::size_t f = 0; f < num_bar_fields; ++f) {
    double* ring = base + f * 2 * capacity_;
    ring[pos] = values[f];
    ring[pos + capacity_] = values[f];
  }
  ++count_[b.sid];
}

std::span<const double> history_store::last(symbol_id symbol, bar_field field,
                                            std::size_t n) const noexcept {
  const std::uint64_t seen = count_[symbol];
  n = std::min<std::size_t>({n, capacity_, static_cast<std::size_t>(seen)});
  const std::size_t pos = seen % capacity_;  // next write position
  const std::size_t start = (pos + capacity_ - n) % capacity_;
  const double* ring =
      buf_.data() + (symbol * num_bar_fields + static_cast<std::size_t>(field)) * 2 * capacity_;
  return {ring + start, n};
}

}  // namespace ntrun::backtest
