// Pre-trade checks: cheap rules evaluated in a fixed order, the rate window last so that only
// orders that pass everything else are counted; the circuit breaker's state machine; the small
// historical VaR of the post-trade portfolio (to move onto compute/risk once it lands).
#include "ntrun/market/checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "ntrun/constants.h"

namespace ntrun::market {
namespace {

/// Thresholds are met when reached up to rounding (1 - 95/100 is 0.05 or a hair either side).
constexpr double ratio_tolerance = 1e-12;
/// The rate window keeps one timestamp per allowed order; bound its memory.
constexpr std::uint32_t max_rate = NTRUN_K_MAX_ORDERS_PER_SECOND;
constexpr std::uint32_t max_var_window = NTRUN_K_MAX_VAR_WINDOW;
using v2d = double __attribute__((vector_size(2 * sizeof(double))));
/// The scenario loop runs in blocks of 8 and may read 7 values past a symbol's returns.
constexpr std::size_t var_lanes = 8;
constexpr std::size_t var_padding = var_lanes - 1;

[[noreturn]] void bad(const char* field, const std::string& value, const std::string& rule) {
  throw market_error(std::string("check config: '") + field + "' is " + value + "; " + rule);
}

void require_limit(double v, const char* field) {
  if (!std::isfinite(v) || v < 0) {
    bad(field, std::to_string(v), "it must be a finite number >= 0 (0 turns the check off)");
  }
}

void require_fraction(double v, const char* field) {
  if (!std::isfinite(v) || v < 0 || v > 1) {
    bad(field, std::to_string(v), "it must be a fraction in [0, 1] (0 turns the rule off)");
  }
}

void require_per_symbol(const std::vector<double>& v, std::size_t n, const char* field) {
  if (n > 0 && !v.empty() && v.size() != n) {
    bad(field, std::to_string(v.size()) + " entries",
        "give one per symbol (" + std::to_string(n) + "), or none to use the all-symbols limit");
  }
  for (const double x : v) require_limit(x, field);
}

void validate(const breaker_config& b) {
  require_fraction(b.loss, "circuit_breaker.loss");
  require_fraction(b.max_drawdown, "circuit_breaker.max_drawdown");
  if (b.window < 0) bad("circuit_breaker.window", std::to_string(b.window), "it must be >= 0");
  if (b.cooldown < 0) {
    bad("circuit_breaker.cooldown", std::to_string(b.cooldown), "it must be >= 0");
  }
  if (b.loss > 0 && b.window == 0) {
    bad("circuit_breaker.window", "0", "it must be > 0 when circuit_breaker.loss is set");
  }
}

void validate(const check_config& c, std::size_t num_symbols) {
  require_limit(c.max_position, "max_position");
  require_limit(c.max_order_notional, "max_order_notional");
  require_limit(c.max_leverage, "max_leverage");
  require_limit(c.max_notional, "max_notional");
  require_limit(c.max_gross_exposure, "max_gross_exposure");
  require_limit(c.max_net_exposure, "max_net_exposure");
  require_per_symbol(c.max_position_by_symbol, num_symbols, "max_position");
  require_per_symbol(c.max_notional_by_symbol, num_symbols, "max_notional");
  if (c.max_orders_per_second > max_rate) {
    bad("max_orders_per_second", std::to_string(c.max_orders_per_second),
        "at most " + std::to_string(max_rate) + " (0 turns the check off)");
  }
  validate(c.breaker);
  require_limit(c.var.limit, "var_limit");
  if (!(c.var.confidence > 0 && c.var.confidence < 1)) {
    bad("var_confidence", std::to_string(c.var.confidence), "it must be in (0, 1), e.g. 0.99");
  }
  if (c.var.window < 1 || c.var.window > max_var_window) {
    bad("var_window", std::to_string(c.var.window),
        "it must be a number of returns in 1.." + std::to_string(max_var_window));
  }
}

ts_ns saturating_add(ts_ns a, ts_ns b) noexcept {
  return a > ts_never - b ? ts_never : a + b;
}

double limit_for(const std::vector<double>& by_symbol, double all, symbol_id s) noexcept {
  if (by_symbol.empty()) return all;
  return s < by_symbol.size() ? by_symbol[s] : 0.0;
}

}  // namespace

// ---- circuit breaker ----------------------------------------------------------------------

circuit_breaker::circuit_breaker(const breaker_config& cfg) : cfg_(cfg) {
  validate(cfg);
}

void circuit_breaker::reconfigure(const breaker_config& cfg) {
  validate(cfg);
  const bool new_window = cfg.window != cfg_.window;
  cfg_ = cfg;
  if (new_window) {
    fifo_.clear();
    maxq_.clear();
    has_anchor_ = false;
  }
  if (cfg_.loss == 0 && cfg_.max_drawdown == 0 && status_.state != risk_state::normal) {
    resume(last_ts_);
  }
}

void circuit_breaker::enter(risk_state s, ts_ns now, ts_ns until) {
  status_.state = s;
  status_.since = now;
  status_.until = until;
}

void circuit_breaker::resume(ts_ns now) {
  enter(risk_state::normal, now, 0);
  status_.reason = nullptr;
  status_.peak_equity = status_.equity;
  status_.drawdown = 0;
  status_.window_loss = 0;
  fifo_.clear();
  maxq_.clear();
  has_anchor_ = false;
}

bool circuit_breaker::on_time(ts_ns now) {
  last_ts_ = now;
  bool changed = false;
  if (status_.state == risk_state::halted && now >= status_.until) {
    enter(risk_state::reducing, now, saturating_add(now, cfg_.cooldown));
    changed = true;
  }
  if (status_.state == risk_state::reducing && now >= status_.until) {
    resume(now);
    changed = true;
  }
  return changed;
}

bool circuit_breaker::on_equity(ts_ns now, double equity) {
  status_.equity = equity;
  bool changed = on_time(now);
  if (!seen_ || equity > status_.peak_equity) status_.peak_equity = equity;
  seen_ = true;
  status_.drawdown = status_.peak_equity > 0 ? 1 - equity / status_.peak_equity : 0;

  if (cfg_.loss > 0) {
    // The equity curve is a step function: the value in force at the window's start is the
    // last point at or before it (the anchor), so a gap (overnight) still counts its loss.
    const ts_ns start = now >= INT64_MIN + cfg_.window ? now - cfg_.window : INT64_MIN;
    fifo_.push_back({now, equity});
    while (!maxq_.empty() && maxq_.back().equity <= equity) maxq_.pop_back();
    maxq_.push_back({now, equity});
    while (fifo_.front().ts <= start) {
      anchor_ = fifo_.front().equity;
      has_anchor_ = true;
      fifo_.pop_front();
    }
    while (maxq_.front().ts <= start) maxq_.pop_front();
    const double high =
        has_anchor_ ? std::max(anchor_, maxq_.front().equity) : maxq_.front().equity;
    status_.window_loss = high > 0 ? 1 - equity / high : 0;
  } else {
    status_.window_loss = 0;
  }

  if (status_.state == risk_state::reducing && equity >= status_.trip_equity) {
    resume(now);
    if (cfg_.loss > 0) {
      fifo_.push_back({now, equity});
      maxq_.push_back({now, equity});
    }
    return true;
  }
  if (status_.state != risk_state::normal) return changed;
  const char* why = nullptr;
  if (cfg_.loss > 0 && status_.window_loss >= cfg_.loss - ratio_tolerance) {
    why = reason::loss_window;
  } else if (cfg_.max_drawdown > 0 && status_.drawdown >= cfg_.max_drawdown - ratio_tolerance) {
    why = reason::max_drawdown;
  }
  if (!why) return changed;
  ++status_.trips;
  status_.reason = why;
  status_.trip_equity = equity;
  enter(risk_state::halted, now, cfg_.cooldown > 0 ? saturating_add(now, cfg_.cooldown) : ts_never);
  return true;
}

// ---- historical VaR -----------------------------------------------------------------------

double historical_var(std::span<double> pnl, double confidence) noexcept {
  const std::size_t n = pnl.size();
  if (n == 0) return std::nan("");
  // Losses ascending: VaR is the ceil(c * n)-th; as profits ascending, the (n - ceil(c * n))-th
  // smallest (0-based). The tolerance keeps 0.55 * 100 at 55, not 56.
  const double rank = std::ceil(confidence * static_cast<double>(n) - 1e-9);
  const auto k = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(n)));
  const std::size_t m = n - k;
  // nth_element measured as fast as keeping the m + 1 smallest by insertion, even for m = 2.
  const auto mid = pnl.begin() + static_cast<std::ptrdiff_t>(m);
  std::nth_element(pnl.begin(), mid, pnl.end());
  return -*mid;
}

