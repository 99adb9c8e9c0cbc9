// Tests of compute/dtw: hand-worked and published values, the fast kernels against the
// full-matrix reference on thousands of random shapes, bit-identity across every dispatch path
// and thread count, the bounded distance, the alignment path, and every bad argument.
#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../compute/src/dtw_kernels.hpp"
#include "ntrun/compute/dtw.hpp"

namespace ntrun::test {
bool skip_without(std::string_view name, bool present);  // tests/cpp/main.cpp
}  // namespace ntrun::test

namespace dtw = ntrun::compute::dtw;
using vec = std::vector<double>;
using series = std::span<const double>;

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

dtw::options abs_cost(std::int64_t band = -1) {
  return {.metric = dtw::cost::abs, .band = band};
}
dtw::options sq_cost(std::int64_t band = -1) {
  return {.metric = dtw::cost::sq, .band = band};
}

bool near(double got, double want) {
  if (std::isinf(want)) return got == want;
  return std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want));
}

bool same_bits(double x, double y) {
  return std::memcmp(&x, &y, sizeof x) == 0;
}

vec walk(std::size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> step(0.0, 1.0);
  vec x(n);
  double p = step(rng);
  for (auto& v : x) v = p += step(rng);
  return x;
}

// A random valid band for lengths n, m: none, 0-ish, exactly |n-m|, random, or >= max.
std::int64_t random_band(std::size_t n, std::size_t m, std::mt19937_64& rng) {
  const auto gap = static_cast<std::int64_t>(n > m ? n - m : m - n);
  const auto top = static_cast<std::int64_t>(std::max(n, m));
  switch (rng() % 5) {
    case 0:
      return -1;
    case 1:
      return gap;
    case 2:
      return top + static_cast<std::int64_t>(rng() % 3);
    default:
      return gap + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(top + 1));
  }
}

