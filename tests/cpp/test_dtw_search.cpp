// Tests of the DTW nearest-neighbour search (knn, search): pruned == brute force bit for bit on
// random cases, brute force == a naive full-matrix DTW written here, hand-worked values, bad
// input, the ECG subsequence search and 1-NN classification on the labelled sets in tests/data/.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../../compute/src/dtw_lower_bounds.hpp"  // the SIMD-level test hook
#include "ntrun/compute/dtw_search.hpp"

namespace ntrun::test {
bool skip_without(std::string_view name, bool present);  // tests/cpp/main.cpp
}  // namespace ntrun::test

namespace dtw = ntrun::compute::dtw;
namespace sd = ntrun::compute::dtw::search_detail;
using vec = std::vector<double>;
using spans = std::vector<std::span<const double>>;

namespace {

constexpr double k_inf = std::numeric_limits<double>::infinity();

// The oracle: the whole (n+1) x (m+1) matrix, D(0,0) = 0, cells outside |i - j| <= band are +inf.
double naive_dtw(std::span<const double> a, std::span<const double> b, dtw::cost c, long band) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<double> d((n + 1) * (m + 1), k_inf);
  const auto at = [&](std::size_t i, std::size_t j) -> double& { return d[i * (m + 1) + j]; };
  at(0, 0) = 0;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const long gap = static_cast<long>(i) - static_cast<long>(j);
      if (band >= 0 && std::abs(gap) > band) continue;
      const double diff = a[i - 1] - b[j - 1];
      const double cost = c == dtw::cost::abs ? std::abs(diff) : diff * diff;
      at(i, j) = cost + std::min({at(i - 1, j - 1), at(i - 1, j), at(i, j - 1)});
    }
  }
  return c == dtw::cost::sq ? std::sqrt(at(n, m)) : at(n, m);
}

// Population z-normalisation; a constant series becomes all zeros.
vec znormed(std::span<const double> x) {
  const double n = static_cast<double>(x.size());
  double mean = 0;
  for (double v : x) mean += v / n;
  double var = 0;
  for (double v : x) var += (v - mean) * (v - mean) / n;
  const bool constant = std::all_of(x.begin(), x.end(), [&](double v) { return v == x[0]; });
  vec out(x.size(), 0.0);
  if (!constant)
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = (x[i] - mean) / std::sqrt(var);
  return out;
}

// The brute-force definition: sort every distance (ties by index), then greedily take the best,
// skip those starting closer than `exclusion` to one taken, until k are taken.
std::vector<dtw::neighbour> naive_select(std::vector<dtw::neighbour> all, std::size_t k,
                                         std::size_t exclusion) {
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
    return x.distance < y.distance || (x.distance == y.distance && x.index < y.index);
  });
  std::vector<dtw::neighbour> out;
  for (const auto& h : all) {
    if (out.size() == k) break;
    const bool clash = std::any_of(out.begin(), out.end(), [&](const auto& o) {
      return (o.index > h.index ? o.index - h.index : h.index - o.index) < exclusion;
    });
    if (!clash) out.push_back(h);
  }
  return out;
}

double naive_pair(std::span<const double> q, std::span<const double> t,
                  const dtw::search_options& o) {
  if (!o.znorm) return naive_dtw(q, t, o.dtw.metric, static_cast<long>(o.dtw.band));
  return naive_dtw(znormed(q), znormed(t), o.dtw.metric, static_cast<long>(o.dtw.band));
}

std::vector<dtw::neighbour> naive_knn(const vec& q, const spans& cands,
                                      const dtw::search_options& o) {
  std::vector<dtw::neighbour> all;
  for (std::size_t c = 0; c < cands.size(); ++c) all.push_back({c, naive_pair(q, cands[c], o)});
  return naive_select(all, o.k, 0);
}

std::vector<dtw::neighbour> naive_search(const vec& q, const vec& x, const dtw::search_options& o) {
  std::vector<dtw::neighbour> all;
  for (std::size_t s = 0; s + q.size() <= x.size(); ++s)
    all.push_back({s, naive_pair(q, std::span(x).subspan(s, q.size()), o)});
  return naive_select(all, o.k, o.exclusion == 0 ? q.size() : o.exclusion);
}

vec walk(std::size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> step(0.0, 1.0);
  vec x(n);
  double p = step(rng) * 10;
  for (double& v : x) v = p += step(rng);
  return x;
}

