// Tests of ntrun::transport quorum voting and liveness: hand-worked cases for every rule
// (docs/quorum.md's worked examples), early and deadline decisions, ignored votes, agents
// going down and rejoining, many proposals at once against a brute-force reference of the
// final outcome, and determinism of the decision records.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ntrun/transport/liveness.hpp"
#include "ntrun/transport/quorum.hpp"

namespace {

using namespace ntrun::transport;

constexpr ts_ns k_deadline = 1000;

proposal_spec spec_of(proposal_id id, quorum_rule rule, std::uint32_t num = 1,
                      std::uint32_t den = 2) {
  return proposal_spec{.id = id,
                       .proposer = 1,
                       .created = 0,
                       .deadline = k_deadline,
                       .rule = rule,
                       .threshold_num = num,
                       .threshold_den = den};
}

std::vector<voter> heads(std::initializer_list<agent_id> ids) {
  std::vector<voter> v;
  for (const agent_id id : ids) v.push_back(voter{.id = id});
  return v;
}

// A book that keeps every record it is handed.
struct harness {
  quorum_book book;
  std::vector<decision_record> log;

  void keep(std::span<const decision_record> d) { log.insert(log.end(), d.begin(), d.end()); }
  void open(const proposal_spec& s, std::span<const voter> v,
            const liveness_tracker* live = nullptr) {
    const open_result r = book.open(s, v, live);
    REQUIRE(r.status == open_status::ok);
    keep(r.decisions);
  }
  vote_status cast(proposal_id id, agent_id who, vote_choice c, ts_ns ts = 10,
                   std::uint32_t weight = k_full_weight) {
    const cast_result r =
        book.cast(vote{.proposal = id, .voter = who, .choice = c, .ts = ts, .weight = weight});
    keep(r.decisions);
    return r.status;
  }
  void advance(ts_ns now) { keep(book.advance(now)); }
  [[nodiscard]] std::size_t decided() const { return log.size(); }
  [[nodiscard]] const decision_record& last() const {
    REQUIRE(!log.empty());
    return log.back();
  }
};

constexpr auto A = vote_choice::approve;
constexpr auto R = vote_choice::reject;
constexpr auto S = vote_choice::abstain;

}  // namespace

TEST_CASE("quorum: thresholds of the rules") {
  // floor(2n/3) + 1: more than two thirds; 2f + 1 when n = 3f + 1.
  const std::uint32_t expect[] = {1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7};
  for (std::uint32_t n = 0; n <= 10; ++n) CHECK(supermajority_threshold(n) == expect[n]);
  for (std::uint32_t f = 0; f < 20; ++f) CHECK(supermajority_threshold(3 * f + 1) == 2 * f + 1);
  CHECK(default_turnout(quorum_rule::majority, 4) == 3);
  CHECK(default_turnout(quorum_rule::majority, 5) == 3);
  CHECK(default_turnout(quorum_rule::unanimous, 3) == 2);
  CHECK(default_turnout(quorum_rule::supermajority, 4) == 1);
  CHECK(default_turnout(quorum_rule::weighted, 4) == 1);
}

TEST_CASE("quorum: majority, n = 4 (turnout 3)") {
  harness h;
  const auto v = heads({1, 2, 3, 4});
  SUBCASE("three approvals pass early, on the third") {
    h.open(spec_of(1, quorum_rule::majority), v);
    CHECK(h.cast(1, 1, A) == vote_status::counted);
    CHECK(h.cast(1, 2, A) == vote_status::counted);
    CHECK(h.decided() == 0);  // 2 approvals: turnout 2 < 3
    CHECK(h.cast(1, 3, A, 30) == vote_status::counted);
    REQUIRE(h.decided() == 1);
    const decision_record& d = h.last();
    CHECK(d.result == outcome::approved);
    CHECK(d.reason == decision_reason::approved);
    CHECK(d.decided_at == 30);
    CHECK_FALSE(d.at_deadline);
    CHECK(d.counts.approve == 3);
    CHECK(d.counts.silent == 1);
    CHECK(d.counts.turnout_required == 3);
    CHECK(h.cast(1, 4, R) == vote_status::closed);  // decided: the proposal is gone
    CHECK(h.book.stats().votes_closed == 1);
  }
  SUBCASE("two against two is a tie") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, A);
    h.cast(1, 3, R);
    CHECK(h.decided() == 0);
    h.cast(1, 4, R);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().result == outcome::rejected);
    CHECK(h.last().reason == decision_reason::tie);
  }
  SUBCASE("abstains do not count toward the turnout") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, A);
    h.cast(1, 3, S);
    CHECK(h.decided() == 0);  // turnout 2 of 3
    h.cast(1, 4, R);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().result == outcome::approved);  // 2 > 1, turnout 3
    CHECK(h.last().counts.abstain == 1);
  }
  SUBCASE("two abstains make the turnout unreachable: no_quorum, early") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, S);
    CHECK(h.decided() == 0);
    h.cast(1, 2, S);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().reason == decision_reason::no_quorum);
  }
  SUBCASE("an explicit turnout") {
    proposal_spec s = spec_of(1, quorum_rule::majority);
    s.min_turnout = 1;
    h.open(s, v);
    h.cast(1, 1, S);
    h.cast(1, 2, S);
    h.cast(1, 3, S);
    CHECK(h.decided() == 0);
    h.cast(1, 4, A);  // 1 > 0, turnout 1
    CHECK(h.last().result == outcome::approved);
  }
}

