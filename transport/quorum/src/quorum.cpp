// The quorum book: proposals in reusable slots (their ballot vectors keep their capacity), an
// open-addressing index by id, a min-heap of deadlines, and the four rules' arithmetic in
// evaluate(). docs/quorum.md explains the rules; this file is their only implementation.
#include "ntrun/transport/quorum.hpp"

#include <algorithm>
#include <functional>

namespace ntrun::transport {

void short_text::assign(std::string_view s) noexcept {
  size = static_cast<std::uint8_t>(std::min(s.size(), k_reason_max));
  std::copy_n(s.data(), size, bytes.data());
}

// ---------------------------------------------------------------------------------- id_index

namespace detail {

namespace {
std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

std::size_t id_index::home(proposal_id id) const noexcept {
  return mix(id) & (table_.size() - 1);
}

std::uint32_t id_index::find(proposal_id id) const noexcept {
  if (table_.empty()) return none;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = home(id);; i = (i + 1) & mask) {
    if (table_[i].slot == none) return none;
    if (table_[i].key == id) return table_[i].slot;
  }
}

void id_index::reserve(std::size_t n) {
  std::size_t cap = 16;
  while (cap < 2 * n) cap *= 2;
  if (cap <= table_.size()) return;
  std::vector<entry> old(cap, entry{0, none});
  old.swap(table_);
  size_ = 0;
  for (const entry& e : old)
    if (e.slot != none) insert(e.key, e.slot);
}

void id_index::insert(proposal_id id, std::uint32_t slot) {
  if (2 * (size_ + 1) > table_.size()) reserve(size_ + 1 > 8 ? size_ + 1 : 8);
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(id);
  while (table_[i].slot != none) i = (i + 1) & mask;
  table_[i] = entry{id, slot};
  ++size_;
}

void id_index::erase(proposal_id id) noexcept {
  if (table_.empty()) return;
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(id);
  while (table_[i].slot != none && table_[i].key != id) i = (i + 1) & mask;
  if (table_[i].slot == none) return;
  // Backward-shift deletion: move later entries of the probe run into the hole when their
  // home is not cyclically inside (hole, position].
  for (std::size_t j = i;;) {
    j = (j + 1) & mask;
    if (table_[j].slot == none) break;
    const std::size_t k = home(table_[j].key);
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    table_[i] = table_[j];
    i = j;
  }
  table_[i].slot = none;
  --size_;
}

}  // namespace detail

// ------------------------------------------------------------------------------ the arithmetic

namespace {

struct needs {
  std::uint32_t q;         // approvals + rejections required
  std::uint32_t t;         // supermajority: approvals required
  std::uint64_t num, den;  // weighted
  std::uint64_t w;         // eligible weight
};

needs needs_of(const proposal_spec& s, const tally& c) noexcept {
  needs x{};
  x.q = s.min_turnout != k_default_turnout ? s.min_turnout : default_turnout(s.rule, c.n);
  x.t = supermajority_threshold(c.n);
  x.num = s.threshold_num;
  x.den = s.threshold_den;
  x.w = c.eligible_weight;
  return x;
}

// approve weight `a` meets the threshold: a / w >= num / den, exactly.
bool meets(const needs& x, std::uint64_t a) noexcept {
  return a * x.den >= x.num * x.w;
}

}  // namespace

quorum_book::verdict quorum_book::evaluate(const proposal& p, bool at_deadline) noexcept {
  const tally& c = p.counts;
  constexpr verdict open_v{false, outcome::rejected, decision_reason::no_quorum};
  auto reject = [](decision_reason r) { return verdict{true, outcome::rejected, r}; };
  constexpr verdict pass{true, outcome::approved, decision_reason::approved};
  if (p.vetoed) return reject(decision_reason::vetoed);
  if (c.n == 0) return reject(decision_reason::no_quorum);
  const needs x = needs_of(p.spec, c);
  const std::uint64_t a = c.approve, r = c.reject, s = c.silent;
  const std::uint64_t aw = c.approve_weight, rw = c.reject_weight, pw = p.pending_weight;

  if (at_deadline) {  // the silent voters stay silent
    if (a + r < x.q) return reject(decision_reason::no_quorum);
    switch (p.spec.rule) {
      case quorum_rule::majority:
        if (a > r) return pass;
        return reject(a == r ? decision_reason::tie : decision_reason::rejected_by_vote);
      case quorum_rule::supermajority:
        return a >= x.t ? pass : reject(decision_reason::deadline);
      case quorum_rule::unanimous:
        return s == 0 && r == 0 ? pass : reject(decision_reason::deadline);
      case quorum_rule::weighted:
        if (meets(x, aw) && aw > rw) return pass;
        if (aw == rw) return reject(decision_reason::tie);
        return reject(aw < rw ? decision_reason::rejected_by_vote : decision_reason::deadline);
    }
    return reject(decision_reason::deadline);
  }

  // Early: approved when every way the silent voters may still vote (or not) approves it
  // (so not while a veto voter is silent); rejected when none does.
  const bool sure = a + r >= x.q && p.pending_vetoes == 0;  // turnout met, no veto to come
  const bool turnout_possible = a + r + s >= x.q;
  switch (p.spec.rule) {
    case quorum_rule::majority:
      if (sure && a > r + s) return pass;
      if (!turnout_possible) return reject(decision_reason::no_quorum);
      if (a + s <= r)
        return reject(s == 0 && a == r ? decision_reason::tie : decision_reason::rejected_by_vote);
      return open_v;
    case quorum_rule::supermajority:
      if (sure && a >= x.t) return pass;
      if (!turnout_possible) return reject(decision_reason::no_quorum);
      if (a + s < x.t)
        return reject(r > c.n - x.t ? decision_reason::rejected_by_vote
                                    : decision_reason::no_quorum);
      return open_v;
    case quorum_rule::unanimous:            // a reject has vetoed already
      if (s == 0 && a >= x.q) return pass;  // s == 0: nobody left to veto
      if (a + s < x.q) return reject(decision_reason::no_quorum);
      return open_v;
    case quorum_rule::weighted:
      if (sure && meets(x, aw) && aw > rw + pw) return pass;
      if (!turnout_possible) return reject(decision_reason::no_quorum);
      if (s == 0 && aw == rw) return reject(decision_reason::tie);
      if (!meets(x, x.w - rw) || x.w - rw <= rw || aw + pw <= rw)
        return reject(decision_reason::rejected_by_vote);
      if (!meets(x, aw + pw)) return reject(decision_reason::no_quorum);
      return open_v;
  }
  return open_v;
}

// ------------------------------------------------------------------------------------ the book

namespace {
// The deadline heap's order: a min-heap by (deadline, id), so proposals due at the same ns are
// decided by id.
template <class Entry>
bool later(const Entry& l, const Entry& r) noexcept {
  return l.deadline != r.deadline ? l.deadline > r.deadline : l.id > r.id;
}
}  // namespace

void quorum_book::reserve(std::size_t proposals, std::size_t voters) {
  const std::size_t had = slots_.size();
  if (proposals > had) {
    slots_.resize(proposals);
    for (std::size_t i = proposals; i-- > had;) free_.push_back(static_cast<std::uint32_t>(i));
  }
  for (proposal& p : slots_) {
    p.ballots.reserve(voters);
    p.ignored.reserve(k_max_logged_ignored);
  }
  free_.reserve(proposals);
  deadlines_.reserve(2 * proposals);
  index_.reserve(proposals);
  if (out_.empty()) out_.resize(4);
  for (decision_record& d : out_) {
    d.ballots.reserve(voters);
    d.ignored.reserve(k_max_logged_ignored);
  }
}

open_status quorum_book::check(const proposal_spec& spec) const noexcept {
  if (spec.deadline <= spec.created) return open_status::bad_deadline;
  if (spec.rule == quorum_rule::weighted &&
      (spec.threshold_den == 0 || spec.threshold_den > k_max_threshold_den ||
       spec.threshold_num == 0 || spec.threshold_num > spec.threshold_den))
    return open_status::bad_threshold;
  if (index_.find(spec.id) != detail::id_index::none) return open_status::duplicate_id;
  return open_status::ok;
}

std::uint32_t quorum_book::take_slot(const proposal_spec& spec) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  proposal& p = slots_[slot];
  p.spec = spec;
  ++p.generation;
  p.ballots.clear();
  p.ignored.clear();
  p.counts = tally{};
  p.ignored_total = 0;
  p.pending_weight = 0;
  p.next_seq = 0;
  p.pending_vetoes = 0;
  p.vetoed = false;
  return slot;
}