bool same(const std::vector<dtw::neighbour>& a, const std::vector<dtw::neighbour>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].index != b[i].index || a[i].distance != b[i].distance) return false;
  return true;
}

// Exact (no z-normalisation: same sums in the same order) or, with it, as good a choice at every
// rank within 1e-9 (the library slides window statistics, the oracle recomputes them).
void check_against_naive(const std::vector<dtw::neighbour>& got,
                         const std::vector<dtw::neighbour>& want, bool znorm,
                         const auto& distance_of) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!znorm) {
      CHECK(got[i].index == want[i].index);
      CHECK(got[i].distance == want[i].distance);
    } else {
      const double tol = 1e-9 * std::max(1.0, want[i].distance);
      CHECK(std::abs(got[i].distance - want[i].distance) <= tol);
      CHECK(std::abs(distance_of(got[i].index) - want[i].distance) <= tol);
    }
  }
}

void check_stats_add_up(const dtw::search_stats& st, std::size_t count) {
  CHECK(st.candidates == count);
  CHECK(st.pruned_kim + st.pruned_keogh + st.pruned_keogh2 + st.abandoned + st.full_dtw ==
        st.candidates);
}

dtw::search_options random_options(std::mt19937_64& rng, std::size_t m) {
  dtw::search_options o;
  o.k = 1 + rng() % 4;
  o.dtw.metric = rng() % 2 ? dtw::cost::sq : dtw::cost::abs;
  o.dtw.band = rng() % 3 == 0 ? -1 : static_cast<std::int64_t>(rng() % (m + 2));
  o.znorm = rng() % 2 == 0;
  return o;
}

// Columns of a CSV with a header row; `first` = index of the first numeric series column.
std::vector<std::vector<std::string>> read_csv(const std::string& name) {
  std::ifstream in(std::string(NTRUN_SOURCE_DIR) + "/tests/data/" + name);
  REQUIRE(in.good());
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

vec numbers(const std::vector<std::string>& row, std::size_t first) {
  vec out;
  for (std::size_t i = first; i < row.size(); ++i) out.push_back(std::stod(row[i]));
  return out;
}

}  // namespace

TEST_CASE("dtw search: hand-worked values") {
  const vec q{0, 1, 2};
  const vec c0{1, 2, 3};
  const vec c1{0, 1, 2};
  const vec c2{5, 5, 5, 5};
  const spans cands{c0, c1, c2};
  dtw::search_options o;
  o.k = 3;
  // c0: path (0,0) (1,0) (2,1) (2,2) costs 1 + 0 + 0 + 1; c2: 5 + 4 + 3 + 3 + 3 along the rows.
  auto r = dtw::knn(q, cands, o);
  REQUIRE(r.size() == 3);
  CHECK(r[0].index == 1);
  CHECK(r[0].distance == 0);
  CHECK(r[1].index == 0);
  CHECK(r[1].distance == 2);
  CHECK(r[2].index == 2);
  CHECK(r[2].distance == naive_dtw(q, c2, dtw::cost::abs, -1));
  o.dtw.metric = dtw::cost::sq;
  r = dtw::knn(q, cands, o);
  CHECK(r[1].distance == std::sqrt(2.0));

  // Ties go to the lower index; k above the number of candidates returns them all.
  const spans twins{c0, c0, c0};
  o.k = 10;
  r = dtw::knn(q, twins, o);
  REQUIRE(r.size() == 3);
  CHECK((r[0].index == 0 && r[1].index == 1 && r[2].index == 2));

  // The exact copy at 3 wins; with exclusion 3 its neighbours 1..5 cannot be the second match.
  const vec x{0, 0, 5, 1, 2, 3, 5, 0, 0, 1, 2, 4};
  dtw::search_options s;
  s.k = 2;
  s.dtw.band = 1;
  const auto m = dtw::search(vec{1, 2, 3}, x, s);
  REQUIRE(m.size() == 2);
  CHECK(m[0].index == 3);
  CHECK(m[0].distance == 0);
  CHECK(m[1].index == 9);
  CHECK(m[1].distance == 1);
}

