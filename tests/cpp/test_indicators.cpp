// Tests of compute/indicators and its C ABI: hand-worked values, incremental == whole-series,
// both against naive references that recompute each window from scratch, drift over 1e6 points.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "ntrun/compute/indicators.hpp"
#include "ntrun/engine/session.hpp"
#include "ntrun_ffi.h"

namespace nc = ntrun::compute;
using vec = std::vector<double>;

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

// Equal within 1e-9 relative to max(|want|, scale); NaN only matches NaN.
bool near(double got, double want, double scale = 0) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  return std::abs(got - want) <= 1e-9 * std::max(std::abs(want), scale);
}

// Counts mismatches so a failing long series reports one line, not a million.
std::size_t mismatches(const vec& got, const vec& want, double scale = 0) {
  REQUIRE(got.size() == want.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) bad += near(got[i], want[i], scale) ? 0 : 1;
  return bad;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// Geometric random walk: positive prices, log-sd 0.001 a step.
vec price_walk(std::size_t n, std::uint64_t seed, double start = 100) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 0.001);
  vec x(n);
  double p = start;
  for (auto& v : x) v = p *= std::exp(step(rng));
  return x;
}

// ---- naive references: every window recomputed from scratch ---------------------------------

double window_mean(const vec& x, std::size_t end, std::size_t n) {
  double s = 0;
  for (std::size_t j = end + 1 - n; j <= end; ++j) s += x[j];
  return s / static_cast<double>(n);
}

double window_std(const vec& x, std::size_t end, std::size_t n) {
  const double m = window_mean(x, end, n);
  double ss = 0;
  for (std::size_t j = end + 1 - n; j <= end; ++j) ss += (x[j] - m) * (x[j] - m);
  return std::sqrt(ss / static_cast<double>(n - 1));
}

vec ref_sma(const vec& x, std::size_t n) {
  vec out(x.size(), k_nan);
  for (std::size_t i = n - 1; i < x.size(); ++i) out[i] = window_mean(x, i, n);
  return out;
}

vec ref_std(const vec& x, std::size_t n) {
  vec out(x.size(), k_nan);
  for (std::size_t i = n - 1; i < x.size(); ++i) out[i] = window_std(x, i, n);
  return out;
}

vec ref_zscore(const vec& x, std::size_t n) {
  vec out(x.size(), k_nan);
  for (std::size_t i = n - 1; i < x.size(); ++i) {
    const double sd = window_std(x, i, n);
    if (sd > 0) out[i] = (x[i] - window_mean(x, i, n)) / sd;
  }
  return out;
}

vec ref_ema(const vec& x, std::size_t n) {
  vec out(x.size(), k_nan);
  if (x.size() < n) return out;
  const double a = 2.0 / (static_cast<double>(n) + 1);
  double e = window_mean(x, n - 1, n);
  out[n - 1] = e;
  for (std::size_t i = n; i < x.size(); ++i) out[i] = e = a * x[i] + (1 - a) * e;
  return out;
}

// Wilder's smoothing of v from index `first`: mean of n values, then (avg*(n-1)+v)/n.
vec ref_wilder(const vec& v, std::size_t first, std::size_t n) {
  vec out(v.size(), k_nan);
  if (v.size() < first + n) return out;
  double avg = window_mean(v, first + n - 1, n);
  out[first + n - 1] = avg;
  for (std::size_t i = first + n; i < v.size(); ++i)
    out[i] = avg = (avg * static_cast<double>(n - 1) + v[i]) / static_cast<double>(n);
  return out;
}

vec ref_rsi(const vec& x, std::size_t n) {
  vec gain(x.size(), 0.0), loss(x.size(), 0.0);
  for (std::size_t i = 1; i < x.size(); ++i) {
    gain[i] = std::max(x[i] - x[i - 1], 0.0);
    loss[i] = std::max(x[i - 1] - x[i], 0.0);
  }
  const vec g = ref_wilder(gain, 1, n), l = ref_wilder(loss, 1, n);
  vec out(x.size(), k_nan);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(g[i])) continue;
    if (l[i] == 0)
      out[i] = g[i] == 0 ? 50 : 100;
    else
      out[i] = 100 - 100 / (1 + g[i] / l[i]);
  }
  return out;
}

vec ref_atr(const vec& h, const vec& l, const vec& c, std::size_t n) {
  vec tr(h.size());
  for (std::size_t i = 0; i < h.size(); ++i)
    tr[i] = i == 0 ? h[i] - l[i]
                   : std::max({h[i] - l[i], std::abs(h[i] - c[i - 1]), std::abs(l[i] - c[i - 1])});
  return ref_wilder(tr, 0, n);
}

