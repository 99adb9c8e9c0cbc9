// The C ABI's sessions (bindings/): ownership of host memory, the one guard at the edge
// (every status, messages always delivered), control events, the error slot, and the
// isolation of strategies that share an engine.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/backtest/engine.hpp"
#include "ntrun/constants.h"
#include "ntrun/engine/session.hpp"
#include "ntrun_ffi.h"
#include "support/vector_source.hpp"

using namespace ntrun;

namespace {

using test::vector_source;

constexpr ts_ns day(int d) { return ns_per_day * (18262 + d); }

bar daily(int d, double px) {
  return bar{.ts_event = day(d), .ts_init = day(d), .sid = 0, .open = px, .high = px + 1,
             .low = px - 1, .close = px, .volume = 1000};
}

std::unique_ptr<backtest::engine> engine_of(int days, int strategies = 1, bool fail = false) {
  std::vector<bar> bars;
  for (int d = 0; d < days; ++d) bars.push_back(daily(d, 100 + d));
  return std::make_unique<backtest::engine>(
      backtest::engine_config{.symbols = {"A"}, .num_strategies = strategies, .capital = 100'000},
      std::make_unique<vector_source>(std::move(bars), fail));
}

ntrun_session_t* handle(session& s) { return reinterpret_cast<ntrun_session_t*>(&s); }

/// A port whose every command throws what the test asks for: the guard must map each.
class throwing_port final : public strategy_port {
 public:
  enum class what { typed, bad_alloc, runtime, invalid_argument, unknown };
  explicit throwing_port(what w) : w_(w) {}
  event_kind next(event_slot& out) override {
    out.kind = static_cast<std::int32_t>(event_kind::end);
    return event_kind::end;
  }
  [[nodiscard]] ts_ns now() const noexcept override { return 0; }
  [[nodiscard]] const std::vector<std::string>& symbols() const noexcept override { return syms_; }
  [[nodiscard]] std::span<const double> history(symbol_id, bar_field, std::size_t) const override {
    raise();
  }
  [[nodiscard]] std::size_t history_capacity() const noexcept override { return 10; }
  submit_result submit(const market::order_request&) override { raise(); }
  submit_result submit_list(std::span<market::order_request>, std::span<const market::list_link>,
                            std::span<order_id>) override {
    raise();
  }
  bool cancel(order_id) override { raise(); }
  bool modify(order_id, double, double, double) override { raise(); }
  [[nodiscard]] const market::order* find_order(order_id) const override { raise(); }
  [[nodiscard]] std::vector<order_id> open_orders() const override { raise(); }
  [[nodiscard]] position_snapshot position(symbol_id) const override { raise(); }
  [[nodiscard]] account_snapshot account() const override { raise(); }
  std::int64_t set_timer(ts_ns, ts_ns) override { raise(); }
  bool cancel_timer(std::int64_t) override { raise(); }
  std::int64_t set_calendar_timer(calendar_kind) override { raise(); }
  double random() noexcept override { return 0.5; }
  [[nodiscard]] const market::check_config& limits() const noexcept override { return limits_; }
  void set_limits(const market::check_config&) override { raise(); }
  [[nodiscard]] const market::risk_status& risk() const noexcept override { return risk_; }

 private:
  [[noreturn]] void raise() const {
    switch (w_) {
      case what::typed: throw ntrun::error(status::not_found, "typed: no such thing");
      case what::bad_alloc: throw std::bad_alloc();
      case what::runtime: throw std::runtime_error("runtime: the host broke");
      case what::invalid_argument: throw std::invalid_argument("bad 'x' argument: must be > 0");
      case what::unknown: throw 42;
    }
    throw 0;
  }
  what w_;
  std::vector<std::string> syms_{"A"};
  market::check_config limits_{};
  market::risk_status risk_{};
};

std::string session_error(ntrun_session_t* s) {
  char buf[256];
  const int64_t n = ntrun_ffi_session_error(s, buf, sizeof buf);
  return n > 0 ? std::string(buf) : std::string();
}

}  // namespace

TEST_CASE("a session without a port: engine calls say ESTATE, arrays still work and are booked") {
  session s("research");
  ntrun_session_t* h = handle(s);
  CHECK(ntrun_ffi_session_next(h) == NTRUN_EV_END);
  ntrun_position_t pos{};
  CHECK(ntrun_ffi_position(h, 0, &pos) == NTRUN_ESTATE);
  ntrun_order_req_t req{};
  CHECK(ntrun_ffi_order_submit(h, &req, nullptr, nullptr) == NTRUN_ESTATE);
  CHECK(ntrun_ffi_session_num_symbols(h) == 0);
  CHECK(std::isnan(ntrun_ffi_random(h)));

  double* a = ntrun_ffi_array_alloc(h, 1000);
  REQUIRE(a != nullptr);
  CHECK(a[999] == 0.0);
  CHECK(ntrun_ffi_session_bytes(h) == 8000);
  CHECK(ntrun_ffi_session_allocs(h) == 1);
  double* empty = ntrun_ffi_array_alloc(h, 0);  // one element is allocated: never NULL for 0
  REQUIRE(empty != nullptr);
  ntrun_sma_t* sma = ntrun_ffi_sma_new(h, 3);
  REQUIRE(sma != nullptr);
  CHECK(ntrun_ffi_session_allocs(h) == 3);
  ntrun_ffi_sma_free(h, sma);
  ntrun_ffi_array_release(h, empty, 0);
  ntrun_ffi_array_release(h, a, 1000);
  CHECK(ntrun_ffi_session_bytes(h) == 0);
  CHECK(ntrun_ffi_session_allocs(h) == 0);
  CHECK(s.bytes_peak() >= 8000);

  CHECK(ntrun_ffi_array_alloc(h, -1) == nullptr);
  CHECK(ntrun_ffi_array_alloc(h, INT64_MAX) == nullptr);
  CHECK(ntrun_ffi_array_alloc(nullptr, 4) == nullptr);
  ntrun_ffi_array_release(h, nullptr, 4);  // no-op
  CHECK(ntrun_ffi_session_allocs(h) == 0);
}

TEST_CASE("the guard maps every exception to its status and always delivers the message") {
  using w = throwing_port::what;
  struct expectation {
    w kind;
    int32_t status;
    const char* message;
  };
  for (const auto& e : {expectation{w::typed, NTRUN_ENOTFOUND, "typed: no such thing"},
                        expectation{w::bad_alloc, NTRUN_ENOMEM, "out of memory"},
                        expectation{w::runtime, NTRUN_EINTERNAL, "runtime: the host broke"},
                        expectation{w::invalid_argument, NTRUN_EINVAL, "bad 'x' argument"},
                        expectation{w::unknown, NTRUN_EINTERNAL, "unknown internal error"}}) {
    CAPTURE(e.message);
    throwing_port port(e.kind);
    session s;
    s.attach(&port);
    ntrun_session_t* h = handle(s);
    ntrun_order_req_t req{.sid = 0, .side = NTRUN_BUY, .type = NTRUN_MARKET, .tif = NTRUN_GTC,
                          .quantity = 1, .limit_price = 0, .stop_price = 0, .tag = 0,
                          .trail_amount = 0, .trail_percent = 0, .reduce_only = 0, .role = 0,
                          .parent = 0, .oco = 0};
    uint64_t id = 0;
    const char* reason = nullptr;
    CHECK(ntrun_ffi_order_submit(h, &req, &id, &reason) == e.status);
    CHECK(session_error(h).find(e.message) != std::string::npos);
    (void)s.take_error();
    ntrun_position_t pos{};
    CHECK(ntrun_ffi_position(h, 0, &pos) == e.status);
    CHECK(ntrun_ffi_order_cancel(h, 1) == e.status);
    ntrun_series_t view{};
    CHECK(ntrun_ffi_history(h, 0, NTRUN_F_CLOSE, 1, &view) == e.status);
    // With a caller buffer the message goes there, not to the session.
    (void)s.take_error();
    ntrun_limits_t l{};
    l.var_window = 250;
    l.var_confidence = 0.99;
    char err[128] = "";
    CHECK(ntrun_ffi_limits_set(h, &l, nullptr, nullptr, 0, err, sizeof err) == e.status);
    CHECK(std::string(err).find(e.message) != std::string::npos);
    CHECK(session_error(h).empty());
  }
}

TEST_CASE("the session error slot keeps the first error, truncates into small buffers") {
  session s;
  ntrun_session_t* h = handle(s);
  CHECK(ntrun_ffi_session_error(h, nullptr, 0) == 0);
  s.set_error("first: a long message about what went wrong");
  s.set_error("second");
  char tiny[6];
  CHECK(ntrun_ffi_session_error(h, tiny, sizeof tiny) == 43);
  CHECK(std::string(tiny) == "first");
  CHECK(s.take_error() == std::string("first: a long message about what went wrong"));
  CHECK(ntrun_ffi_session_error(h, tiny, sizeof tiny) == 0);
  CHECK(ntrun_ffi_session_error(nullptr, tiny, sizeof tiny) == 0);
}

TEST_CASE("ntrun_ffi_log clamps any level and never terminates the process") {
  struct captured {
    std::vector<int> levels;
    std::string last;
  } cap;
  session s("a.lua");
  s.set_log_sink(
      [](void* user, const session& from, ts_ns, int level, std::string_view msg) {
        auto* c = static_cast<captured*>(user);
        c->levels.push_back(level);
        c->last = from.name() + ": " + std::string(msg);
      },
      &cap);
  ntrun_session_t* h = handle(s);
  ntrun_ffi_log(h, 1, "hello", 5);
  ntrun_ffi_log(h, 99, "x", 1);
  ntrun_ffi_log(h, -7, "y", 1);
  ntrun_ffi_log(h, INT32_MIN, "z", 1);
  ntrun_ffi_log(h, 2, nullptr, 5);  // ignored
  ntrun_ffi_log(nullptr, 2, "w", 1);
  CHECK(cap.levels == std::vector<int>{1, 3, 0, 0});
  CHECK(cap.last == "a.lua: z");

  // A line of 10 MB keeps its first NTRUN_K_MAX_LOG_LINE_BYTES and says what was cut.
  const std::string big(10'000'000, 'x');
  ntrun_ffi_log(h, 1, big.data(), big.size());
  const std::string prefix = "a.lua: " + std::string(NTRUN_K_MAX_LOG_LINE_BYTES, 'x');
  CHECK(cap.last.compare(0, prefix.size(), prefix) == 0);
  CHECK(cap.last.substr(prefix.size()) == " ... (9995904 more bytes cut: log lines keep 4096)");
}

TEST_CASE("control requests reach the runner before the next event, the most final first") {
  auto e = engine_of(3);
  session s;
  s.attach(&e->port(0));
  ntrun_session_t* h = handle(s);
  const ntrun_event_t* ev = ntrun_ffi_session_event(h);
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);
  CHECK(ev->bar.close == 100);
  s.request(control_code::reload);
  s.request(control_code::stop);
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_CONTROL);
  CHECK(ev->control.code == NTRUN_CTL_STOP);
  CHECK(ev->control.flags == (NTRUN_CTL_STOP | NTRUN_CTL_RELOAD));
  CHECK(ev->control.ts_event == day(0));
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_CONTROL);
  CHECK(ev->control.code == NTRUN_CTL_RELOAD);
  // Then the events resume where they were: nothing was consumed by the control turns.
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);
  CHECK(ev->bar.close == 101);
  s.request(control_code::deadline);
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_CONTROL);
  CHECK(ev->control.code == NTRUN_CTL_DEADLINE);
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);
  CHECK(ev->bar.close == 102);
  CHECK(ntrun_ffi_session_next(h) == NTRUN_EV_END);
  CHECK(s.flags() == 0);
}

