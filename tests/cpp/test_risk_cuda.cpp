// Tests of the CUDA back-end of Monte Carlo risk paths (ntrun/compute/risk_cuda.hpp): feature
// detection and argument checks everywhere; on a device (suite cuda-device), the paths against a
// reference loop over the CPU's Philox normals and the VaR against risk's scalar reference; the
// no-device error in suite no-cuda-device. Each suite has its own CTest entry, reported as
// skipped on a machine where it cannot run.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../../compute/src/risk_detail.hpp"  // test hook: Philox normals, reference Monte Carlo
#include "ntrun/compute/dtw_cuda.hpp"
#include "ntrun/compute/risk.hpp"
#include "ntrun/compute/risk_cuda.hpp"

namespace ntrun::test {
bool skip_without(std::string_view name, bool present);  // tests/cpp/main.cpp
}  // namespace ntrun::test

namespace {

namespace risk = ntrun::compute::risk;
namespace rd = ntrun::compute::risk::detail;
namespace gpu = ntrun::compute::risk::cuda;
using vec = std::vector<double>;

// Three assets (odd: the last normal pair is half used), a positive-definite covariance.
struct portfolio {
  vec mu{0.0004, -0.0002, 0.0007};
  vec cov{4e-4, 1e-4, 5e-5,  //
          1e-4, 9e-4, 2e-4,  //
          5e-5, 2e-4, 2.5e-4};
  vec weights{0.5, -0.25, 0.75};
  vec factor = rd::covariance_factor(cov, 3, false, "cov");
};

// The model of risk::portfolio_var from (mu, F, w), in its order of adds.
rd::mc_model model_of(const portfolio& p) {
  const std::size_t cols = p.mu.size();
  rd::mc_model m{.loading = vec(cols, 0.0)};
  for (std::size_t i = 0; i < cols; ++i) {
    m.drift += p.weights[i] * p.mu[i];
    for (std::size_t k = 0; k < cols; ++k) m.loading[k] += p.factor[i * cols + k] * p.weights[i];
  }
  return m;
}

// Obviously-correct path loop: pair b of step s of path p is counter (p, s, b); z0 goes to
// asset 2b, z1 to asset 2b + 1; steps compound.
double reference_path(const rd::mc_model& m, std::uint64_t seed, std::uint64_t path,
                      std::int64_t horizon) {
  double growth = 1;
  for (std::int64_t s = 0; s < horizon; ++s) {
    double r = m.drift;
    for (std::size_t a = 0; a < m.loading.size(); ++a) {
      const rd::normal_pair z = rd::philox_normals(seed, path, static_cast<std::uint32_t>(s),
                                                   static_cast<std::uint32_t>(a / 2));
      r += m.loading[a] * (a % 2 == 0 ? z.z0 : z.z1);
    }
    growth *= 1 + r;
  }
  return growth - 1;
}

template <class F>
void check_bad(F&& f, const std::string& arg) {
  try {
    (void)f();
    FAIL("no exception, expected one naming '" << arg << "'");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK_MESSAGE(what.find("'" + arg + "'") != std::string::npos, what);
  }
}

}  // namespace

TEST_CASE("risk::cuda detection is consistent") {
  CHECK(gpu::compiled() == (NTRUN_HAVE_CUDA == 1));
  if (!gpu::compiled()) CHECK_FALSE(gpu::device_present());
  // The risk kernel sits in the same fat binary as the DTW kernel.
  if (gpu::device_present()) CHECK(ntrun::compute::dtw::cuda::device_present());
  MESSAGE("risk::cuda compiled: " << gpu::compiled()
                                  << ", device present: " << gpu::device_present());
}

TEST_CASE("risk::cuda::portfolio_paths without a device throws runtime_error" *
          doctest::test_suite("no-cuda-device")) {
  if (ntrun::test::skip_without("no-cuda-device", !gpu::device_present())) return;
  const portfolio p;
  try {
    (void)gpu::portfolio_paths(p.mu, p.factor, p.weights, 100, 1, 7);
    FAIL("no exception without a device");
  } catch (const std::invalid_argument& e) {
    FAIL("invalid_argument for valid input: " << e.what());
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.find("risk::cuda::portfolio_paths") != std::string::npos);
    CHECK(what.find(gpu::compiled() ? "no usable CUDA device" : "no CUDA back-end") !=
          std::string::npos);
  }
}