struct ref_ols_row {
  double beta = k_nan, alpha = k_nan, spread = k_nan, r2 = k_nan;
  // False when the window's x values agree to ~6 digits: beta then hangs on the last bits of
  // the data and no two methods agree to 1e-9 (not even two exact-arithmetic references).
  bool well_conditioned = true;
};

ref_ols_row ref_ols_at(const vec& y, const vec& x, std::size_t end, std::size_t n) {
  const double mx = window_mean(x, end, n), my = window_mean(y, end, n);
  double sxx = 0, syy = 0, sxy = 0;
  for (std::size_t j = end + 1 - n; j <= end; ++j) {
    sxx += (x[j] - mx) * (x[j] - mx);
    syy += (y[j] - my) * (y[j] - my);
    sxy += (x[j] - mx) * (y[j] - my);
  }
  if (sxx == 0) return {};
  const double beta = sxy / sxx, alpha = my - beta * mx;
  return {.beta = beta,
          .alpha = alpha,
          .spread = y[end] - alpha - beta * x[end],
          .r2 = syy > 0 ? sxy * sxy / (sxx * syy) : k_nan,
          .well_conditioned = std::sqrt(sxx / static_cast<double>(n)) > 1e-6 * std::abs(mx)};
}

}  // namespace

TEST_CASE("indicators: hand-worked values") {
  vec out(5);
  nc::sma_series(vec{1, 2, 3, 4, 5}, 3, out);
  CHECK(mismatches(out, {k_nan, k_nan, 2, 3, 4}) == 0);

  nc::ema_series(vec{1, 2, 3, 10, 4}, 3, out);  // alpha 0.5, seed (1+2+3)/3
  CHECK(mismatches(out, {k_nan, k_nan, 2, 6, 5}) == 0);

  vec sd(8), z(8);
  const vec x{2, 4, 4, 4, 5, 5, 7, 9};
  nc::rolling_std_series(x, 3, sd);
  nc::zscore_series(x, 3, z);
  CHECK(near(sd[2], std::sqrt(4.0 / 3)));
  CHECK(sd[3] == 0.0);  // constant window: exactly zero, z undefined
  CHECK(std::isnan(z[3]));
  CHECK(near(sd[4], std::sqrt(1.0 / 3)));
  CHECK(near(z[4], (5 - 13.0 / 3) / std::sqrt(1.0 / 3)));

  // RSI(3): changes +1 +1 -1 +2 -1; avg gain/loss 2/3,1/3 then 10/9,2/9 then 20/27,13/27.
  vec r(6);
  nc::rsi_series(vec{10, 11, 12, 11, 13, 12}, 3, r);
  CHECK(mismatches(r, {k_nan, k_nan, k_nan, 100 - 100.0 / 3, 100 - 100.0 / 6, 2000.0 / 33}) == 0);
  vec r4(4);
  nc::rsi_series(vec{1, 2, 3, 4}, 3, r4);
  CHECK(r4[3] == 100.0);
  nc::rsi_series(vec{4, 3, 2, 1}, 3, r4);
  CHECK(r4[3] == 0.0);
  nc::rsi_series(vec{5, 5, 5, 5}, 3, r4);
  CHECK(r4[3] == 50.0);

  // ATR(3): TR = 2, 2, 2, 4.5, 1 -> 2, (2*2+4.5)/3, (8.5/3*2+1)/3.
  vec a(5);
  nc::atr_series(vec{10, 11, 12, 11, 9}, vec{8, 9, 10, 7, 8}, vec{9, 10, 11.5, 8, 8.5}, 3, a);
  CHECK(mismatches(a, {k_nan, k_nan, 2, 8.5 / 3, 20.0 / 9}) == 0);

  // MACD(2,3,2) of 1,2,4,8,16, worked in exact fractions.
  vec m(5), s(5), h(5);
  nc::macd_series(vec{1, 2, 4, 8, 16}, 2, 3, 2, m, s, h);
  CHECK(mismatches(m, {k_nan, k_nan, 5.0 / 6, 11.0 / 9, 239.0 / 108}) == 0);
  CHECK(mismatches(s, {k_nan, k_nan, k_nan, 37.0 / 36, 589.0 / 324}) == 0);
  CHECK(mismatches(h, {k_nan, k_nan, k_nan, 7.0 / 36, 32.0 / 81}) == 0);

  vec mid(3), up(3), lo(3);
  nc::bollinger_series(vec{2, 4, 4}, 3, 2.0, mid, up, lo);
  CHECK(near(mid[2], 10.0 / 3));
  CHECK(near(up[2], 10.0 / 3 + 2 * std::sqrt(4.0 / 3)));
  CHECK(near(lo[2], 10.0 / 3 - 2 * std::sqrt(4.0 / 3)));

  // y = (2, 4, 6.5) on x = (1, 2, 3): beta 4.5/2, alpha 25/6 - 4.5, r2 = 20.25 / (2 * 61/6).
  nc::rolling_ols o(3);
  (void)o.update(2, 1);
  (void)o.update(4, 2);
  const nc::ols_value v = o.update(6.5, 3);
  CHECK(near(v.beta, 2.25));
  CHECK(near(v.alpha, 25.0 / 6 - 4.5));
  CHECK(near(v.spread, 1.0 / 12));
  CHECK(near(v.r2, 121.5 / 122));

  vec ret(3);
  nc::pct_returns(vec{100, 110, 99}, ret);
  CHECK(mismatches(ret, {k_nan, 0.1, -0.1}) == 0);
  nc::log_returns(vec{100, 110, 99}, ret);
  CHECK(mismatches(ret, {k_nan, std::log(1.1), std::log(0.9)}) == 0);
}

