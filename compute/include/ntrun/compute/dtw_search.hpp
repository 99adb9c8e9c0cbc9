// DTW nearest neighbours: the k best candidates for a query, and the k best windows of a long
// series (subsequence search), pruned by the lower-bound cascade (LB_Kim, LB_Keogh both ways)
// and early abandoning, with results identical to brute force. Definitions: docs/dtw.md and docs/dtw_search.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ntrun/compute/dtw.hpp"

namespace ntrun::compute::dtw {

struct neighbour {
  std::size_t index = 0;  ///< candidate index, or window start in the series
  double distance = 0;
};

struct search_options {
  std::size_t k = 1;
  options dtw{};
  bool znorm = false;  ///< z-normalise the query and every candidate/window before comparing
  /// Subsequence search: two matches whose starts are closer than this are the same match
  /// (the better one is kept). 0 means the query length (no overlapping matches).
  std::size_t exclusion = 0;
  bool prune = true;  ///< false: plain brute force (the oracle the pruned path must equal)
};

struct search_stats {
  std::uint64_t candidates = 0;     ///< candidates or windows considered
  std::uint64_t pruned_kim = 0;     ///< rejected by LB_Kim
  std::uint64_t pruned_keogh = 0;   ///< rejected by LB_Keogh (query envelope)
  std::uint64_t pruned_keogh2 = 0;  ///< rejected by LB_Keogh (candidate envelope)
  std::uint64_t abandoned = 0;      ///< DTW started and abandoned early
  std::uint64_t full_dtw = 0;       ///< DTW computed to the end
};

/// The k nearest candidates (ascending distance; ties by index). Candidates of a length other
/// than the query's skip LB_Keogh (it needs equal lengths). k larger than the number of
/// candidates returns them all.
[[nodiscard]] std::vector<neighbour> knn(std::span<const double> query,
                                         std::span<const std::span<const double>> candidates,
                                         const search_options& opt, search_stats* stats = nullptr);

/// The k best windows of length query.size() in `series` (ascending distance; ties by start),
/// no two closer than the exclusion zone.
[[nodiscard]] std::vector<neighbour> search(std::span<const double> query,
                                            std::span<const double> series,
                                            const search_options& opt,
                                            search_stats* stats = nullptr);

}  // namespace ntrun::compute::dtw
