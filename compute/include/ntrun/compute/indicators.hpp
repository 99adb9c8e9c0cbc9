// Technical indicators: incremental classes (O(1) per update, no allocation after construction)
// and whole-series functions over caller-owned spans. Exact definitions: docs/indicators.md.
#pragma once

#include "ntrun/constants.h"
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace ntrun::compute {

/// Largest window any indicator accepts: keeps a script's typo from allocating gigabytes.
inline constexpr int max_indicator_window = NTRUN_K_MAX_WINDOW;

namespace detail {

inline constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

/// Throws std::invalid_argument: "bad '<name>' argument: <rule> (got <got>)".
[[noreturn]] void throw_bad_argument(const char* name, const char* rule, double got);
/// Returns window, or throws unless min_window <= window <= max_indicator_window.
[[nodiscard]] int checked_window(int window, int min_window, const char* name = "window");

inline void check_finite(double v, const char* name) {
  if (!std::isfinite(v)) [[unlikely]]
    throw_bad_argument(name, "must be finite", v);
}

/// Sum of the last n values. Drift control: a second sum accumulates only additions since the
/// ring last wrapped; at each wrap it equals the window exactly and replaces the running sum,
/// so add/remove rounding never lives longer than n updates.
class rolling_sum {
 public:
  explicit rolling_sum(int window);
  void push(double x) noexcept {
    sum_ += x - buf_[head_];  // buf_ starts zero-filled, so the fill phase needs no branch
    fresh_ += x;
    buf_[head_] = x;
    if (++head_ == buf_.size()) {
      head_ = 0;
      sum_ = fresh_;
      fresh_ = 0;
      warm_ = true;
    }
  }
  [[nodiscard]] bool warm() const noexcept { return warm_; }
  [[nodiscard]] double sum() const noexcept { return sum_; }

 private:
  std::vector<double> buf_;
  std::size_t head_ = 0;
  double sum_ = 0, fresh_ = 0;
  bool warm_ = false;
};

/// Mean and centred second moment of the last n values (n >= 2). Sliding Welford updates in
/// coordinates shifted by a recent window member (base_), so the price level costs no
/// precision. At each ring wrap the state is rebuilt from sums shifted by the epoch's first
/// value, a member of the window, which bounds the cancellation by a factor n and ends any
/// drift. A run counter makes a constant window exactly var == 0.
class rolling_moments {
 public:
  explicit rolling_moments(int window);
  void push(double x) noexcept {
    if (warm_) {
      const double old = buf_[head_] - base_, xc = x - base_;
      const double d = x - buf_[head_];
      const double m = mc_ + d * inv_n_;
      m2_ += d * ((xc - m) + (old - mc_));
      mc_ = m;
    }
    if (head_ == 0) shift_ = x;
    const double c = x - shift_;
    s1_ += c;
    s2_ += c * c;
    buf_[head_] = x;
    run_ = x == last_ ? std::min(run_ + 1, buf_.size()) : 1;
    last_ = x;
    if (++head_ == buf_.size()) refresh();
  }
  [[nodiscard]] bool warm() const noexcept { return warm_; }
  [[nodiscard]] double last() const noexcept { return last_; }
  [[nodiscard]] double mean() const noexcept {
    return !warm_ ? k_nan : constant() ? last_ : base_ + mc_;
  }
  /// Sample variance (n - 1 denominator); exactly 0 for a constant window.
  [[nodiscard]] double variance() const noexcept {
    return !warm_ ? k_nan : constant() ? 0.0 : std::max(m2_, 0.0) / (n_ - 1);
  }

 private:
  [[nodiscard]] bool constant() const noexcept { return run_ >= buf_.size(); }
  void refresh() noexcept;

  std::vector<double> buf_;
  std::size_t head_ = 0, run_ = 0;
  double n_, inv_n_;
  double base_ = 0, mc_ = 0, m2_ = 0;  // mean == base_ + mc_
  double shift_ = 0, s1_ = 0, s2_ = 0;
  double last_ = k_nan;
  bool warm_ = false;
};

/// rolling_moments for pairs: means, variances and covariance of the last n (y, x) points,
/// with the same shifted coordinates, wrap refresh and run counters.
class rolling_comoments {
 public:
  explicit rolling_comoments(int window);
  void push(double y, double x) noexcept {
    if (warm_) {
      const double dx = x - bx_[head_], dy = y - by_[head_];
      const double ox = bx_[head_] - bx0_, oy = by_[head_] - by0_;
      const double xc = x - bx0_, yc = y - by0_;
      const double mx = mx_ + dx * inv_n_, my = my_ + dy * inv_n_;
      cxx_ += dx * ((xc - mx) + (ox - mx_));
      cyy_ += dy * ((yc - my) + (oy - my_));
      cxy_ += dx * (yc - my) + dy * (ox - mx_);
      mx_ = mx;
      my_ = my;
    }
    if (head_ == 0) {
      kx_ = x;
      ky_ = y;
    }
    const double cx = x - kx_, cy = y - ky_;
    sx_ += cx;
    sy_ += cy;
    sxx_ += cx * cx;
    syy_ += cy * cy;
    sxy_ += cx * cy;
    bx_[head_] = x;
    by_[head_] = y;
    run_x_ = x == last_x_ ? std::min(run_x_ + 1, bx_.size()) : 1;
    run_y_ = y == last_y_ ? std::min(run_y_ + 1, bx_.size()) : 1;
    last_x_ = x;
    last_y_ = y;
    if (++head_ == bx_.size()) refresh();
  }
  [[nodiscard]] bool warm() const noexcept { return warm_; }
  [[nodiscard]] bool constant_x() const noexcept { return run_x_ >= bx_.size(); }
  [[nodiscard]] bool constant_y() const noexcept { return run_y_ >= bx_.size(); }
  [[nodiscard]] double mean_x() const noexcept { return constant_x() ? last_x_ : bx0_ + mx_; }
  [[nodiscard]] double mean_y() const noexcept { return constant_y() ? last_y_ : by0_ + my_; }
  /// Centred sums (not divided by n): sum (x - mean_x)^2 etc.
  [[nodiscard]] double cxx() const noexcept { return constant_x() ? 0.0 : cxx_; }
  [[nodiscard]] double cyy() const noexcept { return constant_y() ? 0.0 : cyy_; }
  [[nodiscard]] double cxy() const noexcept { return constant_x() || constant_y() ? 0.0 : cxy_; }

 private:
  void refresh() noexcept;

  std::vector<double> bx_, by_;
  std::size_t head_ = 0, run_x_ = 0, run_y_ = 0;
  double n_, inv_n_;
  double bx0_ = 0, by0_ = 0;  // shift of the running state: mean_x == bx0_ + mx_
  double mx_ = 0, my_ = 0, cxx_ = 0, cyy_ = 0, cxy_ = 0;
  double kx_ = 0, ky_ = 0, sx_ = 0, sy_ = 0, sxx_ = 0, syy_ = 0, sxy_ = 0;
  double last_x_ = k_nan, last_y_ = k_nan;
  bool warm_ = false;
};

/// Wilder's average: the first value is the mean of the first n inputs, then
/// avg = (avg * (n - 1) + v) / n, computed as avg + (v - avg) / n with 1/n precomputed: the
/// same value to an ulp, and no division on the update's dependency chain.
class wilder_average {
 public:
  explicit wilder_average(int window) : n_(checked_window(window, 1)), nd_(n_), inv_n_(1.0 / nd_) {}
  void push(double v) noexcept {
    if (count_ < n_) {
      sum_ += v;
      if (++count_ == n_) avg_ = sum_ / nd_;
      return;
    }
    avg_ += (v - avg_) * inv_n_;
  }
  [[nodiscard]] double value() const noexcept { return avg_; }

 private:
  int n_, count_ = 0;
  double nd_, inv_n_, sum_ = 0, avg_ = k_nan;
};

}  // namespace detail

/// Simple moving average of the last `window` values; NaN until `window` values were seen.
class sma {
 public:
  explicit sma(int window);
  double update(double x) {
    detail::check_finite(x, "x");
    sum_.push(x);
    value_ = sum_.warm() ? sum_.sum() / n_ : detail::k_nan;
    return value_;
  }
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool warm() const noexcept { return sum_.warm(); }

 private:
  detail::rolling_sum sum_;
  double n_, value_ = detail::k_nan;
};

/// Exponential moving average, alpha = 2 / (window + 1), seeded with the SMA of the first
/// `window` values; NaN before.
class ema {
 public:
  explicit ema(int window);
  double update(double x) {
    detail::check_finite(x, "x");
    if (count_ < n_) {
      seed_ += x;
      if (++count_ == n_) value_ = seed_ / n_;
      return value_;
    }
    value_ += alpha_ * (x - value_);
    return value_;
  }
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool warm() const noexcept { return count_ == n_; }

 private:
  int n_, count_ = 0;
  double alpha_, seed_ = 0, value_ = detail::k_nan;
};

/// Rolling sample standard deviation (n - 1) of the last `window` (>= 2) values, plus the
/// window mean and the z-score of the latest value.
class rolling_std {
 public:
  explicit rolling_std(int window) : m_(window) {}
  double update(double x) {
    detail::check_finite(x, "x");
    m_.push(x);
    return value();
  }
  [[nodiscard]] double value() const noexcept { return std::sqrt(m_.variance()); }
  [[nodiscard]] double mean() const noexcept { return m_.mean(); }
  /// (x - mean) / std of the window that includes x; NaN when std == 0 or not warm.
  [[nodiscard]] double zscore() const noexcept {
    const double var = m_.variance();
    return var > 0 ? (m_.last() - m_.mean()) / std::sqrt(var) : detail::k_nan;
  }
  [[nodiscard]] bool warm() const noexcept { return m_.warm(); }

 private:
  detail::rolling_moments m_;
};

/// Relative strength index with Wilder's smoothing, 0..100; NaN until window + 1 values.
class rsi {
 public:
  explicit rsi(int window) : gain_(window), loss_(window) {}
  double update(double x);
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool warm() const noexcept { return !std::isnan(value_); }

 private:
  detail::wilder_average gain_, loss_;
  double prev_ = detail::k_nan, value_ = detail::k_nan;
};

struct macd_value {
  double macd, signal, hist;
};

/// MACD = EMA(fast) - EMA(slow); signal = EMA(signal) of MACD, fed from the first defined
/// MACD; hist = macd - signal.
class macd {
 public:
  macd(int fast, int slow, int signal);
  macd_value update(double x) {
    const double f = fast_.update(x), s = slow_.update(x);
    if (!slow_.warm()) return value_;
    const double m = f - s, sig = signal_.update(m);
    value_ = {.macd = m, .signal = sig, .hist = m - sig};
    return value_;
  }
  [[nodiscard]] macd_value value() const noexcept { return value_; }

 private:
  ema fast_, slow_, signal_;
  macd_value value_{detail::k_nan, detail::k_nan, detail::k_nan};
};

struct bollinger_value {
  double middle, upper, lower;
};

/// Bollinger bands: SMA middle, +/- k sample standard deviations (window >= 2, k >= 0).
class bollinger {
 public:
  bollinger(int window, double k);
  bollinger_value update(double x) {
    detail::check_finite(x, "x");
    m_.push(x);
    const double mid = m_.mean(), band = k_ * std::sqrt(m_.variance());
    value_ = {.middle = mid, .upper = mid + band, .lower = mid - band};
    return value_;
  }
  [[nodiscard]] bollinger_value value() const noexcept { return value_; }

 private:
  detail::rolling_moments m_;
  double k_;
  bollinger_value value_{detail::k_nan, detail::k_nan, detail::k_nan};
};

/// Average true range, Wilder-smoothed; the first bar's true range is high - low.
class atr {
 public:
  explicit atr(int window) : avg_(window) {}
  double update(double high, double low, double close);
  [[nodiscard]] double value() const noexcept { return avg_.value(); }

 private:
  detail::wilder_average avg_;
  double prev_close_ = detail::k_nan;
};

struct ols_value {
  double beta, alpha, spread, r2;
};

/// Rolling OLS of y on x over the last `window` (>= 2) points: y = alpha + beta * x. spread
/// is the latest point's residual. All NaN until warm or while var(x) == 0; r2 is also NaN
/// while var(y) == 0.
class rolling_ols {
 public:
  explicit rolling_ols(int window) : m_(window) {}
  ols_value update(double y, double x);
  [[nodiscard]] ols_value value() const noexcept { return value_; }

 private:
  detail::rolling_comoments m_;
  ols_value value_{detail::k_nan, detail::k_nan, detail::k_nan, detail::k_nan};
};

// Whole-series functions: out[i] is the indicator after x[0..i] (NaN during warm-up). Every
// output must have the input's size; an output may be the very same array as an input
// (in-place) but must not otherwise overlap one. Throw std::invalid_argument on bad arguments
// or non-finite input (outputs are then partly written).
void sma_series(std::span<const double> x, int window, std::span<double> out);
void ema_series(std::span<const double> x, int window, std::span<double> out);
void rolling_std_series(std::span<const double> x, int window, std::span<double> out);
void zscore_series(std::span<const double> x, int window, std::span<double> out);
void rsi_series(std::span<const double> x, int window, std::span<double> out);
void macd_series(std::span<const double> x, int fast, int slow, int signal,
                 std::span<double> macd_out, std::span<double> signal_out,
                 std::span<double> hist_out);
void bollinger_series(std::span<const double> x, int window, double k, std::span<double> middle,
                      std::span<double> upper, std::span<double> lower);
void atr_series(std::span<const double> high, std::span<const double> low,
                std::span<const double> close, int window, std::span<double> out);
void rolling_ols_series(std::span<const double> y, std::span<const double> x, int window,
                        std::span<double> beta, std::span<double> alpha, std::span<double> spread);
/// out[0] = NaN, out[i] = log(x[i] / x[i-1]); every x must be finite and > 0.
void log_returns(std::span<const double> x, std::span<double> out);
/// out[0] = NaN, out[i] = x[i] / x[i-1] - 1; every x must be finite, x[0..len-2] non-zero.
void pct_returns(std::span<const double> x, std::span<double> out);

}  // namespace ntrun::compute
