// The host's message router for runs with agents (see router.hpp, docs/agents.md).
#include "ntrun/agents/router.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace ntrun::agents {

namespace tr = ntrun::transport;
namespace wire = ntrun::wire;

namespace {
constexpr std::size_t max_problems = 8;
/// A silent agent is never marked down by time here: the host tells the router when an agent
/// stops (agent_down); a process that dies is the remote runner's to detect.
constexpr ts_ns never = std::numeric_limits<ts_ns>::max() / 4;

const char* choice_name(tr::ballot_state s) noexcept {
  switch (s) {
    case tr::ballot_state::approve: return "approve";
    case tr::ballot_state::reject: return "reject";
    case tr::ballot_state::abstain: return "abstain";
    case tr::ballot_state::pending: return "silent";
    case tr::ballot_state::excluded: return "excluded";
    case tr::ballot_state::dropped: return "dropped";
  }
  return "?";
}

const char* reason_name(tr::decision_reason r) noexcept {
  switch (r) {
    case tr::decision_reason::approved: return "approved";
    case tr::decision_reason::rejected_by_vote: return "rejected by vote";
    case tr::decision_reason::tie: return "a tie";
    case tr::decision_reason::no_quorum: return "no quorum";
    case tr::decision_reason::deadline: return "the deadline passed";
    case tr::decision_reason::vetoed: return "vetoed";
    case tr::decision_reason::cancelled: return "cancelled";
  }
  return "?";
}

const char* rule_name(tr::quorum_rule r) noexcept {
  switch (r) {
    case tr::quorum_rule::majority: return "majority";
    case tr::quorum_rule::supermajority: return "supermajority";
    case tr::quorum_rule::unanimous: return "unanimous";
    case tr::quorum_rule::weighted: return "weighted";
  }
  return "?";
}
}  // namespace

