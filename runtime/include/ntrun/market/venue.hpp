// The simulated venue of backtests: accepts, modifies and cancels orders and matches the resting
// orders of a symbol against each of its bars (fill model: docs/fill_model.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ntrun/market/costs.hpp"
#include "ntrun/market/execution_client.hpp"
#include "ntrun/market/order.hpp"
#include "ntrun/market/types.hpp"

namespace ntrun::market {

struct venue_config {
  std::size_t num_symbols = 0;  ///< symbol ids are 0 .. num_symbols-1; >= 1
  slippage_config slippage{};
  commission_config commission{};
  /// Largest fraction of bar.volume one order may fill on one bar, in [0, 1]; 0 = no cap.
  /// Ignored on bars with volume 0.
  double volume_cap = 0;
  /// Closed orders kept for find() (ctx:order) beyond the open ones; older closed records are
  /// forgotten so memory does not grow with the number of orders over a run.
  std::size_t keep_closed_orders = 65536;
};

/// Deterministic, single-threaded order matcher. Every method appends the events it causes to
/// `out` (never clears it), so the caller reuses one vector and the hot path does not allocate.
/// Order records (192 bytes) stay while open and for the last keep_closed_orders orders.
class simulated_venue final : public execution_client {
 public:
  /// Throws market_error when the config is invalid (names the field and the allowed range).
  explicit simulated_venue(const venue_config& cfg);

  /// Validates `req`; on success the order rests (accepted event) and its id (>= 1) is
  /// returned. Otherwise a rejected event with the reason is appended and 0 is returned. The
  /// order matches only bars with ts_event > now.
  [[nodiscard]] order_id submit(const order_request& req, ts_ns now,
                                std::vector<order_event>& out) override;

  /// A list of linked orders (bracket, OCO, OTO): all accepted, in list order, or all
  /// rejected. A child (links[i].parent = 1-based index of an earlier order) is accepted but
  /// inactive until its parent's first fill; then it may fill on the rest of that bar's path.
  /// Orders sharing an OCO number cancel each other when one fills. `ids` gets the ids (0 on
  /// rejection); links.size() and ids.size() must equal reqs.size().
  bool submit_list(std::span<const order_request> reqs, std::span<const list_link> links,
                   ts_ns now, std::vector<order_event>& out, std::span<order_id> ids) override;
  void set_fill_guard(fill_guard* guard) noexcept override { guard_ = guard; }

  /// Cancels an open order (canceled event, reason "canceled_by_strategy"); its children
  /// that still wait for a first fill are canceled with it. An unknown or
  /// closed id appends cancel_rejected ("order_not_open") and returns false.
  bool cancel(order_id id, ts_ns now, std::vector<order_event>& out) override;

  /// Changes an open order; NaN keeps a field. Prices not used by the order's type are
  /// ignored. The quantity must exceed the filled quantity. The changed order matches only bars
  /// with ts_event > now. On failure appends modify_rejected with the reason, returns false.
  bool modify(order_id id, double quantity, double limit_price, double stop_price, ts_ns now,
              std::vector<order_event>& out) override;

  /// Cancels every open order of `strategy` (all strategies when negative), in id order.
  /// Returns how many were canceled.
  std::size_t cancel_all(std::int32_t strategy, ts_ns now, std::vector<order_event>& out) override;

  /// Expires DAY orders and matches the open orders of bar.symbol along the bar's price path
  /// (open, nearer extreme, farther extreme, close), earliest touch first; then moves the
  /// trailing stops. Throws
  /// market_error for an unknown symbol or prices/volume that are NaN, infinite or negative.
  void on_bar(const bar& b, std::vector<order_event>& out) override;

  /// The order with this id, open or recently closed; nullptr when unknown or forgotten.
  /// Valid until the record is forgotten (a later submit may forget closed ones).
  [[nodiscard]] const order* find(order_id id) const noexcept override;

