// An agent's mailbox (see mailbox.hpp).
#include "ntrun/engine/mailbox.hpp"

#include <cstring>

namespace ntrun {

namespace {
void copy_aligned(transport::bytes from, std::vector<std::uint64_t>& to) {
  to.assign((from.size() + 7) / 8, 0);
  if (!from.empty()) std::memcpy(to.data(), from.data(), from.size());
}
}  // namespace

bool mailbox::post(transport::bytes envelope, std::string_view topic) {
  if (out_.size() >= max_outbox) return false;
  outgoing& o = out_.emplace_back();
  copy_aligned(envelope, o.bytes);
  o.size = envelope.size();
  o.topic.assign(topic.substr(0, max_topic));
  return true;
}

void mailbox::deliver(transport::bytes envelope, ts_ns ts_event, ts_ns ts_init,
                      std::int64_t channel) {
  incoming& m = in_.emplace_back();
  copy_aligned(envelope, m.bytes);
  m.size = envelope.size();
  m.ts_event = ts_event;
  m.ts_init = ts_init;
  m.channel = channel;
}

bool mailbox::take(message_event_view& out) noexcept {
  if (taken_ >= in_.size()) return false;
  const incoming& m = in_[taken_++];
  out = message_event_view{.ts_event = m.ts_event,
                           .ts_init = m.ts_init,
                           .data = reinterpret_cast<const unsigned char*>(m.bytes.data()),
                           .len = static_cast<std::int64_t>(m.size),
                           .channel = m.channel};
  return true;
}

void mailbox::compact() noexcept {
  if (taken_ == 0) return;
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(taken_));
  taken_ = 0;
}

}  // namespace ntrun