router::router(router_config cfg, std::vector<mailbox*> boxes)
    : cfg_(std::move(cfg)), boxes_(std::move(boxes)), live_(never) {
  if (boxes_.size() != cfg_.agents.size()) {
    throw std::invalid_argument("router: one mailbox per agent");
  }
  names_.emplace_back("host");
  for (const auto& a : cfg_.agents) names_.push_back(a.name);
  auto id_of = [&](const std::string& name, const char* what) -> std::uint32_t {
    for (std::size_t i = 1; i < names_.size(); ++i) {
      if (names_[i] == name) return static_cast<std::uint32_t>(i);
    }
    throw std::invalid_argument(std::string(what) + ": no agent named '" + name + "'");
  };
  // Fixed topics first (their channels are the same in every run), then the bundle's own.
  for (const char* t : {"bars", "signals", "proposals", "votes", "decisions", "risk", "liveness"}) {
    topics_.emplace_back(t);
  }
  subs_.assign(names_.size(), {});
  parent_.assign(names_.size(), 0);
  for (std::size_t i = 0; i < cfg_.agents.size(); ++i) {
    for (const auto& t : cfg_.agents[i].subscribe) {
      const auto ch = static_cast<std::size_t>(channel_of(t));
      auto& s = subs_[i + 1];
      if (s.size() <= ch) s.resize(ch + 1, false);
      s[ch] = true;
    }
    if (!cfg_.agents[i].parent.empty()) {
      parent_[i + 1] = id_of(cfg_.agents[i].parent, "parent");
    }
  }
  if (cfg_.topo == topology::star) hub_ = id_of(cfg_.hub, "hub");
  for (const auto& v : cfg_.quorum.voters) {
    voters_.push_back({.id = id_of(v.name, "quorum.voters"), .weight = v.weight, .veto = v.veto});
  }
  std::sort(voters_.begin(), voters_.end(),
            [](const tr::voter& a, const tr::voter& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < boxes_.size(); ++i) {
    boxes_[i]->set_directory(&names_, &topics_);
    (void)live_.heartbeat(static_cast<std::uint32_t>(i + 1), std::numeric_limits<ts_ns>::min() / 4);
  }
  stats_.sent.assign(names_.size(), 0);
  last_seq_.assign(names_.size(), 0);
  stats_.received.assign(names_.size(), 0);
}

std::int64_t router::channel_of(const std::string& topic) {
  for (std::size_t i = 0; i < topics_.size(); ++i) {
    if (topics_[i] == topic) return static_cast<std::int64_t>(i);
  }
  topics_.push_back(topic);
  return static_cast<std::int64_t>(topics_.size() - 1);
}

bool router::subscribed(std::uint32_t agent, std::int64_t channel) const noexcept {
  const auto& s = subs_[agent];
  return channel >= 0 && static_cast<std::size_t>(channel) < s.size() &&
         s[static_cast<std::size_t>(channel)];
}

bool router::allowed(std::uint32_t from, std::uint32_t to) const noexcept {
  if (from == 0 || from == to) return from == 0;
  switch (cfg_.topo) {
    case topology::mesh: return true;
    case topology::star: return from == hub_ || to == hub_;
    case topology::hierarchical: return parent_[from] == to || parent_[to] == from;
  }
  return false;
}

void router::deliver(std::uint32_t to, tr::bytes env, ts_ns ts_event, ts_ns ts_init,
                     std::int64_t channel) {
  if (!live_.is_up(to)) return;
  boxes_[to - 1]->deliver(env, ts_event, ts_init, channel);
  ++stats_.delivered;
  ++stats_.received[to];
}

void router::problem(std::uint32_t agent, const std::string& what) {
  ++stats_.bad;
  if (problems_.size() < max_problems) problems_.push_back(names_[agent] + ": " + what);
}

void router::begin(ts_ns now) {
  for (auto* b : boxes_) b->compact();
  for (std::uint32_t id = 1; id < names_.size(); ++id) {
    if (live_.is_up(id)) (void)live_.heartbeat(id, now);
  }
  decided(book_.advance(now), now);
}

void router::finish(ts_ns now) {
  decided(book_.advance(std::numeric_limits<ts_ns>::max() / 2), now);
}

void router::agent_up(std::uint32_t id, ts_ns now) {
  if (id == 0 || id >= names_.size() || live_.is_up(id)) return;
  (void)live_.heartbeat(id, now);
  const tr::bytes env = enc_.encode(
      tr::header{.version = tr::schema_version, .flags = 0, .sender = 0, .seq = ++seq_,
                 .ts_event = now, .ts_init = now, .correlation = id},
      tr::heartbeat_msg{.state = wire::AgentState::Running, .interval_ns = 0, .uptime_ns = 0,
                        .pending = 0});
  const std::int64_t ch = channel_of("liveness");
  for (std::uint32_t to = 1; to < names_.size(); ++to) {
    if (to != id && subscribed(to, ch)) deliver(to, env, now, now, ch);
  }
  ++stats_.sent[0];
}

void router::agent_down(std::uint32_t id, ts_ns now) {
  if (id == 0 || id >= names_.size() || !live_.is_up(id)) return;
  (void)live_.leave(id, now);
  decided(book_.agent_down(id, now), now);
  // The others learn of it on the "liveness" topic: a heartbeat of the host, state Stopping,
  // whose correlation is the agent that went down.
  const tr::bytes env = enc_.encode(
      tr::header{.version = tr::schema_version, .flags = 0, .sender = 0, .seq = ++seq_,
                 .ts_event = now, .ts_init = now, .correlation = id},
      tr::heartbeat_msg{.state = wire::AgentState::Stopping, .interval_ns = 0, .uptime_ns = 0,
                        .pending = 0});
  const std::int64_t ch = channel_of("liveness");
  for (std::uint32_t to = 1; to < names_.size(); ++to) {
    if (subscribed(to, ch)) deliver(to, env, now, now, ch);
  }
  ++stats_.sent[0];
}

std::size_t router::route(ts_ns now) {
  for (auto* b : boxes_) b->compact();
  order_.clear();
  for (std::uint32_t i = 0; i < boxes_.size(); ++i) {
    auto& out = boxes_[i]->outbox();
    for (std::size_t k = 0; k < out.size(); ++k) {
      const tr::read_result r = tr::read_envelope(out[k].view());
      if (!r) {
        problem(i + 1, std::string("a bad envelope (") + tr::to_string(r.error) + ")");
        continue;
      }
      const tr::header h = r.view.head();
      if (h.sender != i + 1) {
        problem(i + 1, "an envelope with another agent's sender id");
        continue;
      }
      order_.push_back({.ts = h.ts_event, .sender = h.sender, .seq = h.seq, .box = i, .index = k});
    }
  }
  std::sort(order_.begin(), order_.end(), [](const pending& a, const pending& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    if (a.sender != b.sender) return a.sender < b.sender;
    return a.seq < b.seq;
  });
  for (const pending& p : order_) {
    const mailbox::outgoing& o = boxes_[p.box]->outbox()[p.index];
    const tr::read_result r = tr::read_envelope(o.view());
    const tr::header h = r.view.head();
    const std::int64_t ch = channel_of(o.topic);
    // Sequence numbers: each sender's go up by one. Not above the last: a duplicate or a
    // replay, dropped; a jump: messages lost on the way, counted (the rest is delivered).
    std::uint64_t& last = last_seq_[p.sender];
    if (h.seq <= last) {
      ++stats_.replayed;
      problem(p.sender, "a duplicated or replayed message (seq " + std::to_string(h.seq) +
                            " after " + std::to_string(last) + ")");
      --stats_.bad;  // counted as replayed, not as bad
      continue;
    }
    if (h.seq > last + 1) stats_.missing += h.seq - last - 1;
    last = h.seq;
    ++stats_.routed;
    ++stats_.sent[p.sender];
    if (!live_.is_up(p.sender)) continue;  // published before it stopped: not delivered
    if (const auto* prop = r.view.as<wire::Proposal>()) {
      // Opened in the book among the voters; delivered to each eligible voter (whatever it
      // subscribes to) and to the proposal's subscribers.
      ++stats_.proposals;
      std::vector<tr::voter> voters;
      if (voters_.empty()) {
        // No voters named: the agents that subscribe to proposals.
        const std::int64_t pch = channel_of("proposals");
        for (std::uint32_t id = 1; id < names_.size(); ++id) {
          if (id != p.sender && subscribed(id, pch)) voters.push_back({.id = id, .weight = 1, .veto = false});
        }
      } else {
        for (const auto& v : voters_) {
          if (v.id != p.sender) voters.push_back(v);
        }
      }
      const tr::proposal_spec spec{.id = prop->id(),
                                   .proposer = p.sender,
                                   .created = h.ts_event,
                                   // No deadline given: the bundle's quorum.deadline_ms.
                                   .deadline = prop->deadline() > h.ts_event
                                                   ? prop->deadline()
                                                   : h.ts_event + std::max<ts_ns>(cfg_.quorum.deadline, 1),
                                   .rule = cfg_.quorum.rule,
                                   .min_turnout = cfg_.quorum.min_turnout,
                                   .threshold_num = cfg_.quorum.threshold_num,
                                   .threshold_den = cfg_.quorum.threshold_den};
      open_.push_back({.id = prop->id(),
                       .proposer = p.sender,
                       .symbol = prop->symbol(),
                       .side = static_cast<std::int32_t>(prop->side()),
                       .quantity = prop->quantity()});
      for (const auto& v : voters) {
        if (live_.is_up(v.id)) deliver(v.id, o.view(), h.ts_event, h.ts_init, ch);
      }
      for (std::uint32_t to = 1; to < names_.size(); ++to) {
        const bool voter = std::any_of(voters.begin(), voters.end(),
                                       [&](const tr::voter& v) { return v.id == to; });
        if (!voter && subscribed(to, ch) && allowed(p.sender, to)) {
          deliver(to, o.view(), h.ts_event, h.ts_init, ch);
        }
      }
      const tr::open_result res = book_.open(spec, voters, &live_);
      if (res.status != tr::open_status::ok) {
        problem(p.sender, "a proposal the quorum book refused (a duplicate id or a bad deadline)");
        open_.pop_back();
      } else {
        decided(res.decisions, now);
      }
      continue;
    }
    if (const auto* v = r.view.as<wire::Vote>()) {
      const double w = v->weight();
      const tr::cast_result c = book_.cast(
          {.proposal = v->proposal_id(),
           .voter = p.sender,
           .choice = static_cast<tr::vote_choice>(v->choice()),
           .ts = h.ts_event,
           .weight = w > 0 ? static_cast<std::uint32_t>(std::min(w, 1e6)) : tr::k_full_weight,
           .reason = v->reason() ? v->reason()->string_view() : std::string_view()});
      switch (c.status) {
        case tr::vote_status::counted: ++stats_.votes_counted; break;
        case tr::vote_status::late: ++stats_.votes_late; break;
        case tr::vote_status::duplicate: ++stats_.votes_duplicate; break;
        case tr::vote_status::not_eligible:
        case tr::vote_status::dropped: ++stats_.votes_not_eligible; break;
        case tr::vote_status::closed: ++stats_.votes_closed; break;
      }
      decided(c.decisions, now);
    }
    for (std::uint32_t to = 1; to < names_.size(); ++to) {
      if (subscribed(to, ch) && allowed(p.sender, to)) deliver(to, o.view(), h.ts_event, h.ts_init, ch);
    }
  }
  for (auto* b : boxes_) b->clear_outbox();
  return order_.size();
}

void router::decided(std::span<const tr::decision_record> records, ts_ns now) {
  for (const tr::decision_record& d : records) {
    const auto it = std::find_if(open_.begin(), open_.end(),
                                 [&](const open_info& o) { return o.id == d.spec.id; });
    if (it == open_.end()) continue;
    const open_info info = *it;
    open_.erase(it);
    const bool ok = d.result == tr::outcome::approved;
    ok ? ++stats_.approved : ++stats_.rejected;
    const tr::tally& t = d.counts;
    char why[200];
    std::snprintf(why, sizeof why, "%s (%s: %u approve, %u reject, %u abstain, %u silent of %u)",
                  reason_name(d.reason), rule_name(d.spec.rule), t.approve, t.reject, t.abstain,
                  t.silent, t.n);
    decision_entry e{.ts = d.decided_at,
                     .proposal = d.spec.id,
                     .proposer = names_[info.proposer],
                     .symbol = info.symbol,
                     .side = info.side,
                     .quantity = info.quantity,
                     .approved = ok,
                     .reason = why,
                     .ballots = {}};
    std::vector<tr::vote_msg> votes;
    // The votes' reasons are views of the ballots' strings: no reallocation after this.
    e.ballots.reserve(d.ballots.size());
    for (const tr::ballot& b : d.ballots) {
      e.ballots.push_back({.voter = names_[b.voter],
                           .choice = choice_name(b.state),
                           .weight = static_cast<double>(b.counted_weight ? b.counted_weight : b.weight),
                           .reason = std::string(b.reason.view())});
      if (b.state == tr::ballot_state::approve || b.state == tr::ballot_state::reject ||
          b.state == tr::ballot_state::abstain) {
        votes.push_back({.proposal_id = d.spec.id,
                         .voter = b.voter,
                         .choice = b.state == tr::ballot_state::approve ? wire::VoteChoice::Approve
                                   : b.state == tr::ballot_state::reject ? wire::VoteChoice::Reject
                                                                         : wire::VoteChoice::Abstain,
                         .weight = static_cast<double>(b.counted_weight ? b.counted_weight : b.weight),
                         .reason = e.ballots.back().reason});
      }
    }
    const wire::Outcome out = ok ? wire::Outcome::Approved
                              : d.reason == tr::decision_reason::deadline ? wire::Outcome::Expired
                              : d.reason == tr::decision_reason::no_quorum ? wire::Outcome::NoQuorum
                                                                          : wire::Outcome::Rejected;
    const ts_ns ts = std::max(now, d.decided_at);
    const bool weighted = d.spec.rule == tr::quorum_rule::weighted;
    const tr::bytes env = enc_.encode(
        tr::header{.version = tr::schema_version, .flags = 0, .sender = 0, .seq = ++seq_,
                   .ts_event = ts, .ts_init = now, .correlation = d.spec.id},
        tr::decision_msg{.proposal_id = d.spec.id,
                         .outcome = out,
                         .reason = e.reason,
                         .approve = static_cast<double>(weighted ? t.approve_weight : t.approve),
                         .reject = static_cast<double>(weighted ? t.reject_weight : t.reject),
                         .abstain = static_cast<double>(t.abstain),
                         .votes = votes});
    const std::int64_t ch = channel_of("decisions");
    for (std::uint32_t to = 1; to < names_.size(); ++to) {
      if (to == info.proposer || subscribed(to, ch)) deliver(to, env, ts, now, ch);
    }
    ++stats_.sent[0];
    log_.push_back(std::move(e));
  }
}

}  // namespace ntrun::agents