  /// Open orders (accepted or partially filled), sorted by id.
  [[nodiscard]] std::vector<order> open_orders() const override;
  /// Ids of the open orders of one symbol, in id order; valid until the next call that changes
  /// orders. Empty for an unknown symbol.
  [[nodiscard]] std::span<const order_id> open_order_ids(symbol_id symbol) const noexcept;
  [[nodiscard]] std::size_t open_order_count() const noexcept override { return open_count_; }

  [[nodiscard]] const venue_config& config() const noexcept { return cfg_; }

 private:
  /// Where an order first reaches its price on the bar's path: t in [0, 3] (0 open, 1 the
  /// nearer extreme, 2 the farther one, 3 close) and the path's price there (before slippage).
  struct touch {
    double t = 0;
    double price = 0;
    order_id id = 0;
  };
  struct bar_path {
    double p[4];
  };
  [[nodiscard]] const char* prepare(order_request& req) const noexcept;
  order& accept(const order_request& req, ts_ns now, std::vector<order_event>& out);
  /// DAY expiry, then the order's touch from (t0, p0) on into touches_, or the IOC/FOK
  /// cancel when it has none.
  void consider(order& o, const bar& b, const bar_path& path, double t0, double p0,
                std::vector<order_event>& out);
  void fire(order& o, const touch& at, const bar& b, const bar_path& path,
            std::vector<order_event>& out);
  void execute(order& o, const bar& b, double price, double qty, std::vector<order_event>& out);
  void after_first_fill(order& o, const touch& at, const bar& b, const bar_path& path,
                        std::vector<order_event>& out);
  void close(order& o, order_status status, ts_ns now, ts_ns ts_init, const char* why,
             std::vector<order_event>& out);
  void trail(order& o, double close) noexcept;
  /// Calls f(child) for each order waiting on `parent` (they come after it, in id order).
  template <class F>
  void for_each_child(const order& parent, F&& f);
  [[nodiscard]] order* find_open(order_id id) noexcept;
  void drop_open(const order& o);

  venue_config cfg_;
  void forget_closed() noexcept;

  fill_guard* guard_ = nullptr;
  std::vector<double> last_close_;  ///< per symbol; NaN before its first bar (trailing stops)
  std::vector<touch> touches_;      ///< reused by on_bar
  std::vector<order_request> list_; ///< reused by submit_list
  symbol_id in_bar_ = static_cast<symbol_id>(-1);  ///< symbol being matched: compacted at the end

  /// Accepted orders from first_id_ on, in chunks of 256 records: the record of id is number
  /// head_ + id - first_id_. No record moves while it lives (a vector would copy them all when
  /// it grows; a deque's 512-byte nodes hold two, an allocation every other order), and the
  /// chunk of forgotten records at the front is reused at the back.
  static constexpr std::size_t chunk_size = 256;
  std::vector<std::unique_ptr<order[]>> chunks_;
  std::unique_ptr<order[]> spare_;
  std::size_t head_ = 0;  ///< forgotten records at the start of chunks_[0]
  std::size_t live_ = 0;  ///< records from first_id_ on
  [[nodiscard]] std::size_t live() const noexcept { return live_; }
  [[nodiscard]] order& rec(order_id id) noexcept {
    const std::size_t i = head_ + (id - first_id_);
    return chunks_[i / chunk_size][i % chunk_size];
  }
  [[nodiscard]] const order& rec(order_id id) const noexcept {
    const std::size_t i = head_ + (id - first_id_);
    return chunks_[i / chunk_size][i % chunk_size];
  }
  order& new_record();
  order_id first_id_ = 1;     ///< older records were closed and forgotten
  std::vector<std::vector<order_id>> open_;  ///< per symbol, open ids in ascending order
  std::vector<order_id> scratch_;            ///< reused by cancel_all
  std::size_t open_count_ = 0;
};

}  // namespace ntrun::market
