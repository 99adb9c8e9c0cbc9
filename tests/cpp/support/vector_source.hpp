// Test support: a replay of bars held in a vector, optionally failing after the last one the
// way a bad CSV row does (the engine delivers every bar before it, then raises it).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "ntrun/backtest/engine.hpp"
#include "ntrun/market/order.hpp"

namespace ntrun::test {

class vector_source final : public backtest::bar_source {
 public:
  explicit vector_source(std::vector<bar> bars, bool fail_at_end = false)
      : bars_(std::move(bars)), fail_(fail_at_end) {}
  std::optional<ts_ns> peek_ts() override {
    if (i_ >= bars_.size()) {
      if (fail_) throw market::market_error("data.csv:9: bad row: bad number in column 'close'");
      return std::nullopt;
    }
    return bars_[i_].ts_event;
  }
  bool next(bar& out) override {
    if (i_ >= bars_.size()) return false;
    out = bars_[i_++];
    return true;
  }

 private:
  std::vector<bar> bars_;
  bool fail_;
  std::size_t i_ = 0;
};

}  // namespace ntrun::test
