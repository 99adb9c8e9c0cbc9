// The liveness tracker: a sorted vector of agents (few, looked up by binary search); advance()
// scans them all (tens of agents: a few ns each), so its cost does not depend on history.
#include "ntrun/transport/liveness.hpp"

#include <algorithm>
#include <stdexcept>

namespace ntrun::transport {

liveness_tracker::liveness_tracker(ts_ns timeout) : timeout_(timeout) {
  if (timeout <= 0)
    throw std::invalid_argument("liveness_tracker: bad 'timeout' argument: must be > 0 ns");
}

liveness_tracker::agent_state* liveness_tracker::find(agent_id agent) noexcept {
  auto it = std::lower_bound(agents_.begin(), agents_.end(), agent,
                             [](const agent_state& a, agent_id id) { return a.id < id; });
  return it != agents_.end() && it->id == agent ? &*it : nullptr;
}

const liveness_tracker::agent_state* liveness_tracker::find(agent_id agent) const noexcept {
  return const_cast<liveness_tracker*>(this)->find(agent);
}

void liveness_tracker::set_up(agent_id agent, bool up) {
  auto it = std::lower_bound(up_.begin(), up_.end(), agent);
  const bool present = it != up_.end() && *it == agent;
  if (up && !present) up_.insert(it, agent);
  if (!up && present) up_.erase(it);
}

std::optional<liveness_event> liveness_tracker::heartbeat(agent_id agent, ts_ns ts) {
  agent_state* a = find(agent);
  if (a == nullptr) {
    auto it = std::lower_bound(agents_.begin(), agents_.end(), agent,
                               [](const agent_state& s, agent_id id) { return s.id < id; });
    agents_.insert(it, agent_state{agent, ts, true});
    set_up(agent, true);
    return liveness_event{agent, liveness_change::joined, ts, ts};
  }
  if (ts < a->last_seen) return std::nullopt;  // stale: an older heartbeat arriving late
  const ts_ns before = a->last_seen;
  a->last_seen = ts;
  if (a->up) return std::nullopt;
  a->up = true;
  set_up(agent, true);
  return liveness_event{agent, liveness_change::up, ts, before};
}

std::span<const liveness_event> liveness_tracker::advance(ts_ns now) {
  out_.clear();
  for (agent_state& a : agents_) {
    if (a.up && now - a.last_seen > timeout_) {
      a.up = false;
      out_.push_back(liveness_event{a.id, liveness_change::down, now, a.last_seen});
    }
  }
  for (const liveness_event& e : out_) set_up(e.agent, false);
  return out_;
}

std::optional<liveness_event> liveness_tracker::leave(agent_id agent, ts_ns ts) {
  agent_state* a = find(agent);
  if (a == nullptr || !a->up) return std::nullopt;
  a->up = false;
  set_up(agent, false);
  return liveness_event{agent, liveness_change::down, ts, a->last_seen};
}

bool liveness_tracker::is_up(agent_id agent) const noexcept {
  const agent_state* a = find(agent);
  return a != nullptr && a->up;
}

bool liveness_tracker::is_known(agent_id agent) const noexcept {
  return find(agent) != nullptr;
}

std::optional<ts_ns> liveness_tracker::last_seen(agent_id agent) const noexcept {
  const agent_state* a = find(agent);
  if (a == nullptr) return std::nullopt;
  return a->last_seen;
}

}  // namespace ntrun::transport
