// Private to dtw_search.cpp: the k best hits with the exclusion zone, and the bound that lets the
// search prune windows without changing the answer (docs/dtw_search.md, "Exclusion").
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "ntrun/compute/dtw.hpp"

namespace ntrun::compute::dtw::search_detail {

/// What the caller sees of a raw DTW sum (abs: the sum; sq: its root).
[[nodiscard]] inline double reported(double sum, cost c) noexcept {
  return c == cost::sq ? std::sqrt(sum) : sum;
}

/// One computed distance: `dist` is what the caller sees, `sum` the raw DTW sum.
struct hit {
  double dist;
  double sum;
  std::size_t index;
};

/// The answer's order: ascending distance, ties by index.
[[nodiscard]] inline bool before(const hit& a, const hit& b) noexcept {
  return a.dist < b.dist || (a.dist == b.dist && a.index < b.index);
}

/// Walks hits sorted by before() and takes each one that starts at least `sep` away from every
/// hit taken so far, until k are taken (sep <= 1: simply the first k). With sep = exclusion over
/// every window this is the definition of the answer.
inline std::vector<hit> greedy(std::span<const hit> sorted, std::size_t k, std::size_t sep) {
  std::vector<hit> out;
  std::vector<std::size_t> taken;  // sorted starts
  for (const hit& h : sorted) {
    if (out.size() == k) break;
    if (sep > 1) {
      const auto it = std::lower_bound(taken.begin(), taken.end(), h.index);
      if (it != taken.end() && *it - h.index < sep) continue;
      if (it != taken.begin() && h.index - *(it - 1) < sep) continue;
      taken.insert(it, h.index);
    }
    out.push_back(h);
  }
  return out;
}

/// The smallest valid bound found by any task: a raw DTW sum the k-th answer cannot exceed.
class shared_bound {
 public:
  [[nodiscard]] double get() const noexcept { return value_.load(std::memory_order_relaxed); }
  void lower(double v) noexcept {
    double cur = get();
    while (v < cur && !value_.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
  }

 private:
  std::atomic<double> value_{infinity};
};

/// Hits of one task that may still be in the answer, and the bound they imply. A bound is valid
/// when k computed hits pairwise at least `sep` = 2 * exclusion - 1 apart have sums <= it: no
/// single better match can exclude two of them, so the greedy answer has k matches at or below it
/// whatever the other windows hold. Hits above a valid bound cannot be in the answer and go.
class selector {
 public:
  selector(std::size_t k, std::size_t sep, cost c, shared_bound& global)
      : k_(k), sep_(sep), cost_(c), global_(global) {}

  [[nodiscard]] double bound() const noexcept { return std::min(local_, global_.get()); }

  void offer(double sum, std::size_t index) {
    const double dist = reported(sum, cost_);
    if (dist > reported(bound(), cost_)) return;
    kept_.push_back({.dist = dist, .sum = sum, .index = index});
    if (++pending_ * 16 >= kept_.size()) refresh();  // amortised: a stale bound is still valid
  }

  [[nodiscard]] std::vector<hit> take() && { return std::move(kept_); }

 private:
  void refresh() {
    pending_ = 0;
    std::sort(kept_.begin(), kept_.end(), before);
    if (kept_.size() >= k_) {
      const std::vector<hit> picks = greedy(kept_, k_, sep_);
      if (picks.size() == k_) {
        double top = 0;
        for (const hit& h : picks) top = std::max(top, h.sum);
        local_ = std::min(local_, top);
        global_.lower(local_);
      }
    }
    const double cut = reported(bound(), cost_);
    const auto end =
        std::find_if(kept_.begin(), kept_.end(), [&](const hit& h) { return h.dist > cut; });
    kept_.erase(end, kept_.end());
  }

  std::size_t k_;
  std::size_t sep_;
  cost cost_;
  shared_bound& global_;
  double local_ = infinity;
  std::vector<hit> kept_;
  std::size_t pending_ = 0;
};

}  // namespace ntrun::compute::dtw::search_detail
