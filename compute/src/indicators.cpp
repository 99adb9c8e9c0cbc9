// Technical indicators: argument checks, constructors, the less hot updates and the
// whole-series functions (each runs the incremental class, so both always agree).
#include "ntrun/compute/indicators.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace ntrun::compute {
namespace {

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

[[noreturn]] void throw_bad(const char* name, const std::string& rule, const std::string& got) {
  throw std::invalid_argument(std::string("bad '") + name + "' argument: " + rule + " (got " + got +
                              ")");
}

void check_element(double v, std::size_t i, const char* name) {
  if (!std::isfinite(v)) [[unlikely]]
    throw_bad(name, "must be finite", format_number(v) + " at index " + std::to_string(i));
}

void check_size(std::size_t got, std::size_t expected, const char* name) {
  if (got != expected)
    throw_bad(name, "size must equal the input size " + std::to_string(expected),
              std::to_string(got));
}

}  // namespace

namespace detail {

void throw_bad_argument(const char* name, const char* rule, double got) {
  throw_bad(name, rule, format_number(got));
}

int checked_window(int window, int min_window, const char* name) {
  if (window < min_window)
    throw_bad(name, "must be >= " + std::to_string(min_window), std::to_string(window));
  if (window > max_indicator_window)
    throw_bad(name, "must be <= " + std::to_string(max_indicator_window), std::to_string(window));
  return window;
}

rolling_sum::rolling_sum(int window) : buf_(static_cast<std::size_t>(checked_window(window, 1))) {}

rolling_moments::rolling_moments(int window)
    : buf_(static_cast<std::size_t>(checked_window(window, 2))),
      n_(static_cast<double>(buf_.size())),
      inv_n_(1.0 / n_) {}

void rolling_moments::refresh() noexcept {
  head_ = 0;
  base_ = shift_;
  mc_ = s1_ / n_;
  m2_ = s2_ - s1_ * s1_ / n_;
  s1_ = 0;
  s2_ = 0;
  warm_ = true;
}

rolling_comoments::rolling_comoments(int window)
    : bx_(static_cast<std::size_t>(checked_window(window, 2))),
      by_(bx_.size()),
      n_(static_cast<double>(bx_.size())),
      inv_n_(1.0 / n_) {}

void rolling_comoments::refresh() noexcept {
  head_ = 0;
  bx0_ = kx_;
  by0_ = ky_;
  mx_ = sx_ / n_;
  my_ = sy_ / n_;
  cxx_ = sxx_ - sx_ * sx_ / n_;
  cyy_ = syy_ - sy_ * sy_ / n_;
  cxy_ = sxy_ - sx_ * sy_ / n_;
  sx_ = sy_ = sxx_ = syy_ = sxy_ = 0;
  warm_ = true;
}

}  // namespace detail

sma::sma(int window) : sum_(window), n_(window) {}

ema::ema(int window)
    : n_(detail::checked_window(window, 1)), alpha_(2.0 / (static_cast<double>(window) + 1)) {}

double rsi::update(double x) {
  detail::check_finite(x, "x");
  if (std::isnan(prev_)) {
    prev_ = x;
    return value_;
  }
  const double change = x - prev_;
  prev_ = x;
  gain_.push(change > 0 ? change : 0.0);
  loss_.push(change < 0 ? -change : 0.0);
  const double g = gain_.value(), l = loss_.value();
  if (std::isnan(g)) return value_;
  // 100 - 100 / (1 + g/l) == 100 g / (g + l), which also covers l == 0 (-> 100) without a
  // division by zero; no movement at all is neutral by convention.
  value_ = g + l > 0 ? 100.0 * g / (g + l) : 50.0;
  return value_;
}

macd::macd(int fast, int slow, int signal)
    : fast_(detail::checked_window(fast, 1, "fast")),
      slow_(detail::checked_window(slow, 1, "slow")),
      signal_(detail::checked_window(signal, 1, "signal")) {
  if (fast >= slow)
    throw_bad("fast", "must be < slow",
              "fast " + std::to_string(fast) + ", slow " + std::to_string(slow));
}

bollinger::bollinger(int window, double k) : m_(window), k_(k) {
  if (!(std::isfinite(k) && k >= 0)) detail::throw_bad_argument("k", "must be finite and >= 0", k);
}

double atr::update(double high, double low, double close) {
  detail::check_finite(high, "high");
  detail::check_finite(low, "low");
  detail::check_finite(close, "close");
  if (low > high) detail::throw_bad_argument("low", "must be <= high", low);
  double tr = high - low;
  if (!std::isnan(prev_close_))
    tr = std::max({tr, std::abs(high - prev_close_), std::abs(low - prev_close_)});
  prev_close_ = close;
  avg_.push(tr);
  return avg_.value();
}

