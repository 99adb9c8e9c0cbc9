// The engine's clock: simulated in backtests (it jumps to each event's time), the wall clock
// in paper and live runs. Everything the engine stamps (ts_init, timers, order times) reads it.
#pragma once

#include <algorithm>
#include <chrono>

#include "ntrun/market/types.hpp"

namespace ntrun {

class clock {
 public:
  virtual ~clock() = default;
  [[nodiscard]] virtual ts_ns now() const noexcept = 0;
  /// The engine reached an event at t: a simulated clock moves there (never back); a wall
  /// clock ignores it.
  virtual void advance_to(ts_ns t) noexcept = 0;
  [[nodiscard]] virtual bool simulated() const noexcept = 0;
};

class simulated_clock final : public clock {
 public:
  explicit simulated_clock(ts_ns start = 0) noexcept : now_(start) {}
  [[nodiscard]] ts_ns now() const noexcept override { return now_; }
  void advance_to(ts_ns t) noexcept override { now_ = std::max(now_, t); }
  [[nodiscard]] bool simulated() const noexcept override { return true; }

 private:
  ts_ns now_;
};

class wall_clock final : public clock {
 public:
  [[nodiscard]] ts_ns now() const noexcept override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void advance_to(ts_ns) noexcept override {}
  [[nodiscard]] bool simulated() const noexcept override { return false; }
};

}  // namespace ntrun
