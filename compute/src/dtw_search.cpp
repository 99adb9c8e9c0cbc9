// DTW nearest neighbours (knn) and subsequence search: UCR-Suite-style pruning (LB_Kim, LB_Keogh
// both ways, early-abandoning DTW) over oneTBB tasks that share one bound, exactly equal to the
// brute-force definition in docs/dtw_search.md.
#include "ntrun/compute/dtw_search.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "dtw_lower_bounds.hpp"
#include "dtw_search_select.hpp"

// Same bits on every path (see dtw_lower_bounds.cpp): no fused multiply-add contraction.
#pragma GCC optimize("fp-contract=off")

namespace ntrun::compute::dtw {
namespace {

namespace sd = search_detail;
using sd::hit;

constexpr std::size_t k_window_chunk = 8 * sd::stats_block;  // windows per task (aligned)
constexpr std::size_t k_candidate_chunk = 512;               // candidates per task

[[noreturn]] void throw_bad(const char* name, const std::string& why) {
  throw std::invalid_argument(std::string("bad '") + name + "' argument: " + why);
}

/// `item` >= 0 names the candidate in the message; the text is built only on error.
void check_series(std::span<const double> x, const char* name, long item = -1) {
  if (!x.empty() && sd::all_finite(x.data(), x.size())) return;
  // Positions count from 1 in messages: they reach Lua users verbatim.
  const std::string which = item < 0 ? "" : "candidate " + std::to_string(item + 1) + " (from 1) ";
  if (x.empty()) throw_bad(name, which + "is empty; pass at least one value");
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]))
      throw_bad(name, which + "holds a non-finite value (" + std::to_string(x[i]) +
                          ") at position " + std::to_string(i + 1) +
                          " (from 1); clean or fill it first");
  }
}

void add(search_stats& into, const search_stats& s) noexcept {
  into.candidates += s.candidates;
  into.pruned_kim += s.pruned_kim;
  into.pruned_keogh += s.pruned_keogh;
  into.pruned_keogh2 += s.pruned_keogh2;
  into.abandoned += s.abandoned;
  into.full_dtw += s.full_dtw;
}

/// The query as compared (z-normalised when asked) and its envelope of radius r.
struct prepared_query {
  std::vector<double> q, up, lo;
};

prepared_query prepare(std::span<const double> query, bool znorm, std::size_t r) {
  const std::size_t n = query.size();
  prepared_query p{.q = {query.begin(), query.end()},
                   .up = std::vector<double>(n),
                   .lo = std::vector<double>(n)};
  if (znorm) {
    const sd::norm_stats ts = sd::exact_stats(query.data(), n);
    for (double& v : p.q) v = sd::normalise(v, ts.mean, ts.inv_std);
  }
  std::vector<double> scratch(sd::envelope_scratch(n, r));
  sd::envelope(p.q.data(), n, r, 0, n, p.up.data(), p.lo.data(), scratch.data());
  return p;
}

/// What every task shares. `factor` widens the bound by the rounding margin before pruning: a
/// lower bound summed in another order than the DTW may exceed it by that much.
struct context {
  const prepared_query& query;
  cost metric;
  std::size_t w;  ///< band handed to the DTW
  double factor;
  std::size_t k;
  std::size_t sep;  ///< separation of the hits that make a bound (selector)
  sd::shared_bound& global;
};

/// One task: its buffers, selector and stats, and the candidates waiting for the 8-lane DTW.
class worker {
 public:
  worker(const context& cx, std::size_t max_len)
      : cx_(cx),
        sel_(cx.k, cx.sep, cx.metric, cx.global),
        tz_(max_len),
        eq_terms_(max_len),
        ec_terms_(cx.query.q.size()),
        rows_(sd::dtw_scratch(max_len)) {
    const std::size_t n = cx.query.q.size();
    if (sd::simd_level() == sd::isa::avx512 && n >= 8) batch_.emplace(n, n);
  }

  search_stats stats;

  /// The pruning limit: the bound widened by the rounding margin.
  [[nodiscard]] double limit() const noexcept { return sel_.bound() * cx_.factor; }

