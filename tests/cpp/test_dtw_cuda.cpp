// Tests of the CUDA back-end of DTW batches (ntrun/compute/dtw_cuda.hpp): feature detection,
// argument checks and the kernel's code path emulated on the CPU everywhere; the GPU itself in
// suite cuda-device and the no-device error in suite no-cuda-device: each suite has its own
// CTest entry, reported as skipped on a machine where it cannot run.
//
// Agreement is asserted bit for bit (==), not to a tolerance: each cell is one rounded
// subtraction, abs or product, an exact min and one rounded add, with no fused multiply-add
// on either side, so the value of every cell is determined; sqrt is correctly rounded on both.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/compute/dtw.hpp"
#include "ntrun/compute/dtw_cuda.hpp"

namespace ntrun::test {
bool skip_without(std::string_view name, bool present);  // tests/cpp/main.cpp
}  // namespace ntrun::test

namespace {

namespace dtw = ntrun::compute::dtw;
namespace gpu = ntrun::compute::dtw::cuda;

constexpr double inf = std::numeric_limits<double>::infinity();

// The full (n+1) x (m+1) matrix with a border of +inf, band |i - j| <= w.
double full_matrix(std::span<const double> a, std::span<const double> b, const dtw::options& opt) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<double> d((n + 1) * (m + 1), inf);
  d[0] = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      const auto gap = static_cast<std::int64_t>(i) - static_cast<std::int64_t>(j);
      if (opt.band >= 0 && std::abs(gap) > opt.band) continue;
      const double diff = a[i] - b[j];
      const double c = opt.metric == dtw::cost::sq ? diff * diff : std::abs(diff);
      const double best =
          std::min({d[i * (m + 1) + j], d[i * (m + 1) + j + 1], d[(i + 1) * (m + 1) + j]});
      d[(i + 1) * (m + 1) + j + 1] = c + best;
    }
  }
  const double total = d[n * (m + 1) + m];
  return opt.metric == dtw::cost::sq ? std::sqrt(total) : total;
}

struct random_case {
  std::vector<double> query;
  std::vector<double> candidates;  // count * length
  std::size_t length = 0;
  std::size_t count = 0;
  dtw::options opt;
};

std::vector<double> random_walk(std::mt19937_64& rng, std::size_t length) {
  std::normal_distribution<double> step(0.0, 1.0);
  std::vector<double> out(length);
  double x = step(rng);
  for (double& v : out) v = x += step(rng);
  return out;
}

random_case make_case(std::mt19937_64& rng, std::size_t max_length, std::size_t max_count) {
  std::uniform_int_distribution<std::size_t> len(1, max_length);
  std::uniform_int_distribution<std::size_t> cnt(1, max_count);
  random_case c;
  c.query = random_walk(rng, len(rng));
  c.length = len(rng);
  c.count = cnt(rng);
  for (std::size_t k = 0; k < c.count; ++k) {
    const auto s = random_walk(rng, c.length);
    c.candidates.insert(c.candidates.end(), s.begin(), s.end());
  }
  c.opt.metric = rng() % 2 == 0 ? dtw::cost::abs : dtw::cost::sq;
  const std::size_t gap =
      c.query.size() > c.length ? c.query.size() - c.length : c.length - c.query.size();
  switch (rng() % 4) {
    case 0:
      c.opt.band = -1;
      break;
    case 1:
      c.opt.band = static_cast<std::int64_t>(gap);
      break;  // the narrowest allowed
    default:
      c.opt.band = static_cast<std::int64_t>(gap + rng() % 12);
      break;
  }
  return c;
}

std::span<const double> candidate(const random_case& c, std::size_t k) {
  return std::span<const double>(c.candidates).subspan(k * c.length, c.length);
}

