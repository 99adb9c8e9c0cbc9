// The agents' message router (runtime/agents/router.hpp): delivery order, subscriptions and
// topologies, envelope checks, sequence numbers, quorum decisions and agents going down.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ntrun/agents/router.hpp"
#include "ntrun/engine/mailbox.hpp"
#include "ntrun/transport/codec.hpp"

namespace {

namespace ag = ntrun::agents;
namespace tr = ntrun::transport;
using ntrun::mailbox;

struct world {
  std::vector<std::unique_ptr<mailbox>> boxes;
  std::unique_ptr<ag::router> r;
  explicit world(ag::router_config cfg) {
    std::vector<mailbox*> raw;
    for (std::size_t i = 0; i < cfg.agents.size(); ++i) {
      boxes.push_back(std::make_unique<mailbox>(static_cast<std::uint32_t>(i + 1)));
      raw.push_back(boxes.back().get());
    }
    r = std::make_unique<ag::router>(std::move(cfg), raw);
  }
  mailbox& box(std::size_t id) { return *boxes[id - 1]; }
  /// A signal from agent `from` with a header it chose (seq, ts).
  void signal(std::size_t from, std::uint64_t seq, std::int64_t ts, std::uint32_t sender = 0) {
    tr::encoder enc;
    const auto env = enc.encode(
        tr::header{.sender = sender ? sender : static_cast<std::uint32_t>(from), .seq = seq,
                   .ts_event = ts, .ts_init = ts},
        tr::signal_msg{.symbol = 0, .direction = ntrun::wire::Direction::Long, .strength = 1,
                       .confidence = 1, .horizon_ns = 0, .source = "t"});
    REQUIRE(box(from).post(env, "signals"));
  }
  /// The (sender, seq) of each message waiting in agent `id`'s inbox, in delivery order.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> inbox(std::size_t id) {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
    ntrun::message_event_view m;
    while (box(id).take(m)) {
      const auto rr = tr::read_envelope({reinterpret_cast<const std::byte*>(m.data),
                                         static_cast<std::size_t>(m.len)});
      REQUIRE(rr);
      out.emplace_back(rr.view.head().sender, rr.view.head().seq);
    }
    return out;
  }
};

ag::agent_info agent(const char* name, const char* parent) {
  ag::agent_info a;
  a.name = name;
  a.role = "analyst";
  a.subscribe.emplace_back("signals");
  a.parent = parent;
  return a;
}

ag::router_config three(ag::topology topo = ag::topology::mesh) {
  ag::router_config c;
  c.agents.push_back(agent("a", ""));
  c.agents.push_back(agent("b", "a"));
  c.agents.push_back(agent("c", "a"));
  c.agents[2].subscribe.emplace_back("proposals");
  c.topo = topo;
  c.hub = "a";
  return c;
}

}  // namespace

TEST_CASE("the router delivers by (ts_event, sender, seq), whatever order they were published in") {
  world w(three());
  w.signal(3, 1, 100);
  w.signal(3, 2, 200);
  w.signal(2, 1, 100);
  w.signal(2, 2, 300);
  w.signal(1, 1, 200);
  CHECK(w.r->route(0) == 5);
  // c hears a and b: time 100 (b 1), 200 (a 1), 300 (b 2); never its own
  const auto got = w.inbox(3);
  REQUIRE(got.size() == 3);
  CHECK(got[0] == std::make_pair(2u, std::uint64_t{1}));
  CHECK(got[1] == std::make_pair(1u, std::uint64_t{1}));
  CHECK(got[2] == std::make_pair(2u, std::uint64_t{2}));
  // a: time 100 (b 1, c 1: sender order), 200 (c 2), 300 (b 2)
  const auto to_a = w.inbox(1);
  REQUIRE(to_a.size() == 4);
  CHECK(to_a[0].first == 2);
  CHECK(to_a[1].first == 3);
  CHECK(to_a[2] == std::make_pair(3u, std::uint64_t{2}));
}

TEST_CASE("the router drops duplicates, heals reordering, counts gaps, refuses forged senders and garbage") {
  world w(three());
  w.signal(2, 1, 10);
  w.signal(2, 1, 10);      // a duplicate: dropped
  w.signal(2, 5, 10);      // published before 4: delivered after it (sequence order)
  w.signal(2, 4, 10);      // 2 and 3 never came: counted missing
  w.signal(3, 1, 10, 2);   // c posing as b
  const std::byte junk[16] = {};
  REQUIRE(w.box(3).post({junk, sizeof junk}, "signals"));
  w.r->route(0);
  const auto& st = w.r->stats();
  CHECK(st.replayed == 1);
  CHECK(st.bad == 2);  // the forged sender, the garbage
  CHECK(st.missing == 2);
  const auto got = w.inbox(1);
  REQUIRE(got.size() == 3);
  CHECK(got[0].second == 1);
  CHECK(got[1].second == 4);
  CHECK(got[2].second == 5);
  std::string all;
  for (const auto& p : w.r->problems()) all += p + "\n";
  CHECK(all.find("c: an envelope with another agent's sender id") != std::string::npos);
  CHECK(all.find("c: a bad envelope") != std::string::npos);
  CHECK(all.find("b: a duplicated or replayed message (seq 1 after 1)") != std::string::npos);
}

