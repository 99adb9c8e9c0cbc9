// The port of an agent (docs/agents.md): the engine's port for its index, with two changes.
// Only an executor places orders (others are refused here as well as in the nt library), and
// every agent sees the run's own positions (the swarm trades one book: a portfolio agent
// sizes its proposals from the position the executor's fills built).
#pragma once

#include "ntrun/backtest/engine.hpp"
#include "ntrun/engine/strategy_port.hpp"

namespace ntrun::host {

class agent_port final : public strategy_port {
 public:
  agent_port(backtest::engine& eng, int index, bool executor)
      : eng_(eng), inner_(eng.port(index)), executor_(executor) {}

  [[nodiscard]] event_kind next(event_slot& out) override { return inner_.next(out); }
  [[nodiscard]] ts_ns now() const noexcept override { return inner_.now(); }
  [[nodiscard]] const std::vector<std::string>& symbols() const noexcept override {
    return inner_.symbols();
  }
  [[nodiscard]] std::span<const double> history(symbol_id sid, bar_field field,
                                                std::size_t n) const override {
    return inner_.history(sid, field, n);
  }
  [[nodiscard]] std::size_t history_capacity() const noexcept override {
    return inner_.history_capacity();
  }
  submit_result submit(const market::order_request& req) override {
    if (!executor_) return {.id = 0, .reason = refusal};
    return inner_.submit(req);
  }
  submit_result submit_list(std::span<market::order_request> reqs,
                            std::span<const market::list_link> links,
                            std::span<order_id> ids) override {
    if (!executor_) return {.id = 0, .reason = refusal};
    return inner_.submit_list(reqs, links, ids);
  }
  bool cancel(order_id id) override { return executor_ && inner_.cancel(id); }
  bool modify(order_id id, double quantity, double limit_price, double stop_price) override {
    return executor_ && inner_.modify(id, quantity, limit_price, stop_price);
  }
  [[nodiscard]] const market::order* find_order(order_id id) const override {
    return inner_.find_order(id);
  }
  [[nodiscard]] std::vector<order_id> open_orders() const override { return inner_.open_orders(); }
  [[nodiscard]] position_snapshot position(symbol_id sid) const override {
    const market::position_view p = eng_.portfolio().position(sid);
    return {.quantity = p.qty,
            .avg_price = p.avg_price,
            .realised_pnl = p.realised_pnl,
            .unrealised_pnl = p.unrealised_pnl,
            .last_price = p.last_price};
  }
  [[nodiscard]] account_snapshot account() const override { return inner_.account(); }
  [[nodiscard]] std::int64_t set_timer(ts_ns first, ts_ns interval) override {
    return inner_.set_timer(first, interval);
  }
  bool cancel_timer(std::int64_t id) override { return inner_.cancel_timer(id); }
  [[nodiscard]] std::int64_t set_calendar_timer(calendar_kind kind) override {
    return inner_.set_calendar_timer(kind);
  }
  [[nodiscard]] double random() noexcept override { return inner_.random(); }
  [[nodiscard]] const market::check_config& limits() const noexcept override {
    return inner_.limits();
  }
  void set_limits(const market::check_config& limits) override { inner_.set_limits(limits); }
  [[nodiscard]] const market::risk_status& risk() const noexcept override { return inner_.risk(); }

  static constexpr const char* refusal = "only an executor agent places orders";

 private:
  backtest::engine& eng_;
  strategy_port& inner_;
  bool executor_;
};

}  // namespace ntrun::host