template <class Fn>
void expect_invalid(Fn&& fn, const std::string& argument) {
  try {
    fn();
    FAIL("no exception; expected a complaint about '" << argument << "'");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("'" + argument + "'") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("dtw::cuda: feature detection is consistent") {
  CHECK(gpu::compiled() == (NTRUN_HAVE_CUDA == 1));
  if (!gpu::compiled()) CHECK_FALSE(gpu::device_present());
  CHECK(gpu::device_present() == gpu::device_present());  // cached, stable
  REQUIRE(gpu::device_name() != nullptr);
  CHECK(std::string(gpu::device_name()).size() > 0);
  MESSAGE("CUDA back-end compiled: " << gpu::compiled()
                                     << ", device: " << std::string(gpu::device_name()));
}

TEST_CASE("dtw::cuda: batch without a device is a clear error, not a crash" *
          doctest::test_suite("no-cuda-device")) {
  if (ntrun::test::skip_without("no-cuda-device", !gpu::device_present())) return;
  const std::vector<double> q{1.0, 2.0, 3.0};
  const std::vector<double> cands{1.0, 2.0, 3.0, 3.0, 2.0, 1.0};
  std::vector<double> out(2, -1.0);
  try {
    gpu::batch(q, cands, 3, {}, out);
    FAIL("batch() ran without a device");
  } catch (const std::invalid_argument&) {
    FAIL("valid input reported as invalid");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("CUDA") != std::string::npos);
    CHECK(what.find("dtw::batch") != std::string::npos);  // says what to use instead
  }
  CHECK(out == std::vector<double>{-1.0, -1.0});  // nothing written
}

TEST_CASE("dtw::cuda: bad input names the argument (with or without a device)") {
  const std::vector<double> q{1.0, 2.0, 3.0};
  const std::vector<double> cands{1.0, 2.0, 3.0, 3.0, 2.0, 1.0};
  std::vector<double> out(2);
  const std::vector<double> empty;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto run : {&gpu::batch, &gpu::detail::batch_on_host}) {
    expect_invalid([&] { run(empty, cands, 3, {}, out); }, "query");
    expect_invalid([&] { run(q, cands, 0, {}, out); }, "length");
    expect_invalid([&] { run(q, empty, 3, {}, std::span<double>{}); }, "candidates");
    expect_invalid([&] { run(q, cands, 4, {}, out); }, "candidates");  // 6 % 4 != 0
    expect_invalid([&] { run(q, cands, 3, {}, std::span<double>(out).first(1)); }, "out");
    expect_invalid([&] { run(q, cands, 2, {}, out); }, "out");  // K = 3 windows of 2
    expect_invalid([&] { run(std::vector<double>{1.0, nan}, cands, 3, {}, out); }, "query");
    expect_invalid([&] { run(std::vector<double>{inf}, cands, 3, {}, out); }, "query");
    auto bad_cands = cands;
    bad_cands[4] = -inf;
    expect_invalid([&] { run(q, bad_cands, 3, {}, out); }, "candidates");
    bad_cands[4] = nan;
    expect_invalid([&] { run(q, bad_cands, 3, {}, out); }, "candidates");
    // |n - m| = 1 with band 0 leaves no warping path; band 1 is fine.
    std::vector<double> out3(3);
    expect_invalid([&] { run(q, cands, 2, {.band = 0}, out3); }, "band");
    CHECK_NOTHROW(gpu::detail::batch_on_host(q, cands, 2, {.band = 1}, out3));
    expect_invalid([&] { run(q, cands, 3, {.metric = static_cast<dtw::cost>(7)}, out); }, "metric");
  }
}

TEST_CASE("dtw::cuda: hand-worked values through the kernel's code path") {
  auto one = [](std::vector<double> q, std::vector<double> c, dtw::options opt) {
    std::vector<double> out(1);
    gpu::detail::batch_on_host(q, c, c.size(), opt, out);
    return out[0];
  };
  // q = 0 1 2, c = 0 3: |costs| rows 0 3 / 1 2 / 2 1; best path (0,0) (1,0) (2,1): 0+1+1.
  CHECK(one({0, 1, 2}, {0, 3}, {}) == 2.0);
  CHECK(one({0, 1, 2}, {0, 3}, {.band = 1}) == 2.0);
  // Squared costs 0 9 / 1 4 / 4 1: the same path, 0+1+1, root taken at the end.
  CHECK(one({0, 1, 2}, {0, 3}, {.metric = dtw::cost::sq}) == std::sqrt(2.0));
  CHECK(one({0, 0, 0}, {1}, {}) == 3.0);
  CHECK(one({0, 0, 0}, {1}, {.metric = dtw::cost::sq}) == std::sqrt(3.0));
  CHECK(one({1, 2, 3}, {1, 2, 3}, {.band = 0}) == 0.0);
  CHECK(one({5}, {2}, {}) == 3.0);
  // A shifted bump: warping absorbs the shift, band 0 (lock-step) cannot.
  CHECK(one({0, 1, 0, 0}, {0, 0, 1, 0}, {}) == 0.0);
  CHECK(one({0, 1, 0, 0}, {0, 0, 1, 0}, {.band = 1}) == 0.0);
  CHECK(one({0, 1, 0, 0}, {0, 0, 1, 0}, {.band = 0}) == 2.0);
}