TEST_CASE("quorum: majority, n = 5, early rejection and deadline decisions") {
  harness h;
  const auto v = heads({1, 2, 3, 4, 5});
  SUBCASE("three rejects: rejected_by_vote, early") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, R);
    h.cast(1, 2, R);
    CHECK(h.decided() == 0);
    h.cast(1, 3, R, 40);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().reason == decision_reason::rejected_by_vote);
    CHECK(h.last().decided_at == 40);
  }
  SUBCASE("2 for, 1 against, 2 silent: approved at the deadline") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, A);
    h.cast(1, 3, R);
    h.advance(k_deadline - 1);
    CHECK(h.decided() == 0);
    h.advance(k_deadline);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().result == outcome::approved);
    CHECK(h.last().at_deadline);
    CHECK(h.last().decided_at == k_deadline);
    CHECK(h.last().counts.silent == 2);
  }
  SUBCASE("2 for, 2 against, 1 silent: a tie at the deadline") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, R);
    h.cast(1, 3, A);
    h.cast(1, 4, R);
    CHECK(h.decided() == 0);
    h.advance(5000);
    CHECK(h.last().reason == decision_reason::tie);
    CHECK(h.last().decided_at == k_deadline);  // the deadline, not when advance() was called
  }
  SUBCASE("1 for, 1 against: no_quorum at the deadline") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, R);
    h.advance(k_deadline);
    CHECK(h.last().reason == decision_reason::no_quorum);
  }
  SUBCASE("1 for, 2 against: rejected_by_vote at the deadline") {
    h.open(spec_of(1, quorum_rule::majority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, R);
    h.cast(1, 3, R);
    h.advance(k_deadline);
    CHECK(h.last().reason == decision_reason::rejected_by_vote);
  }
}

TEST_CASE("quorum: supermajority, n = 4 (f = 1): 3 approvals pass, 2 do not") {
  harness h;
  const auto v = heads({1, 2, 3, 4});
  SUBCASE("3 approvals") {
    h.open(spec_of(1, quorum_rule::supermajority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, A);
    CHECK(h.decided() == 0);
    h.cast(1, 3, A);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().result == outcome::approved);
    CHECK(h.last().counts.required == 3);
  }
  SUBCASE("2 approvals and silence: rejected at the deadline") {
    h.open(spec_of(1, quorum_rule::supermajority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, A);
    h.advance(k_deadline);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().result == outcome::rejected);
    CHECK(h.last().reason == decision_reason::deadline);
  }
  SUBCASE("2 rejects block it: rejected_by_vote, early") {
    h.open(spec_of(1, quorum_rule::supermajority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, R);
    CHECK(h.decided() == 0);  // 1 + 2 silent could still make 3
    h.cast(1, 3, R);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().reason == decision_reason::rejected_by_vote);
  }
  SUBCASE("2 approvals, 2 abstains: no_quorum") {
    h.open(spec_of(1, quorum_rule::supermajority), v);
    h.cast(1, 1, A);
    h.cast(1, 2, S);
    h.cast(1, 3, A);
    CHECK(h.decided() == 0);
    h.cast(1, 4, S);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().reason == decision_reason::no_quorum);
  }
  SUBCASE("n = 7 (f = 2) needs 5") {
    h.open(spec_of(1, quorum_rule::supermajority), heads({1, 2, 3, 4, 5, 6, 7}));
    for (agent_id a = 1; a <= 4; ++a) h.cast(1, a, A);
    CHECK(h.decided() == 0);
    h.cast(1, 5, A);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().result == outcome::approved);
  }
}