TEST_CASE("dtw search: bad input names the argument") {
  const vec q{1, 2, 3};
  const vec good{1, 2, 3, 4};
  const vec nan_series{1, std::nan(""), 3, 4};
  const vec inf_series{1, 2, k_inf, 4};
  const vec empty;
  const dtw::search_options o;
  dtw::search_options k0;
  k0.k = 0;
  dtw::search_options narrow;
  narrow.dtw.band = 0;
  using ia = std::invalid_argument;
  CHECK_THROWS_WITH_AS(dtw::knn(empty, spans{good}, o), doctest::Contains("'query'"), ia);
  CHECK_THROWS_WITH_AS(dtw::knn(q, spans{}, o), doctest::Contains("'candidates'"), ia);
  CHECK_THROWS_WITH_AS(dtw::knn(q, spans{good, empty}, o), doctest::Contains("candidate 2 (from 1)"), ia);
  CHECK_THROWS_WITH_AS(dtw::knn(q, spans{good, inf_series}, o), doctest::Contains("'candidates'"),
                       ia);
  CHECK_THROWS_WITH_AS(dtw::knn(q, spans{good}, k0), doctest::Contains("'k'"), ia);
  CHECK_THROWS_WITH_AS(dtw::knn(q, spans{good}, narrow), doctest::Contains("'band'"), ia);
  CHECK_THROWS_WITH_AS(dtw::search(q, nan_series, o), doctest::Contains("at position 2 (from 1)"), ia);
  CHECK_THROWS_WITH_AS(dtw::search(nan_series, good, o), doctest::Contains("'query'"), ia);
  CHECK_THROWS_WITH_AS(dtw::search(q, empty, o), doctest::Contains("'series'"), ia);
  CHECK_THROWS_WITH_AS(dtw::search(good, q, o), doctest::Contains("'query'"), ia);
  CHECK_THROWS_WITH_AS(dtw::search(q, good, k0), doctest::Contains("'k'"), ia);
}

namespace {

void random_knn_trials(std::mt19937_64& rng, int trials) {
  for (int trial = 0; trial < trials; ++trial) {
    const std::size_t n = 1 + rng() % 40;
    const vec q = walk(n, rng);
    dtw::search_options o = random_options(rng, n);
    const bool ragged = rng() % 3 == 0;
    std::vector<vec> data;
    const std::size_t count = 1 + rng() % 60;
    for (std::size_t c = 0; c < count; ++c) {
      std::size_t len = ragged ? 1 + rng() % 50 : n;
      if (o.dtw.band >= 0 && ragged)
        len = std::clamp<std::size_t>(
            len,
            n > static_cast<std::size_t>(o.dtw.band) ? n - static_cast<std::size_t>(o.dtw.band) : 1,
            n + static_cast<std::size_t>(o.dtw.band));
      data.push_back(rng() % 8 == 0 && !data.empty() ? data[rng() % data.size()] : walk(len, rng));
      if (rng() % 16 == 0) std::fill(data.back().begin(), data.back().end(), 3.0);
    }
    const spans cands(data.begin(), data.end());
    dtw::search_stats st;
    const auto pruned = dtw::knn(q, cands, o, &st);
    check_stats_add_up(st, count);
    o.prune = false;
    const auto brute = dtw::knn(q, cands, o, &st);
    CHECK(st.full_dtw == count);
    CAPTURE(trial);
    CHECK(same(pruned, brute));
    check_against_naive(brute, naive_knn(q, cands, o), o.znorm,
                        [&](std::size_t c) { return naive_pair(q, cands[c], o); });
  }
}

void random_search_trials(std::mt19937_64& rng, int trials) {
  for (int trial = 0; trial < trials; ++trial) {
    const std::size_t len = 1 + rng() % 400;
    const std::size_t m = 1 + rng() % std::min<std::size_t>(len, 40);
    vec x = walk(len, rng);
    const vec q = walk(m, rng);
    // Planted noisy copies of the query, some overlapping, and a flat stretch (std 0).
    std::normal_distribution<double> noise(0.0, 0.05);
    for (int p = 0; p < 4 && len > m; ++p) {
      const std::size_t at = rng() % (len - m + 1);
      const double shift = noise(rng) * 40;
      for (std::size_t i = 0; i < m; ++i) x[at + i] = q[i] + shift + noise(rng);
    }
    if (rng() % 4 == 0) std::fill(x.begin(), x.begin() + static_cast<long>(len / 3), x[0]);
    dtw::search_options o = random_options(rng, m);
    const int e = static_cast<int>(rng() % 3);
    o.exclusion = e == 0 ? 0 : e == 1 ? 1 : 1 + rng() % (2 * m);
    dtw::search_stats st;
    const auto pruned = dtw::search(q, x, o, &st);
    check_stats_add_up(st, len - m + 1);
    o.prune = false;
    const auto brute = dtw::search(q, x, o);
    CAPTURE(trial);
    CHECK(same(pruned, brute));
    check_against_naive(brute, naive_search(q, x, o), o.znorm, [&](std::size_t s) {
      return naive_pair(q, std::span(x).subspan(s, m), o);
    });
  }
}

}  // namespace