  /// The rest of the cascade for candidate `id` (t, m points, normalised by ts): LB_Kim and
  /// LB_Keogh with the query's envelope unless `checked` (knn computed them beforehand), LB_Keogh
  /// with the candidate's envelope (equal lengths), then the DTW, now or in the next lane batch.
  template <class Envelope>
  void consider(std::size_t id, const double* t, std::size_t m, sd::norm_stats ts,
                const Envelope& envelope, double limit, bool checked) {
    const std::vector<double>& q = cx_.query.q;
    const std::size_t n = q.size();
    // One layer here: in a scan, LB_Keogh (vectorised) prunes more per cycle than layers 1, 2.
    if (!checked && sd::lb_kim(q.data(), n, t, m, ts, cx_.metric, limit, 1) > limit) {
      ++stats.pruned_kim;
      return;
    }
    sd::path_terms bounds;
    if (m == n) {
      const double* qup = cx_.query.up.data();
      const double* qlo = cx_.query.lo.data();
      double lb1 =
          checked ? 0.0 : sd::lb_keogh_eq(t, qup, qlo, m, ts, cx_.metric, limit, eq_terms_.data());
      if (lb1 > limit) {
        ++stats.pruned_keogh;
        return;
      }
      const auto [tup, tlo] = envelope();
      const double lb2 =
          sd::lb_keogh_ec(q.data(), tup, tlo, m, ts, cx_.metric, limit, ec_terms_.data());
      if (lb2 > limit) {
        ++stats.pruned_keogh2;
        return;
      }
      if (checked)  // the terms, for the DTW's column thresholds
        lb1 = sd::lb_keogh_eq(t, qup, qlo, m, ts, cx_.metric, infinity, eq_terms_.data());
      bounds = {
          .rows = ec_terms_.data(), .rows_total = lb2, .cols = eq_terms_.data(), .cols_total = lb1};
    }
    double* tz = tz_.data();
    for (std::size_t j = 0; j < m; ++j) tz[j] = sd::normalise(t[j], ts.mean, ts.inv_std);
    if (batch_ && m == n) {
      if (batch_->add(tz, bounds, id)) flush();
      return;
    }
    account(id, sd::dtw_sum(q.data(), n, tz, m, cx_.w, bounds, limit, cx_.metric, rows_.data()),
            limit);
  }

  /// Unpruned DTW of t normalised by ts, kept whatever its value (the brute-force definition).
  void plain(std::size_t id, const double* t, std::size_t m, sd::norm_stats ts) {
    const std::vector<double>& q = cx_.query.q;
    for (std::size_t j = 0; j < m; ++j) tz_[j] = sd::normalise(t[j], ts.mean, ts.inv_std);
    const double d = sd::dtw_sum(q.data(), q.size(), tz_.data(), m, cx_.w, {}, infinity, cx_.metric,
                                 rows_.data());
    ++stats.full_dtw;
    all_.push_back({.dist = sd::reported(d, cx_.metric), .sum = d, .index = id});
  }

  [[nodiscard]] std::vector<hit> take() && {
    flush();
    std::vector<hit> out = std::move(sel_).take();
    out.insert(out.end(), all_.begin(), all_.end());
    return out;
  }

 private:
  void flush() {
    if (!batch_ || batch_->size == 0) return;
    const double lim = limit();
    double out[sd::lane_batch::lanes];
    const std::size_t n = cx_.query.q.size();
    sd::dtw_lanes(cx_.query.q.data(), n, n, cx_.w, *batch_, lim, cx_.metric, out);
    for (std::size_t l = 0; l < batch_->size; ++l) account(batch_->id[l], out[l], lim);
    batch_->size = 0;
  }

  void account(std::size_t id, double d, double lim) {
    if (d > lim) {
      ++stats.abandoned;
      return;
    }
    ++stats.full_dtw;
    sel_.offer(d, id);
  }

  const context& cx_;
  sd::selector sel_;
  std::vector<double> tz_, eq_terms_, ec_terms_, rows_;
  std::optional<sd::lane_batch> batch_;
  std::vector<hit> all_;
};

template <class Task>
void run_tasks(std::size_t tasks, bool parallel, const Task& task) {
  if (!parallel || tasks < 2) {
    for (std::size_t i = 0; i < tasks; ++i) task(i);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, tasks, 1),
      [&](const tbb::blocked_range<std::size_t>& rg) {
        for (std::size_t i = rg.begin(); i != rg.end(); ++i) task(i);
      },
      tbb::simple_partitioner());
}

/// The answer from the tasks' hits: those within the final bound, sorted, then the greedy walk.
std::vector<neighbour> finish(std::vector<std::vector<hit>>& parts, double bound, cost c,
                              std::size_t k, std::size_t sep, std::span<search_stats> part_stats,
                              search_stats* stats) {
  if (stats != nullptr) {
    *stats = {};
    for (const auto& s : part_stats) add(*stats, s);
  }
  const double cut = sd::reported(bound, c);
  std::vector<hit> all;
  for (auto& part : parts) {
    for (const hit& h : part)
      if (h.dist <= cut) all.push_back(h);
  }
  std::sort(all.begin(), all.end(), sd::before);
  std::vector<neighbour> out;
  for (const hit& h : sd::greedy(all, k, sep))
    out.push_back({.index = h.index, .distance = h.dist});
  return out;
}