TEST_CASE("indicators: incremental, series and reference agree on random walks") {
  const vec x = price_walk(3000, 7);
  const std::size_t n = x.size();
  for (const int w : {1, 2, 3, 14, 50, 700}) {
    CAPTURE(w);
    const auto wz = static_cast<std::size_t>(w);
    vec ser(n), inc(n);
    nc::sma s(w);
    for (std::size_t i = 0; i < n; ++i) inc[i] = s.update(x[i]);
    nc::sma_series(x, w, ser);
    CHECK(mismatches(ser, inc) == 0);
    CHECK(mismatches(ser, ref_sma(x, wz)) == 0);

    nc::ema e(w);
    for (std::size_t i = 0; i < n; ++i) inc[i] = e.update(x[i]);
    nc::ema_series(x, w, ser);
    CHECK(mismatches(ser, inc) == 0);
    CHECK(mismatches(ser, ref_ema(x, wz)) == 0);

    nc::rsi r(w);
    for (std::size_t i = 0; i < n; ++i) inc[i] = r.update(x[i]);
    nc::rsi_series(x, w, ser);
    CHECK(mismatches(ser, inc) == 0);
    CHECK(mismatches(ser, ref_rsi(x, wz), 100) == 0);

    vec hi(n), lo(n);
    for (std::size_t i = 0; i < n; ++i) {
      hi[i] = x[i] * (1 + 0.002 * static_cast<double>(i % 5));
      lo[i] = x[i] * (1 - 0.001 * static_cast<double>(i % 3));
    }
    nc::atr a(w);
    for (std::size_t i = 0; i < n; ++i) inc[i] = a.update(hi[i], lo[i], x[i]);
    nc::atr_series(hi, lo, x, w, ser);
    CHECK(mismatches(ser, inc) == 0);
    CHECK(mismatches(ser, ref_atr(hi, lo, x, wz)) == 0);
    if (w < 2) continue;

    vec z(n), zi(n), mi(n);
    nc::rolling_std sd(w);
    for (std::size_t i = 0; i < n; ++i) {
      inc[i] = sd.update(x[i]);
      zi[i] = sd.zscore();
      mi[i] = sd.mean();
    }
    nc::rolling_std_series(x, w, ser);
    nc::zscore_series(x, w, z);
    CHECK(mismatches(ser, inc) == 0);
    CHECK(mismatches(z, zi) == 0);
    CHECK(mismatches(ser, ref_std(x, wz)) == 0);
    CHECK(mismatches(z, ref_zscore(x, wz), 1) == 0);
    CHECK(mismatches(mi, ref_sma(x, wz)) == 0);

    vec mid(n), up(n), dn(n);
    nc::bollinger_series(x, w, 2.5, mid, up, dn);
    const vec rm = ref_sma(x, wz), rs = ref_std(x, wz);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i)
      bad += near(mid[i], rm[i]) && near(up[i], rm[i] + 2.5 * rs[i]) &&
                     near(dn[i], rm[i] - 2.5 * rs[i])
                 ? 0
                 : 1;
    CHECK(bad == 0);
  }
}

