// Quorum voting on proposals: a proposer opens a proposal with the agents eligible to vote, the
// voters answer approve / reject / abstain, and the book decides as soon as the outcome is
// certain or at the deadline, under one of four rules. Every decision comes with its record
// (tallies, each ballot, the ignored votes and why). Pure logic: time is passed in (ns from
// the engine's clock), nothing here reads a clock, sends a message or allocates per vote once
// warm. The arithmetic of each rule, with worked examples, is in docs/quorum.md.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/transport/liveness.hpp"

namespace ntrun::transport {

using proposal_id = std::uint64_t;

/// Limits, so the weighted arithmetic is exact in 64-bit integers:
/// sum of weights <= 1024 * 1e6 < 2^30, times a denominator <= 1e6 stays < 2^50.
inline constexpr std::uint32_t k_max_voters = 1024;
inline constexpr std::uint32_t k_max_weight = 1'000'000;
inline constexpr std::uint32_t k_max_threshold_den = 1'000'000;
/// A vote's reason text is kept up to this many bytes (longer ones are cut).
inline constexpr std::size_t k_reason_max = 47;
/// Ignored votes logged per proposal (all are counted; the log keeps the first ones).
inline constexpr std::size_t k_max_logged_ignored = 32;
/// `min_turnout` value asking for the rule's default (docs/quorum.md).
inline constexpr std::uint32_t k_default_turnout = 0xFFFFFFFFu;
/// `vote::weight` value meaning "all of the voter's weight".
inline constexpr std::uint32_t k_full_weight = 0xFFFFFFFFu;

enum class quorum_rule : std::uint8_t {
  /// Approve iff approvals > rejections and approvals + rejections >= min_turnout
  /// (default: a majority of the eligible voters, n/2 + 1). Abstains count for neither.
  majority,
  /// Approve iff approvals >= floor(2n/3) + 1 (more than two thirds of the eligible voters;
  /// with n = 3f + 1 that is 2f + 1). Abstaining or silent voters do not approve.
  supermajority,
  /// Approve iff no eligible voter rejects, every eligible voter has answered (approve or
  /// abstain) and approvals >= min_turnout (default n/2 + 1). A reject is a veto.
  unanimous,
  /// Approve iff approve_weight * den >= num * eligible_weight, approve_weight >
  /// reject_weight and approvals + rejections >= min_turnout (default 1). Integer weights.
  weighted,
};

/// Approvals the supermajority rule needs among n eligible voters: more than two thirds,
/// floor(2n/3) + 1 (n = 4 -> 3, n = 7 -> 5; with n = 3f + 1 that is 2f + 1).
[[nodiscard]] constexpr std::uint32_t supermajority_threshold(std::uint32_t n) noexcept {
  return 2 * n / 3 + 1;
}

/// The turnout (approvals + rejections) a rule asks for when min_turnout is
/// k_default_turnout: n/2 + 1 (a majority of the eligible voters) for majority and unanimous,
/// 1 for supermajority and weighted (their thresholds are of the eligible set already).
[[nodiscard]] constexpr std::uint32_t default_turnout(quorum_rule rule, std::uint32_t n) noexcept {
  return rule == quorum_rule::majority || rule == quorum_rule::unanimous ? n / 2 + 1 : 1;
}

enum class vote_choice : std::uint8_t { approve, reject, abstain };

enum class outcome : std::uint8_t { approved, rejected };

enum class decision_reason : std::uint8_t {
  approved,          // the rule was met
  rejected_by_vote,  // the rejections alone rule it out (or outnumber approvals under majority)
  tie,               // approvals equal rejections (count under majority, weight under weighted)
  no_quorum,         // too few voters took a side (turnout below min_turnout, or abstains
                     // make the threshold unreachable); an empty eligible set too
  deadline,          // the deadline passed with the threshold unmet and voters silent
  vetoed,            // a reject from a veto voter, or any reject under unanimous
  cancelled,         // withdrawn by cancel()
};

/// A ballot's state in a proposal.
enum class ballot_state : std::uint8_t {
  pending,  // eligible, has not voted (at decision time: silent)
  approve,
  reject,
  abstain,
  excluded,  // marked down when the proposal opened: not eligible
  dropped,   // went down before voting while the proposal was open: n shrank
};

/// Why a vote was ignored (also cast()'s answer; `counted` when it was not ignored).
enum class vote_status : std::uint8_t {
  counted,
  late,          // ts >= the proposal's deadline
  duplicate,     // the voter had voted already (the same or a changed choice): the first stands
  not_eligible,  // not among the eligible voters, or excluded as down at opening
  dropped,       // the voter went down before voting; it stays out of this proposal
  closed,        // no open proposal with that id (never opened, or already decided)
};

/// A voter as given to open(): its id, its weight (used by the weighted rule only; every
/// voter is one head under the other rules) and whether its reject is a veto.
struct voter {
  agent_id id = 0;
  std::uint32_t weight = 1;
  bool veto = false;
};

struct proposal_spec {
  proposal_id id = 0;
  agent_id proposer = 0;
  ts_ns created = 0;
  ts_ns deadline = 0;  // votes count while ts < deadline; the book decides at now >= deadline
  quorum_rule rule = quorum_rule::majority;
  std::uint32_t min_turnout = k_default_turnout;  // approvals + rejections required
  std::uint32_t threshold_num = 1;                // weighted: approve weight fraction num/den
  std::uint32_t threshold_den = 2;
};

/// A vote as it arrived. `weight` (weighted rule): the part of its weight the voter commits,
/// capped at its weight from open(); k_full_weight is all of it. `reason` is copied (cut at
/// k_reason_max bytes), so the caller's bytes need not outlive the call.
struct vote {
  proposal_id proposal = 0;
  agent_id voter = 0;
  vote_choice choice = vote_choice::approve;
  ts_ns ts = 0;
  std::uint32_t weight = k_full_weight;
  std::string_view reason = {};
};

/// Fixed-size text, so recording a vote never allocates.
struct short_text {
  std::array<char, k_reason_max> bytes{};
  std::uint8_t size = 0;
  void assign(std::string_view s) noexcept;
  [[nodiscard]] std::string_view view() const noexcept { return {bytes.data(), size}; }
};

/// One eligible (or excluded) voter in a record. `seq` numbers the counted votes of the
/// proposal in arrival order (0 for none).
struct ballot {
  agent_id voter = 0;
  std::uint32_t weight = 1;          // from open()
  std::uint32_t counted_weight = 0;  // weight committed by the vote (weighted rule)
  bool veto = false;
  ballot_state state = ballot_state::pending;
  std::uint32_t seq = 0;
  ts_ns ts = 0;  // the vote's ts, or when dropped
  short_text reason;
};

struct ignored_vote {
  agent_id voter = 0;
  vote_choice choice = vote_choice::approve;
  vote_status why = vote_status::late;
  ts_ns ts = 0;
};

/// Counts at decision time. n = approve + reject + abstain + silent (the eligible voters now);
/// eligible_at_open = n + dropped; `required` is what the rule needed (approvals for
/// supermajority, turnout for majority/unanimous, approve weight for weighted: the smallest
/// integer w with w * den >= num * eligible_weight).
struct tally {
  std::uint32_t eligible_at_open = 0;
  std::uint32_t excluded = 0;  // down at opening
  std::uint32_t dropped = 0;   // went down while open, before voting
  std::uint32_t n = 0;
  std::uint32_t approve = 0, reject = 0, abstain = 0, silent = 0;
  std::uint32_t turnout_required = 0;  // min approvals + rejections (resolved default)
  std::uint64_t required = 0;
  std::uint64_t eligible_weight = 0, approve_weight = 0, reject_weight = 0;
  std::uint32_t late = 0, duplicate = 0, not_eligible = 0, dropped_votes = 0;
};

/// The log entry of one decision.
struct decision_record {
  proposal_spec spec;
  outcome result = outcome::rejected;
  decision_reason reason = decision_reason::no_quorum;
  ts_ns decided_at = 0;      // the deciding event's ts; the deadline for deadline decisions
  bool at_deadline = false;  // decided by the deadline, not early
  bool adapted = false;      // voters went down while it was open: n shrank (tally.dropped)
  tally counts;
  std::vector<ballot> ballots;        // one per voter given to open(), by voter id
  std::vector<ignored_vote> ignored;  // in arrival order, the first k_max_logged_ignored
  std::uint32_t ignored_total = 0;
};

enum class open_status : std::uint8_t {
  ok,
  duplicate_id,   // a proposal with this id is open
  bad_deadline,   // deadline <= created
  bad_voters,     // a voter twice, more than k_max_voters, or a weight above k_max_weight
  bad_threshold,  // weighted: den 0 or above k_max_threshold_den, num 0 or above den
};

struct open_result {
  open_status status = open_status::ok;
  std::span<const decision_record> decisions;  // an empty eligible set is decided at once
};

struct cast_result {
  vote_status status = vote_status::counted;
  std::span<const decision_record> decisions;  // what this call decided (0 or 1)
};

/// Book-wide counters (votes that reached no open proposal land only here).
struct book_stats {
  std::uint64_t opened = 0, decided = 0, approved = 0, votes_counted = 0, votes_ignored = 0,
                votes_closed = 0;
};

namespace detail {
/// Open-addressing map proposal id -> slot (linear probing, backward-shift erase): no node
/// allocation per proposal once its table has grown.
class id_index {
 public:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;
  [[nodiscard]] std::uint32_t find(proposal_id id) const noexcept;
  void insert(proposal_id id, std::uint32_t slot);
  void erase(proposal_id id) noexcept;
  void reserve(std::size_t n);