[[nodiscard]] double rounding_factor(std::size_t n, std::size_t m) noexcept {
  return 1.0 + 16.0 * static_cast<double>(n + m + 8) * DBL_EPSILON;
}

[[nodiscard]] std::size_t band_of(const options& o, std::size_t big) noexcept {
  return o.band < 0 ? big : std::min(static_cast<std::size_t>(o.band), big);
}

}  // namespace

std::vector<neighbour> knn(std::span<const double> query,
                           std::span<const std::span<const double>> candidates,
                           const search_options& opt, search_stats* stats) {
  check_series(query, "query");
  if (opt.k == 0) throw_bad("k", "must be >= 1 (got 0)");
  if (candidates.empty()) throw_bad("candidates", "no candidates; pass at least one series");
  const std::size_t n = query.size();
  std::size_t max_len = 0;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const auto cand = candidates[c];
    if (cand.empty() || !opt.prune) check_series(cand, "candidates", static_cast<long>(c));
    const std::size_t diff = cand.size() > n ? cand.size() - n : n - cand.size();
    if (opt.dtw.band >= 0 && diff > static_cast<std::size_t>(opt.dtw.band))
      throw_bad("band", std::to_string(opt.dtw.band) + " is narrower than the length difference " +
                            std::to_string(diff) + " of the query and candidate " +
                            std::to_string(c + 1) +
                            " (from 1), so no warping path exists; widen the band");
    max_len = std::max(max_len, cand.size());
  }
  const std::size_t r = band_of(opt.dtw, n - 1);
  const prepared_query pq = prepare(query, opt.znorm, r);
  sd::shared_bound global;
  const context cx{.query = pq,
                   .metric = opt.dtw.metric,
                   .w = band_of(opt.dtw, std::max(n, max_len)),
                   .factor = rounding_factor(n, max_len),
                   .k = opt.k,
                   .sep = 0,
                   .global = global};
  const std::size_t count = candidates.size();
  const std::size_t tasks = (count + k_candidate_chunk - 1) / k_candidate_chunk;
  const bool parallel = count * n * std::min(2 * r + 1, n) >= (std::size_t{1} << 22);
  const auto chunk = [&](std::size_t task) {
    return std::pair(task * k_candidate_chunk, std::min(count, (task + 1) * k_candidate_chunk));
  };
  const auto norm_of = [&](std::size_t c) {
    return opt.znorm ? sd::exact_stats(candidates[c].data(), candidates[c].size())
                     : sd::norm_stats{};
  };
  std::vector<std::vector<hit>> parts(tasks + 1);  // the last one: the seeds
  std::vector<search_stats> part_stats(tasks + 1);
  if (!opt.prune) {
    run_tasks(tasks, parallel, [&](std::size_t task) {
      worker wk(cx, max_len);
      const auto [c0, c1] = chunk(task);
      for (std::size_t c = c0; c < c1; ++c)
        wk.plain(c, candidates[c].data(), candidates[c].size(), norm_of(c));
      wk.stats.candidates = c1 - c0;
      parts[task] = std::move(wk).take();
      part_stats[task] = wk.stats;
    });
    return finish(parts, global.get(), cx.metric, opt.k, 0, part_stats, stats);
  }
  // LB_Kim and LB_Keogh (query envelope) of every candidate first, without a limit: the
  // candidates with the lowest bounds (the seeds) are compared first and set a tight bound for
  // all the others, which then mostly stop at the stored bounds.
  // The values are checked here too, while in cache; the first bad candidate is reported.
  std::vector<sd::norm_stats> norms(count);
  std::vector<double> kim(count), eq(count, 0.0);
  std::vector<std::size_t> bad(tasks, count);
  run_tasks(tasks, parallel, [&](std::size_t task) {
    std::vector<double> terms(n);
    const auto [c0, c1] = chunk(task);
    for (std::size_t c = c0; c < c1; ++c) {
      const double* t = candidates[c].data();
      const std::size_t m = candidates[c].size();
      if (!sd::all_finite(t, m)) {
        bad[task] = std::min(bad[task], c);
        continue;
      }
      norms[c] = norm_of(c);
      kim[c] = sd::lb_kim(pq.q.data(), n, t, m, norms[c], cx.metric, infinity, 3);
      if (m == n)
        eq[c] = sd::lb_keogh_eq(t, pq.up.data(), pq.lo.data(), n, norms[c], cx.metric, infinity,
                                terms.data());
    }
  });
  if (const std::size_t c = *std::min_element(bad.begin(), bad.end()); c < count)
    check_series(candidates[c], "candidates", static_cast<long>(c));
  const auto key = [&](std::size_t c) { return std::max(kim[c], eq[c]); };
  std::vector<std::size_t> order(count);
  for (std::size_t c = 0; c < count; ++c) order[c] = c;
  const std::size_t seeds = opt.k >= count ? count : std::min(count, 4 * opt.k + 12);
  std::nth_element(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(seeds) - 1, order.end(),
      [&](std::size_t a, std::size_t b) { return key(a) < key(b) || (key(a) == key(b) && a < b); });
  std::vector<unsigned char> seeded(count, 0);
  for (std::size_t i = 0; i < seeds; ++i) seeded[order[i]] = 1;
  // Task `tasks` runs the seeds alone, first; the others skip them.
  const auto run = [&](std::size_t task) {
    worker wk(cx, max_len);
    std::vector<double> up(n), lo(n), env(sd::envelope_scratch(n, r));
    const auto visit = [&](std::size_t c) {
      const double* t = candidates[c].data();
      const std::size_t m = candidates[c].size();
      ++wk.stats.candidates;
      const double limit = wk.limit();
      if (kim[c] > limit) {
        ++wk.stats.pruned_kim;
      } else if (eq[c] > limit) {
        ++wk.stats.pruned_keogh;
      } else {
        const auto envelope = [&] {
          sd::envelope(t, m, r, 0, m, up.data(), lo.data(), env.data());
          return std::pair<const double*, const double*>(up.data(), lo.data());
        };
        wk.consider(c, t, m, norms[c], envelope, limit, true);
      }
    };
    if (task == tasks) {
      for (std::size_t i = 0; i < seeds; ++i) visit(order[i]);
    } else {
      const auto [c0, c1] = chunk(task);
      for (std::size_t c = c0; c < c1; ++c)
        if (seeded[c] == 0) visit(c);
    }
    parts[task] = std::move(wk).take();
    part_stats[task] = wk.stats;
  };
  run(tasks);
  run_tasks(tasks, parallel, run);
  return finish(parts, global.get(), cx.metric, opt.k, 0, part_stats, stats);
}