TEST_CASE("risk::cuda::portfolio_paths rejects bad input on every machine") {
  const portfolio p;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const auto call = [&](const vec& mu, const vec& f, const vec& w, std::int64_t sims,
                        std::int64_t horizon) {
    return gpu::portfolio_paths(mu, f, w, sims, horizon, 1);
  };
  check_bad([&] { return call({}, {}, {}, 10, 1); }, "mu");
  check_bad([&] { return call(p.mu, p.factor, {}, 10, 1); }, "weights");
  check_bad([&] { return call({0.0, nan, 0.0}, p.factor, p.weights, 10, 1); }, "mu");
  check_bad([&] { return call(p.mu, p.factor, {0.1, inf, 0.2}, 10, 1); }, "weights");
  check_bad([&] { return call(p.mu, p.factor, {0.5, 0.5}, 10, 1); }, "weights");
  check_bad([&] { return call(p.mu, {1.0, 0.0, 1.0}, p.weights, 10, 1); }, "chol_lower");
  check_bad([&] { return call(p.mu, {}, p.weights, 10, 1); }, "chol_lower");
  vec f_nan = p.factor;
  f_nan[4] = nan;
  check_bad([&] { return call(p.mu, f_nan, p.weights, 10, 1); }, "chol_lower");
  check_bad([&] { return call(p.mu, p.factor, p.weights, 0, 1); }, "sims");
  check_bad([&] { return call(p.mu, p.factor, p.weights, -5, 1); }, "sims");
  check_bad([&] { return call(p.mu, p.factor, p.weights, 2'000'000'000, 1); }, "sims");
  check_bad([&] { return call(p.mu, p.factor, p.weights, 10, 0); }, "horizon");
  check_bad([&] { return call(p.mu, p.factor, p.weights, 10, -3); }, "horizon");
  check_bad([&] { return call(p.mu, p.factor, p.weights, 10, std::int64_t{1} << 31); }, "horizon");
}

TEST_CASE("the reference path loop follows the CPU's Philox layout") {
  // Guards the GPU comparison below: the test's loop and risk's scalar engine agree here.
  const portfolio p;
  const rd::mc_model m = model_of(p);
  const risk::var_options opt{
      .how = risk::method::monte_carlo, .horizon = 3, .sims = 300, .seed = 0x123456789abcdef0ull};
  vec cpu(static_cast<std::size_t>(opt.sims));
  rd::simulate_paths(m, opt, rd::engine::scalar, cpu);
  for (std::size_t i = 0; i < cpu.size(); ++i)
    CHECK(reference_path(m, opt.seed, i, opt.horizon) == doctest::Approx(cpu[i]).epsilon(1e-13));
}

// ---- on the device: suite cuda-device, skipped where there is none ----

TEST_CASE("risk::cuda::portfolio_paths on the device matches the CPU reference" *
          doctest::test_suite("cuda-device")) {
  MESSAGE("CUDA device: " << std::string(ntrun::compute::dtw::cuda::device_name()));
  if (ntrun::test::skip_without("cuda-device", gpu::device_present())) return;
  const portfolio p;
  const rd::mc_model m = model_of(p);
  struct trial {
    std::int64_t sims;
    std::int64_t horizon;
    std::uint64_t seed;
  };
  for (const trial t :
       {trial{1, 1, 0}, trial{10'007, 1, 42}, trial{4'099, 10, 0xfeedface12345678ull}}) {
    const vec paths = gpu::portfolio_paths(p.mu, p.factor, p.weights, t.sims, t.horizon, t.seed);
    REQUIRE(paths.size() == static_cast<std::size_t>(t.sims));
    const risk::var_options opt{.how = risk::method::monte_carlo,
                                .confidence = 0.99,
                                .horizon = t.horizon,
                                .sims = t.sims,
                                .seed = t.seed};
    vec cpu(paths.size());
    rd::simulate_paths(m, opt, rd::engine::scalar, cpu);
    // Relative to the path's scale: a horizon return can cancel to near zero.
    double scale = std::abs(m.drift);
    for (const double l : m.loading) scale += std::abs(l);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const double tol = 1e-12 * std::max(std::abs(cpu[i]), scale);
      if (!(std::abs(paths[i] - cpu[i]) <= tol)) ++wrong;
      if (i < 64) CHECK(std::abs(paths[i] - reference_path(m, t.seed, i, t.horizon)) <= tol);
    }
    CHECK_MESSAGE(wrong == 0, "sims " << t.sims << " horizon " << t.horizon << ": " << wrong
                                      << " paths differ from the CPU by more than 1e-12");
    const risk::var_result ref = rd::monte_carlo_reference(m, opt);
    vec sorted = paths;
    const rd::tail gpu_tail = rd::empirical_tail_sorted(sorted, 1 - opt.confidence);
    CHECK(std::abs(gpu_tail.var - ref.var) <= 1e-9);
    CHECK(std::abs(gpu_tail.cvar - ref.cvar) <= 1e-9);
  }
}