TEST_CASE("quorum: unanimous") {
  harness h;
  const auto v = heads({1, 2, 3});  // turnout n/2 + 1 = 2
  SUBCASE("everyone approves") {
    h.open(spec_of(1, quorum_rule::unanimous), v);
    h.cast(1, 1, A);
    h.cast(1, 2, A);
    CHECK(h.decided() == 0);  // the third could still reject
    h.cast(1, 3, A);
    CHECK(h.last().result == outcome::approved);
  }
  SUBCASE("one reject is a veto, at once") {
    h.open(spec_of(1, quorum_rule::unanimous), v);
    h.cast(1, 1, A);
    h.cast(1, 2, R, 20);
    REQUIRE(h.decided() == 1);
    CHECK(h.last().reason == decision_reason::vetoed);
    CHECK(h.last().decided_at == 20);
  }
  SUBCASE("an abstain is allowed while the turnout holds") {
    h.open(spec_of(1, quorum_rule::unanimous), v);
    h.cast(1, 1, A);
    h.cast(1, 2, S);
    h.cast(1, 3, A);
    CHECK(h.last().result == outcome::approved);
  }
  SUBCASE("two abstains: no_quorum") {
    h.open(spec_of(1, quorum_rule::unanimous), v);
    h.cast(1, 1, A);
    h.cast(1, 2, S);
    h.cast(1, 3, S);
    CHECK(h.last().reason == decision_reason::no_quorum);
  }
  SUBCASE("a silent voter blocks it at the deadline") {
    h.open(spec_of(1, quorum_rule::unanimous), v);
    h.cast(1, 1, A);
    h.cast(1, 2, A);
    h.advance(k_deadline);
    CHECK(h.last().reason == decision_reason::deadline);
    CHECK(h.last().counts.silent == 1);
  }
}

TEST_CASE("quorum: weighted, exact arithmetic") {
  harness h;
  const std::vector<voter> v = {
      {.id = 1, .weight = 5}, {.id = 2, .weight = 3}, {.id = 3, .weight = 2}};
  SUBCASE("2/3 of 10: 7 needed (7 * 3 = 21 >= 20), approved early") {
    h.open(spec_of(1, quorum_rule::weighted, 2, 3), v);
    h.cast(1, 1, A);  // 5: 15 < 20
    CHECK(h.decided() == 0);
    h.cast(1, 3, A);  // 7 >= 20/3 and 7 > 0 + 3 pending
    REQUIRE(h.decided() == 1);
    CHECK(h.last().result == outcome::approved);
    CHECK(h.last().counts.required == 7);
    CHECK(h.last().counts.approve_weight == 7);
    CHECK(h.last().counts.eligible_weight == 10);
  }
  SUBCASE("2/3 of 10: 6 is not enough") {
    h.open(spec_of(1, quorum_rule::weighted, 2, 3), v);
    h.cast(1, 2, A);
    h.cast(1, 1, A, 10, 3);  // commits 3 of its 5
    CHECK(h.decided() == 0);
    h.advance(k_deadline);
    CHECK(h.last().result == outcome::rejected);
    CHECK(h.last().reason == decision_reason::deadline);
    CHECK(h.last().counts.approve_weight == 6);
  }
  SUBCASE("rejects that leave less than the threshold: rejected_by_vote") {
    h.open(spec_of(1, quorum_rule::weighted, 2, 3), v);
    h.cast(1, 2, R);  // 10 - 3 = 7 still reachable
    CHECK(h.decided() == 0);
    h.cast(1, 3, R);  // 10 - 5 = 5 < 7
    CHECK(h.last().reason == decision_reason::rejected_by_vote);
  }
  SUBCASE("a threshold met exactly: 1/3 of 3 with one approval of weight 1") {
    h.open(spec_of(1, quorum_rule::weighted, 1, 3), heads({1, 2, 3}));
    h.cast(1, 1, A);  // 1 * 3 >= 1 * 3, but 2 pending could outweigh it
    CHECK(h.decided() == 0);
    h.advance(k_deadline);
    CHECK(h.last().result == outcome::approved);
    CHECK(h.last().counts.required == 1);
  }
  SUBCASE("7/10 of 10: exactly 7 passes, where 0.7 * 10 in doubles is not exact") {
    std::vector<voter> ten;
    for (agent_id a = 1; a <= 10; ++a) ten.push_back(voter{.id = a});
    h.open(spec_of(1, quorum_rule::weighted, 7, 10), ten);
    for (agent_id a = 1; a <= 6; ++a) h.cast(1, a, A);
    CHECK(h.decided() == 0);
    h.cast(1, 7, A);  // 70 >= 70 and 7 > 3 pending
    CHECK(h.last().result == outcome::approved);
  }
  SUBCASE("equal approve and reject weight is a tie") {
    h.open(spec_of(1, quorum_rule::weighted, 1, 2),
           std::vector<voter>{{.id = 1, .weight = 2}, {.id = 2, .weight = 2}});
    h.cast(1, 1, A);
    CHECK(h.decided() == 0);
    h.cast(1, 2, R);
    CHECK(h.last().reason == decision_reason::tie);
  }
  SUBCASE("a vote's weight is capped at the voter's") {
    h.open(spec_of(1, quorum_rule::weighted, 2, 3), v);
    h.cast(1, 3, A, 10, 1000);
    h.advance(k_deadline);
    CHECK(h.last().counts.approve_weight == 2);
    CHECK(h.last().ballots[2].counted_weight == 2);
  }
  SUBCASE("bad thresholds and voters are refused") {
    CHECK(h.book.open(spec_of(1, quorum_rule::weighted, 0, 3), v).status ==
          open_status::bad_threshold);
    CHECK(h.book.open(spec_of(1, quorum_rule::weighted, 4, 3), v).status ==
          open_status::bad_threshold);
    CHECK(h.book.open(spec_of(1, quorum_rule::weighted, 1, 0), v).status ==
          open_status::bad_threshold);
    const std::vector<voter> heavy = {{.id = 1, .weight = k_max_weight + 1}};
    CHECK(h.book.open(spec_of(1, quorum_rule::weighted), heavy).status == open_status::bad_voters);
    CHECK(h.book.open(spec_of(1, quorum_rule::majority), heads({1, 2, 1})).status ==
          open_status::bad_voters);
    proposal_spec s = spec_of(1, quorum_rule::majority);
    s.deadline = s.created;
    CHECK(h.book.open(s, v).status == open_status::bad_deadline);
    CHECK(h.book.open_count() == 0);
  }
}