TEST_CASE("indicators: macd and ols agree with references") {
  const vec x = price_walk(4000, 11), y0 = price_walk(4000, 12);
  const std::size_t n = x.size();
  vec y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = 1.5 * x[i] + 0.3 * y0[i];
  for (const auto [f, sl, sg] :
       {std::array{12, 26, 9}, std::array{1, 2, 1}, std::array{5, 300, 40}}) {
    CAPTURE(f);
    vec m(n), s(n), h(n);
    nc::macd_series(x, f, sl, sg, m, s, h);
    const vec ef = ref_ema(x, static_cast<std::size_t>(f)),
              es = ref_ema(x, static_cast<std::size_t>(sl));
    vec rm(n, k_nan);
    for (std::size_t i = 0; i < n; ++i) rm[i] = ef[i] - es[i];
    const auto first = static_cast<std::size_t>(sl - 1);
    const vec tail = ref_ema(vec(rm.begin() + static_cast<std::ptrdiff_t>(first), rm.end()),
                             static_cast<std::size_t>(sg));
    vec rs(n, k_nan), rh(n, k_nan);
    for (std::size_t i = first; i < n; ++i) {
      rs[i] = tail[i - first];
      rh[i] = rm[i] - rs[i];
    }
    CHECK(mismatches(m, rm, 100) == 0);
    CHECK(mismatches(s, rs, 100) == 0);
    CHECK(mismatches(h, rh, 100) == 0);
    nc::macd inc(f, sl, sg);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const nc::macd_value v = inc.update(x[i]);
      bad += same(v.macd, m[i]) && same(v.signal, s[i]) && same(v.hist, h[i]) ? 0 : 1;
    }
    CHECK(bad == 0);
  }
  for (const int w : {2, 3, 30, 500}) {
    CAPTURE(w);
    vec b(n), a(n), sp(n);
    nc::rolling_ols_series(y, x, w, b, a, sp);
    nc::rolling_ols o(w);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const nc::ols_value v = o.update(y[i], x[i]);
      const ref_ols_row r = i + 1 >= static_cast<std::size_t>(w)
                                ? ref_ols_at(y, x, i, static_cast<std::size_t>(w))
                                : ref_ols_row{};
      // alpha and spread are differences of price-sized terms: judge them at price scale.
      const bool ok =
          (!r.well_conditioned || (near(v.beta, r.beta, 1) && near(v.alpha, r.alpha, 100) &&
                                   near(v.spread, r.spread, 100) && near(v.r2, r.r2, 1))) &&
          same(v.beta, b[i]) && same(v.alpha, a[i]) && same(v.spread, sp[i]);
      bad += ok ? 0 : 1;
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("indicators: no drift over 1e6 updates") {
  const vec x = price_walk(1'000'000, 3);
  const std::size_t n = x.size(), w = 40;
  vec y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = 0.7 * x[i] + std::sin(static_cast<double>(i) * 0.01);
  vec out(n), z(n);
  nc::sma_series(x, w, out);
  CHECK(mismatches(out, ref_sma(x, w)) == 0);
  nc::rolling_std_series(x, w, out);
  CHECK(mismatches(out, ref_std(x, w)) == 0);
  nc::zscore_series(x, w, z);
  CHECK(mismatches(z, ref_zscore(x, w), 1) == 0);
  nc::ema_series(x, w, out);
  CHECK(mismatches(out, ref_ema(x, w)) == 0);
  nc::rsi_series(x, 14, out);
  CHECK(mismatches(out, ref_rsi(x, 14), 100) == 0);
  nc::rolling_ols o(static_cast<int>(w));
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const nc::ols_value v = o.update(y[i], x[i]);
    if (i + 1 < w) continue;
    const ref_ols_row r = ref_ols_at(y, x, i, w);
    bad += !r.well_conditioned ||
                   (near(v.beta, r.beta, 1) && near(v.spread, r.spread, 1) && near(v.r2, r.r2, 1))
               ? 0
               : 1;
  }
  CHECK(bad == 0);
}

TEST_CASE("indicators: a large level costs no precision") {
  // 1e6 + noise of 1e-3: a naive sum-of-squares variance loses every digit here.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 1e-3);
  vec x(20000), y(20000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = 1e6 + noise(rng);
    y[i] = 2e6 + 3 * (x[i] - 1e6) + noise(rng);
  }
  vec out(x.size());
  nc::rolling_std_series(x, 25, out);
  CHECK(mismatches(out, ref_std(x, 25)) == 0);
  nc::rolling_ols o(25);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const nc::ols_value v = o.update(y[i], x[i]);
    if (i >= 24) bad += near(v.beta, ref_ols_at(y, x, i, 25).beta, 1) ? 0 : 1;
  }
  CHECK(bad == 0);
}

TEST_CASE("indicators: recover exactly after a huge outlier leaves the window") {
  // Values of 1e8 then O(1): removal cancels ~1e16 against ~1e-2, so the running moments are
  // garbage for a while; the ring-wrap refresh restores them within 2 * window updates.
  std::mt19937_64 rng(9);
  std::normal_distribution<double> noise(1.0, 0.1);
  vec x(400);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = i < 50 ? 1e8 : noise(rng);
  const std::size_t w = 20;
  vec out(x.size());
  nc::rolling_std_series(x, w, out);
  const vec want = ref_std(x, w);
  CHECK(mismatches(vec(out.begin() + 50 + 2 * w, out.end()),
                   vec(want.begin() + 50 + 2 * w, want.end())) == 0);
}

