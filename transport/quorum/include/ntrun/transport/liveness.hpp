// Agent liveness: a tracker fed heartbeats (ts in ns, from the engine's clock) that marks an
// agent down when it has been silent longer than a timeout and up again on its next heartbeat.
// No clock is read here: time only moves when the caller says so, so backtests stay
// deterministic. docs/quorum.md, "Liveness".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ntrun::transport {

using agent_id = std::uint32_t;
using ts_ns = std::int64_t;

enum class liveness_change : std::uint8_t {
  joined,  // first heartbeat ever seen from this agent (it is up from now)
  down,    // silent for longer than the timeout
  up,      // a heartbeat from an agent that was down: it rejoins
};

/// One transition. `ts` is when it was decided (the heartbeat's ts for joined/up, the `now`
/// of advance() for down); `last_seen` is the agent's latest heartbeat before it.
struct liveness_event {
  agent_id agent = 0;
  liveness_change change = liveness_change::joined;
  ts_ns ts = 0;
  ts_ns last_seen = 0;
};

class liveness_tracker {
 public:
  /// An agent is down once `now - last_seen > timeout` (strictly longer than the timeout).
  explicit liveness_tracker(ts_ns timeout);

  /// Records a heartbeat. Returns the transition it causes (joined, or up after down), if any.
  /// A heartbeat older than the agent's latest one is stale: it changes nothing.
  std::optional<liveness_event> heartbeat(agent_id agent, ts_ns ts);

  /// Marks down every up agent silent for longer than the timeout at `now`. Returns the
  /// transitions, by agent id, valid until the next call on this tracker. Call it with each
  /// event's ts before delivering the event (the input order of docs/quorum.md), so a
  /// heartbeat after a long silence is seen as down then up.
  std::span<const liveness_event> advance(ts_ns now);

  /// An agent leaving cleanly (a goodbye message): marked down at `ts` at once.
  std::optional<liveness_event> leave(agent_id agent, ts_ns ts);

  [[nodiscard]] bool is_up(agent_id agent) const noexcept;
  [[nodiscard]] bool is_known(agent_id agent) const noexcept;
  [[nodiscard]] std::optional<ts_ns> last_seen(agent_id agent) const noexcept;
  /// Agents up now, sorted by id (valid until the next call that changes liveness).
  [[nodiscard]] std::span<const agent_id> up_agents() const noexcept { return up_; }
  [[nodiscard]] std::size_t known() const noexcept { return agents_.size(); }
  [[nodiscard]] ts_ns timeout() const noexcept { return timeout_; }

 private:
  struct agent_state {
    agent_id id;
    ts_ns last_seen;
    bool up;
  };
  agent_state* find(agent_id agent) noexcept;
  [[nodiscard]] const agent_state* find(agent_id agent) const noexcept;
  void set_up(agent_id agent, bool up);

  ts_ns timeout_;
  std::vector<agent_state> agents_;  // sorted by id
  std::vector<agent_id> up_;         // sorted
  std::vector<liveness_event> out_;  // advance()'s result, reused
};

}  // namespace ntrun::transport