TEST_CASE("quorum: a veto voter under any rule") {
  harness h;
  std::vector<voter> v = heads({1, 2, 3, 4});
  v[3].veto = true;  // the risk agent
  h.open(spec_of(1, quorum_rule::majority), v);
  h.cast(1, 1, A);
  h.cast(1, 2, A);
  h.cast(1, 4, R);
  REQUIRE(h.decided() == 1);
  CHECK(h.last().reason == decision_reason::vetoed);
}

TEST_CASE("quorum: late, duplicate, changed and non-eligible votes are ignored and counted") {
  harness h;
  h.open(spec_of(1, quorum_rule::majority), heads({1, 2, 3, 4, 5}));
  CHECK(h.cast(1, 1, A, 10) == vote_status::counted);
  CHECK(h.cast(1, 1, A, 11) == vote_status::duplicate);
  CHECK(h.cast(1, 1, R, 12) == vote_status::duplicate);  // a changed vote: the first stands
  CHECK(h.cast(1, 9, A, 13) == vote_status::not_eligible);
  CHECK(h.cast(1, 2, A, k_deadline - 1) == vote_status::counted);  // the last ns counts
  CHECK(h.decided() == 0);
  CHECK(h.cast(1, 3, A, k_deadline) == vote_status::late);  // at the deadline: late, and decides
  REQUIRE(h.decided() == 1);
  const decision_record& d = h.last();
  CHECK(d.at_deadline);
  CHECK(d.reason == decision_reason::no_quorum);  // 2 of the 3 needed
  CHECK(d.counts.duplicate == 2);
  CHECK(d.counts.not_eligible == 1);
  CHECK(d.counts.late == 1);
  CHECK(d.ignored_total == 4);
  REQUIRE(d.ignored.size() == 4);
  CHECK(d.ignored[1].choice == R);
  CHECK(d.ignored[1].why == vote_status::duplicate);
  CHECK(d.ignored[2].voter == 9);
  CHECK(d.ignored[3].why == vote_status::late);
  CHECK(d.ballots[0].state == ballot_state::approve);
  CHECK(d.ballots[0].ts == 10);
  CHECK(h.book.stats().votes_ignored == 4);
  CHECK(h.cast(1, 4, A, 2000) == vote_status::closed);
  CHECK(h.cast(77, 4, A, 2000) == vote_status::closed);
}

TEST_CASE("quorum: the ignored-vote log is bounded, the counts are not") {
  harness h;
  h.open(spec_of(1, quorum_rule::majority), heads({1, 2, 3}));
  h.cast(1, 1, A);
  for (int i = 0; i < 100; ++i) h.cast(1, 1, R, 20 + i);
  h.advance(k_deadline);
  CHECK(h.last().counts.duplicate == 100);
  CHECK(h.last().ignored_total == 100);
  CHECK(h.last().ignored.size() == k_max_logged_ignored);
}