TEST_CASE("a status request (SIGUSR1) reaches every session once, as a control event, and nothing is consumed") {
  auto e = engine_of(2);
  session s;
  s.attach(&e->port(0));
  ntrun_session_t* h = handle(s);
  const ntrun_event_t* ev = ntrun_ffi_session_event(h);
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);
  session later;  // made before the request below
  session::request_status_all();
  session after;  // made after the request: it has nothing pending
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_CONTROL);
  CHECK(ev->control.code == NTRUN_CTL_STATUS);
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);  // once per request
  CHECK(ev->bar.close == 101);
  CHECK(later.next() == event_kind::control);  // made before the request: it gets it
  CHECK(after.next() == event_kind::end);      // no port, nothing pending
}

TEST_CASE("a data error of the source ends the session's events after the bars before it, kept in its error slot") {
  auto e = engine_of(2, 1, /*fail=*/true);
  session s;
  s.attach(&e->port(0));
  ntrun_session_t* h = handle(s);
  CHECK(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);
  CHECK(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);
  CHECK(ntrun_ffi_session_next(h) == NTRUN_EV_END);
  CHECK(session_error(h) == "data.csv:9: bad row: bad number in column 'close'");
}

TEST_CASE("two sessions on one engine: each sees and commands only its own orders and positions") {
  auto e = engine_of(4, 2);
  session sa("a"), sb("b");
  sa.attach(&e->port(0));
  sb.attach(&e->port(1));
  ntrun_session_t *a = handle(sa), *b = handle(sb);
  REQUIRE(e->advance());
  CHECK(ntrun_ffi_session_next(a) == NTRUN_EV_BAR);
  CHECK(ntrun_ffi_session_next(b) == NTRUN_EV_BAR);
  ntrun_order_req_t buy{.sid = 0, .side = NTRUN_BUY, .type = NTRUN_MARKET, .tif = NTRUN_GTC,
                        .quantity = 10, .limit_price = NAN, .stop_price = NAN, .tag = 0,
                          .trail_amount = 0, .trail_percent = 0, .reduce_only = 0, .role = 0,
                          .parent = 0, .oco = 0};
  uint64_t ida = 0, idb = 0;
  const char* why = nullptr;
  REQUIRE(ntrun_ffi_order_submit(a, &buy, &ida, &why) == NTRUN_OK);
  ntrun_order_req_t limit = buy;
  limit.type = NTRUN_LIMIT;
  limit.limit_price = 1;  // never fills
  REQUIRE(ntrun_ffi_order_submit(a, &limit, &idb, &why) == NTRUN_OK);

  ntrun_order_info_t info{};
  CHECK(ntrun_ffi_order_get(a, idb, &info) == NTRUN_OK);
  CHECK(ntrun_ffi_order_get(b, idb, &info) == NTRUN_ENOTFOUND);  // A's order: not B's business
  CHECK(ntrun_ffi_order_cancel(b, idb) == NTRUN_ENOTFOUND);
  CHECK(ntrun_ffi_order_modify(b, idb, 5, NAN, NAN) == NTRUN_ENOTFOUND);
  uint64_t ids[4];
  CHECK(ntrun_ffi_open_orders(b, ids, 4) == 0);
  CHECK(ntrun_ffi_open_orders(a, ids, 4) == 2);

  REQUIRE(e->advance());  // A's market order fills at the next open (101)
  ntrun_position_t pa{}, pb{};
  REQUIRE(ntrun_ffi_position(a, 0, &pa) == NTRUN_OK);
  REQUIRE(ntrun_ffi_position(b, 0, &pb) == NTRUN_OK);
  CHECK(pa.quantity == 10);
  CHECK(pa.avg_price == 101);
  CHECK(pb.quantity == 0);
  ntrun_account_t acct{};
  REQUIRE(ntrun_ffi_account(b, &acct) == NTRUN_OK);  // the account is the run's, shared
  CHECK(acct.cash == doctest::Approx(100'000 - 1010));

  // B sells 4 short while A stays long 10: the account nets to 6, each keeps its own book.
  ntrun_order_req_t sell = buy;
  sell.side = NTRUN_SELL;
  sell.quantity = 4;
  REQUIRE(ntrun_ffi_order_submit(b, &sell, &ida, &why) == NTRUN_OK);
  REQUIRE(e->advance());  // fills at 102
  REQUIRE(ntrun_ffi_position(a, 0, &pa) == NTRUN_OK);
  REQUIRE(ntrun_ffi_position(b, 0, &pb) == NTRUN_OK);
  CHECK(pa.quantity == 10);
  CHECK(pb.quantity == -4);
  CHECK(pb.avg_price == 102);
  CHECK(pb.unrealised_pnl == doctest::Approx(0.0));  // marked at the 102 close
  CHECK(e->portfolio().position(0).qty == 6);
}

TEST_CASE("a strategy's own position: adding, reducing, flipping and closing, hand-worked") {
  auto e = engine_of(6);
  session s;
  s.attach(&e->port(0));
  ntrun_session_t* h = handle(s);
  auto order = [&](int side, double q) {
    ntrun_order_req_t r{.sid = 0, .side = side, .type = NTRUN_MARKET, .tif = NTRUN_GTC,
                        .quantity = q, .limit_price = NAN, .stop_price = NAN, .tag = 0,
                          .trail_amount = 0, .trail_percent = 0, .reduce_only = 0, .role = 0,
                          .parent = 0, .oco = 0};
    uint64_t id = 0;
    const char* why = nullptr;
    REQUIRE(ntrun_ffi_order_submit(h, &r, &id, &why) == NTRUN_OK);
  };
  auto position = [&] {
    ntrun_position_t p{};
    REQUIRE(ntrun_ffi_position(h, 0, &p) == NTRUN_OK);
    return p;
  };
  REQUIRE(e->advance());     // day 0, close 100
  order(NTRUN_BUY, 10);      // fills at 101
  REQUIRE(e->advance());
  order(NTRUN_BUY, 10);      // fills at 102: avg (1010 + 1020) / 20 = 101.5
  REQUIRE(e->advance());
  CHECK(position().quantity == 20);
  CHECK(position().avg_price == doctest::Approx(101.5));
  order(NTRUN_SELL, 25);     // fills at 103: closes 20 (+1.5 each = 30), opens 5 short at 103
  REQUIRE(e->advance());
  CHECK(position().quantity == -5);
  CHECK(position().avg_price == 103);
  CHECK(position().realised_pnl == doctest::Approx(30));
  order(NTRUN_BUY, 5);       // fills at 104: closes the short, -1 each
  REQUIRE(e->advance());
  CHECK(position().quantity == 0);
  CHECK(position().avg_price == 0);
  CHECK(position().realised_pnl == doctest::Approx(25));
}

TEST_CASE("ntrun_ffi_order_submit_list refuses what a caller could get wrong, and links what it accepts") {
  auto e = engine_of(3);
  session s;
  s.attach(&e->port(0));
  ntrun_session_t* h = handle(s);
  REQUIRE(ntrun_ffi_session_next(h) == NTRUN_EV_BAR);
  const ntrun_order_req_t entry{.sid = 0, .side = NTRUN_BUY, .type = NTRUN_MARKET, .tif = NTRUN_GTC,
                                .quantity = 1, .limit_price = NAN, .stop_price = NAN, .tag = 5,
                                .trail_amount = 0, .trail_percent = 0, .reduce_only = 0,
                                .role = NTRUN_ROLE_NONE, .parent = 0, .oco = 0};
  ntrun_order_req_t stop = entry;
  stop.side = NTRUN_SELL;
  stop.type = NTRUN_STOP;
  stop.stop_price = 90;
  stop.reduce_only = 1;
  stop.role = NTRUN_ROLE_STOP_LOSS;
  stop.parent = 1;
  std::vector<ntrun_order_req_t> reqs(65, entry);
  std::vector<uint64_t> ids(65, 7);
  const char* why = nullptr;
  CHECK(ntrun_ffi_order_submit_list(h, reqs.data(), 0, ids.data(), &why) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_order_submit_list(h, reqs.data(), -1, ids.data(), &why) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_order_submit_list(h, reqs.data(), 65, ids.data(), &why) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_order_submit_list(h, nullptr, 1, ids.data(), &why) == NTRUN_EINVAL);
  CHECK(ntrun_ffi_order_submit_list(h, reqs.data(), 1, nullptr, &why) == NTRUN_EINVAL);
  reqs[1] = stop;
  reqs[1].role = 3;  // no such role
  CHECK(ntrun_ffi_order_submit_list(h, reqs.data(), 2, ids.data(), &why) == NTRUN_EINVAL);
  reqs[1] = stop;
  reqs[1].parent = 0xFFFFFFFFu;  // a parent past the list
  CHECK(ntrun_ffi_order_submit_list(h, reqs.data(), 2, ids.data(), &why) == NTRUN_EREJECTED);
  CHECK(std::string_view(why) == "invalid_link");
  CHECK(ids[0] == 0);
  reqs[1].parent = 2;  // itself
  CHECK(ntrun_ffi_order_submit_list(h, reqs.data(), 2, ids.data(), &why) == NTRUN_EREJECTED);
  CHECK(e->venue().open_order_count() == 0);  // nothing rests after a refusal
  // 64 orders, each the child of the one before: accepted whole.
  for (std::size_t i = 0; i < 64; ++i) {
    reqs[i] = i == 0 ? entry : stop;
    reqs[i].parent = static_cast<uint32_t>(i);
  }
  REQUIRE(ntrun_ffi_order_submit_list(h, reqs.data(), 64, ids.data(), &why) == NTRUN_OK);
  ntrun_order_info_t info{};
  REQUIRE(ntrun_ffi_order_get(h, ids[1], &info) == NTRUN_OK);
  CHECK(info.parent_id == ids[0]);
  CHECK(info.active == 0);
  CHECK(info.reduce_only == 1);
  CHECK(info.role == NTRUN_ROLE_STOP_LOSS);
  CHECK(ids[63] == ids[0] + 63);
}

TEST_CASE("path checks: a path's kind without opening it, and inside a folder component by component") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "ntrun_path_checks";
  fs::remove_all(dir);
  fs::create_directories(dir / "bundle");
  fs::create_directories(dir / "bundle2");
  { std::ofstream(dir / "bundle" / "m.lua") << "return 1\n"; }
  { std::ofstream(dir / "bundle2" / "m.lua") << "return 2\n"; }
  fs::create_symlink(dir / "bundle2" / "m.lua", dir / "bundle" / "out.lua");
  const auto s = [](const fs::path& p) { return p.string(); };
  CHECK(ntrun_ffi_path_kind(nullptr) == NTRUN_PATH_MISSING);
  CHECK(ntrun_ffi_path_kind(s(dir / "nope").c_str()) == NTRUN_PATH_MISSING);
  CHECK(ntrun_ffi_path_kind(s(dir / "bundle").c_str()) == NTRUN_PATH_DIR);
  CHECK(ntrun_ffi_path_kind(s(dir / "bundle" / "m.lua").c_str()) == NTRUN_PATH_FILE);
  CHECK(ntrun_ffi_path_kind("/dev/null") == NTRUN_PATH_OTHER);
  const std::string b = s(dir / "bundle");
  CHECK(ntrun_ffi_path_inside(s(dir / "bundle" / "m.lua").c_str(), b.c_str()) == 1);
  CHECK(ntrun_ffi_path_inside(s(dir / "bundle" / "m.lua").c_str(), (b + "/").c_str()) == 1);
  CHECK(ntrun_ffi_path_inside(s(dir / "bundle2" / "m.lua").c_str(), b.c_str()) == 0);  // a sibling
  CHECK(ntrun_ffi_path_inside(s(dir / "bundle" / ".." / "bundle2" / "m.lua").c_str(), b.c_str()) == 0);
  CHECK(ntrun_ffi_path_inside(s(dir / "bundle" / "out.lua").c_str(), b.c_str()) == 0);  // a link out
  CHECK(ntrun_ffi_path_inside(b.c_str(), b.c_str()) == 0);  // the folder itself
  CHECK(ntrun_ffi_path_inside(nullptr, b.c_str()) == 0);
  CHECK(ntrun_ffi_path_inside(b.c_str(), nullptr) == 0);
  fs::remove_all(dir);
}