// Each random test runs on the AVX2 and scalar levels (lowered to through the private test
// hook); the AVX-512 level runs in suite avx512, its own CTest entry, reported as skipped on a
// CPU without it.
const std::vector<sd::isa> k_levels{sd::isa::avx2, sd::isa::scalar};

TEST_CASE("dtw knn: pruned == brute force == naive on random shapes") {
  for (const sd::isa level : k_levels) {
    sd::limit_simd_level(level);
    const int simd = static_cast<int>(sd::simd_level());
    CAPTURE(simd);
    std::mt19937_64 rng(42);
    random_knn_trials(rng, 400);
  }
  sd::limit_simd_level(sd::isa::avx512);  // back to what the CPU has
}

TEST_CASE("dtw search: pruned == brute force == naive on random series, k and exclusion") {
  for (const sd::isa level : k_levels) {
    sd::limit_simd_level(level);
    const int simd = static_cast<int>(sd::simd_level());
    CAPTURE(simd);
    std::mt19937_64 rng(7);
    random_search_trials(rng, 300);
  }
  sd::limit_simd_level(sd::isa::avx512);
}

TEST_CASE("dtw knn and search: the random cases on the AVX-512 level" *
          doctest::test_suite("avx512")) {
  sd::limit_simd_level(sd::isa::avx512);  // at most what the CPU has
  if (ntrun::test::skip_without("avx512", sd::simd_level() == sd::isa::avx512)) return;
  std::mt19937_64 knn_rng(42);
  random_knn_trials(knn_rng, 400);
  std::mt19937_64 search_rng(7);
  random_search_trials(search_rng, 300);
}

TEST_CASE("dtw search: several parallel chunks, k > 1 with exclusion, equals brute force") {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 6; ++trial) {
    const std::size_t m = 64;
    vec x = walk(40000, rng);
    const vec q = walk(m, rng);
    std::normal_distribution<double> noise(0.0, 0.3);
    for (int p = 0; p < 12; ++p) {
      const std::size_t at = rng() % (x.size() - m);
      for (std::size_t i = 0; i < m; ++i) x[at + i] = q[i] * (1 + 0.1 * p) + noise(rng);
    }
    dtw::search_options o;
    o.k = 1 + static_cast<std::size_t>(trial);
    o.znorm = trial % 2 == 0;
    o.dtw.band = 5;
    o.dtw.metric = trial % 3 == 0 ? dtw::cost::abs : dtw::cost::sq;
    o.exclusion = trial < 3 ? 0 : 200;
    dtw::search_stats st;
    const auto pruned = dtw::search(q, x, o, &st);
    check_stats_add_up(st, x.size() - m + 1);
    o.prune = false;
    CAPTURE(trial);
    CHECK(same(pruned, dtw::search(q, x, o)));
    CHECK(pruned.size() == o.k);
  }
}

TEST_CASE("dtw search: ECG (108,000 points), z-normalised, band 5%: best match == brute force") {
  const auto rows = read_csv("ecg_mitbih208_360hz_108k.csv");
  vec ecg;
  for (const auto& r : rows) ecg.push_back(std::stod(r.at(2)));
  REQUIRE(ecg.size() == 108000);
  const std::size_t start = 20480;
  const vec q(ecg.begin() + start, ecg.begin() + start + 128);
  dtw::search_options o;
  o.k = 3;
  o.znorm = true;
  o.dtw.band = 6;  // 5% of 128 = 6.4, rounded down as in the UCR Suite
  dtw::search_stats st;
  const auto pruned = dtw::search(q, ecg, o, &st);
  check_stats_add_up(st, ecg.size() - 127);
  o.prune = false;
  const auto brute = dtw::search(q, ecg, o);
  REQUIRE(pruned.size() == 3);
  CHECK(same(pruned, brute));
  CHECK(pruned[0].index == start);
  CHECK(pruned[0].distance <= 1e-9);
  for (const auto& h : pruned) {
    const double want = naive_pair(q, std::span(ecg).subspan(h.index, 128), o);
    CHECK(std::abs(h.distance - want) <= 1e-9 * std::max(1.0, want));
  }
  MESSAGE("ECG matches: ", pruned[1].index, " (", pruned[1].distance, "), ", pruned[2].index, " (",
          pruned[2].distance, "); of ", st.candidates, " windows pruned by LB_Kim ", st.pruned_kim,
          ", LB_Keogh ", st.pruned_keogh, ", LB_Keogh2 ", st.pruned_keogh2, ", abandoned ",
          st.abandoned, ", full DTW ", st.full_dtw);
}