TEST_CASE("quorum: reasons are copied and cut at k_reason_max bytes") {
  harness h;
  h.open(spec_of(1, quorum_rule::majority), heads({1, 2}));
  std::string why(100, 'x');
  why.replace(0, 6, "spread");
  h.book.cast(vote{.proposal = 1, .voter = 1, .choice = A, .ts = 5, .reason = why});
  why.assign(100, 'y');  // the book kept its own copy
  const cast_result r =
      h.book.cast(vote{.proposal = 1, .voter = 2, .choice = A, .ts = 6, .reason = "ok"});
  REQUIRE(r.decisions.size() == 1);
  CHECK(r.decisions[0].ballots[0].reason.view() == "spread" + std::string(k_reason_max - 6, 'x'));
  CHECK(r.decisions[0].ballots[1].reason.view() == "ok");
  CHECK(r.decisions[0].ballots[1].seq == 2);
}

TEST_CASE("quorum: an empty eligible set is rejected at once; cancel; ids are reusable") {
  harness h;
  liveness_tracker live(100);
  h.open(spec_of(1, quorum_rule::majority), heads({1, 2}), &live);  // nobody is up
  REQUIRE(h.decided() == 1);
  CHECK(h.last().reason == decision_reason::no_quorum);
  CHECK(h.last().counts.excluded == 2);
  CHECK_FALSE(h.book.is_open(1));

  h.open(spec_of(1, quorum_rule::majority), heads({1, 2}));
  CHECK(h.book.open(spec_of(1, quorum_rule::majority), heads({1, 2})).status ==
        open_status::duplicate_id);
  CHECK(h.book.cancel(1, 50));
  REQUIRE(h.book.last_decisions().size() == 1);
  CHECK(h.book.last_decisions()[0].reason == decision_reason::cancelled);
  CHECK(h.book.last_decisions()[0].decided_at == 50);
  CHECK_FALSE(h.book.cancel(1, 51));
  h.open(spec_of(1, quorum_rule::majority), heads({1, 2}));
  CHECK(h.book.is_open(1));
}

TEST_CASE("liveness: down after the timeout, up on the next heartbeat") {
  liveness_tracker live(100);
  CHECK(live.heartbeat(1, 0)->change == liveness_change::joined);
  CHECK(live.heartbeat(2, 0)->change == liveness_change::joined);
  CHECK(live.heartbeat(3, 0)->change == liveness_change::joined);
  CHECK_FALSE(live.heartbeat(1, 60).has_value());
  CHECK_FALSE(live.heartbeat(2, 60).has_value());
  CHECK(live.advance(100).empty());  // 100 - 0 is not longer than 100
  const auto down = live.advance(101);
  REQUIRE(down.size() == 1);
  CHECK(down[0].agent == 3);
  CHECK(down[0].change == liveness_change::down);
  CHECK(down[0].ts == 101);
  CHECK(down[0].last_seen == 0);
  CHECK_FALSE(live.is_up(3));
  CHECK(std::vector<agent_id>(live.up_agents().begin(), live.up_agents().end()) ==
        std::vector<agent_id>{1, 2});
  CHECK(live.advance(150).empty());  // down once
  const auto up = live.heartbeat(3, 150);
  REQUIRE(up.has_value());
  CHECK(up->change == liveness_change::up);
  CHECK(up->last_seen == 0);
  CHECK(live.is_up(3));
  CHECK_FALSE(live.heartbeat(3, 140).has_value());  // stale
  CHECK(*live.last_seen(3) == 150);
  CHECK(live.leave(2, 170)->change == liveness_change::down);
  CHECK_FALSE(live.is_up(2));
  CHECK_FALSE(live.is_known(9));
  CHECK(std::vector<agent_id>(live.up_agents().begin(), live.up_agents().end()) ==
        std::vector<agent_id>{1, 3});
}

TEST_CASE("quorum + liveness: a voter down before a proposal is not eligible") {
  harness h;
  liveness_tracker live(100);
  for (agent_id a = 1; a <= 4; ++a) (void)live.heartbeat(a, 0);
  (void)live.heartbeat(1, 150);
  (void)live.heartbeat(2, 150);
  (void)live.heartbeat(3, 150);
  REQUIRE(live.advance(150).size() == 1);  // 4 is down
  proposal_spec s = spec_of(1, quorum_rule::supermajority);
  s.created = 150;
  s.deadline = 150 + k_deadline;
  h.open(s, heads({1, 2, 3, 4}), &live);  // n = 3: 3 needed
  CHECK(h.cast(1, 4, A, 160) == vote_status::not_eligible);
  h.cast(1, 1, A, 160);
  h.cast(1, 2, A, 160);
  CHECK(h.decided() == 0);
  h.cast(1, 3, A, 170);
  REQUIRE(h.decided() == 1);
  CHECK(h.last().result == outcome::approved);
  CHECK(h.last().counts.n == 3);
  CHECK(h.last().counts.excluded == 1);
  CHECK(h.last().ballots[3].state == ballot_state::excluded);

  // The overload that takes every agent up.
  (void)live.heartbeat(4, 200);  // rejoins: eligible for proposals opened from now on
  s.id = 2;
  const open_result r = h.book.open(s, live);
  REQUIRE(r.status == open_status::ok);
  for (agent_id a = 1; a <= 2; ++a) h.cast(2, a, A, 210);
  CHECK(h.decided() == 1);
  h.cast(2, 3, A, 210);
  CHECK(h.decided() == 2);  // 3 of 4: needs 3, approved on the third
  CHECK(h.last().counts.n == 4);
}