open_result quorum_book::finish_open(std::uint32_t slot) {
  proposal& p = slots_[slot];
  std::sort(p.ballots.begin(), p.ballots.end(),
            [](const ballot& l, const ballot& r) { return l.voter < r.voter; });
  bool ok = p.ballots.size() <= k_max_voters;
  for (std::size_t i = 0; ok && i < p.ballots.size(); ++i) {
    const ballot& b = p.ballots[i];
    ok = b.weight <= k_max_weight && (i == 0 || p.ballots[i - 1].voter != b.voter);
  }
  if (!ok) {
    free_.push_back(slot);
    return {open_status::bad_voters, {}};
  }
  tally& c = p.counts;
  for (const ballot& b : p.ballots) {
    if (b.state == ballot_state::excluded) {
      ++c.excluded;
    } else {
      ++c.n;
      c.eligible_weight += b.weight;
      if (b.veto) ++p.pending_vetoes;
    }
  }
  c.eligible_at_open = c.n;
  c.silent = c.n;
  p.pending_weight = c.eligible_weight;
  p.open = true;
  index_.insert(p.spec.id, slot);
  deadlines_.push_back({p.spec.deadline, p.spec.id, slot, p.generation});
  std::push_heap(deadlines_.begin(), deadlines_.end(), later<deadline_entry>);
  ++open_n_;
  // Proposals decided early leave their entry until advance() reaches its deadline; drop them
  // when they outnumber the open ones, so the heap stays bounded even if advance() is rare
  // (amortised O(1) per open).
  if (deadlines_.size() > 2 * open_n_ + 64) {
    std::erase_if(deadlines_, [this](const deadline_entry& e) {
      return !slots_[e.slot].open || slots_[e.slot].generation != e.generation;
    });
    std::make_heap(deadlines_.begin(), deadlines_.end(), later<deadline_entry>);
  }
  ++stats_.opened;
  if (const verdict d = evaluate(p, false); d.decided) decide(slot, d, p.spec.created, false);
  return {open_status::ok, last_decisions()};
}

