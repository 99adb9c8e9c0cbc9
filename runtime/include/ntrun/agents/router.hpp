// The host's message router for a run with agents (docs/agents.md): between two turns it
// drains every agent's outbox, orders the messages by (ts_event, sender, seq), checks each
// envelope, applies the topology and the subscriptions, keeps the quorum book (proposals,
// votes, deadlines, agents going down) and delivers what each agent should see to its inbox,
// the decisions it made included. Same inputs, same deliveries: a run with agents is
// deterministic. Knows no Lua.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ntrun/engine/mailbox.hpp"
#include "ntrun/market/types.hpp"
#include "ntrun/transport/liveness.hpp"
#include "ntrun/transport/quorum.hpp"

namespace ntrun::agents {

enum class topology : std::uint8_t { mesh, star, hierarchical };

struct agent_info {
  std::string name;
  std::string role;                    ///< "analyst", "risk", "portfolio", "executor", ...
  std::vector<std::string> subscribe;  ///< topics it receives ("bars" is the market data)
  std::string parent;                  ///< hierarchical topology: its parent agent, "" = a root
};

struct quorum_config {
  transport::quorum_rule rule = transport::quorum_rule::majority;
  ts_ns deadline = 0;                 ///< after the proposal, in the run's clock
  std::uint32_t threshold_num = 1, threshold_den = 2;  ///< weighted rule
  std::uint32_t min_turnout = transport::k_default_turnout;
  struct voter {
    std::string name;
    std::uint32_t weight = 1;
    bool veto = false;
  };
  std::vector<voter> voters;  ///< empty: every other agent (weight 1) of the proposer
};

struct router_config {
  std::vector<agent_info> agents;  ///< agent ids are 1-based positions here
  topology topo = topology::mesh;
  std::string hub;  ///< star: the agent every message goes through
  quorum_config quorum;
};

/// One decision as the report lists it.
struct decision_entry {
  ts_ns ts = 0;
  std::uint64_t proposal = 0;
  std::string proposer;
  std::uint32_t symbol = 0;
  std::int32_t side = 0;
  double quantity = 0;
  bool approved = false;
  std::string reason;  ///< e.g. "approved: 2 of 3 approve (majority)"
  struct ballot {
    std::string voter;
    std::string choice;  ///< approve, reject, abstain, silent, excluded, dropped
    double weight = 0;
    std::string reason;
  };
  std::vector<ballot> ballots;
};

struct router_stats {
  std::uint64_t routed = 0;     ///< messages taken from outboxes
  std::uint64_t delivered = 0;  ///< copies put into inboxes
  std::uint64_t bad = 0;        ///< envelopes that failed the checks (dropped)
  std::uint64_t replayed = 0;   ///< a sender's seq not above its last one: duplicates, replays (dropped)
  std::uint64_t missing = 0;    ///< gaps in a sender's seq: messages that never came
  std::uint64_t proposals = 0, approved = 0, rejected = 0;
  std::uint64_t votes_counted = 0, votes_late = 0, votes_duplicate = 0, votes_not_eligible = 0,
                votes_closed = 0;
  std::vector<std::uint64_t> sent, received;  ///< per agent id (0: the host)
};

class router {
 public:
  /// boxes[i] is the mailbox of agent i + 1. Throws std::invalid_argument for a config that
  /// names an unknown agent (hub, parent, voter).
  router(router_config cfg, std::vector<mailbox*> boxes);

  /// The agent names by id (0: "host") and the topic names by channel.
  [[nodiscard]] const std::vector<std::string>& agent_names() const noexcept { return names_; }
  [[nodiscard]] const std::vector<std::string>& topics() const noexcept { return topics_; }

  /// A new timestamp: live agents are seen, proposals past their deadline are decided (the
  /// decisions go to the inboxes).
  void begin(ts_ns now);
  /// Drains the outboxes and delivers; returns the number of messages routed (0: quiet).
  std::size_t route(ts_ns now);
  /// An agent stopped (an error, a timeout): it leaves the open proposals (which may decide
  /// them) and is excluded from new ones.
  void agent_down(std::uint32_t id, ts_ns now);
  [[nodiscard]] bool is_up(std::uint32_t id) const noexcept { return live_.is_up(id); }
  /// The run ended at `now`: proposals still open are decided as at their deadline (logged;
  /// nobody acts on them any more).
  void finish(ts_ns now);
  /// An agent that went down is back (its process rejoined): up again, eligible for new
  /// proposals, and the "liveness" subscribers hear of it (a heartbeat, state Running).
  void agent_up(std::uint32_t id, ts_ns now);

  [[nodiscard]] const router_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const std::vector<decision_entry>& decisions() const noexcept { return log_; }
  /// First few bad envelopes: "agent: reason".
  [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  struct pending {
    ts_ns ts = 0;
    std::uint32_t sender = 0;
    std::uint64_t seq = 0;
    std::uint32_t box = 0;
    std::size_t index = 0;
  };
  [[nodiscard]] bool allowed(std::uint32_t from, std::uint32_t to) const noexcept;
  [[nodiscard]] bool subscribed(std::uint32_t agent, std::int64_t channel) const noexcept;
  std::int64_t channel_of(const std::string& topic);
  void deliver(std::uint32_t to, transport::bytes env, ts_ns ts_event, ts_ns ts_init,
               std::int64_t channel);
  void decided(std::span<const transport::decision_record> records, ts_ns now);
  void problem(std::uint32_t agent, const std::string& what);

  router_config cfg_;
  std::vector<mailbox*> boxes_;
  std::vector<std::string> names_;
  std::vector<std::string> topics_;
  std::vector<std::vector<bool>> subs_;  ///< per agent id, per channel
  std::vector<std::uint32_t> parent_;    ///< per agent id (0: none)
  std::uint32_t hub_ = 0;
  std::vector<transport::voter> voters_;  ///< from the config (empty: all but the proposer)
  transport::quorum_book book_;
  transport::liveness_tracker live_;
  struct open_info {
    std::uint64_t id;
    std::uint32_t proposer;
    std::uint32_t symbol;
    std::int32_t side;
    double quantity;
  };
  std::vector<open_info> open_;
  transport::encoder enc_;
  std::uint64_t seq_ = 0;  ///< the host's own envelopes (decisions)
  std::vector<pending> order_;
  std::vector<std::uint64_t> last_seq_;  ///< per sender: the last seq routed
  router_stats stats_;
  std::vector<decision_entry> log_;
  std::vector<std::string> problems_;
};

}  // namespace ntrun::agents