TEST_CASE("quorum + liveness: a voter going down during a proposal; the quorum adapts") {
  harness h;
  liveness_tracker live(100);
  for (agent_id a = 1; a <= 4; ++a) (void)live.heartbeat(a, 0);
  h.open(spec_of(1, quorum_rule::unanimous), heads({1, 2, 3, 4}), &live);
  h.open(spec_of(2, quorum_rule::supermajority), heads({1, 2, 3, 4}), &live);
  h.cast(1, 1, A, 10);
  h.cast(1, 2, A, 10);
  h.cast(1, 3, A, 10);
  h.cast(2, 1, A, 10);
  h.cast(2, 2, A, 10);
  h.cast(2, 4, A, 10);      // 4 voted on 2 before going down: its vote stands
  CHECK(h.decided() == 1);  // 2 has 3 of 4
  for (agent_id a = 1; a <= 3; ++a) (void)live.heartbeat(a, 100);
  const auto down = live.advance(101);
  REQUIRE(down.size() == 1);
  h.keep(h.book.apply(down));
  REQUIRE(h.decided() == 2);
  const decision_record& d = h.last();  // unanimous among the 3 still up
  CHECK(d.spec.id == 1);
  CHECK(d.result == outcome::approved);
  CHECK(d.adapted);
  CHECK(d.counts.dropped == 1);
  CHECK(d.counts.eligible_at_open == 4);
  CHECK(d.counts.n == 3);
  CHECK(d.decided_at == 101);
  CHECK(d.ballots[3].state == ballot_state::dropped);
  CHECK(describe(d).find("adapted: 1 voter(s) went down, n 4 -> 3") != std::string::npos);
}

TEST_CASE("quorum + liveness: a dropped voter stays out after it rejoins") {
  harness h;
  liveness_tracker live(100);
  for (agent_id a = 1; a <= 4; ++a) (void)live.heartbeat(a, 0);
  h.open(spec_of(1, quorum_rule::supermajority), heads({1, 2, 3, 4}), &live);
  h.cast(1, 1, A, 10);
  h.cast(1, 2, A, 10);
  for (agent_id a = 1; a <= 3; ++a) (void)live.heartbeat(a, 100);
  h.keep(h.book.apply(live.advance(101)));
  CHECK(h.decided() == 0);  // n = 3, needs 3: 2 + 1 silent
  CHECK(live.heartbeat(4, 120)->change == liveness_change::up);
  CHECK(h.cast(1, 4, A, 120) == vote_status::dropped);
  CHECK(h.decided() == 0);
  h.cast(1, 3, A, 130);
  REQUIRE(h.decided() == 1);
  CHECK(h.last().result == outcome::approved);
  CHECK(h.last().counts.dropped_votes == 1);
  // A proposal opened after the rejoin counts it again.
  proposal_spec s = spec_of(2, quorum_rule::supermajority);
  s.created = 130;
  s.deadline = 130 + k_deadline;
  h.open(s, heads({1, 2, 3, 4}), &live);
  CHECK(h.cast(2, 4, R, 140) == vote_status::counted);
}

TEST_CASE("quorum: every voter going down leaves no quorum") {
  harness h;
  h.open(spec_of(1, quorum_rule::majority), heads({1, 2}));
  h.keep(h.book.agent_down(1, 10));
  CHECK(h.decided() == 0);  // n = 1, turnout 1: 2 may still approve
  h.keep(h.book.agent_down(2, 11));
  REQUIRE(h.decided() == 1);
  CHECK(h.last().reason == decision_reason::no_quorum);
  CHECK(h.last().counts.n == 0);
}

