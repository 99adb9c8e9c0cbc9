// C ABI over compute/risk: VaR/CVaR, VaR backtests, covariance, volatility, beta, Kelly. Errors:
// NTRUN_EINVAL with compute's message in the caller's buffer.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>
#include <stdexcept>
#include <vector>

#include "ffi_guard.hpp"
#include "ntrun/compute/risk.hpp"
#include "ntrun_ffi.h"

namespace risk = ntrun::compute::risk;
using ntrun::bindings::guarded;
using ntrun::bindings::input_span;

namespace {

risk::var_options to_options(const ntrun_var_opts_t* o) {
  if (!o) return {};
  if (o->method < NTRUN_VAR_HISTORICAL || o->method > NTRUN_VAR_BOOTSTRAP) {
    throw std::invalid_argument("bad 'method' argument: unknown VaR method");
  }
  return {.how = static_cast<risk::method>(o->method),
          .confidence = o->confidence,
          .horizon = o->horizon,
          .sims = o->sims,
          .seed = o->seed,
          .lambda = o->lambda,
          .dof = o->dof,
          .repair_covariance = o->repair_covariance != 0};
}

void to_result(const risk::var_result& r, ntrun_var_result_t* out) {
  if (!out) throw std::invalid_argument("bad 'out' argument");
  out->var = r.var;
  out->cvar = r.cvar;
  out->mean = r.mean;
  out->stdev = r.stdev;
  out->observations = r.observations;
  std::memset(out->method, 0, sizeof out->method);
  std::strncpy(out->method, r.method.c_str(), sizeof out->method - 1);
}

std::size_t count_of(int64_t n, const char* name) {
  if (n <= 0) throw std::invalid_argument(std::string("bad '") + name + "' argument: must be >= 1");
  return static_cast<std::size_t>(n);
}

void need(const void* p, const char* name) {
  if (!p) throw std::invalid_argument(std::string("bad '") + name + "' argument: NULL");
}

}  // namespace

extern "C" {

int32_t ntrun_ffi_risk_var(const double* returns, int64_t n, const ntrun_var_opts_t* opts,
                           ntrun_var_result_t* out, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    to_result(risk::value_at_risk(input_span(returns, n, "returns"), to_options(opts)), out);
  });
}

int32_t ntrun_ffi_risk_portfolio_var(const double* weights, int64_t cols, const double* returns,
                                     int64_t rows, const ntrun_var_opts_t* opts,
                                     ntrun_var_result_t* out, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    const std::size_t c = count_of(cols, "weights");
    const std::size_t r = count_of(rows, "returns");
    to_result(risk::portfolio_var(input_span(weights, cols, "weights"),
                                  input_span(returns, static_cast<int64_t>(r * c), "returns"), c,
                                  to_options(opts)),
              out);
  });
}

int32_t ntrun_ffi_risk_backtest(const double* returns, const double* var, int64_t n,
                                double confidence, ntrun_var_backtest_t* out, char* err,
                                size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    const auto b = risk::backtest_var(input_span(returns, n, "returns"), input_span(var, n, "var"),
                                      confidence);
    *out = ntrun_var_backtest_t{.observations = b.observations,
                                .exceptions = b.exceptions,
                                .expected_rate = b.expected_rate,
                                .observed_rate = b.observed_rate,
                                .kupiec_lr = b.kupiec_lr,
                                .kupiec_p = b.kupiec_p,
                                .christoffersen_lr = b.christoffersen_lr,
                                .christoffersen_p = b.christoffersen_p,
                                .conditional_lr = b.conditional_lr,
                                .conditional_p = b.conditional_p};
  });
}

int32_t ntrun_ffi_risk_covariance(const double* returns, int64_t rows, int64_t cols, int32_t method,
                                  double lambda, double* out, double* shrinkage, char* err,
                                  size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    if (method < NTRUN_COV_SAMPLE || method > NTRUN_COV_LEDOIT_WOLF) {
      throw std::invalid_argument("bad 'method' argument: sample, ewma or ledoit_wolf");
    }
    const std::size_t c = count_of(cols, "cols");
    const std::size_t r = count_of(rows, "returns");
    const auto cov = risk::covariance(input_span(returns, static_cast<int64_t>(r * c), "returns"),
                                      c, static_cast<risk::cov_method>(method), lambda, shrinkage);
    std::copy(cov.begin(), cov.end(), out);
  });
}

int32_t ntrun_ffi_risk_correlation(const double* covariance, int64_t cols, double* out, char* err,
                                   size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    const std::size_t c = count_of(cols, "cols");
    const auto cor =
        risk::correlation(input_span(covariance, static_cast<int64_t>(c * c), "covariance"), c);
    std::copy(cor.begin(), cor.end(), out);
  });
}

int32_t ntrun_ffi_risk_volatility(const double* r, int64_t n, double* out, char* err,
                                  size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    *out = risk::volatility(input_span(r, n, "returns"));
  });
}

int32_t ntrun_ffi_risk_beta(const double* asset, const double* market, int64_t n, double* out,
                            char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    *out = risk::beta(input_span(asset, n, "asset"), input_span(market, n, "market"));
  });
}

int32_t ntrun_ffi_risk_kelly(double p, double b, double fraction, double cap, double* out,
                             char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    *out = risk::kelly(p, b, fraction, cap);
  });
}

int32_t ntrun_ffi_risk_kelly_returns(const double* r, int64_t n, double fraction, double cap,
                                     double* out, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    *out = risk::kelly_from_returns(input_span(r, n, "returns"), fraction, cap);
  });
}

int32_t ntrun_ffi_risk_kelly_portfolio(const double* mu, int64_t cols, const double* covariance,
                                       double fraction, double max_leverage, double* out, char* err,
                                       size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    const std::size_t c = count_of(cols, "mu");
    const auto w = risk::kelly_portfolio(
        input_span(mu, cols, "mu"),
        input_span(covariance, static_cast<int64_t>(c * c), "covariance"), fraction, max_leverage);
    std::copy(w.begin(), w.end(), out);
  });
}

int32_t ntrun_ffi_risk_log_growth(const double* weights, int64_t cols, const double* returns,
                                  int64_t rows, double* out, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, [&] {
    need(out, "out");
    const std::size_t c = count_of(cols, "weights");
    const std::size_t r = count_of(rows, "returns");
    *out =
        risk::expected_log_growth(input_span(weights, cols, "weights"),
                                  input_span(returns, static_cast<int64_t>(r * c), "returns"), c);
  });
}

}  // extern "C"