// Runs `body` once per dispatch path this CPU supports, then restores automatic dispatch. The
// AVX-512 path also has its own case in suite avx512, which reports a skip where it is missing.
template <class F>
void for_each_isa(F body) {
  using dtw::detail::isa;
  for (isa which : {isa::scalar, isa::avx2, isa::avx512}) {
    if (!dtw::detail::force_isa(which)) continue;
    CAPTURE(dtw::kernel_name());
    body();
  }
  dtw::detail::reset_isa();
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("dtw: hand-worked distances") {
  const vec a{1, 2, 3}, b{1, 2, 2, 3};
  CHECK(dtw::reference::distance(a, b, abs_cost()) == 0);
  CHECK(dtw::distance(a, b, abs_cost()) == 0);
  CHECK(dtw::distance(a, b, sq_cost()) == 0);

  const vec z{0, 0}, one{1};
  CHECK(dtw::reference::distance(z, one, abs_cost()) == 2);
  CHECK(dtw::distance(z, one, abs_cost()) == 2);
  CHECK(dtw::distance(z, one, sq_cost()) == std::sqrt(2.0));

  // The spike at a[1] reaches b[3] only with a band >= 2; with band 1 both spikes pay 5.
  const vec p{0, 5, 0, 0, 0}, q{0, 0, 0, 5, 0};
  for_each_isa([&] {
    CHECK(dtw::distance(p, q, abs_cost()) == 0);
    CHECK(dtw::distance(p, q, abs_cost(2)) == 0);
    CHECK(dtw::distance(p, q, abs_cost(1)) == 10);
    CHECK(dtw::distance(p, q, abs_cost(0)) == 10);
    CHECK(dtw::distance(p, q, sq_cost(1)) == std::sqrt(50.0));
  });
  CHECK(dtw::reference::distance(p, q, abs_cost(1)) == 10);
  CHECK(dtw::reference::distance(p, q, abs_cost(2)) == 0);

  // D for a = [0, 1, 2], b = [2, 1, 0] worked by hand: rows (2 3 3), (3 2 3), (3 3 4).
  const vec up{0, 1, 2}, down{2, 1, 0};
  CHECK(dtw::distance(up, down, abs_cost()) == 4);
  CHECK(dtw::distance(up, down, abs_cost(0)) == 4);
  // Single points.
  const vec s1{3}, s2{-1.5};
  CHECK(dtw::distance(s1, s2, abs_cost()) == 4.5);
  CHECK(dtw::distance(s1, s2, sq_cost()) == 4.5);
}

TEST_CASE("dtw: published value (dtaidistance documentation)") {
  // dtaidistance docs, "DTW between two series": distance = 1.4142135623730951 (sqrt 2).
  const vec s1{0, 0, 1, 2, 1, 0, 1, 0, 0}, s2{0, 1, 2, 0, 0, 0, 0, 0, 0};
  CHECK(dtw::reference::distance(s1, s2, sq_cost()) == 1.4142135623730951);
  for_each_isa([&] { CHECK(dtw::distance(s1, s2, sq_cost()) == 1.4142135623730951); });
}

TEST_CASE("dtw: path worked by hand, ties diagonal > left > up") {
  // D = (0 1 2 4), (1 0 0 1), (3 1 1 0): back from (2,3) diagonal, then left, then diagonal.
  const vec a{1, 2, 3}, b{1, 2, 2, 3};
  using steps = std::vector<std::pair<std::int64_t, std::int64_t>>;
  const steps want{{0, 0}, {1, 1}, {1, 2}, {2, 3}};
  double d = -1, dref = -1;
  CHECK(dtw::path(a, b, abs_cost(), &d) == want);
  CHECK(dtw::reference::path(a, b, abs_cost(), &dref) == want);
  CHECK(d == 0);
  CHECK(dref == 0);
  // All-zero costs: every predecessor ties, so the diagonal wins wherever it exists.
  const vec z3{0, 0, 0}, z2{0, 0};
  CHECK(dtw::path(z3, z2, abs_cost(), nullptr) == steps{{0, 0}, {1, 0}, {2, 1}});
  CHECK(dtw::path(z2, z3, abs_cost(), nullptr) == steps{{0, 0}, {0, 1}, {1, 2}});
  CHECK(dtw::reference::path(z2, z3, abs_cost(), nullptr) == steps{{0, 0}, {0, 1}, {1, 2}});
  // Left beats up: a = [0, 1, 0], b = [1, 0, 1] gives D = (1 1 2), (1 2 1), (2 1 2); at (2,2)
  // diag 2 > left 1 == up 1, so left to (2,1); then diagonal to (1,0), then up.
  const vec zoz{0, 1, 0}, ozo{1, 0, 1};
  const steps tie{{0, 0}, {1, 0}, {2, 1}, {2, 2}};
  CHECK(dtw::path(zoz, ozo, abs_cost(), &d) == tie);
  CHECK(d == 2);
  CHECK(dtw::reference::path(zoz, ozo, abs_cost(), &dref) == tie);
  const vec one{7};
  CHECK(dtw::path(one, one, sq_cost(), &d) == steps{{0, 0}});
  CHECK(d == 0);
}

TEST_CASE("dtw: fast == reference on random shapes (lengths 1..300, bands, both costs)") {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> len(1, 300);
  int exact = 0, total = 0;
  for (int t = 0; t < 1500; ++t) {
    const std::size_t n = t < 200 ? 1 + static_cast<std::size_t>(t % 12) : len(rng);
    const std::size_t m = t < 200 ? 1 + static_cast<std::size_t>((t / 12) % 17) : len(rng);
    const vec a = walk(n, rng), b = walk(m, rng);
    const dtw::options opt{.metric = t % 2 ? dtw::cost::sq : dtw::cost::abs,
                           .band = random_band(n, m, rng)};
    CAPTURE(n);
    CAPTURE(m);
    CAPTURE(opt.band);
    const double want = dtw::reference::distance(a, b, opt);
    const double got = dtw::distance(a, b, opt);
    REQUIRE(near(got, want));
    exact += same_bits(got, want) ? 1 : 0;
    ++total;
  }
  MESSAGE(exact << " of " << total << " equal to the reference bit for bit");
}

TEST_CASE("dtw: every dispatch path gives the same bits (pair and batch)") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> len(1, 160);
  for (int t = 0; t < 120; ++t) {
    const std::size_t n = len(rng), m = len(rng), k = 1 + rng() % 41;
    const vec q = walk(n, rng);
    std::vector<vec> cands;
    for (std::size_t c = 0; c < k; ++c) cands.push_back(walk(m, rng));
    std::vector<series> views(cands.begin(), cands.end());
    const dtw::options opt{.metric = t % 2 ? dtw::cost::sq : dtw::cost::abs,
                           .band = random_band(n, m, rng)};
    CAPTURE(n);
    CAPTURE(m);
    CAPTURE(k);
    CAPTURE(opt.band);
    // Oracle: the scalar pair kernel.
    REQUIRE(dtw::detail::force_isa(dtw::detail::isa::scalar));
    vec want(k);
    for (std::size_t c = 0; c < k; ++c) want[c] = dtw::distance(q, cands[c], opt);
    for (std::size_t c = 0; c < k; ++c)
      REQUIRE(near(want[c], dtw::reference::distance(q, cands[c], opt)));
    for_each_isa([&] {
      vec got(k);
      dtw::batch(q, views, opt, got);
      for (std::size_t c = 0; c < k; ++c) REQUIRE(same_bits(got[c], want[c]));
      for (std::size_t c = 0; c < k; ++c)
        REQUIRE(same_bits(dtw::distance(q, cands[c], opt), want[c]));
    });
  }
}