// ---- pre-trade checks ---------------------------------------------------------------------

pre_trade_checks::pre_trade_checks(const check_config& cfg, std::size_t num_symbols)
    : cfg_(cfg), num_symbols_(num_symbols), breaker_(cfg.breaker) {
  validate(cfg, num_symbols);
  window_.resize(cfg.max_orders_per_second);
  scenario_.resize(cfg.var.window + var_padding);
  resize_symbols(num_symbols);
}

void pre_trade_checks::resize_symbols(std::size_t n) {
  // Blocks are laid out by symbol id, so growing keeps the existing ones in place.
  returns_.resize(n * 2 * cfg_.var.window + var_padding, 0.0);
  ret_head_.resize(n, 0);
  ret_count_.resize(n, 0);
  prev_close_.resize(n, 0.0);
  exposure_.resize(n, 0.0);
  held_symbol_.resize(n, 0);
  held_returns_.resize(n, nullptr);
}

void pre_trade_checks::reconfigure(const check_config& cfg) {
  validate(cfg, num_symbols_);
  breaker_.reconfigure(cfg.breaker);
  if (cfg.max_orders_per_second != cfg_.max_orders_per_second) {
    // Keep the newest passing timestamps that still fit.
    std::vector<ts_ns> ring(cfg.max_orders_per_second);
    const std::size_t keep = std::min<std::size_t>(size_, ring.size());
    for (std::size_t i = 0; i < keep; ++i) {
      ring[i] = window_[(head_ + size_ - keep + i) % window_.size()];
    }
    window_ = std::move(ring);
    head_ = 0;
    size_ = keep;
  }
  // Returns are only kept while the VaR rule is on: a new window or turning it on restarts.
  const bool restart =
      cfg.var.window != cfg_.var.window || (cfg.var.limit > 0 && cfg_.var.limit == 0);
  cfg_ = cfg;
  if (restart) {
    scenario_.assign(cfg_.var.window + var_padding, 0.0);
    returns_.assign(prev_close_.size() * 2 * cfg_.var.window + var_padding, 0.0);
    std::fill(ret_head_.begin(), ret_head_.end(), 0);
    std::fill(ret_count_.begin(), ret_count_.end(), 0);
    std::fill(prev_close_.begin(), prev_close_.end(), 0.0);  // stale while the rule was off
  }
}