TEST_CASE("dtw::cuda: the kernel's code path equals the full matrix, bit for bit") {
  std::mt19937_64 rng(20240603);
  int checked = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const random_case c = make_case(rng, trial < 1400 ? 40 : 300, 4);
    std::vector<double> out(c.count);
    gpu::detail::batch_on_host(c.query, c.candidates, c.length, c.opt, out);
    for (std::size_t k = 0; k < c.count; ++k) {
      const double want = full_matrix(c.query, candidate(c, k), c.opt);
      if (out[k] != want) {
        FAIL_CHECK("trial " << trial << " n=" << c.query.size() << " m=" << c.length
                            << " band=" << c.opt.band << " sq=" << (c.opt.metric == dtw::cost::sq)
                            << ": " << out[k] << " != " << want);
      }
      ++checked;
    }
  }
  CHECK(checked > 3000);
}

TEST_CASE("dtw::cuda: the kernel's code path equals dtw::reference::distance") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const random_case c = make_case(rng, 60, 3);
    std::vector<double> out(c.count);
    gpu::detail::batch_on_host(c.query, c.candidates, c.length, c.opt, out);
    for (std::size_t k = 0; k < c.count; ++k) {
      CHECK(out[k] == dtw::reference::distance(c.query, candidate(c, k), c.opt));
    }
  }
}

// ---- on the device: suite cuda-device, skipped where there is none ----

namespace {
bool skip_without_device() {
  MESSAGE("CUDA device: " << std::string(gpu::device_name()));
  return ntrun::test::skip_without("cuda-device", gpu::device_present());
}
}  // namespace

TEST_CASE("dtw::cuda: device batch equals the references on random cases" *
          doctest::test_suite("cuda-device")) {
  if (skip_without_device()) return;
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 200; ++trial) {
    // Up to 600 candidates: several blocks and a partial last warp.
    const random_case c = make_case(rng, trial < 180 ? 64 : 300, trial < 180 ? 600 : 40);
    std::vector<double> out(c.count);
    gpu::batch(c.query, c.candidates, c.length, c.opt, out);
    std::vector<std::span<const double>> spans;
    for (std::size_t k = 0; k < c.count; ++k) spans.push_back(candidate(c, k));
    std::vector<double> cpu(c.count);
    dtw::batch(c.query, spans, c.opt, cpu);
    int wrong = 0;
    for (std::size_t k = 0; k < c.count; ++k) {
      const double want = full_matrix(c.query, spans[k], c.opt);
      if (out[k] != want || cpu[k] != want) ++wrong;
      if (k < 3) CHECK(out[k] == dtw::reference::distance(c.query, spans[k], c.opt));
    }
    CHECK_MESSAGE(wrong == 0, "trial " << trial << " n=" << c.query.size() << " m=" << c.length
                                       << " band=" << c.opt.band);
  }
}

TEST_CASE("dtw::cuda: device batch over several launches (long series, band 0)" *
          doctest::test_suite("cuda-device")) {
  if (skip_without_device()) return;
  // 4000 + 4000 values a candidate: a launch holds about 4,190 of them, so 4,500 take two.
  // Band 0 with equal lengths is the lock-step sum, cheap to check for every candidate.
  constexpr std::size_t length = 4000;
  constexpr std::size_t count = 4500;
  std::mt19937_64 rng(5);
  const auto q = random_walk(rng, length);
  std::vector<double> cands;
  cands.reserve(length * count);
  for (std::size_t k = 0; k < count; ++k) {
    const auto s = random_walk(rng, length);
    cands.insert(cands.end(), s.begin(), s.end());
  }
  for (const auto metric : {dtw::cost::abs, dtw::cost::sq}) {
    const dtw::options opt{.metric = metric, .band = 0};
    std::vector<double> out(count);
    gpu::batch(q, cands, length, opt, out);
    int wrong = 0;
    for (std::size_t k = 0; k < count; ++k) {
      double sum = 0.0;
      for (std::size_t i = 0; i < length; ++i) {
        const double d = q[i] - cands[k * length + i];
        sum += metric == dtw::cost::sq ? d * d : std::abs(d);
      }
      if (out[k] != (metric == dtw::cost::sq ? std::sqrt(sum) : sum)) ++wrong;
    }
    CHECK(wrong == 0);
  }
}