TEST_CASE("topologies: a star goes through its hub, a hierarchy between parents and children") {
  {
    world w(three(ag::topology::star));
    w.signal(2, 1, 1);  // b -> hub a only
    w.signal(1, 1, 1);  // a (hub) -> b and c
    w.r->route(0);
    CHECK(w.inbox(1).size() == 1);
    CHECK(w.inbox(2).size() == 1);
    CHECK(w.inbox(3).size() == 1);  // from a, not from b
  }
  {
    world w(three(ag::topology::hierarchical));
    w.signal(2, 1, 1);  // b -> its parent a; not its sibling c
    w.r->route(0);
    CHECK(w.inbox(1).size() == 1);
    CHECK(w.inbox(3).empty());
  }
}

TEST_CASE("proposals reach their voters, votes decide, the decision lists each ballot") {
  auto cfg = three();
  cfg.quorum.rule = ntrun::transport::quorum_rule::majority;
  cfg.quorum.deadline = 1000;
  cfg.quorum.voters = {{.name = "b", .weight = 1, .veto = false}, {.name = "c", .weight = 1, .veto = true}};
  world w(cfg);
  auto& a = w.box(1);
  const auto env = a.encoder().encode(a.next_header(10, 10),
                                      tr::proposal_msg{.id = a.next_proposal_id(), .proposer = 1, .deadline = 0,
                                                       .symbol = 0, .side = ntrun::wire::Side::Buy, .quantity = 5});
  REQUIRE(a.post(env, "proposals"));
  w.r->route(10);
  CHECK(w.inbox(2).size() == 1);  // b votes though it does not subscribe to proposals
  CHECK(w.inbox(3).size() == 1);
  // b approves, c (a veto) rejects: rejected, vetoed
  for (std::size_t v : {2, 3}) {
    auto& box = w.box(v);
    const auto ve = box.encoder().encode(box.next_header(10, 10),
                                         tr::vote_msg{.proposal_id = (1ull << 40) | 1, .voter = static_cast<std::uint32_t>(v),
                                                      .choice = v == 2 ? ntrun::wire::VoteChoice::Approve : ntrun::wire::VoteChoice::Reject,
                                                      .weight = 0, .reason = v == 2 ? "ok" : "too big"});
    REQUIRE(box.post(ve, "votes"));
  }
  w.r->route(10);
  REQUIRE(w.r->decisions().size() == 1);
  const auto& d = w.r->decisions()[0];
  CHECK_FALSE(d.approved);
  CHECK(d.reason.find("vetoed") == 0);
  REQUIRE(d.ballots.size() == 2);
  CHECK(d.ballots[0].voter == "b");
  CHECK(d.ballots[0].choice == "approve");
  CHECK(d.ballots[1].reason == "too big");
  CHECK(w.inbox(1).size() == 1);  // the decision, to its proposer
  CHECK(w.r->stats().votes_counted == 2);
}

TEST_CASE("an agent going down leaves open proposals and the others hear of it on liveness") {
  auto cfg = three();
  cfg.agents[0].subscribe.push_back("liveness");
  cfg.quorum.rule = ntrun::transport::quorum_rule::unanimous;
  cfg.quorum.deadline = 1000;
  cfg.quorum.voters = {{.name = "b", .weight = 1, .veto = false}, {.name = "c", .weight = 1, .veto = false}};
  world w(cfg);
  auto& a = w.box(1);
  REQUIRE(a.post(a.encoder().encode(a.next_header(10, 10),
                                    tr::proposal_msg{.id = a.next_proposal_id(), .proposer = 1, .deadline = 0,
                                                     .symbol = 0, .side = ntrun::wire::Side::Sell, .quantity = 1}),
                 "proposals"));
  w.r->route(10);
  auto& b = w.box(2);
  REQUIRE(b.post(b.encoder().encode(b.next_header(10, 10),
                                    tr::vote_msg{.proposal_id = (1ull << 40) | 1, .voter = 2,
                                                 .choice = ntrun::wire::VoteChoice::Approve}),
                 "votes"));
  w.r->route(10);
  CHECK(w.r->decisions().empty());  // waits for c
  (void)w.inbox(1);
  w.r->agent_down(3, 20);  // c stops: unanimous among those left
  REQUIRE(w.r->decisions().size() == 1);
  CHECK(w.r->decisions()[0].approved);
  CHECK(w.r->decisions()[0].ballots[1].choice == "dropped");
  CHECK_FALSE(w.r->is_up(3));
  const auto got = w.inbox(1);  // the decision and the liveness notice
  REQUIRE(got.size() == 2);
  CHECK(got[1].first == 0);  // from the host
  // c's process rejoins: up again, the others hear of it, and it votes on the next proposal
  (void)w.inbox(3);  // what it had before it went down
  w.r->agent_up(3, 30);
  CHECK(w.r->is_up(3));
  CHECK(w.inbox(1).size() == 1);
  REQUIRE(a.post(a.encoder().encode(a.next_header(30, 30),
                                    tr::proposal_msg{.id = a.next_proposal_id(), .proposer = 1, .deadline = 0,
                                                     .symbol = 0, .side = ntrun::wire::Side::Buy, .quantity = 1}),
                 "proposals"));
  w.r->route(30);
  CHECK(w.inbox(3).size() == 1);
}