void pre_trade_checks::on_close(symbol_id symbol, double close) {
  if (cfg_.var.limit == 0) return;  // nothing to keep (reconfigure restarts the windows)
  if (symbol >= prev_close_.size()) resize_symbols(symbol + 1);
  const double prev = prev_close_[symbol];
  prev_close_[symbol] = close;
  if (!(prev > 0) || !std::isfinite(close) || close < 0) return;
  const double r = close / prev - 1;
  const std::size_t w = cfg_.var.window;
  double* block = returns_.data() + symbol * 2 * w;
  const std::uint32_t h = ret_head_[symbol];
  block[h] = r;
  block[h + w] = r;
  ret_head_[symbol] = static_cast<std::uint32_t>((h + 1) % w);
  ret_count_[symbol] = std::min<std::uint32_t>(ret_count_[symbol] + 1, cfg_.var.window);
}

void pre_trade_checks::reset_closes(symbol_id symbol, std::span<const double> closes) {
  if (symbol < prev_close_.size()) {
    ret_head_[symbol] = 0;
    ret_count_[symbol] = 0;
    prev_close_[symbol] = 0;
  }
  for (const double c : closes) on_close(symbol, c);
}

double pre_trade_checks::portfolio_var(const portfolio& pf, symbol_id symbol, double extra_qty,
                                       double extra_price) {
  const std::size_t w = cfg_.var.window;
  std::size_t n = w, held = 0;
  for (std::size_t s = 0; s < pf.num_symbols(); ++s) {
    const position_view p = pf.position(static_cast<symbol_id>(s));
    const double extra = s == symbol ? extra_qty : 0.0;
    const double q = p.qty + extra;
    if (std::abs(q) <= qty_epsilon * (std::abs(p.qty) + std::abs(extra))) continue;
    if (s >= exposure_.size()) return std::nan("");  // never had a close: no return either
    exposure_[held] = p.qty * p.last_price + extra * extra_price;
    held_symbol_[held++] = static_cast<symbol_id>(s);
    n = std::min<std::size_t>(n, ret_count_[s]);
  }
  if (held == 0) return 0;
  if (n == 0) return std::nan("");
  // The k-th latest return of every held symbol forms scenario k (aligned by recency).
  for (std::size_t h = 0; h < held; ++h) {
    const std::size_t s = held_symbol_[h];
    held_returns_[h] = returns_.data() + s * 2 * w + ret_head_[s] + w - n;
  }
  // Blocks of 8 scenarios accumulated in registers over the held symbols: one load per return.
  // GCC vector extension, SSE2 on the baseline ISA (-O2 does not auto-vectorise this). The
  // buffers are padded, and the scenarios past n are ignored.
  double* pnl = scenario_.data();
  const auto load = [](const double* p) {
    v2d v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  for (std::size_t k = 0; k < n; k += var_lanes) {
    v2d a0{}, a1{}, a2{}, a3{};  // four registers: 8 scenarios
    for (std::size_t h = 0; h < held; ++h) {
      const double* r = held_returns_[h] + k;
      const v2d x = {exposure_[h], exposure_[h]};
      a0 += x * load(r);
      a1 += x * load(r + 2);
      a2 += x * load(r + 4);
      a3 += x * load(r + 6);
    }
    std::memcpy(pnl + k, &a0, sizeof a0);
    std::memcpy(pnl + k + 2, &a1, sizeof a1);
    std::memcpy(pnl + k + 4, &a2, sizeof a2);
    std::memcpy(pnl + k + 6, &a3, sizeof a3);
  }
  return historical_var(std::span<double>(pnl, n), cfg_.var.confidence);
}

double pre_trade_checks::reference_price(const order_request& req, double last_price) noexcept {
  switch (req.type) {
    case order_type::market:
      return last_price;
    case order_type::limit:
    case order_type::stop_limit:
      return req.limit_price;
    case order_type::stop:
      if (req.trailing() && !(req.stop_price > 0)) return last_price;
      return req.stop_price;
  }
  return last_price;
}

double pre_trade_checks::fill_allowance(const order_request& req, double qty, double price,
                                        const portfolio& pf, const char** why) const noexcept {
  if (req.symbol >= pf.num_symbols() || !(price > 0)) return qty;
  const position_view pos = pf.position(req.symbol);
  const double before = pos.qty;
  const bool buy = req.side == order_side::buy;
  double allowed = qty;
  const auto cut = [&](double most, const char* rule) {
    // `most`: the largest quantity this rule lets through (negative: none).
    if (most < allowed) {
      allowed = std::max(most, 0.0);
      *why = rule;
    }
  };
  // Room to a bound on |position after|: a buy may go up to +bound, a sell down to -bound.
  const auto to_bound = [&](double bound) { return buy ? bound - before : bound + before; };
  if (!cfg_.allow_short && !buy) cut(std::max(before, 0.0), reason::short_not_allowed);
  const double max_pos = limit_for(cfg_.max_position_by_symbol, cfg_.max_position, req.symbol);
  // Reducing is always within a bound: a sell from long 10 under a bound of 5 may go to -5.
  if (max_pos > 0) cut(to_bound(max_pos), reason::max_position);
  const double max_val = limit_for(cfg_.max_notional_by_symbol, cfg_.max_notional, req.symbol);
  if (max_val > 0) cut(to_bound(max_val / price), reason::max_notional);
  const double equity = pf.equity();
  if (cfg_.max_gross_exposure > 0) {
    const double room = std::max(cfg_.max_gross_exposure * equity - pf.gross_exposure(), 0.0);
    cut(to_bound(std::abs(before) + room / price), reason::max_gross_exposure);
  }
  if (cfg_.max_net_exposure > 0) {
    const double net = pf.net_exposure();
    const double bound = std::max(cfg_.max_net_exposure * equity, std::abs(net));
    cut((buy ? bound - net : bound + net) / price, reason::max_net_exposure);
  }
  // Within rounding of the whole quantity: no cut.
  if (allowed >= qty * (1 - qty_epsilon)) return qty;
  return allowed;
}

const char* pre_trade_checks::check(const order_request& req, const portfolio& pf,
                                    double reference_price, ts_ns now) {
  if (const char* why = validate_request(req, pf.num_symbols())) return why;
  if (!std::isfinite(reference_price) || reference_price <= 0) return reason::no_reference_price;

  const double qty = req.quantity;
  const position_view pos = pf.position(req.symbol);
  const double before = pos.qty;
  const double after = before + (req.side == order_side::buy ? qty : -qty);
  const double slack = qty_epsilon * (std::abs(before) + qty);
  const bool increases = std::abs(after) > std::abs(before) + slack;
  if (increases && breaker_.state() != risk_state::normal) return reason::circuit_breaker;
  if (cfg_.max_order_notional > 0 && qty * reference_price > cfg_.max_order_notional) {
    return reason::max_order_notional;
  }
  if (!cfg_.allow_short && after < -slack) return reason::short_not_allowed;

  // Orders that do not increase |position| pass every exposure rule, even above a limit.
  if (increases) {
    const double max_pos = limit_for(cfg_.max_position_by_symbol, cfg_.max_position, req.symbol);
    if (max_pos > 0 && std::abs(after) > max_pos + slack) return reason::max_position;
    const double max_val = limit_for(cfg_.max_notional_by_symbol, cfg_.max_notional, req.symbol);
    if (max_val > 0 && std::abs(after) * reference_price > max_val * (1 + qty_epsilon)) {
      return reason::max_notional;
    }
    // Only the added exposure is valued at the reference price; the rest stays at its mark.
    const double equity = pf.equity();
    const double gross_after =
        pf.gross_exposure() + (std::abs(after) - std::abs(before)) * reference_price;
    if (cfg_.max_gross_exposure > 0 && gross_after > cfg_.max_gross_exposure * equity) {
      return reason::max_gross_exposure;
    }
    if (cfg_.max_net_exposure > 0) {
      const double net_before = pf.net_exposure();
      const double net_after = net_before + (after - before) * reference_price;
      if (std::abs(net_after) > cfg_.max_net_exposure * equity &&
          std::abs(net_after) > std::abs(net_before)) {
        return reason::max_net_exposure;
      }
    }
    if (cfg_.max_leverage > 0 && gross_after > cfg_.max_leverage * equity) {
      return reason::insufficient_cash;
    }
    if (cfg_.var.limit > 0) {
      if (!(equity > 0)) return reason::var_limit;
      // NaN (a held symbol without a return yet) passes: there is no history to judge by.
      if (portfolio_var(pf, req.symbol, after - before, reference_price) >
          cfg_.var.limit * equity) {
        return reason::var_limit;
      }
    }
  }

  return admit_rate(now);
}

const char* pre_trade_checks::admit_rate(ts_ns now) noexcept {
  const std::size_t cap = window_.size();
  if (cap > 0) {
    while (size_ > 0 && window_[head_] <= now - ns_per_second) {
      head_ = (head_ + 1) % cap;
      --size_;
    }
    if (size_ >= cap) return reason::max_orders_per_second;
    window_[(head_ + size_) % cap] = now;
    ++size_;
  }
  return nullptr;
}

}  // namespace ntrun::market