open_result quorum_book::open(const proposal_spec& spec, std::span<const voter> voters,
                              const liveness_tracker* live) {
  begin();
  if (const open_status s = check(spec); s != open_status::ok) return {s, {}};
  if (voters.size() > k_max_voters) return {open_status::bad_voters, {}};
  const std::uint32_t slot = take_slot(spec);
  for (const voter& v : voters) {
    ballot b;
    b.voter = v.id;
    b.weight = v.weight;
    b.veto = v.veto;
    b.state =
        live != nullptr && !live->is_up(v.id) ? ballot_state::excluded : ballot_state::pending;
    slots_[slot].ballots.push_back(b);
  }
  return finish_open(slot);
}

open_result quorum_book::open(const proposal_spec& spec, const liveness_tracker& live) {
  begin();
  if (const open_status s = check(spec); s != open_status::ok) return {s, {}};
  const std::uint32_t slot = take_slot(spec);
  for (const agent_id id : live.up_agents()) {
    ballot b;
    b.voter = id;
    slots_[slot].ballots.push_back(b);
  }
  return finish_open(slot);
}

void quorum_book::ignore(proposal& p, const vote& v, vote_status why) {
  switch (why) {
    case vote_status::late:
      ++p.counts.late;
      break;
    case vote_status::duplicate:
      ++p.counts.duplicate;
      break;
    case vote_status::not_eligible:
      ++p.counts.not_eligible;
      break;
    case vote_status::dropped:
      ++p.counts.dropped_votes;
      break;
    default:
      break;
  }
  if (p.ignored.size() < k_max_logged_ignored) p.ignored.push_back({v.voter, v.choice, why, v.ts});
  ++p.ignored_total;
  ++stats_.votes_ignored;
}

cast_result quorum_book::cast(const vote& v) {
  begin();
  const std::uint32_t slot = index_.find(v.proposal);
  if (slot == detail::id_index::none) {
    ++stats_.votes_closed;
    return {vote_status::closed, {}};
  }
  proposal& p = slots_[slot];
  if (v.ts >= p.spec.deadline) {
    ignore(p, v, vote_status::late);
    decide(slot, evaluate(p, true), p.spec.deadline, true);
    return {vote_status::late, last_decisions()};
  }
  auto it = std::lower_bound(p.ballots.begin(), p.ballots.end(), v.voter,
                             [](const ballot& b, agent_id id) { return b.voter < id; });
  vote_status why = vote_status::counted;
  if (it == p.ballots.end() || it->voter != v.voter || it->state == ballot_state::excluded)
    why = vote_status::not_eligible;
  else if (it->state == ballot_state::dropped)
    why = vote_status::dropped;
  else if (it->state != ballot_state::pending)
    why = vote_status::duplicate;
  if (why != vote_status::counted) {
    ignore(p, v, why);
    return {why, {}};
  }
  ballot& b = *it;
  tally& c = p.counts;
  b.ts = v.ts;
  b.seq = ++p.next_seq;
  b.reason.assign(v.reason);
  b.counted_weight = std::min(v.weight, b.weight);
  --c.silent;
  p.pending_weight -= b.weight;
  if (b.veto) --p.pending_vetoes;
  switch (v.choice) {
    case vote_choice::approve:
      b.state = ballot_state::approve;
      ++c.approve;
      c.approve_weight += b.counted_weight;
      break;
    case vote_choice::reject:
      b.state = ballot_state::reject;
      ++c.reject;
      c.reject_weight += b.counted_weight;
      if (b.veto || p.spec.rule == quorum_rule::unanimous) p.vetoed = true;
      break;
    case vote_choice::abstain:
      b.state = ballot_state::abstain;
      ++c.abstain;
      break;
  }
  ++stats_.votes_counted;
  if (const verdict d = evaluate(p, false); d.decided) decide(slot, d, v.ts, false);
  return {vote_status::counted, last_decisions()};
}