 private:
  struct entry {
    proposal_id key;
    std::uint32_t slot;  // none: empty
  };
  [[nodiscard]] std::size_t home(proposal_id id) const noexcept;
  std::vector<entry> table_;
  std::size_t size_ = 0;
};
}  // namespace detail

/// The proposals open at one place (one agent's view, or a coordinator's). Calls that change
/// it return the decisions they made, valid until the next such call: copy what you keep.
/// Determinism: the same calls in the same order give the same records; feed events in the
/// order of docs/quorum.md (by ts_event, then sender, then sequence), calling advance(ts)
/// before each event at ts.
class quorum_book {
 public:
  quorum_book() = default;

  /// Opens a proposal among `voters`. With a tracker, voters it does not see up are excluded
  /// (listed in the record as excluded, not counted in n).
  /// An eligible set left empty is rejected at once (no_quorum), in the result's decisions.
  [[nodiscard]] open_result open(const proposal_spec& spec, std::span<const voter> voters,
                                 const liveness_tracker* live = nullptr);
  /// Opens a proposal among every agent `live` sees up, each with weight 1 and no veto.
  [[nodiscard]] open_result open(const proposal_spec& spec, const liveness_tracker& live);

  /// Counts (or ignores) one vote; decides the proposal if the outcome is now certain, or at
  /// its deadline if the vote came at or after it (the vote is late).
  cast_result cast(const vote& v);