namespace {

// The final outcome once every eligible voter has voted or stayed silent until the deadline
// (silent[i]), straight from the rules' definitions.
outcome reference(quorum_rule rule, const std::vector<voter>& v, const std::vector<vote_choice>& c,
                  const std::vector<std::uint32_t>& committed, const std::vector<bool>& silent,
                  std::uint32_t num, std::uint32_t den) {
  std::uint64_t n = v.size(), a = 0, r = 0, aw = 0, rw = 0, w = 0, quiet = 0;
  bool veto = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    w += v[i].weight;
    if (silent[i]) {
      ++quiet;
      continue;
    }
    const std::uint64_t cw = std::min(committed[i], v[i].weight);
    if (c[i] == A) ++a, aw += cw;
    if (c[i] == R) ++r, rw += cw, veto = veto || v[i].veto || rule == quorum_rule::unanimous;
  }
  if (veto) return outcome::rejected;
  bool pass = false;
  switch (rule) {
    case quorum_rule::majority:
      pass = a > r && a + r >= n / 2 + 1;
      break;
    case quorum_rule::supermajority:
      pass = 3 * a > 2 * n;
      break;
    case quorum_rule::unanimous:
      pass = r == 0 && quiet == 0 && a >= n / 2 + 1;
      break;
    case quorum_rule::weighted:
      pass = aw * den >= num * w && aw > rw && a + r >= 1;
      break;
  }
  return pass ? outcome::approved : outcome::rejected;
}

struct scenario_event {
  proposal_id id;
  agent_id voter;
  vote_choice choice;
  ts_ns ts;
  std::uint32_t weight;
};

// Early decisions must be certain: the outcome once every vote is in (or the deadline has
// passed over the silent ones) is the same.
void many_proposals(bool with_silence) {
  std::mt19937_64 rng(with_silence ? 43 : 42);
  constexpr int k_proposals = 2000;
  quorum_book book;
  std::vector<std::vector<voter>> voters(k_proposals);
  std::vector<std::vector<vote_choice>> choices(k_proposals);
  std::vector<std::vector<bool>> silent(k_proposals);
  std::vector<std::vector<std::uint32_t>> committed(k_proposals);
  std::vector<quorum_rule> rules(k_proposals);
  std::vector<std::uint32_t> nums(k_proposals), dens(k_proposals);
  std::vector<scenario_event> events;
  std::vector<int> decided(k_proposals, 0);
  std::vector<outcome> got(k_proposals);
  auto take = [&](std::span<const decision_record> ds) {
    for (const decision_record& d : ds) {
      ++decided[d.spec.id];
      got[d.spec.id] = d.result;
    }
  };
  for (int p = 0; p < k_proposals; ++p) {
    rules[p] = static_cast<quorum_rule>(rng() % 4);
    dens[p] = 1 + static_cast<std::uint32_t>(rng() % 12);
    nums[p] = 1 + static_cast<std::uint32_t>(rng() % dens[p]);
    const std::size_t n = 1 + rng() % 9;
    for (std::size_t i = 0; i < n; ++i) {
      voters[p].push_back(voter{.id = static_cast<agent_id>(10 + i),
                                .weight = static_cast<std::uint32_t>(rng() % 5),
                                .veto = rng() % 10 == 0});
      const std::uint64_t x = rng() % 10;
      choices[p].push_back(x < 5 ? A : x < 8 ? R : S);
      silent[p].push_back(with_silence && rng() % 4 == 0);
      committed[p].push_back(rng() % 3 == 0 ? static_cast<std::uint32_t>(rng() % 5)
                                            : k_full_weight);
      if (!silent[p].back())
        events.push_back({static_cast<proposal_id>(p), voters[p].back().id, choices[p].back(),
                          static_cast<ts_ns>(rng() % 500), committed[p].back()});
    }
    proposal_spec s = spec_of(static_cast<proposal_id>(p), rules[p], nums[p], dens[p]);
    const open_result r = book.open(s, voters[p]);
    REQUIRE(r.status == open_status::ok);
    take(r.decisions);
  }
  // Weighted proposals whose weights are all 0 can never pass: rejected at once.
  CHECK(book.open_count() + book.stats().decided == k_proposals);
  std::stable_sort(events.begin(), events.end(),
                   [](const scenario_event& l, const scenario_event& r) { return l.ts < r.ts; });
  for (const scenario_event& e : events)
    take(book.cast(vote{.proposal = e.id,
                        .voter = e.voter,
                        .choice = e.choice,
                        .ts = e.ts,
                        .weight = e.weight})
             .decisions);
  if (!with_silence) CHECK(book.open_count() == 0);  // everyone voted: every outcome is certain
  const std::uint64_t early = book.stats().decided;
  take(book.advance(k_deadline));
  for (int p = 0; p < k_proposals; ++p) {
    CAPTURE(p);
    CAPTURE(static_cast<int>(rules[p]));
    REQUIRE(decided[p] == 1);
    CHECK(got[p] ==
          reference(rules[p], voters[p], choices[p], committed[p], silent[p], nums[p], dens[p]));
  }
  CHECK(book.stats().decided == k_proposals);
  CHECK(book.open_count() == 0);
  if (with_silence) CHECK(early < k_proposals);
  take(book.advance(2 * k_deadline));
  CHECK(book.stats().decided == k_proposals);  // the heap's stale entries decide nothing
}

}  // namespace

