// An agent's mailbox: what its session publishes (the outbox, encoded envelopes with their
// topic) and what the host delivers to it (the inbox, taken by session::next() as message
// events before the port's events). The host owns the routing (runtime/src/agents/router.cpp):
// it drains every outbox between two turns, orders the messages by (ts_event, sender, seq)
// and delivers them, so a run with agents is deterministic. Knows no Lua.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ntrun/engine/event.hpp"
#include "ntrun/transport/codec.hpp"

namespace ntrun {

class mailbox {
 public:
  /// Messages an agent may publish before the host's next turn (a loop that publishes is a
  /// storm: refused past this, as orders are).
  static constexpr std::size_t max_outbox = 100'000;
  /// Bytes of a topic name.
  static constexpr std::size_t max_topic = 32;

  struct outgoing {
    std::vector<std::uint64_t> bytes;  ///< the size-prefixed envelope, 8-byte aligned
    std::size_t size = 0;              ///< its bytes
    std::string topic;
    [[nodiscard]] transport::bytes view() const noexcept {
      return {reinterpret_cast<const std::byte*>(bytes.data()), size};
    }
  };

  explicit mailbox(std::uint32_t agent_id) : id_(agent_id) {}

  [[nodiscard]] std::uint32_t id() const noexcept { return id_; }
  /// The run's agent names by id (0: the host) and topic names by channel (host-owned).
  void set_directory(const std::vector<std::string>* agents,
                     const std::vector<std::string>* topics) noexcept {
    agents_ = agents;
    topics_ = topics;
  }
  [[nodiscard]] const std::string* agent_name(std::uint32_t id) const noexcept {
    return agents_ && id < agents_->size() ? &(*agents_)[id] : nullptr;
  }
  [[nodiscard]] const std::string* topic_name(std::int64_t channel) const noexcept {
    return topics_ && channel >= 0 && static_cast<std::size_t>(channel) < topics_->size()
               ? &(*topics_)[static_cast<std::size_t>(channel)]
               : nullptr;
  }

  // ---- outbox (the agent's thread) ----
  /// The header of the next envelope this agent sends (its sequence number advances).
  [[nodiscard]] transport::header next_header(ts_ns ts_event, ts_ns ts_init,
                                              std::uint64_t correlation = 0) noexcept {
    return {.version = transport::schema_version, .flags = 0, .sender = id_, .seq = ++seq_,
            .ts_event = ts_event, .ts_init = ts_init, .correlation = correlation};
  }
  [[nodiscard]] transport::encoder& encoder() noexcept { return enc_; }
  /// Queues a finished envelope; false (nothing queued) past max_outbox.
  bool post(transport::bytes envelope, std::string_view topic);
  [[nodiscard]] std::vector<outgoing>& outbox() noexcept { return out_; }
  void clear_outbox() noexcept { out_.clear(); }
  /// Proposal ids: unique in the run (agent id in the high bits).
  [[nodiscard]] std::uint64_t next_proposal_id() noexcept {
    return (static_cast<std::uint64_t>(id_) << 40) | ++proposals_;
  }

  // ---- inbox (the host delivers between turns; the agent takes) ----
  /// Copies an envelope in; `channel` tells the agent which topic it came on.
  void deliver(transport::bytes envelope, ts_ns ts_event, ts_ns ts_init, std::int64_t channel);
  [[nodiscard]] bool pending() const noexcept { return taken_ < in_.size(); }
  [[nodiscard]] std::size_t waiting() const noexcept { return in_.size() - taken_; }
  /// The next message as a view into the inbox (valid until the next delivery round).
  bool take(message_event_view& out) noexcept;
  /// Forgets the messages taken (the host calls it before a delivery round).
  void compact() noexcept;

 private:
  struct incoming {
    std::vector<std::uint64_t> bytes;
    std::size_t size = 0;
    ts_ns ts_event = 0, ts_init = 0;
    std::int64_t channel = 0;
  };
  std::uint32_t id_;
  const std::vector<std::string>* agents_ = nullptr;
  const std::vector<std::string>* topics_ = nullptr;
  std::uint64_t seq_ = 0;
  std::uint64_t proposals_ = 0;
  transport::encoder enc_{};
  std::vector<outgoing> out_;
  std::vector<incoming> in_;
  std::size_t taken_ = 0;
};

}  // namespace ntrun
