// Seeded, portable random numbers for strategies (math.random in the sandbox): Random123's
// Philox4x32-10 keyed by (seed, stream), so a run draws the same numbers on any machine.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

namespace ntrun::backtest {

class rng64 {
 public:
  rng64() = default;
  rng64(std::uint64_t seed, std::uint32_t stream) noexcept
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        stream_(stream) {}

  /// Uniform double in [0, 1) with 53 random bits.
  [[nodiscard]] double uniform() noexcept {
    if (used_ >= 2) refill();
    const std::uint64_t bits = words_[used_++] >> 11;
    return static_cast<double>(bits) * 0x1.0p-53;
  }

 private:
  void refill() noexcept {
    r123::Philox4x32 gen;
    const r123::Philox4x32::ctr_type ctr = {{static_cast<std::uint32_t>(counter_),
                                             static_cast<std::uint32_t>(counter_ >> 32), stream_,
                                             0x6e7472u}};
    ++counter_;
    const auto out = gen(ctr, key_);
    words_[0] = (static_cast<std::uint64_t>(out.v[0]) << 32) | out.v[1];
    words_[1] = (static_cast<std::uint64_t>(out.v[2]) << 32) | out.v[3];
    used_ = 0;
  }

  r123::Philox4x32::key_type key_{{0, 0}};
  std::uint32_t stream_ = 0;
  std::uint64_t counter_ = 0;
  std::uint64_t words_[2] = {0, 0};
  int used_ = 2;
};

}  // namespace ntrun::backtest