std::vector<neighbour> search(std::span<const double> query, std::span<const double> series,
                              const search_options& opt, search_stats* stats) {
  check_series(query, "query");
  if (opt.k == 0) throw_bad("k", "must be >= 1 (got 0)");
  check_series(series, "series");
  const std::size_t m = query.size();
  const std::size_t len = series.size();
  if (m > len)
    throw_bad("query", "its length " + std::to_string(m) + " exceeds the series length " +
                           std::to_string(len) + "; pass a shorter query or a longer series");
  const std::size_t windows = len - m + 1;
  // Any exclusion >= windows already makes every two windows overlap.
  const std::size_t exclusion = std::min(opt.exclusion == 0 ? m : opt.exclusion, windows);
  const std::size_t r = band_of(opt.dtw, m - 1);
  const prepared_query pq = prepare(query, opt.znorm, r);
  sd::shared_bound global;
  const context cx{.query = pq,
                   .metric = opt.dtw.metric,
                   .w = band_of(opt.dtw, m),
                   .factor = rounding_factor(m, m),
                   .k = opt.k,
                   .sep = opt.prune ? 2 * exclusion - 1 : 0,
                   .global = global};
  const std::size_t tasks = (windows + k_window_chunk - 1) / k_window_chunk;
  const double* x = series.data();
  std::vector<std::vector<hit>> parts(tasks);
  std::vector<search_stats> part_stats(tasks);
  run_tasks(tasks, true, [&](std::size_t task) {
    const std::size_t s0 = task * k_window_chunk;
    const std::size_t s1 = std::min(windows, s0 + k_window_chunk);
    const std::size_t count = s1 - s0;
    std::vector<double> mean(count, 0.0), inv(count, 1.0);
    if (opt.znorm) sd::window_stats(x, m, s0, s1, mean.data(), inv.data());
    worker wk(cx, m);
    wk.stats.candidates = count;
    if (!opt.prune) {
      for (std::size_t s = s0; s < s1; ++s) wk.plain(s, x + s, m, {mean[s - s0], inv[s - s0]});
    } else {
      std::vector<double> up(count + m - 1), lo(count + m - 1);
      std::vector<double> env(sd::envelope_scratch(count + m - 1, r));
      sd::envelope(x, len, r, s0, s1 + m - 1, up.data(), lo.data(), env.data());
      for (std::size_t s = s0; s < s1; ++s) {
        const auto envelope = [&] {
          return std::pair<const double*, const double*>(up.data() + (s - s0),
                                                         lo.data() + (s - s0));
        };
        wk.consider(s, x + s, m, {mean[s - s0], inv[s - s0]}, envelope, wk.limit(), false);
      }
    }
    parts[task] = std::move(wk).take();
    part_stats[task] = wk.stats;
  });
  return finish(parts, global.get(), cx.metric, opt.k, exclusion, part_stats, stats);
}

}  // namespace ntrun::compute::dtw