// Suite avx512: its own CTest entry, reported as skipped on a CPU without AVX-512 (the cases
// above then check the scalar and AVX2 paths only).
TEST_CASE("dtw: the AVX-512 kernels give the scalar bits" * doctest::test_suite("avx512")) {
  using dtw::detail::isa;
  if (ntrun::test::skip_without("avx512", dtw::detail::isa_supported(isa::avx512))) return;
  std::mt19937_64 rng(31);
  std::uniform_int_distribution<std::size_t> len(1, 200);
  for (int t = 0; t < 150; ++t) {
    // A few long pairs for the anti-diagonal kernel.
    const std::size_t n = t % 25 == 0 ? 600 + rng() % 500 : len(rng);
    const std::size_t m = t % 25 == 0 ? 600 + rng() % 500 : len(rng);
    const std::size_t k = t % 25 == 0 ? 1 + rng() % 3 : 1 + rng() % 33;
    const vec q = walk(n, rng);
    std::vector<vec> cands;
    for (std::size_t c = 0; c < k; ++c) cands.push_back(walk(m, rng));
    const std::vector<series> views(cands.begin(), cands.end());
    const dtw::options opt{.metric = t % 2 ? dtw::cost::sq : dtw::cost::abs,
                           .band = random_band(n, m, rng)};
    CAPTURE(n);
    CAPTURE(m);
    CAPTURE(opt.band);
    REQUIRE(dtw::detail::force_isa(isa::scalar));
    vec pair(k), batch(k), bounded(k);
    for (std::size_t c = 0; c < k; ++c) pair[c] = dtw::distance(q, cands[c], opt);
    dtw::batch(q, views, opt, batch);
    for (std::size_t c = 0; c < k; ++c)
      bounded[c] = dtw::distance_bounded(q, cands[c], opt, pair[0] * 0.999);
    REQUIRE(dtw::detail::force_isa(isa::avx512));
    REQUIRE(std::string(dtw::kernel_name()) == "avx512");
    vec got(k);
    dtw::batch(q, views, opt, got);
    for (std::size_t c = 0; c < k; ++c) {
      REQUIRE(same_bits(got[c], batch[c]));
      REQUIRE(same_bits(dtw::distance(q, cands[c], opt), pair[c]));
      REQUIRE(same_bits(dtw::distance_bounded(q, cands[c], opt, pair[0] * 0.999), bounded[c]));
    }
  }
  const vec s = walk(3000, rng);
  const vec q = walk(64, rng);
  for (const auto opt : {abs_cost(), sq_cost(8)}) {
    vec want(dtw::num_windows(s.size(), 64, 3)), got(want.size());
    REQUIRE(dtw::detail::force_isa(isa::scalar));
    dtw::batch_windows(q, s, 64, 3, opt, want);
    REQUIRE(dtw::detail::force_isa(isa::avx512));
    dtw::batch_windows(q, s, 64, 3, opt, got);
    CHECK(std::memcmp(want.data(), got.data(), want.size() * sizeof(double)) == 0);
  }
  dtw::detail::reset_isa();
}

TEST_CASE("dtw: batch with mixed lengths keeps input order") {
  std::mt19937_64 rng(11);
  const vec q = walk(50, rng);
  std::vector<vec> cands;
  for (int c = 0; c < 70; ++c) cands.push_back(walk(1 + rng() % 90, rng));
  std::vector<series> views(cands.begin(), cands.end());
  for_each_isa([&] {
    for (auto opt : {abs_cost(), sq_cost(), abs_cost(89)}) {
      vec got(cands.size());
      dtw::batch(q, views, opt, got);
      for (std::size_t c = 0; c < cands.size(); ++c)
        REQUIRE(same_bits(got[c], dtw::distance(q, cands[c], opt)));
    }
  });
}