ols_value rolling_ols::update(double y, double x) {
  detail::check_finite(y, "y");
  detail::check_finite(x, "x");
  m_.push(y, x);
  const double sxx = m_.cxx();
  if (!m_.warm() || !(sxx > 0)) {
    value_ = {detail::k_nan, detail::k_nan, detail::k_nan, detail::k_nan};
    return value_;
  }
  const double sxy = m_.cxy(), syy = m_.cyy();
  const double mx = m_.mean_x(), my = m_.mean_y();
  const double beta = sxy / sxx;
  value_ = {
      .beta = beta,
      .alpha = my - beta * mx,
      .spread = (y - my) - beta * (x - mx),  // the centred form loses less to a large level
      .r2 = syy > 0 ? std::clamp(sxy * sxy / (sxx * syy), 0.0, 1.0) : detail::k_nan,
  };
  return value_;
}

// ---- whole-series -------------------------------------------------------------------------
// Each loop reads x[i] before writing out[i] and never reads x[j < i] again (the indicator
// keeps its own copies), which is what makes out == x safe.

namespace {

template <class Indicator>
void run_scalar(Indicator&& ind, std::span<const double> x, std::span<double> out) {
  check_size(out.size(), x.size(), "out");
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    check_element(v, i, "x");
    out[i] = ind.update(v);
  }
}

}  // namespace

void sma_series(std::span<const double> x, int window, std::span<double> out) {
  run_scalar(sma(window), x, out);
}

void ema_series(std::span<const double> x, int window, std::span<double> out) {
  run_scalar(ema(window), x, out);
}

void rolling_std_series(std::span<const double> x, int window, std::span<double> out) {
  run_scalar(rolling_std(window), x, out);
}

void zscore_series(std::span<const double> x, int window, std::span<double> out) {
  rolling_std s(window);
  check_size(out.size(), x.size(), "out");
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    check_element(v, i, "x");
    s.update(v);
    out[i] = s.zscore();
  }
}

void rsi_series(std::span<const double> x, int window, std::span<double> out) {
  run_scalar(rsi(window), x, out);
}

void macd_series(std::span<const double> x, int fast, int slow, int signal,
                 std::span<double> macd_out, std::span<double> signal_out,
                 std::span<double> hist_out) {
  macd m(fast, slow, signal);
  check_size(macd_out.size(), x.size(), "macd");
  check_size(signal_out.size(), x.size(), "signal");
  check_size(hist_out.size(), x.size(), "hist");
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    check_element(v, i, "x");
    const macd_value r = m.update(v);
    macd_out[i] = r.macd;
    signal_out[i] = r.signal;
    hist_out[i] = r.hist;
  }
}

void bollinger_series(std::span<const double> x, int window, double k, std::span<double> middle,
                      std::span<double> upper, std::span<double> lower) {
  bollinger b(window, k);
  check_size(middle.size(), x.size(), "middle");
  check_size(upper.size(), x.size(), "upper");
  check_size(lower.size(), x.size(), "lower");
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    check_element(v, i, "x");
    const bollinger_value r = b.update(v);
    middle[i] = r.middle;
    upper[i] = r.upper;
    lower[i] = r.lower;
  }
}

void atr_series(std::span<const double> high, std::span<const double> low,
                std::span<const double> close, int window, std::span<double> out) {
  atr a(window);
  check_size(low.size(), high.size(), "low");
  check_size(close.size(), high.size(), "close");
  check_size(out.size(), high.size(), "out");
  for (std::size_t i = 0; i < high.size(); ++i) {
    const double h = high[i], l = low[i], c = close[i];
    check_element(h, i, "high");
    check_element(l, i, "low");
    check_element(c, i, "close");
    if (l > h)
      throw_bad("low", "must be <= high", format_number(l) + " at index " + std::to_string(i));
    out[i] = a.update(h, l, c);
  }
}

void rolling_ols_series(std::span<const double> y, std::span<const double> x, int window,
                        std::span<double> beta, std::span<double> alpha, std::span<double> spread) {
  rolling_ols o(window);
  check_size(x.size(), y.size(), "x");
  check_size(beta.size(), y.size(), "beta");
  check_size(alpha.size(), y.size(), "alpha");
  check_size(spread.size(), y.size(), "spread");
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double yv = y[i], xv = x[i];
    check_element(yv, i, "y");
    check_element(xv, i, "x");
    const ols_value r = o.update(yv, xv);
    beta[i] = r.beta;
    alpha[i] = r.alpha;
    spread[i] = r.spread;
  }
}

void log_returns(std::span<const double> x, std::span<double> out) {
  check_size(out.size(), x.size(), "out");
  double prev = detail::k_nan;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    check_element(v, i, "x");
    if (!(v > 0))
      throw_bad("x", "log returns need x > 0", format_number(v) + " at index " + std::to_string(i));
    out[i] = i == 0 ? detail::k_nan : std::log(v / prev);
    prev = v;
  }
}

void pct_returns(std::span<const double> x, std::span<double> out) {
  check_size(out.size(), x.size(), "out");
  double prev = detail::k_nan;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    check_element(v, i, "x");
    if (i > 0 && prev == 0)
      throw_bad("x", "pct returns divide by x[i-1], which must be non-zero",
                "0 at index " + std::to_string(i - 1));
    out[i] = i == 0 ? detail::k_nan : v / prev - 1.0;
    prev = v;
  }
}

}  // namespace ntrun::compute