TEST_CASE("indicators: constant windows") {
  vec x{1, 2, 3, 7, 7, 7, 7, 7};
  vec sd(8), z(8);
  nc::rolling_std_series(x, 4, sd);
  nc::zscore_series(x, 4, z);
  CHECK(sd[6] == 0.0);
  CHECK(sd[7] == 0.0);
  CHECK(std::isnan(z[7]));
  CHECK(near(sd[5], 2.0));  // 3,7,7,7: mean 6, ss 12, var 4
  vec mid(8), up(8), lo(8);
  nc::bollinger_series(x, 4, 2.0, mid, up, lo);
  CHECK(mid[7] == 7.0);
  CHECK(up[7] == 7.0);
  CHECK(lo[7] == 7.0);

  nc::rolling_ols o(3);
  nc::ols_value v{};
  for (const double xv : {5.0, 5.0, 5.0}) v = o.update(1.0 + xv, xv);  // var(x) == 0
  CHECK(std::isnan(v.beta));
  CHECK(std::isnan(v.alpha));
  CHECK(std::isnan(v.spread));
  CHECK(std::isnan(v.r2));
  for (const double xv : {1.0, 2.0, 3.0}) v = o.update(4.0, xv);  // var(y) == 0
  CHECK(v.beta == 0.0);
  CHECK(v.alpha == 4.0);
  CHECK(v.spread == 0.0);
  CHECK(std::isnan(v.r2));
  for (const double xv : {4.0, 5.0, 6.0}) v = o.update(2 * xv + 1, xv);
  CHECK(near(v.beta, 2));
  CHECK(near(v.alpha, 1, 1));
  CHECK(near(v.spread, 0, 1));
  CHECK(near(v.r2, 1));
}

TEST_CASE("indicators: warm-up lengths") {
  const vec x = price_walk(60, 1);
  vec o1(60), o2(60), o3(60);
  auto first_defined = [](const vec& v) {
    std::size_t i = 0;
    while (i < v.size() && std::isnan(v[i])) ++i;
    return i;
  };
  nc::sma_series(x, 10, o1);
  CHECK(first_defined(o1) == 9);
  nc::ema_series(x, 10, o1);
  CHECK(first_defined(o1) == 9);
  nc::rolling_std_series(x, 10, o1);
  CHECK(first_defined(o1) == 9);
  nc::rsi_series(x, 10, o1);
  CHECK(first_defined(o1) == 10);
  nc::atr_series(x, x, x, 10, o1);
  CHECK(first_defined(o1) == 9);
  nc::macd_series(x, 5, 10, 4, o1, o2, o3);
  CHECK(first_defined(o1) == 9);
  CHECK(first_defined(o2) == 12);
  CHECK(first_defined(o3) == 12);
  nc::sma_series(x, 61, o1);  // longer than the data: all NaN, no error
  CHECK(first_defined(o1) == 60);
}

TEST_CASE("indicators: bad arguments throw std::invalid_argument naming the argument") {
  CHECK_THROWS_WITH_AS(nc::sma(0), "bad 'window' argument: must be >= 1 (got 0)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nc::ema(-3), "bad 'window' argument: must be >= 1 (got -3)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nc::rolling_std(1), "bad 'window' argument: must be >= 2 (got 1)",
                       std::invalid_argument);
  CHECK_THROWS_AS(nc::rsi(0), std::invalid_argument);
  CHECK_THROWS_AS(nc::atr(0), std::invalid_argument);
  CHECK_THROWS_AS(nc::rolling_ols(1), std::invalid_argument);
  CHECK_THROWS_AS(nc::sma(nc::max_indicator_window + 1), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nc::bollinger(20, -1), "bad 'k' argument: must be finite and >= 0 (got -1)",
                       std::invalid_argument);
  CHECK_THROWS_AS(nc::bollinger(20, k_nan), std::invalid_argument);
  CHECK_THROWS_AS(nc::bollinger(1, 2), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nc::macd(26, 12, 9),
                       "bad 'fast' argument: must be < slow (got fast 26, slow 12)",
                       std::invalid_argument);
  CHECK_THROWS_AS(nc::macd(12, 12, 9), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nc::macd(12, 26, 0), "bad 'signal' argument: must be >= 1 (got 0)",
                       std::invalid_argument);
  CHECK_NOTHROW(nc::bollinger(2, 0));

  // A rejected update leaves the state as it was.
  nc::sma s(2);
  (void)s.update(1);
  CHECK_THROWS_WITH_AS(s.update(k_nan), "bad 'x' argument: must be finite (got nan)",
                       std::invalid_argument);
  CHECK_THROWS_AS(s.update(k_inf), std::invalid_argument);
  CHECK(s.update(3) == 2.0);
  nc::atr a(1);
  CHECK_THROWS_WITH_AS(a.update(1, 2, 1.5), "bad 'low' argument: must be <= high (got 2)",
                       std::invalid_argument);
  CHECK(a.update(2, 1, 1.5) == 1.0);
  nc::rolling_ols o(2);
  CHECK_THROWS_AS(o.update(1, k_nan), std::invalid_argument);

  vec out(3), shorter(2);
  CHECK_THROWS_WITH_AS(nc::sma_series(vec{1, 2, 3}, 2, shorter),
                       "bad 'out' argument: size must equal the input size 3 (got 2)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nc::ema_series(vec{1, k_nan, 3}, 2, out),
                       "bad 'x' argument: must be finite (got nan at index 1)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nc::log_returns(vec{1, 0, 3}, out),
                       "bad 'x' argument: log returns need x > 0 (got 0 at index 1)",
                       std::invalid_argument);
  CHECK_THROWS_AS(nc::pct_returns(vec{1, 0, 3}, out), std::invalid_argument);
  CHECK_NOTHROW(nc::pct_returns(vec{1, 2, 0}, out));
  CHECK_THROWS_AS(nc::atr_series(vec{1, 2, 3}, vec{1, 3, 2}, vec{1, 2, 3}, 2, out),
                  std::invalid_argument);
  CHECK_THROWS_AS(nc::rolling_ols_series(vec{1, 2, 3}, vec{1, 2}, 2, out, out, out),
                  std::invalid_argument);
  vec empty;
  CHECK_NOTHROW(nc::sma_series(empty, 3, empty));
}