TEST_CASE("dtw: batch_windows == distance on each strided window") {
  std::mt19937_64 rng(5);
  const vec s = walk(1000, rng);
  for (auto [n, window, stride, band] : {std::tuple{32, 32, 1, -1},
                                         {20, 25, 3, 5},
                                         {64, 50, 7, 14},
                                         {8, 1000, 1, -1},
                                         {1, 1, 1, 0}}) {
    const vec q = walk(static_cast<std::size_t>(n), rng);
    const auto w = static_cast<std::size_t>(window), st = static_cast<std::size_t>(stride);
    for_each_isa([&] {
      for (auto metric : {dtw::cost::abs, dtw::cost::sq}) {
        const dtw::options opt{.metric = metric, .band = band};
        vec got(dtw::num_windows(s.size(), w, st));
        dtw::batch_windows(q, s, w, st, opt, got);
        for (std::size_t k = 0; k < got.size(); ++k)
          REQUIRE(same_bits(got[k], dtw::distance(q, series(s).subspan(k * st, w), opt)));
      }
    });
  }
}

TEST_CASE("dtw: oneTBB split gives the serial bits") {
  std::mt19937_64 rng(3);
  const vec q = walk(100, rng);
  const vec s = walk(40'000, rng);
  std::vector<vec> cands;
  for (int c = 0; c < 300; ++c) cands.push_back(walk(100, rng));
  std::vector<series> views(cands.begin(), cands.end());
  for (auto opt : {abs_cost(), sq_cost(10)}) {
    vec one(cands.size()), two(cands.size()), w1(dtw::num_windows(s.size(), 100, 1)), w2(w1.size());
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
      dtw::batch(q, views, opt, one);
      dtw::batch_windows(q, s, 100, 1, opt, w1);
    }
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
      dtw::batch(q, views, opt, two);
      dtw::batch_windows(q, s, 100, 1, opt, w2);
    }
    CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0);
    CHECK(std::memcmp(w1.data(), w2.data(), w1.size() * sizeof(double)) == 0);
    for (std::size_t c = 0; c < cands.size(); c += 37)
      CHECK(same_bits(one[c], dtw::distance(q, cands[c], opt)));
  }
}

TEST_CASE("dtw: long pairs (anti-diagonal kernel) against the reference") {
  std::mt19937_64 rng(9);
  for (auto [n, m, band] :
       {std::tuple{1000, 1000, -1}, {700, 900, 250}, {513, 64, -1}, {300, 333, 60}}) {
    const vec a = walk(static_cast<std::size_t>(n), rng),
              b = walk(static_cast<std::size_t>(m), rng);
    for (auto metric : {dtw::cost::abs, dtw::cost::sq}) {
      const dtw::options opt{.metric = metric, .band = band};
      const double want = dtw::reference::distance(a, b, opt);
      for_each_isa([&] { CHECK(near(dtw::distance(a, b, opt), want)); });
    }
  }
}

TEST_CASE("dtw: distance_bounded returns the distance up to the cutoff, +inf above") {
  std::mt19937_64 rng(21);
  for (int t = 0; t < 400; ++t) {
    const std::size_t n = 1 + rng() % 120, m = 1 + rng() % 120;
    const vec a = walk(n, rng), b = walk(m, rng);
    const dtw::options opt{.metric = t % 2 ? dtw::cost::sq : dtw::cost::abs,
                           .band = random_band(n, m, rng)};
    const double d = dtw::distance(a, b, opt);
    for (double cutoff : {0.0, d * 0.5, d * 0.999, std::nextafter(d, 0.0), d,
                          std::nextafter(d, k_inf), d * 2, k_inf}) {
      const double want = d <= cutoff ? d : k_inf;
      for_each_isa([&] { REQUIRE(same_bits(dtw::distance_bounded(a, b, opt, cutoff), want)); });
    }
  }
  const vec a{1, 2}, b{1, 2};
  CHECK(dtw::distance_bounded(a, b, abs_cost(), -1) == k_inf);
  CHECK(dtw::distance_bounded(a, b, abs_cost(), 0) == 0);
}

