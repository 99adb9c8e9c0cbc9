// bar_feed: k-way merge of CSV readers on a min-heap of source heads; see feed.hpp.
#include "ntrun/data/feed.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <exception>
#include <utility>

namespace ntrun::data {

bar_feed::bar_feed(feed_options options) : options_(options) {
  if (options_.from && options_.to && *options_.from > *options_.to) {
    throw data_error(fmt::format("feed range is empty: from ({} ns) is after to ({} ns)",
                                 *options_.from, *options_.to));
  }
}

std::size_t bar_feed::add_source(csv_source spec) {
  if (started_) {
    throw data_error(fmt::format("{}: sources must be added before the feed is read", spec.path));
  }
  if (options_.from) spec.from = spec.from ? std::max(*spec.from, *options_.from) : options_.from;
  if (options_.to) spec.to = spec.to ? std::min(*spec.to, *options_.to) : options_.to;
  readers_.emplace_back(std::move(spec));
  return readers_.size() - 1;
}

// Greater-than on (ts_event, source index), so std::*_heap keep the earliest on top and
// equal timestamps leave in source order; within a source the reader already yields one
// row's bars in symbol order, and its rows strictly increase.
bool bar_feed::later(std::size_t a, std::size_t b) const noexcept {
  const ts_ns ta = heads_[a].ts_event, tb = heads_[b].ts_event;
  return ta != tb ? ta > tb : a > b;
}

void bar_feed::push(std::size_t index) {
  if (!readers_[index].next(heads_[index])) return;
  heap_.push_back(index);
  std::push_heap(heap_.begin(), heap_.end(),
                 [this](std::size_t a, std::size_t b) { return later(a, b); });
}

// Sources are primed (first head read) and the source whose bar was handed out last is
// advanced lazily, here: a bad row then throws after the previous bar was delivered, and
// since the marks move only after a successful read, the next call retries that source
// past the dropped row instead of losing it.
void bar_feed::advance() {
  if (!started_) {
    started_ = true;
    heads_.resize(readers_.size());
    heap_.reserve(readers_.size());
  }
  while (primed_ < readers_.size()) {
    push(primed_);
    ++primed_;
  }
  if (refill_ != no_refill) {
    const std::size_t index = refill_;
    refill_ = no_refill;
    try {
      push(index);
    } catch (const data_error&) {
      // The rest of this timestamp (other sources' heads at the same time) is still handed
      // out, so a consumer sees every bar of a timestamp or none; then the error is raised.
      error_ = std::current_exception();
      error_ts_ = heads_[index].ts_event;
      error_source_ = index;
    }
  }
  if (error_ && (heap_.empty() || heads_[heap_.front()].ts_event > error_ts_)) {
    refill_ = error_source_;  // a caller that reads on retries that source past the bad row
    std::rethrow_exception(std::exchange(error_, nullptr));
  }
}

bool bar_feed::next(bar& out) {
  advance();
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(),
                [this](std::size_t a, std::size_t b) { return later(a, b); });
  const std::size_t index = heap_.back();
  heap_.pop_back();
  out = heads_[index];
  refill_ = index;
  return true;
}

std::optional<ts_ns> bar_feed::peek_ts() {
  advance();
  if (heap_.empty()) return std::nullopt;
  return heads_[heap_.front()].ts_event;
}

csv_stats bar_feed::stats() const {
  csv_stats total;
  for (const auto& r : readers_) {
    const csv_stats& s = r.stats();
    total.rows += s.rows;
    total.missing += s.missing;
    total.bad_rows += s.bad_rows;
    total.filtered += s.filtered;
    for (const auto& e : s.first_errors) {
      if (total.first_errors.size() < max_kept_errors) total.first_errors.push_back(e);
    }
  }
  // Readers count bars taken into heads_; those still waiting there were not emitted.
  std::uint64_t read = 0;
  for (const auto& r : readers_) read += r.stats().bars;
  total.bars = read - heap_.size();
  return total;
}

}  // namespace ntrun::data