TEST_CASE("indicators: series run in place") {
  const vec x = price_walk(500, 21);
  auto check_in_place = [&](auto fn) {
    vec separate(x.size()), inplace = x;
    fn(x, separate);
    fn(inplace, inplace);
    CHECK(mismatches(inplace, separate) == 0);
  };
  check_in_place([](std::span<const double> in, std::span<double> o) { nc::sma_series(in, 7, o); });
  check_in_place([](std::span<const double> in, std::span<double> o) { nc::ema_series(in, 7, o); });
  check_in_place(
      [](std::span<const double> in, std::span<double> o) { nc::rolling_std_series(in, 7, o); });
  check_in_place(
      [](std::span<const double> in, std::span<double> o) { nc::zscore_series(in, 7, o); });
  check_in_place([](std::span<const double> in, std::span<double> o) { nc::rsi_series(in, 7, o); });
  check_in_place([](std::span<const double> in, std::span<double> o) { nc::log_returns(in, o); });
  check_in_place([](std::span<const double> in, std::span<double> o) { nc::pct_returns(in, o); });
  check_in_place([](std::span<const double> in, std::span<double> o) {
    vec s(in.size()), h(in.size());
    nc::macd_series(in, 3, 8, 4, o, s, h);
  });
  check_in_place([](std::span<const double> in, std::span<double> o) {
    vec u(in.size()), l(in.size());
    nc::bollinger_series(in, 9, 2, u, o, l);
  });
  check_in_place(
      [](std::span<const double> in, std::span<double> o) { nc::atr_series(in, in, in, 5, o); });
}