std::span<const decision_record> quorum_book::advance(ts_ns now) {
  begin();
  while (!deadlines_.empty() && deadlines_.front().deadline <= now) {
    std::pop_heap(deadlines_.begin(), deadlines_.end(), later<deadline_entry>);
    const deadline_entry e = deadlines_.back();
    deadlines_.pop_back();
    const proposal& p = slots_[e.slot];
    if (p.open && p.generation == e.generation) decide(e.slot, evaluate(p, true), e.deadline, true);
  }
  return last_decisions();
}

void quorum_book::down_one(agent_id agent, ts_ns ts) {
  for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
    proposal& p = slots_[slot];
    if (!p.open || ts >= p.spec.deadline) continue;
    auto it = std::lower_bound(p.ballots.begin(), p.ballots.end(), agent,
                               [](const ballot& b, agent_id id) { return b.voter < id; });
    if (it == p.ballots.end() || it->voter != agent || it->state != ballot_state::pending) continue;
    it->state = ballot_state::dropped;
    it->ts = ts;
    tally& c = p.counts;
    --c.n;
    --c.silent;
    ++c.dropped;
    c.eligible_weight -= it->weight;
    p.pending_weight -= it->weight;
    if (it->veto) --p.pending_vetoes;
    if (const verdict d = evaluate(p, false); d.decided) decide(slot, d, ts, false);
  }
}

std::span<const decision_record> quorum_book::agent_down(agent_id agent, ts_ns ts) {
  begin();
  down_one(agent, ts);
  return last_decisions();
}

std::span<const decision_record> quorum_book::apply(std::span<const liveness_event> events) {
  begin();
  for (const liveness_event& e : events)
    if (e.change == liveness_change::down) down_one(e.agent, e.ts);
  return last_decisions();
}

bool quorum_book::cancel(proposal_id id, ts_ns ts) {
  begin();
  const std::uint32_t slot = index_.find(id);
  if (slot == detail::id_index::none) return false;
  decide(slot, verdict{true, outcome::rejected, decision_reason::cancelled}, ts, false);
  return true;
}

void quorum_book::decide(std::uint32_t slot, verdict d, ts_ns at, bool at_deadline) {
  proposal& p = slots_[slot];
  if (out_n_ == out_.size()) out_.emplace_back();
  decision_record& rec = out_[out_n_++];
  rec.spec = p.spec;
  rec.result = d.result;
  rec.reason = d.reason;
  rec.decided_at = at;
  rec.at_deadline = at_deadline;
  rec.adapted = p.counts.dropped > 0;
  rec.counts = p.counts;
  const needs x = needs_of(p.spec, p.counts);
  rec.counts.turnout_required = x.q;
  switch (p.spec.rule) {
    case quorum_rule::majority:
    case quorum_rule::unanimous:
      rec.counts.required = x.q;
      break;
    case quorum_rule::supermajority:
      rec.counts.required = x.t;
      break;
    case quorum_rule::weighted:
      rec.counts.required = (x.num * x.w + x.den - 1) / x.den;
      break;
  }
  rec.ballots.assign(p.ballots.begin(), p.ballots.end());
  rec.ignored.assign(p.ignored.begin(), p.ignored.end());
  rec.ignored_total = p.ignored_total;
  p.open = false;
  index_.erase(p.spec.id);
  free_.push_back(slot);
  --open_n_;
  ++stats_.decided;
  if (d.result == outcome::approved) ++stats_.approved;
}

// -------------------------------------------------------------------------------------- text