  /// Decides, at their deadline, the proposals whose deadline <= now (by deadline, then id).
  std::span<const decision_record> advance(ts_ns now);

  /// An agent went down at ts: it leaves every open proposal it has not voted on (n shrinks;
  /// its votes already cast stand), which may decide some (by slot order). Proposals with a
  /// deadline <= ts are left to advance().
  std::span<const decision_record> agent_down(agent_id agent, ts_ns ts);
  /// agent_down() for each down transition in `events` (liveness_tracker::advance()'s result).
  std::span<const decision_record> apply(std::span<const liveness_event> events);

  /// Withdraws an open proposal: rejected, reason cancelled. False when none is open.
  bool cancel(proposal_id id, ts_ns ts);
  /// The decisions of the last call that changes the book (cancel()'s record, for one).
  [[nodiscard]] std::span<const decision_record> last_decisions() const noexcept {
    return {out_.data(), out_n_};
  }

  [[nodiscard]] bool is_open(proposal_id id) const noexcept {
    return index_.find(id) != detail::id_index::none;
  }
  [[nodiscard]] std::size_t open_count() const noexcept { return open_n_; }
  [[nodiscard]] const book_stats& stats() const noexcept { return stats_; }
  /// Pre-sizes storage for `proposals` open at once with up to `voters` each.
  void reserve(std::size_t proposals, std::size_t voters);

 private:
  struct proposal {
    proposal_spec spec;
    std::uint32_t generation = 0;
    bool open = false;
    std::vector<ballot> ballots;  // sorted by voter id; keeps its capacity across reuse
    std::vector<ignored_vote> ignored;
    tally counts;
    std::uint32_t ignored_total = 0;
    std::uint64_t pending_weight = 0;
    std::uint32_t next_seq = 0;
    std::uint32_t pending_vetoes = 0;  // veto voters yet to vote: no early approval while > 0
    bool vetoed = false;
  };
  struct deadline_entry {
    ts_ns deadline;
    proposal_id id;
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct verdict {
    bool decided;
    outcome result;
    decision_reason reason;
  };

  [[nodiscard]] open_status check(const proposal_spec& spec) const noexcept;
  std::uint32_t take_slot(const proposal_spec& spec);
  open_result finish_open(std::uint32_t slot);
  void down_one(agent_id agent, ts_ns ts);
  void ignore(proposal& p, const vote& v, vote_status why);
  static verdict evaluate(const proposal& p, bool at_deadline) noexcept;
  void decide(std::uint32_t slot, verdict d, ts_ns at, bool at_deadline);
  void begin() noexcept { out_n_ = 0; }

  std::vector<proposal> slots_;
  std::vector<std::uint32_t> free_;
  std::vector<deadline_entry> deadlines_;  // min-heap by (deadline, id); stale entries skipped
  detail::id_index index_;
  std::vector<decision_record> out_;  // entries keep their vectors' capacity
  std::size_t out_n_ = 0;
  std::size_t open_n_ = 0;
  book_stats stats_;
};

[[nodiscard]] std::string_view to_string(quorum_rule r) noexcept;
[[nodiscard]] std::string_view to_string(vote_choice c) noexcept;
[[nodiscard]] std::string_view to_string(outcome o) noexcept;
[[nodiscard]] std::string_view to_string(decision_reason r) noexcept;
[[nodiscard]] std::string_view to_string(ballot_state s) noexcept;
[[nodiscard]] std::string_view to_string(vote_status s) noexcept;

/// The record as one line of text (for logs and reports; allocates).
[[nodiscard]] std::string describe(const decision_record& d);

}  // namespace ntrun::transport