TEST_CASE("indicators: C ABI matches the C++ classes") {
  ntrun::session session;
  auto* sh = reinterpret_cast<ntrun_session_t*>(&session);
  const vec x = price_walk(300, 33);
  const auto len = static_cast<int64_t>(x.size());
  vec o(x.size()), o2(x.size()), o3(x.size()), want(x.size());

  ntrun_sma_t* s = ntrun_ffi_sma_new(sh, 5);
  REQUIRE(s != nullptr);
  nc::sma cs(5);
  std::size_t bad = 0;
  for (const double v : x) bad += same(ntrun_ffi_sma_update(s, v), cs.update(v)) ? 0 : 1;
  CHECK(bad == 0);
  CHECK(std::isnan(ntrun_ffi_sma_update(s, k_nan)));  // rejected, state untouched
  CHECK(ntrun_ffi_sma_update(s, 1.0) == cs.update(1.0));
  ntrun_ffi_sma_free(sh, s);
  ntrun_ffi_sma_free(sh, nullptr);

  ntrun_rstd_t* r = ntrun_ffi_rstd_new(sh, 5);
  REQUIRE(r != nullptr);
  nc::rolling_std cr(5);
  for (const double v : x) {
    bad += same(ntrun_ffi_rstd_update(r, v), cr.update(v)) ? 0 : 1;
    bad += same(ntrun_ffi_rstd_zscore(r), cr.zscore()) && same(ntrun_ffi_rstd_mean(r), cr.mean())
               ? 0
               : 1;
  }
  CHECK(bad == 0);
  ntrun_ffi_rstd_free(sh, r);

  ntrun_ema_t* e = ntrun_ffi_ema_new(sh, 4);
  ntrun_rsi_t* rs = ntrun_ffi_rsi_new(sh, 4);
  ntrun_atr_t* a = ntrun_ffi_atr_new(sh, 4);
  ntrun_macd_t* m = ntrun_ffi_macd_new(sh, 3, 7, 3);
  ntrun_bbands_t* b = ntrun_ffi_bbands_new(sh, 6, 2.0);
  ntrun_ols_t* ol = ntrun_ffi_ols_new(sh, 6);
  REQUIRE((e && rs && a && m && b && ol));
  nc::ema ce(4);
  nc::rsi crs(4);
  nc::atr ca(4);
  nc::macd cm(3, 7, 3);
  nc::bollinger cb(6, 2.0);
  nc::rolling_ols col(6);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i], h = v * 1.01, l = v * 0.99, y = 2 * v + std::cos(static_cast<double>(i));
    bad += same(ntrun_ffi_ema_update(e, v), ce.update(v)) ? 0 : 1;
    bad += same(ntrun_ffi_rsi_update(rs, v), crs.update(v)) ? 0 : 1;
    bad += same(ntrun_ffi_atr_update(a, h, l, v), ca.update(h, l, v)) ? 0 : 1;
    ntrun_macd_out_t mo{};
    ntrun_ffi_macd_update(m, v, &mo);
    const nc::macd_value mv = cm.update(v);
    bad += same(mo.macd, mv.macd) && same(mo.signal, mv.signal) && same(mo.hist, mv.hist) ? 0 : 1;
    ntrun_bbands_out_t bo{};
    ntrun_ffi_bbands_update(b, v, &bo);
    const nc::bollinger_value bv = cb.update(v);
    bad +=
        same(bo.middle, bv.middle) && same(bo.upper, bv.upper) && same(bo.lower, bv.lower) ? 0 : 1;
    ntrun_ols_out_t oo{};
    ntrun_ffi_ols_update(ol, y, v, &oo);
    const nc::ols_value ov = col.update(y, v);
    bad += same(oo.beta, ov.beta) && same(oo.alpha, ov.alpha) && same(oo.spread, ov.spread) &&
                   same(oo.r2, ov.r2)
               ? 0
               : 1;
  }
  CHECK(bad == 0);
  // Bad inputs: NaN results, NaN-filled outputs, no state change, no crash.
  CHECK(std::isnan(ntrun_ffi_atr_update(a, 1, 2, 1.5)));
  CHECK(std::isnan(ntrun_ffi_atr_update(a, k_inf, 2, 1.5)));
  CHECK(ntrun_ffi_atr_update(a, 101, 99, 100) == ca.update(101, 99, 100));
  ntrun_macd_out_t mo{1, 1, 1};
  ntrun_ffi_macd_update(m, k_nan, &mo);
  CHECK((std::isnan(mo.macd) && std::isnan(mo.signal) && std::isnan(mo.hist)));
  ntrun_ffi_macd_update(m, 1.0, nullptr);
  ntrun_ffi_macd_update(nullptr, 1.0, &mo);
  CHECK(std::isnan(mo.macd));
  ntrun_bbands_out_t bo{1, 1, 1};
  ntrun_ffi_bbands_update(nullptr, 1.0, &bo);
  CHECK(std::isnan(bo.middle));
  ntrun_ols_out_t oo{1, 1, 1, 1};
  ntrun_ffi_ols_update(ol, k_nan, 1.0, &oo);
  CHECK((std::isnan(oo.beta) && std::isnan(oo.r2)));
  CHECK(std::isnan(ntrun_ffi_ema_update(nullptr, 1.0)));
  CHECK(std::isnan(ntrun_ffi_rsi_update(nullptr, 1.0)));
  CHECK(std::isnan(ntrun_ffi_rstd_zscore(nullptr)));
  CHECK(std::isnan(ntrun_ffi_rstd_mean(nullptr)));
  ntrun_ffi_ema_free(sh, e);
  ntrun_ffi_rsi_free(sh, rs);
  ntrun_ffi_atr_free(sh, a);
  ntrun_ffi_macd_free(sh, m);
  ntrun_ffi_bbands_free(sh, b);
  ntrun_ffi_ols_free(sh, ol);

  // Series through the C ABI equal the C++ series.
  CHECK(ntrun_ffi_sma_series(x.data(), len, 5, o.data()) == NTRUN_OK);
  nc::sma_series(x, 5, want);
  CHECK(mismatches(o, want) == 0);
  CHECK(ntrun_ffi_zscore_series(x.data(), len, 5, o.data()) == NTRUN_OK);
  nc::zscore_series(x, 5, want);
  CHECK(mismatches(o, want) == 0);
  CHECK(ntrun_ffi_rstd_series(x.data(), len, 5, o.data()) == NTRUN_OK);
  CHECK(ntrun_ffi_ema_series(x.data(), len, 5, o.data()) == NTRUN_OK);
  CHECK(ntrun_ffi_rsi_series(x.data(), len, 5, o.data()) == NTRUN_OK);
  CHECK(ntrun_ffi_log_returns(x.data(), len, o.data()) == NTRUN_OK);
  nc::log_returns(x, want);
  CHECK(mismatches(o, want) == 0);
  CHECK(ntrun_ffi_pct_returns(x.data(), len, o.data()) == NTRUN_OK);
  CHECK(ntrun_ffi_macd_series(x.data(), len, 3, 7, 3, o.data(), o2.data(), o3.data()) == NTRUN_OK);
  CHECK(ntrun_ffi_bbands_series(x.data(), len, 6, 2.0, o.data(), o2.data(), o3.data()) == NTRUN_OK);
  CHECK(ntrun_ffi_atr_series(x.data(), x.data(), x.data(), len, 4, o.data()) == NTRUN_OK);
  CHECK(ntrun_ffi_ols_series(x.data(), x.data(), len, 6, o.data(), o2.data(), o3.data()) ==
        NTRUN_OK);
  CHECK(ntrun_ffi_sma_series(x.data(), 0, 5, o.data()) == NTRUN_OK);
  vec inplace = x;
  CHECK(ntrun_ffi_sma_series(inplace.data(), len, 5, inplace.data()) == NTRUN_OK);
  nc::sma_series(x, 5, want);
  CHECK(mismatches(inplace, want) == 0);
}