namespace {

struct labelled {
  std::vector<vec> train, test;
  std::vector<int> train_class, test_class;
};

// 1-NN accuracy with pruning on and off; the two must predict identically.
double accuracy(const labelled& d, dtw::search_options o, bool leave_one_out) {
  std::size_t right = 0;
  for (std::size_t i = 0; i < d.test.size(); ++i) {
    spans cands;
    std::vector<int> cls;
    for (std::size_t c = 0; c < d.train.size(); ++c) {
      if (leave_one_out && c == i) continue;
      cands.emplace_back(d.train[c]);
      cls.push_back(d.train_class[c]);
    }
    o.prune = true;
    const auto pruned = dtw::knn(d.test[i], cands, o);
    o.prune = false;
    const auto brute = dtw::knn(d.test[i], cands, o);
    REQUIRE(same(pruned, brute));
    right += cls[pruned[0].index] == d.test_class[i] ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(d.test.size());
}

}  // namespace

TEST_CASE("dtw knn: 1-NN classification of mayonnaise spectra and yeast time courses") {
  labelled mayo;
  for (const auto& r : read_csv("mayonnaise_nir_spectra_6class.csv")) {
    const bool train = r.at(2) == "1";
    (train ? mayo.train : mayo.test).push_back(numbers(r, 3));
    (train ? mayo.train_class : mayo.test_class).push_back(std::stoi(r.at(1)));
  }
  REQUIRE(mayo.train.size() == 120);
  REQUIRE(mayo.test.size() == 42);
  labelled yeast;
  for (const auto& r : read_csv("yeast_cellcycle_alpha_5class.csv")) {
    yeast.train.push_back(numbers(r, 3));
    yeast.train_class.push_back(std::stoi(r.at(2)));
  }
  REQUIRE(yeast.train.size() == 613);
  yeast.test = yeast.train;
  yeast.test_class = yeast.train_class;

  dtw::search_options o;
  const double mayo_full = accuracy(mayo, o, false);
  o.dtw.metric = dtw::cost::sq;
  o.dtw.band = 0;
  const double mayo_euclid = accuracy(mayo, o, false);
  o.dtw.band = 10;
  o.znorm = true;
  const double mayo_z = accuracy(mayo, o, false);
  dtw::search_options y;
  y.dtw.metric = dtw::cost::sq;  // as the label below says (it ran with abs before)
  y.znorm = true;
  y.dtw.band = 2;
  const double yeast_z = accuracy(yeast, y, true);
  y.dtw.metric = dtw::cost::abs;
  y.znorm = false;
  y.dtw.band = -1;
  const double yeast_full = accuracy(yeast, y, true);
  MESSAGE("1-NN accuracy, mayonnaise (120 train / 42 test, 6 classes): abs full ", mayo_full,
          ", sq band 0 (Euclidean) ", mayo_euclid, ", sq band 10 z-normalised ", mayo_z);
  MESSAGE("1-NN accuracy, yeast (leave-one-out, 613 genes, 5 classes): sq band 2 z-normalised ",
          yeast_z, ", abs full ", yeast_full);
  // Chance is 1/6 (mayonnaise) and 223/613 = 0.36 for the majority class of yeast. Raw NIR
  // spectra of oils are hard for 1-NN (about half right here), so the floor is twice chance.
  CHECK(mayo_full > 0.35);
  CHECK(mayo_euclid > 0.35);
  CHECK(mayo_z > 0.35);
  CHECK(yeast_z > 0.45);
  CHECK(yeast_full > 0.45);
}