std::string_view to_string(quorum_rule r) noexcept {
  switch (r) {
    case quorum_rule::majority:
      return "majority";
    case quorum_rule::supermajority:
      return "supermajority";
    case quorum_rule::unanimous:
      return "unanimous";
    case quorum_rule::weighted:
      return "weighted";
  }
  return "?";
}

std::string_view to_string(vote_choice c) noexcept {
  switch (c) {
    case vote_choice::approve:
      return "approve";
    case vote_choice::reject:
      return "reject";
    case vote_choice::abstain:
      return "abstain";
  }
  return "?";
}

std::string_view to_string(outcome o) noexcept {
  return o == outcome::approved ? "approved" : "rejected";
}

std::string_view to_string(decision_reason r) noexcept {
  switch (r) {
    case decision_reason::approved:
      return "approved";
    case decision_reason::rejected_by_vote:
      return "rejected_by_vote";
    case decision_reason::tie:
      return "tie";
    case decision_reason::no_quorum:
      return "no_quorum";
    case decision_reason::deadline:
      return "deadline";
    case decision_reason::vetoed:
      return "vetoed";
    case decision_reason::cancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view to_string(ballot_state s) noexcept {
  switch (s) {
    case ballot_state::pending:
      return "silent";
    case ballot_state::approve:
      return "approve";
    case ballot_state::reject:
      return "reject";
    case ballot_state::abstain:
      return "abstain";
    case ballot_state::excluded:
      return "excluded";
    case ballot_state::dropped:
      return "dropped";
  }
  return "?";
}

std::string_view to_string(vote_status s) noexcept {
  switch (s) {
    case vote_status::counted:
      return "counted";
    case vote_status::late:
      return "late";
    case vote_status::duplicate:
      return "duplicate";
    case vote_status::not_eligible:
      return "not_eligible";
    case vote_status::dropped:
      return "dropped";
    case vote_status::closed:
      return "closed";
  }
  return "?";
}

std::string describe(const decision_record& d) {
  const tally& c = d.counts;
  std::string s =
      "proposal " + std::to_string(d.spec.id) + " by " + std::to_string(d.spec.proposer);
  s += " (" + std::string(to_string(d.spec.rule)) + "): " + std::string(to_string(d.result));
  s += " [" + std::string(to_string(d.reason)) + "] at " + std::to_string(d.decided_at);
  s += d.at_deadline ? " (deadline)" : " (early)";
  if (d.adapted)
    s += " adapted: " + std::to_string(c.dropped) + " voter(s) went down, n " +
         std::to_string(c.eligible_at_open) + " -> " + std::to_string(c.n);
  s += "; n=" + std::to_string(c.n) + " approve=" + std::to_string(c.approve) +
       " reject=" + std::to_string(c.reject) + " abstain=" + std::to_string(c.abstain) +
       " silent=" + std::to_string(c.silent) + " excluded=" + std::to_string(c.excluded) +
       " turnout_required=" + std::to_string(c.turnout_required) +
       " required=" + std::to_string(c.required);
  if (d.spec.rule == quorum_rule::weighted)
    s += " weight approve/reject/eligible=" + std::to_string(c.approve_weight) + "/" +
         std::to_string(c.reject_weight) + "/" + std::to_string(c.eligible_weight) +
         " threshold=" + std::to_string(d.spec.threshold_num) + "/" +
         std::to_string(d.spec.threshold_den);
  s += "; ballots:";
  for (const ballot& b : d.ballots) {
    s += " " + std::to_string(b.voter) + "=" + std::string(to_string(b.state));
    if (b.state == ballot_state::approve || b.state == ballot_state::reject ||
        b.state == ballot_state::abstain) {
      s += "#" + std::to_string(b.seq) + "@" + std::to_string(b.ts);
      if (d.spec.rule == quorum_rule::weighted)
        s += " w" + std::to_string(b.counted_weight) + "/" + std::to_string(b.weight);
      if (b.reason.size != 0) s += " \"" + std::string(b.reason.view()) + "\"";
    } else if (b.state == ballot_state::dropped) {
      s += "@" + std::to_string(b.ts);
    }
  }
  if (d.ignored_total != 0) {
    s += "; ignored " + std::to_string(d.ignored_total) + ":";
    for (const ignored_vote& i : d.ignored)
      s += " " + std::to_string(i.voter) + "=" + std::string(to_string(i.choice)) + "@" +
           std::to_string(i.ts) + " " + std::string(to_string(i.why));
  }
  return s;
}

}  // namespace ntrun::transport
