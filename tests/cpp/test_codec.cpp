// Tests of the wire codec (transport/codec): round trips of every body kind, batch frames,
// every bad-frame reason, the allocation-free warm encoder, and a seeded mutation fuzz loop
// (the verifier must refuse or accept, never crash or read out of bounds: ASan/UBSan run it).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "ntrun/error.hpp"
#include "ntrun/market/checks.hpp"
#include "ntrun/market/order.hpp"
#include "ntrun/market/types.hpp"
#include "ntrun/transport/codec.hpp"

using namespace ntrun::transport;

namespace {

/// Bytes at an 8-byte-aligned address (std::vector<std::byte> is, but say it).
struct aligned_frame {
  std::vector<std::uint64_t> words;
  std::size_t size = 0;
  explicit aligned_frame(bytes b) : words((b.size() + 7) / 8 + 1), size(b.size()) {
    std::memcpy(words.data(), b.data(), b.size());
  }
  std::byte* data() { return reinterpret_cast<std::byte*>(words.data()); }
  [[nodiscard]] bytes span() const { return {reinterpret_cast<const std::byte*>(words.data()), size}; }
  void set_u32(std::size_t at, std::uint32_t v) { std::memcpy(data() + at, &v, 4); }
};

header make_header(std::uint64_t seq) {
  return {.sender = 7,
          .seq = seq,
          .ts_event = 1'700'000'000'000'000'000LL + static_cast<std::int64_t>(seq),
          .ts_init = 1'700'000'000'000'000'500LL,
          .correlation = 99};
}

// One sample of each kind, every field away from its default.
const bar_msg sample_bar{3, 2, 101.5, 103.25, 99.75, 102.0, 12345.5};
const quote_msg sample_quote{4, 99.5, 99.75, 300, 450};
const trade_msg sample_trade{5, 100.25, 17, ntrun::wire::Side::Sell, 9001};
const signal_msg sample_signal{6, ntrun::wire::Direction::Short, 0.75, 0.6, 3'600'000'000'000LL,
                               "analyst.momentum"};
const order_command_msg sample_command{.action = ntrun::wire::CommandAction::Submit,
                                       .order_id = 0,
                                       .strategy = 2,
                                       .tag = -42,
                                       .symbol = 1,
                                       .side = ntrun::wire::Side::Sell,
                                       .type = ntrun::wire::OrderType::StopLimit,
                                       .tif = ntrun::wire::TimeInForce::Day,
                                       .quantity = 12.5,
                                       .limit_price = 99.5,
                                       .stop_price = 100.0,
                                       .reduce_only = true,
                                       .role = ntrun::wire::OrderRole::StopLoss,
                                       .trail_amount = 0.5,
                                       .trail_percent = 0,
                                       .parent = 1,
                                       .oco = 3};
const order_command_msg sample_cancel{.action = ntrun::wire::CommandAction::Cancel,
                                      .order_id = 77,
                                      .strategy = 1};
const order_event_msg sample_event{.kind = ntrun::wire::OrderEventKind::PartiallyFilled,
                                   .order_id = 77,
                                   .strategy = 1,
                                   .tag = 5,
                                   .symbol = 2,
                                   .side = ntrun::wire::Side::Buy,
                                   .type = ntrun::wire::OrderType::Limit,
                                   .status = ntrun::wire::OrderStatus::PartiallyFilled,
                                   .quantity = 3,
                                   .price = 100.5,
                                   .commission = 1.25,
                                   .filled_qty = 3,
                                   .remaining = 7,
                                   .reason = "reduce_only",
                                   .position = -4};
const std::array<order_command_msg, 2> sample_orders{sample_command, sample_cancel};
const proposal_msg sample_proposal{.id = 11,
                                   .proposer = 3,
                                   .deadline = 1'700'000'001'000'000'000LL,
                                   .rule = ntrun::wire::QuorumRule::Threshold,
                                   .threshold = 0.66,
                                   .orders = sample_orders,
                                   .symbol = 1,
                                   .side = ntrun::wire::Side::Sell,
                                   .quantity = 12.5,
                                   .reason = "breakout with volume"};
const vote_msg sample_vote{11, 4, ntrun::wire::VoteChoice::Reject, 2.5, "VaR too high"};
const std::array<vote_msg, 3> sample_votes{
    vote_msg{11, 4, ntrun::wire::VoteChoice::Reject, 2.5, "VaR too high"},
    vote_msg{11, 5, ntrun::wire::VoteChoice::Approve, 1, ""},
    vote_msg{11, 6, ntrun::wire::VoteChoice::Abstain, 0.5, "no view"}};
const decision_msg sample_decision{.proposal_id = 11,
                                   .outcome = ntrun::wire::Outcome::Rejected,
                                   .reason = "rejected by weight",
                                   .approve = 1,
                                   .reject = 2.5,
                                   .abstain = 0.5,
                                   .votes = sample_votes};
const heartbeat_msg sample_heartbeat{ntrun::wire::AgentState::Degraded, 1'000'000'000, 42, 17};
const std::array<pattern_hit, 3> sample_hits{pattern_hit{120, 1'600'000'000'000'000'000LL, 0.25, 0.01},
                                            pattern_hit{4000, 1'650'000'000'000'000'000LL, 0.5, -0.02},
                                            pattern_hit{77, -86'400'000'000'000LL, 1.5, 0}};
const pattern_match_msg sample_pattern{.query_id = 8, .symbol = 2, .window = 64, .matches = sample_hits};
const std::array<risk_limit_msg, 2> sample_limits{risk_limit_msg{"var_95", 1200, 1000, true},
                                                  risk_limit_msg{"gross_exposure", 5e5, 1e6, false}};
const risk_report_msg sample_risk{.state = ntrun::wire::RiskState::Reducing,
                                  .var = 1200,
                                  .cvar = 1500,
                                  .confidence = 0.95,
                                  .horizon_ns = 86'400'000'000'000LL,
                                  .equity = 1e6,
                                  .gross_exposure = 5e5,
                                  .net_exposure = -1e5,
                                  .limits = sample_limits,
                                  .reason = "var_95"};
const error_msg sample_error{-5, "order refused: max_position", 123};

template <class Wire>
const Wire& body_of(const read_result& r) {
  REQUIRE(r);
  const Wire* w = r.view.as<Wire>();
  REQUIRE(w != nullptr);
  return *w;
}

void check_equal(const order_command_msg& a, const order_command_msg& b) {
  CHECK(a.action == b.action);
  CHECK(a.order_id == b.order_id);
  CHECK(a.strategy == b.strategy);
  CHECK(a.tag == b.tag);
  CHECK(a.symbol == b.symbol);
  CHECK(a.side == b.side);
  CHECK(a.type == b.type);
  CHECK(a.tif == b.tif);
  CHECK(a.quantity == b.quantity);
  CHECK(a.limit_price == b.limit_price);
  CHECK(a.stop_price == b.stop_price);
  CHECK(a.reduce_only == b.reduce_only);
  CHECK(a.role == b.role);
  CHECK(a.trail_amount == b.trail_amount);
  CHECK(a.trail_percent == b.trail_percent);
  CHECK(a.parent == b.parent);
  CHECK(a.oco == b.oco);
}

/// Counts the builder's allocations (the encoder's only heap use besides offsets scratch).
struct counting_allocator final : flatbuffers::Allocator {
  int allocations = 0;
  std::uint8_t* allocate(std::size_t size) override {
    ++allocations;
    return new std::uint8_t[size];
  }
  void deallocate(std::uint8_t* p, std::size_t) override { delete[] p; }
};

/// Reads every field of every body kind, so the fuzz loop touches all that verify() let pass.
double touch(const envelope_view& v) {
  const header h = v.head();
  double sum = static_cast<double>(h.seq) + static_cast<double>(h.ts_event);
  std::vector<order_command_msg> orders;
  std::vector<vote_msg> votes;
  std::vector<pattern_hit> hits;
  std::vector<risk_limit_msg> lims;
  auto text = [](std::string_view s) {
    double t = 0;
    for (char c : s) t += static_cast<unsigned char>(c);
    return t;
  };
  if (const auto* b = v.as<ntrun::wire::Bar>()) sum += to_plain(*b).close;
  if (const auto* q = v.as<ntrun::wire::Quote>()) sum += to_plain(*q).ask;
  if (const auto* t = v.as<ntrun::wire::Trade>()) sum += to_plain(*t).price;
  if (const auto* s = v.as<ntrun::wire::Signal>()) sum += text(to_plain(*s).source);
  if (const auto* c = v.as<ntrun::wire::OrderCommand>()) sum += to_plain(*c).quantity;
  if (const auto* e = v.as<ntrun::wire::OrderEvent>()) sum += text(to_plain(*e).reason);
  if (const auto* p = v.as<ntrun::wire::Proposal>()) {
    const proposal_msg m = to_plain(*p, orders);
    sum += text(m.reason);
    for (const auto& o : m.orders) sum += o.quantity;
  }
  if (const auto* x = v.as<ntrun::wire::Vote>()) sum += text(to_plain(*x).reason);
  if (const auto* d = v.as<ntrun::wire::Decision>()) {
    const decision_msg m = to_plain(*d, votes);
    sum += text(m.reason);
    for (const auto& o : m.votes) sum += text(o.reason) + o.weight;
  }
  if (const auto* hb = v.as<ntrun::wire::Heartbeat>()) sum += static_cast<double>(to_plain(*hb).pending);
  if (const auto* pm = v.as<ntrun::wire::PatternMatch>()) {
    for (const auto& m : to_plain(*pm, hits).matches) sum += m.distance;
  }
  if (const auto* r = v.as<ntrun::wire::RiskReport>()) {
    const risk_report_msg m = to_plain(*r, lims);
    sum += text(m.reason);
    for (const auto& l : m.limits) sum += text(l.name) + l.value;
  }
  if (const auto* e = v.as<ntrun::wire::Error>()) sum += text(to_plain(*e).message);
  return sum;
}

/// A batch of one of each kind (14 envelopes).
std::vector<std::byte> mixed_batch() {
  envelope_batch w;
  std::uint64_t seq = 1;
  CHECK(w.add(make_header(seq++), sample_bar));
  CHECK(w.add(make_header(seq++), sample_quote));
  CHECK(w.add(make_header(seq++), sample_trade));
  CHECK(w.add(make_header(seq++), sample_signal));
  CHECK(w.add(make_header(seq++), sample_command));
  CHECK(w.add(make_header(seq++), sample_cancel));
  CHECK(w.add(make_header(seq++), sample_event));
  CHECK(w.add(make_header(seq++), sample_proposal));
  CHECK(w.add(make_header(seq++), sample_vote));
  CHECK(w.add(make_header(seq++), sample_decision));
  CHECK(w.add(make_header(seq++), sample_heartbeat));
  CHECK(w.add(make_header(seq++), sample_pattern));
  CHECK(w.add(make_header(seq++), sample_risk));
  CHECK(w.add(make_header(seq++), sample_error));
  CHECK(w.count() == 14);
  return {w.frame().begin(), w.frame().end()};
}

}  // namespace

TEST_CASE("codec: round trip of the fixed-shape kinds, header and all") {
  encoder enc;
  const header h = make_header(1);
  auto check_kind = [&](const auto& msg, auto wire_tag) {
    using wire_t = std::remove_cvref_t<decltype(*wire_tag)>;
    const bytes b = enc.encode(h, msg);
    CHECK(b.size() % envelope_alignment == 0);
    const read_result r = read_envelope(b);
    REQUIRE(r);
    CHECK(r.size == b.size());
    CHECK(r.view.head() == h);
    const ntrun::wire::Body expected = ntrun::wire::BodyTraits<wire_t>::enum_value;
    CHECK(r.view.kind() == expected);
    CHECK(r.view.raw().data() == b.data());
    CHECK(to_plain(body_of<wire_t>(r)) == msg);
  };
  check_kind(sample_bar, static_cast<const ntrun::wire::Bar*>(nullptr));
  check_kind(sample_quote, static_cast<const ntrun::wire::Quote*>(nullptr));
  check_kind(sample_trade, static_cast<const ntrun::wire::Trade*>(nullptr));
  check_kind(sample_signal, static_cast<const ntrun::wire::Signal*>(nullptr));
  check_kind(sample_command, static_cast<const ntrun::wire::OrderCommand*>(nullptr));
  check_kind(sample_cancel, static_cast<const ntrun::wire::OrderCommand*>(nullptr));
  check_kind(sample_event, static_cast<const ntrun::wire::OrderEvent*>(nullptr));
  check_kind(sample_vote, static_cast<const ntrun::wire::Vote*>(nullptr));
  check_kind(sample_heartbeat, static_cast<const ntrun::wire::Heartbeat*>(nullptr));
  check_kind(sample_error, static_cast<const ntrun::wire::Error*>(nullptr));
  // Defaults (all zero, empty strings) and extremes survive too.
  check_kind(bar_msg{}, static_cast<const ntrun::wire::Bar*>(nullptr));
  check_kind(signal_msg{}, static_cast<const ntrun::wire::Signal*>(nullptr));
  check_kind(order_event_msg{}, static_cast<const ntrun::wire::OrderEvent*>(nullptr));
  check_kind(bar_msg{.symbol = std::numeric_limits<std::uint32_t>::max(),
                     .open = std::numeric_limits<double>::infinity(),
                     .low = -std::numeric_limits<double>::infinity(),
                     .close = std::numeric_limits<double>::denorm_min(),
                     .volume = -0.0},
             static_cast<const ntrun::wire::Bar*>(nullptr));
}

TEST_CASE("codec: the wire enums carry the runtime's values") {
  // transport/ sits below runtime/ and cannot include it; this test holds the two together.
  namespace m = ntrun::market;
  auto same = [](auto wire_value, auto runtime_value) {
    return static_cast<int>(wire_value) == static_cast<int>(runtime_value);
  };
  using W = ntrun::wire::Side;
  CHECK(same(W::Buy, ntrun::order_side::buy));
  CHECK(same(W::Sell, ntrun::order_side::sell));
  using T = ntrun::wire::OrderType;
  CHECK(same(T::Market, ntrun::order_type::market));
  CHECK(same(T::Limit, ntrun::order_type::limit));
  CHECK(same(T::Stop, ntrun::order_type::stop));
  CHECK(same(T::StopLimit, ntrun::order_type::stop_limit));
  using F = ntrun::wire::TimeInForce;
  CHECK(same(F::Gtc, ntrun::time_in_force::gtc));
  CHECK(same(F::Day, ntrun::time_in_force::day));
  CHECK(same(F::Ioc, ntrun::time_in_force::ioc));
  CHECK(same(F::Fok, ntrun::time_in_force::fok));
  using S = ntrun::wire::OrderStatus;
  CHECK(same(S::Submitted, ntrun::order_status::submitted));
  CHECK(same(S::Accepted, ntrun::order_status::accepted));
  CHECK(same(S::Rejected, ntrun::order_status::rejected));
  CHECK(same(S::PartiallyFilled, ntrun::order_status::partially_filled));
  CHECK(same(S::Filled, ntrun::order_status::filled));
  CHECK(same(S::Canceled, ntrun::order_status::canceled));
  CHECK(same(S::Expired, ntrun::order_status::expired));
  using R = ntrun::wire::OrderRole;
  CHECK(same(R::None, m::order_role::none));
  CHECK(same(R::StopLoss, m::order_role::stop_loss));
  CHECK(same(R::TakeProfit, m::order_role::take_profit));
  using K = ntrun::wire::OrderEventKind;
  CHECK(same(K::Accepted, m::event_kind::accepted));
  CHECK(same(K::Rejected, m::event_kind::rejected));
  CHECK(same(K::Filled, m::event_kind::filled));
  CHECK(same(K::PartiallyFilled, m::event_kind::partially_filled));
  CHECK(same(K::Canceled, m::event_kind::canceled));
  CHECK(same(K::Expired, m::event_kind::expired));
  CHECK(same(K::Modified, m::event_kind::modified));
  CHECK(same(K::CancelRejected, m::event_kind::cancel_rejected));
  CHECK(same(K::ModifyRejected, m::event_kind::modify_rejected));
  using X = ntrun::wire::RiskState;
  CHECK(same(X::Normal, m::risk_state::normal));
  CHECK(same(X::Halted, m::risk_state::halted));
  CHECK(same(X::Reducing, m::risk_state::reducing));
}

TEST_CASE("codec: the zero-copy view reads the same as the plain struct") {
  encoder enc;
  const read_result r = read_envelope(enc.encode(make_header(3), sample_event));
  const auto& e = body_of<ntrun::wire::OrderEvent>(r);
  CHECK(e.kind() == ntrun::wire::OrderEventKind::PartiallyFilled);
  CHECK(e.order_id() == 77);
  CHECK(e.price() == 100.5);
  CHECK(e.position() == -4);
  REQUIRE(e.reason() != nullptr);
  CHECK(e.reason()->string_view() == "reduce_only");
  // The plain struct's string views point into the frame, not into a copy.
  const order_event_msg m = to_plain(e);
  const auto* lo = reinterpret_cast<const char*>(r.view.raw().data());
  CHECK(m.reason.data() >= lo);
  CHECK(m.reason.data() + m.reason.size() <= lo + r.view.raw().size());
  CHECK(r.view.as<ntrun::wire::Bar>() == nullptr);
}

TEST_CASE("codec: round trip of the kinds with arrays") {
  encoder enc;
  SUBCASE("proposal with orders") {
    const read_result r = read_envelope(enc.encode(make_header(2), sample_proposal));
    std::vector<order_command_msg> orders;
    const proposal_msg p = to_plain(body_of<ntrun::wire::Proposal>(r), orders);
    CHECK(p.id == sample_proposal.id);
    CHECK(p.proposer == sample_proposal.proposer);
    CHECK(p.deadline == sample_proposal.deadline);
    CHECK(p.rule == sample_proposal.rule);
    CHECK(p.threshold == sample_proposal.threshold);
    CHECK(p.symbol == sample_proposal.symbol);
    CHECK(p.side == sample_proposal.side);
    CHECK(p.quantity == sample_proposal.quantity);
    CHECK(p.reason == sample_proposal.reason);
    REQUIRE(p.orders.size() == 2);
    check_equal(p.orders[0], sample_command);
    check_equal(p.orders[1], sample_cancel);
  }
  SUBCASE("proposal in the short form (no orders)") {
    proposal_msg shortform = sample_proposal;
    shortform.orders = {};
    const read_result r = read_envelope(enc.encode(make_header(2), shortform));
    std::vector<order_command_msg> orders{sample_command};  // cleared by to_plain
    const proposal_msg p = to_plain(body_of<ntrun::wire::Proposal>(r), orders);
    CHECK(p.orders.empty());
    CHECK(p.quantity == 12.5);
  }
  SUBCASE("decision with votes") {
    const read_result r = read_envelope(enc.encode(make_header(4), sample_decision));
    std::vector<vote_msg> votes;
    const decision_msg d = to_plain(body_of<ntrun::wire::Decision>(r), votes);
    CHECK(d.proposal_id == 11);
    CHECK(d.outcome == ntrun::wire::Outcome::Rejected);
    CHECK(d.reason == sample_decision.reason);
    CHECK(d.approve == 1);
    CHECK(d.reject == 2.5);
    CHECK(d.abstain == 0.5);
    REQUIRE(d.votes.size() == sample_votes.size());
    for (std::size_t i = 0; i < sample_votes.size(); ++i) CHECK(d.votes[i] == sample_votes[i]);
  }
  SUBCASE("pattern match") {
    const read_result r = read_envelope(enc.encode(make_header(5), sample_pattern));
    std::vector<pattern_hit> hits;
    const pattern_match_msg p = to_plain(body_of<ntrun::wire::PatternMatch>(r), hits);
    CHECK(p.query_id == 8);
    CHECK(p.symbol == 2);
    CHECK(p.window == 64);
    REQUIRE(p.matches.size() == sample_hits.size());
    for (std::size_t i = 0; i < sample_hits.size(); ++i) CHECK(p.matches[i] == sample_hits[i]);
  }
  SUBCASE("risk report") {
    const read_result r = read_envelope(enc.encode(make_header(6), sample_risk));
    std::vector<risk_limit_msg> lims;
    const risk_report_msg m = to_plain(body_of<ntrun::wire::RiskReport>(r), lims);
    CHECK(m.state == sample_risk.state);
    CHECK(m.var == sample_risk.var);
    CHECK(m.cvar == sample_risk.cvar);
    CHECK(m.confidence == sample_risk.confidence);
    CHECK(m.horizon_ns == sample_risk.horizon_ns);
    CHECK(m.equity == sample_risk.equity);
    CHECK(m.gross_exposure == sample_risk.gross_exposure);
    CHECK(m.net_exposure == sample_risk.net_exposure);
    CHECK(m.reason == sample_risk.reason);
    REQUIRE(m.limits.size() == 2);
    CHECK(m.limits[0] == sample_limits[0]);
    CHECK(m.limits[1] == sample_limits[1]);
  }
}

TEST_CASE("codec: a batch of mixed kinds reads back in order") {
  const std::vector<std::byte> frame = mixed_batch();
  std::vector<ntrun::wire::Body> kinds;
  std::vector<std::uint64_t> seqs;
  const batch_result r = for_each_envelope(frame, [&](const envelope_view& v) {
    kinds.push_back(v.kind());
    seqs.push_back(v.head().seq);
  });
  CHECK(r.ok());
  CHECK(r.good == 14);
  CHECK(r.offset == frame.size());
  using B = ntrun::wire::Body;
  CHECK(kinds == std::vector<B>{B::Bar, B::Quote, B::Trade, B::Signal, B::OrderCommand,
                                B::OrderCommand, B::OrderEvent, B::Proposal, B::Vote,
                                B::Decision, B::Heartbeat, B::PatternMatch, B::RiskReport,
                                B::Error});
  for (std::size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == i + 1);

  // An envelope forwarded through raw() is the same bytes.
  envelope_batch copy;
  CHECK(for_each_envelope(frame, [&](const envelope_view& v) { CHECK(copy.append(v.raw())); }).ok());
  CHECK(std::equal(frame.begin(), frame.end(), copy.frame().begin(), copy.frame().end()));

  // A frame at an odd address: read_envelope refuses it, the decoder copies and reads it.
  std::vector<std::byte> shifted(frame.size() + 1);
  std::copy(frame.begin(), frame.end(), shifted.begin() + 1);
  const bytes odd = bytes(shifted).subspan(1);
  CHECK(for_each_envelope(odd, [](const envelope_view&) {}).error == frame_error::misaligned);
  decoder dec;
  std::size_t n = 0;
  const batch_result rd = dec.for_each(odd, [&](const envelope_view& v) {
    CHECK(v.head().seq == ++n);
  });
  CHECK(rd.ok());
  CHECK(rd.good == 14);
}

TEST_CASE("codec: the batch writer refuses what would pass its limit") {
  encoder enc;
  const std::size_t one = enc.encode(make_header(1), sample_bar).size();
  envelope_batch w(2 * one + 1);
  CHECK(w.add(make_header(1), sample_bar));
  CHECK(w.add(make_header(2), sample_bar));
  CHECK_FALSE(w.add(make_header(3), sample_bar));
  CHECK(w.count() == 2);
  CHECK(w.frame().size() == 2 * one);
  w.clear();
  CHECK(w.count() == 0);
  CHECK(w.frame().empty());
  CHECK(w.add(make_header(4), sample_bar));
  // A size off the 8-byte grid would misalign what follows: refused.
  const bytes b = enc.encode(make_header(5), sample_bar);
  CHECK_FALSE(w.append(b.first(b.size() - 4)));
  CHECK(w.count() == 1);
}

TEST_CASE("codec: a warm encoder does not allocate") {
  counting_allocator alloc;
  encoder enc(64, &alloc);
  auto all = [&] {
    std::size_t total = 0;
    total += enc.encode(make_header(1), sample_bar).size();
    total += enc.encode(make_header(2), sample_command).size();
    total += enc.encode(make_header(3), sample_proposal).size();
    total += enc.encode(make_header(4), sample_decision).size();
    total += enc.encode(make_header(5), sample_risk).size();
    total += enc.encode(make_header(6), sample_pattern).size();
    return total;
  };
  const std::size_t first = all();
  const int warm = alloc.allocations;
  CHECK(warm > 0);
  for (int i = 0; i < 1000; ++i) CHECK(all() == first);
  CHECK(alloc.allocations == warm);
}

TEST_CASE("codec: an envelope over the readers' limit is refused at encode") {
  encoder enc;
  const std::string big(2u << 20, 'x');
  CHECK_THROWS_AS((void)enc.encode(make_header(1), error_msg{.code = 1, .message = big}),
                  ntrun::error);
  // The encoder is usable afterwards.
  CHECK(read_envelope(enc.encode(make_header(2), sample_bar)));
}

TEST_CASE("codec: every bad-frame reason") {
  encoder enc;
  const bytes good_bytes = enc.encode(make_header(1), sample_command);
  const aligned_frame good(good_bytes);
  const std::size_t size = good.size;
  const std::uint32_t len = static_cast<std::uint32_t>(size - 4);

  SUBCASE("empty") {
    CHECK(read_envelope(bytes{}).error == frame_error::empty);
    const batch_result r = for_each_envelope(bytes{}, [](const envelope_view&) {});
    CHECK(r.error == frame_error::empty);
    CHECK(r.good == 0);
  }
  SUBCASE("truncated prefix, alone and after a good envelope") {
    aligned_frame f(good.span());
    CHECK(read_envelope(f.span().first(3)).error == frame_error::truncated_prefix);
    std::vector<std::byte> two(good.span().begin(), good.span().end());
    two.insert(two.end(), {std::byte{1}, std::byte{0}, std::byte{0}});
    const batch_result r = for_each_envelope(two, [](const envelope_view&) {});
    CHECK(r.error == frame_error::truncated_prefix);
    CHECK(r.good == 1);
    CHECK(r.offset == size);
  }
  SUBCASE("a length below the least envelope") {
    aligned_frame f(good.span());
    f.set_u32(0, 7);
    CHECK(read_envelope(f.span()).error == frame_error::too_small);
    f.set_u32(0, 0);
    CHECK(read_envelope(f.span()).error == frame_error::too_small);
  }
  SUBCASE("oversized") {
    aligned_frame f(good.span());
    f.set_u32(0, 0xFFFFFFFFu);
    CHECK(read_envelope(f.span()).error == frame_error::oversized);
    f.set_u32(0, (1u << 20) + 8);
    CHECK(read_envelope(f.span()).error == frame_error::oversized);
    // A good envelope over a tighter limit.
    CHECK(read_envelope(good.span(), limits{.max_envelope_bytes = len - 8}).error ==
          frame_error::oversized);
    CHECK(read_envelope(good.span(), limits{.max_envelope_bytes = len}));
  }
  SUBCASE("a length past the frame (the frame cut short)") {
    CHECK(read_envelope(good.span().first(size - 8)).error == frame_error::length_past_frame);
    CHECK(read_envelope(good.span().first(5)).error == frame_error::length_past_frame);
    aligned_frame f(good.span());
    f.set_u32(0, len + 8);
    CHECK(read_envelope(f.span()).error == frame_error::length_past_frame);
  }
  SUBCASE("a size prefix that lies short") {
    aligned_frame f(good.span());
    f.set_u32(0, len - 8);
    const read_result r = read_envelope(f.span());
    CHECK(r.error == frame_error::verify_failed);
    // In a batch it stops there, with the good envelopes before it counted.
    std::vector<std::byte> frame(good.span().begin(), good.span().end());
    frame.insert(frame.end(), f.span().begin(), f.span().end());
    const batch_result b = for_each_envelope(frame, [](const envelope_view&) {});
    CHECK(b.good == 1);
    CHECK(b.offset == size);
    CHECK(b.error == frame_error::verify_failed);
  }
  SUBCASE("batch too large") {
    const std::vector<std::byte> frame = mixed_batch();
    int calls = 0;
    const batch_result r = for_each_envelope(frame, [&](const envelope_view&) { ++calls; },
                                             limits{.max_batch_bytes = frame.size() - 1});
    CHECK(r.error == frame_error::batch_too_large);
    CHECK(calls == 0);
    CHECK(for_each_envelope(frame, [](const envelope_view&) {},
                            limits{.max_batch_bytes = frame.size()})
              .ok());
  }
  SUBCASE("misaligned") {
    std::vector<std::uint64_t> words(size / 8 + 2);
    auto* base = reinterpret_cast<std::byte*>(words.data()) + 4;
    std::memcpy(base, good.span().data(), size);
    CHECK(read_envelope(bytes(base, size)).error == frame_error::misaligned);
  }
  SUBCASE("garbage and a foreign identifier") {
    aligned_frame f(good.span());
    f.data()[8] = std::byte{'X'};  // identifier: prefix (4) + root offset (4)
    CHECK(read_envelope(f.span()).error == frame_error::bad_identifier);
    std::mt19937_64 rng(1);
    std::vector<std::uint64_t> noise(64);
    for (auto& w : noise) w = rng();
    std::memcpy(noise.data(), &len, 4);  // a plausible length before the noise
    const bytes garbage(reinterpret_cast<const std::byte*>(noise.data()), noise.size() * 8);
    const read_result r = read_envelope(garbage);
    CHECK_FALSE(r);
    CHECK(r.error == frame_error::bad_identifier);
  }
  SUBCASE("verifier failure: the root offset points outside") {
    aligned_frame f(good.span());
    f.set_u32(4, 0x7FFFFFF0u);
    CHECK(read_envelope(f.span()).error == frame_error::verify_failed);
  }
  SUBCASE("verifier failure: nesting deeper than allowed") {
    const read_result r =
        read_envelope(enc.encode(make_header(2), sample_proposal), limits{.max_depth = 2});
    CHECK(r.error == frame_error::verify_failed);
    const read_result t =
        read_envelope(enc.encode(make_header(2), sample_decision), limits{.max_tables = 3});
    CHECK(t.error == frame_error::verify_failed);
  }
  SUBCASE("wrong version, also when the rest would not verify") {
    header h = make_header(1);
    h.version = schema_version + 1;
    const aligned_frame v2(enc.encode(h, sample_command));
    CHECK(read_envelope(v2.span()).error == frame_error::wrong_version);
    h.version = 0;
    const aligned_frame v0(enc.encode(h, sample_command));
    CHECK(read_envelope(v0.span()).error == frame_error::wrong_version);
    // A future version whose body this reader cannot verify: still reported as the version.
    header h2 = make_header(1);
    h2.version = schema_version + 1;
    const aligned_frame bad(enc.encode(h2, sample_signal));
    aligned_frame cut(bad.span());
    cut.set_u32(0, static_cast<std::uint32_t>(bad.size - 4 - 8));
    CHECK(read_envelope(cut.span().first(bad.size - 8)).error == frame_error::wrong_version);
  }
  SUBCASE("unknown or missing body kind") {
    flatbuffers::FlatBufferBuilder fbb;
    auto envelope_with = [&](std::uint8_t type) {
      fbb.Clear();
      const auto bar = ntrun::wire::CreateBar(fbb, 1, 0, 1, 2, 3, 4, 5);
      const ntrun::wire::Header head(schema_version, 0, 1, 1, 0, 0, 0);
      ntrun::wire::EnvelopeBuilder b(fbb);
      b.add_header(&head);
      b.add_body(bar.Union());
      b.add_body_type(static_cast<ntrun::wire::Body>(type));
      ntrun::wire::FinishSizePrefixedEnvelopeBuffer(fbb, b.Finish());
      return aligned_frame(bytes(reinterpret_cast<const std::byte*>(fbb.GetBufferPointer()),
                                 fbb.GetSize()));
    };
    CHECK(read_envelope(envelope_with(1).span()));  // the same, with a known kind
    CHECK(read_envelope(envelope_with(0).span()).error == frame_error::unknown_body);
    CHECK(read_envelope(envelope_with(200).span()).error == frame_error::unknown_body);
    // No body at all: the schema says required, so the verifier refuses it.
    fbb.Clear();
    const ntrun::wire::Header head(schema_version, 0, 1, 1, 0, 0, 0);
    // By hand: EnvelopeBuilder::Finish() asserts the required fields in debug builds.
    const flatbuffers::uoffset_t start = fbb.StartTable();
    fbb.AddStruct(ntrun::wire::Envelope::VT_HEADER, &head);
    const flatbuffers::Offset<ntrun::wire::Envelope> root(fbb.EndTable(start));
    ntrun::wire::FinishSizePrefixedEnvelopeBuffer(fbb, root);
    const aligned_frame none(
        bytes(reinterpret_cast<const std::byte*>(fbb.GetBufferPointer()), fbb.GetSize()));
    CHECK(read_envelope(none.span()).error == frame_error::verify_failed);
  }
  SUBCASE("every reason has a name") {
    for (int e = 0; e <= static_cast<int>(frame_error::unknown_body); ++e) {
      CHECK(std::string(to_string(static_cast<frame_error>(e))) != "?");
    }
  }
}

TEST_CASE("codec: seeded mutation fuzz of valid frames") {
  // Valid material: each kind alone, and the mixed batch.
  std::vector<std::vector<std::byte>> seeds;
  {
    encoder enc;
    auto add = [&](bytes b) { seeds.emplace_back(b.begin(), b.end()); };
    add(enc.encode(make_header(1), sample_bar));
    add(enc.encode(make_header(2), sample_signal));
    add(enc.encode(make_header(3), sample_command));
    add(enc.encode(make_header(4), sample_event));
    add(enc.encode(make_header(5), sample_proposal));
    add(enc.encode(make_header(6), sample_decision));
    add(enc.encode(make_header(7), sample_pattern));
    add(enc.encode(make_header(8), sample_risk));
    add(enc.encode(make_header(9), sample_error));
    seeds.push_back(mixed_batch());
  }
  std::mt19937_64 rng(20261203);
  auto below = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
  constexpr int iterations = 200'000;
  std::vector<std::byte> buf;
  std::vector<std::uint64_t> aligned_buf;
  std::size_t accepted_envelopes = 0, refused_frames = 0;
  std::array<std::size_t, 12> reasons{};
  decoder dec;
  double sink = 0;
  for (int it = 0; it < iterations; ++it) {
    const auto& seed = seeds[below(seeds.size())];
    buf.assign(seed.begin(), seed.end());
    const int mutations = 1 + static_cast<int>(below(3));
    for (int m = 0; m < mutations; ++m) {
      switch (below(6)) {
        case 0:  // bit flip
          if (!buf.empty()) buf[below(buf.size())] ^= std::byte(1u << below(8));
          break;
        case 1:  // random byte
          if (!buf.empty()) buf[below(buf.size())] = std::byte(rng() & 0xFF);
          break;
        case 2:  // truncation
          buf.resize(below(buf.size() + 1));
          break;
        case 3: {  // splice a piece of another seed in
          const auto& other = seeds[below(seeds.size())];
          const std::size_t from = below(other.size());
          const std::size_t n = below(std::min<std::size_t>(other.size() - from, 64) + 1);
          buf.insert(buf.begin() + static_cast<std::ptrdiff_t>(below(buf.size() + 1)),
                     other.begin() + static_cast<std::ptrdiff_t>(from),
                     other.begin() + static_cast<std::ptrdiff_t>(from + n));
          break;
        }
        case 4: {  // a random 32-bit value at a 4-aligned place (lengths, offsets)
          if (buf.size() >= 4) {
            const std::size_t at = below(buf.size() / 4) * 4;
            std::uint32_t v = static_cast<std::uint32_t>(rng());
            if (rng() & 1) v %= 4096;  // often small enough to stay in range
            std::memcpy(buf.data() + at, &v, 4);
          }
          break;
        }
        default: {  // a small in-buffer value near the end (vector/string lengths)
          if (buf.size() >= 8) {
            const std::size_t at = buf.size() - 4 - below(buf.size() / 2) / 4 * 4;
            const std::uint32_t v = static_cast<std::uint32_t>(below(64));
            std::memcpy(buf.data() + at, &v, 4);
          }
          break;
        }
      }
    }
    // The mutated frame read three ways: in a heap block of exactly its size (ASan flags a
    // read one byte past it), in an 8-byte-aligned block, and at an odd address through the
    // decoder (which copies it to an aligned scratch).
    auto on_envelope = [&](const envelope_view& v) {
      sink += touch(v);
      ++accepted_envelopes;
    };
    batch_result r;
    std::size_t frame_size = buf.size();
    switch (it % 4) {
      case 0:
      case 1: {
        const std::vector<std::byte> exact(buf.begin(), buf.end());
        r = for_each_envelope(exact, on_envelope);
        break;
      }
      case 2:
        aligned_buf.assign((buf.size() + 7) / 8, 0);
        if (!buf.empty()) std::memcpy(aligned_buf.data(), buf.data(), buf.size());
        r = for_each_envelope(bytes(reinterpret_cast<const std::byte*>(aligned_buf.data()), buf.size()),
                              on_envelope);
        break;
      default: {
        std::vector<std::byte> odd(buf.size() + 1);
        std::copy(buf.begin(), buf.end(), odd.begin() + 1);
        r = dec.for_each(bytes(odd).subspan(1), on_envelope);
        break;
      }
    }
    if (!r.ok()) {
      ++refused_frames;
      ++reasons[static_cast<std::size_t>(r.error)];
      if (r.offset > frame_size) FAIL("offset past the frame");
    } else if (r.offset != frame_size) {
      FAIL("a good frame not read to its end");
    }
  }
  volatile double keep = sink;  // the reads are not optimised away (a NaN read is fine)
  (void)keep;
  MESSAGE("fuzz: " << iterations << " frames, " << refused_frames << " refused, "
                   << accepted_envelopes << " envelopes read");
  // The mutations reach both sides and several reasons (not a timing: a property of the seed).
  CHECK(refused_frames > iterations / 4);
  CHECK(accepted_envelopes > iterations / 10);
  CHECK(reasons[static_cast<std::size_t>(frame_error::verify_failed)] > 0);
  CHECK(reasons[static_cast<std::size_t>(frame_error::length_past_frame)] > 0);
  CHECK(reasons[static_cast<std::size_t>(frame_error::truncated_prefix)] > 0);
}