TEST_CASE("dtw: path == reference path, distance_out == distance") {
  std::mt19937_64 rng(17);
  for (int t = 0; t < 400; ++t) {
    const std::size_t n = 1 + rng() % 60, m = 1 + rng() % 60;
    vec a = walk(n, rng), b = walk(m, rng);
    // Rounded values make ties common, which is what the tie-break rule is about.
    if (t % 3 == 0) {
      for (auto& v : a) v = std::round(v);
      for (auto& v : b) v = std::round(v);
    }
    const dtw::options opt{.metric = t % 2 ? dtw::cost::sq : dtw::cost::abs,
                           .band = random_band(n, m, rng)};
    double d = -1, dref = -1;
    const auto got = dtw::path(a, b, opt, &d);
    REQUIRE(got == dtw::reference::path(a, b, opt, &dref));
    REQUIRE(same_bits(d, dtw::distance(a, b, opt)));
    REQUIRE(near(d, dref));
    // The path is monotone, connected and its cost is the distance.
    double acc = 0;
    for (std::size_t s = 0; s < got.size(); ++s) {
      const auto [i, j] = got[s];
      const double diff = a[static_cast<std::size_t>(i)] - b[static_cast<std::size_t>(j)];
      acc += opt.metric == dtw::cost::abs ? std::abs(diff) : diff * diff;
      if (opt.band >= 0) REQUIRE(std::abs(i - j) <= opt.band);
      if (s > 0) {
        const auto di = i - got[s - 1].first, dj = j - got[s - 1].second;
        REQUIRE((di == 0 || di == 1));
        REQUIRE((dj == 0 || dj == 1));
        REQUIRE(di + dj > 0);
      }
    }
    REQUIRE(near(opt.metric == dtw::cost::abs ? acc : std::sqrt(acc), d));
  }
}

TEST_CASE("dtw: a band wider than both series is no band") {
  std::mt19937_64 rng(23);
  const vec a = walk(70, rng), b = walk(90, rng);
  const double none = dtw::distance(a, b, abs_cost());
  for (std::int64_t band : {std::int64_t{90}, std::int64_t{1000}, INT64_MAX}) {
    CHECK(same_bits(dtw::distance(a, b, abs_cost(band)), none));
    CHECK(same_bits(dtw::reference::distance(a, b, abs_cost(band)), none));
    CHECK(dtw::path(a, b, abs_cost(band), nullptr) == dtw::path(a, b, abs_cost(), nullptr));
  }
}