TEST_CASE("quorum: many concurrent proposals agree with the rules' definitions") {
  SUBCASE("every voter votes") {
    many_proposals(false);
  }
  SUBCASE("some stay silent until the deadline") {
    many_proposals(true);
  }
}

TEST_CASE("quorum: the id index under many opens and closes") {
  std::mt19937_64 rng(7);
  quorum_book book;
  std::set<proposal_id> open;
  const auto v = heads({1});
  for (int i = 0; i < 20000; ++i) {
    const proposal_id id = rng() % 3000 * 0x10001;  // clustered ids
    if (open.count(id) != 0) {
      CHECK(book.cancel(id, 1));
      open.erase(id);
    } else {
      REQUIRE(book.open(spec_of(id, quorum_rule::majority), v).status == open_status::ok);
      open.insert(id);
    }
    if (i % 1000 == 0)
      for (proposal_id k = 0; k < 3000; ++k)
        REQUIRE(book.is_open(k * 0x10001) == (open.count(k * 0x10001) != 0));
  }
  CHECK(book.open_count() == open.size());
}

namespace {

// A mixed run: heartbeats, agents dying and rejoining, proposals under every rule, votes, in
// the documented input order; returns every record as text.
std::vector<std::string> run_scenario(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  liveness_tracker live(50);
  quorum_book book;
  std::vector<std::string> out;
  auto take = [&](std::span<const decision_record> ds) {
    for (const decision_record& d : ds) out.push_back(describe(d));
  };
  proposal_id next = 1;
  std::vector<proposal_id> opened;
  for (ts_ns t = 0; t < 5000; t += 5) {
    take(book.apply(live.advance(t)));
    take(book.advance(t));
    for (agent_id a = 1; a <= 6; ++a)
      if (rng() % (a == 6 ? 40 : 2) == 0) (void)live.heartbeat(a, t);  // agent 6 is flaky
    if (rng() % 4 == 0) {
      proposal_spec s = spec_of(next, static_cast<quorum_rule>(rng() % 4), 2, 3);
      s.created = t;
      s.deadline = t + 40 + static_cast<ts_ns>(rng() % 100);
      std::vector<voter> v;
      for (agent_id a = 1; a <= 6; ++a) v.push_back(voter{.id = a, .weight = 1 + a});
      take(book.open(s, v, &live).decisions);
      opened.push_back(next++);
    }
    for (int k = 0; k < 3 && !opened.empty(); ++k) {
      const proposal_id id = opened[rng() % opened.size()];
      const vote_choice c = static_cast<vote_choice>(rng() % 3);
      take(book.cast(vote{.proposal = id,
                          .voter = static_cast<agent_id>(1 + rng() % 7),
                          .choice = c,
                          .ts = t})
               .decisions);
    }
  }
  take(book.advance(1'000'000));
  return out;
}

}  // namespace

TEST_CASE("quorum: the same inputs in the same order give the same records") {
  const std::vector<std::string> a = run_scenario(3), b = run_scenario(3);
  CHECK(a.size() > 200);
  CHECK(a == b);
  CHECK(a != run_scenario(4));
  bool adapted = false, excluded = false;
  for (const std::string& s : a) {
    adapted = adapted || s.find("adapted") != std::string::npos;
    excluded = excluded || s.find("=excluded") != std::string::npos;
  }
  CHECK(adapted);
  CHECK(excluded);
}

TEST_CASE("quorum: deadlines of proposals decided early are dropped; the rest decide in order") {
  // Without advance(), entries of early decisions pile up and get compacted away; the
  // proposals still open must all be decided at their deadline, by (deadline, id).
  harness h;
  const auto v = heads({1, 2, 3});
  for (proposal_id id = 1; id <= 3000; ++id) {
    proposal_spec s = spec_of(id, quorum_rule::majority);
    s.deadline = 2000 - static_cast<ts_ns>(id % 7);
    h.open(s, v);
    if (id % 10 != 0) {
      h.cast(id, 1, A);
      h.cast(id, 2, A);
    }
  }
  REQUIRE(h.decided() == 2700);
  h.log.clear();
  h.advance(1995);
  h.advance(2000);
  REQUIRE(h.decided() == 300);
  for (std::size_t i = 1; i < h.log.size(); ++i) {
    const auto& a = h.log[i - 1].spec;
    const auto& b = h.log[i].spec;
    CHECK((a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)));
  }
  for (const decision_record& d : h.log) {
    CHECK(d.spec.id % 10 == 0);
    CHECK(d.at_deadline);
    CHECK(d.reason == decision_reason::no_quorum);
  }
  CHECK(h.book.open_count() == 0);
}