TEST_CASE("indicators: C ABI rejects bad arguments") {
  ntrun::session session;
  auto* sh = reinterpret_cast<ntrun_session_t*>(&session);
  const double x[3] = {1, 2, 3};
  double o[3], o2[3], o3[3];
  CHECK(ntrun_ffi_sma_new(sh, 0) == nullptr);
  CHECK(ntrun_ffi_ema_new(sh, -1) == nullptr);
  CHECK(ntrun_ffi_rstd_new(sh, 1) == nullptr);
  CHECK(ntrun_ffi_rsi_new(sh, 0) == nullptr);
  CHECK(ntrun_ffi_atr_new(sh, 0) == nullptr);
  CHECK(ntrun_ffi_ols_new(sh, 1) == nullptr);
  CHECK(ntrun_ffi_macd_new(sh, 26, 12, 9) == nullptr);
  CHECK(ntrun_ffi_macd_new(sh, 0, 12, 9) == nullptr);
  CHECK(ntrun_ffi_bbands_new(sh, 20, -1.0) == nullptr);
  CHECK(ntrun_ffi_bbands_new(sh, 20, k_nan) == nullptr);
  CHECK(ntrun_ffi_sma_new(sh, INT32_MAX) == nullptr);

  CHECK(ntrun_ffi_sma_series(nullptr, 3, 2, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_sma_series(x, 3, 2, nullptr) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_sma_series(x, -1, 2, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_sma_series(x, 3, 0, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_ema_series(x, 3, 0, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_ema_series(nullptr, 3, 2, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_rstd_series(x, 3, 1, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_rstd_series(x, -5, 2, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_zscore_series(x, 3, 1, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_zscore_series(x, 3, 2, nullptr) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_rsi_series(x, 3, 0, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_rsi_series(x, -1, 2, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_macd_series(x, 3, 3, 2, 1, o, o2, o3) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_macd_series(x, 3, 1, 2, 1, o, nullptr, o3) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_macd_series(x, -3, 1, 2, 1, o, o2, o3) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_bbands_series(x, 3, 2, -1.0, o, o2, o3) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_bbands_series(x, 3, 0, 2.0, o, o2, o3) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_bbands_series(x, 3, 2, 2.0, o, o2, nullptr) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_atr_series(x, nullptr, x, 3, 2, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_atr_series(x, x, x, 3, 0, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_atr_series(x, x, x, -3, 2, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_log_returns(nullptr, 3, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_log_returns(x, -1, o) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_pct_returns(x, 3, nullptr) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_ols_series(x, x, 3, 1, o, o2, o3) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_ols_series(x, nullptr, 3, 2, o, o2, o3) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_ols_series(x, x, -2, 2, o, o2, o3) == NTRUN_EINVAL);
  const double bad_x[3] = {1, k_nan, 3};
  CHECK(ntrun_ffi_sma_series(bad_x, 3, 2, o) == NTRUN_EINVAL);
  const double neg[3] = {1, -2, 3};
  CHECK(ntrun_ffi_log_returns(neg, 3, o) == NTRUN_EINVAL);
}