TEST_CASE("dtw: a full matrix too large for path() is refused before allocating") {
  const vec big(20'000, 1.0);
  CHECK_THROWS_WITH_AS((void)dtw::path(big, big, abs_cost(), nullptr),
                       doctest::Contains("use a band"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)dtw::reference::distance(big, big, abs_cost()),
                       doctest::Contains("use a band"), std::invalid_argument);
  // With a band the stored cells fit: 20,000 x 21.
  const auto steps = dtw::path(big, big, abs_cost(10), nullptr);
  CHECK(steps.size() == 20'000);
}

TEST_CASE("dtw: overflowing costs give +inf, not NaN") {
  const vec a{1e308, -1e308}, b{-1e308, 1e308};
  for_each_isa([&] {
    CHECK(dtw::distance(a, b, abs_cost()) == k_inf);
    CHECK(dtw::distance(a, b, sq_cost()) == k_inf);
  });
  CHECK(dtw::reference::distance(a, b, abs_cost()) == k_inf);
}

TEST_CASE("dtw: bad arguments name the argument") {
  const vec ok{1, 2, 3}, empty{}, with_nan{1, k_nan, 3}, with_inf{1, 2, -k_inf};
  auto contains = [](const std::string& s, const char* part) {
    return s.find(part) != std::string::npos;
  };
  CHECK(contains(error_of([&] { (void)dtw::distance(empty, ok, abs_cost()); }),
                 "bad 'a' argument: must not be empty"));
  CHECK(
      contains(error_of([&] { (void)dtw::distance(ok, empty, abs_cost()); }), "bad 'b' argument"));
  CHECK(contains(error_of([&] { (void)dtw::distance(with_nan, ok, abs_cost()); }), "at position 2, counting from 1"));
  CHECK(contains(error_of([&] { (void)dtw::distance(ok, with_inf, abs_cost()); }),
                 "-inf at position 3, counting from 1"));
  CHECK(contains(error_of([&] { (void)dtw::reference::distance(with_nan, ok, abs_cost()); }),
                 "bad 'a'"));
  CHECK(contains(error_of([&] { (void)dtw::path(ok, with_nan, abs_cost(), nullptr); }), "bad 'b'"));
  CHECK(contains(error_of([&] { (void)dtw::reference::path(ok, empty, abs_cost(), nullptr); }),
                 "bad 'b'"));
  const vec five{1, 2, 3, 4, 5};
  CHECK(contains(error_of([&] { (void)dtw::distance(ok, five, abs_cost(1)); }),
                 "bad 'band' argument"));
  CHECK(contains(error_of([&] { (void)dtw::reference::distance(ok, five, abs_cost(1)); }),
                 "|n - m| = 2"));
  CHECK(error_of([&] { (void)dtw::distance(ok, five, abs_cost(2)); }) == "(no error)");
  const dtw::options bad_metric{.metric = static_cast<dtw::cost>(7)};
  CHECK(contains(error_of([&] { (void)dtw::distance(ok, ok, bad_metric); }),
                 "bad 'metric' argument"));
  CHECK(contains(error_of([&] { (void)dtw::distance_bounded(ok, ok, abs_cost(), k_nan); }),
                 "bad 'cutoff'"));
  CHECK(contains(error_of([&] { (void)dtw::distance_bounded(empty, ok, abs_cost(), 1); }),
                 "bad 'a'"));

  std::vector<series> none;
  const std::vector<series> cands{ok, with_nan};
  const std::vector<series> short_one{ok, five, vec{1}};
  vec out1(1), out2(2), out3(3), out6(6);
  CHECK(contains(error_of([&] { dtw::batch(ok, none, abs_cost(), {}); }),
                 "bad 'candidates' argument: must hold at least one"));
  CHECK(contains(error_of([&] { dtw::batch(ok, cands, abs_cost(), out2); }),
                 "bad 'candidates' argument: candidate 2 (from 1): values must be finite"));
  CHECK(contains(error_of([&] { dtw::batch(empty, cands, abs_cost(), out2); }), "bad 'query'"));
  CHECK(contains(error_of([&] {
                   dtw::batch(ok, std::vector<series>{ok, empty}, abs_cost(), out2);
                 }),
                 "candidate 2 (from 1): must not be empty"));
  CHECK(contains(error_of([&] { dtw::batch(ok, std::vector<series>{ok}, abs_cost(), out2); }),
                 "bad 'out' argument"));
  CHECK(contains(error_of([&] { dtw::batch(ok, short_one, abs_cost(1), out3); }),
                 "bad 'band' argument: candidate 2 (from 1)"));

  const vec s{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(contains(error_of([&] { dtw::batch_windows(ok, s, 0, 1, abs_cost(), out1); }),
                 "bad 'window' argument: must be >= 1"));
  CHECK(contains(error_of([&] { dtw::batch_windows(ok, s, 11, 1, abs_cost(), out1); }),
                 "bad 'window' argument: must not exceed"));
  CHECK(contains(error_of([&] { dtw::batch_windows(ok, s, 3, 0, abs_cost(), out1); }),
                 "bad 'stride' argument"));
  CHECK(contains(error_of([&] { dtw::batch_windows(ok, s, 3, 2, abs_cost(), out3); }),
                 "= 4 (got 3)"));
  CHECK(contains(error_of([&] { dtw::batch_windows(ok, with_nan, 3, 1, abs_cost(), out1); }),
                 "bad 'series'"));
  CHECK(contains(error_of([&] { dtw::batch_windows(ok, s, 5, 1, abs_cost(0), out6); }),
                 "bad 'band'"));
  CHECK(contains(error_of([&] { dtw::batch_windows(vec{}, s, 5, 1, abs_cost(), out6); }),
                 "bad 'query'"));
  CHECK(dtw::num_windows(10, 3, 2) == 4);
  CHECK(dtw::num_windows(10, 11, 1) == 0);
  CHECK(dtw::num_windows(10, 3, 0) == 0);
}

TEST_CASE("dtw: kernel_name names the dispatch") {
  using dtw::detail::isa;
  MESSAGE("dispatch: " << dtw::kernel_name() << ", avx2 " << dtw::detail::isa_supported(isa::avx2)
                       << ", avx512 " << dtw::detail::isa_supported(isa::avx512));
  const std::string name = dtw::kernel_name();
  CHECK((name == "avx512" || name == "avx2" || name == "scalar"));
  CHECK(dtw::detail::force_isa(dtw::detail::isa::scalar));
  CHECK(std::string(dtw::kernel_name()) == "scalar");
  dtw::detail::reset_isa();
  CHECK(std::string(dtw::kernel_name()) == name);
}
