// Publisher (PUB with ZMQ_XPUB_NODROP, per-topic batches) and subscriber (SUB, batch split).
#include "ntrun/transport/pubsub.hpp"

#include <cstring>
#include <utility>

#include "detail.hpp"

namespace ntrun::transport {

publisher::publisher(socket_options options, zmq::context_t& ctx)
    : socket_base(ctx, zmq::socket_type::pub, std::move(options)) {
  // Without it a PUB socket drops silently at the HWM; with it the send would-block and the
  // policy decides (and counts).
  socket_.set(zmq::sockopt::xpub_nodrop, 1);
  open();
}

send_result publisher::publish(std::string_view topic, std::span<const std::byte> payload) {
  if (!options_.batch) {
    if (payload.empty()) {
      throw error(status::invalid,
                  "publish: an empty payload cannot be sent (a zero length "
                  "prefix marks a bad frame)");
    }
    outbound out;
    out.first = zmq::message_t(topic.data(), topic.size());
    out.second = zmq::message_t(batch_prefix_bytes + payload.size());
    auto* p = static_cast<std::byte*>(out.second.data());
    put_prefix(p, static_cast<std::uint32_t>(payload.size()));
    std::memcpy(p + batch_prefix_bytes, payload.data(), payload.size());
    out.two_parts = true;
    return submit(std::move(out));
  }
  open_batch* b = nullptr;
  for (auto& candidate : batches_) {
    if (candidate.topic == topic) {
      b = &candidate;
      break;
    }
  }
  if (b == nullptr) {
    batches_.push_back({std::string(topic), batch_writer(*options_.batch), {}});
    b = &batches_.back();
  }
  send_result r = send_result::sent;
  if (b->writer.empty()) b->opened = std::chrono::steady_clock::now();
  if (!b->writer.add(payload)) {
    r = send_batch(*b);
    b->opened = std::chrono::steady_clock::now();
    (void)b->writer.add(payload);  // an empty batch takes any valid message
  }
  if (b->writer.count() >= options_.batch->max_count) r = send_batch(*b);
  if (options_.batch->max_delay.count() > 0) flush_due();
  return r;
}

send_result publisher::send_batch(open_batch& b) {
  if (b.writer.empty()) return send_result::sent;
  outbound out;
  out.first = zmq::message_t(b.topic.data(), b.topic.size());
  const auto frame = b.writer.frame();
  out.second = zmq::message_t(frame.data(), frame.size());
  out.two_parts = true;
  out.messages = b.writer.count();
  b.writer.clear();
  return submit(std::move(out));
}

std::size_t publisher::flush() {
  std::size_t not_sent = 0;
  for (auto& b : batches_) {
    if (!b.writer.empty() && send_batch(b) != send_result::sent) ++not_sent;
  }
  flush_queue();
  return not_sent;
}

void publisher::flush_due() {
  if (!options_.batch) return;
  const auto now = std::chrono::steady_clock::now();
  for (auto& b : batches_) {
    if (!b.writer.empty() && now - b.opened >= options_.batch->max_delay) (void)send_batch(b);
  }
}

std::size_t publisher::batched() const noexcept {
  std::size_t n = 0;
  for (const auto& b : batches_) n += b.writer.count();
  return n;
}

subscriber::subscriber(socket_options options, zmq::context_t& ctx)
    : socket_base(ctx, zmq::socket_type::sub, std::move(options)),
      max_message_(options_.batch ? options_.batch->max_message : batch_limits{}.max_message) {
  open();
}

void subscriber::subscribe(std::string_view prefix) {
  socket_.set(zmq::sockopt::subscribe, prefix);
}

void subscriber::unsubscribe(std::string_view prefix) {
  socket_.set(zmq::sockopt::unsubscribe, prefix);
}

message_view subscriber::take() {
  ++stats_.received;
  return {std::string_view(static_cast<const char*>(topic_.data()), topic_.size()),
          parts_[next_++]};
}

std::optional<message_view> subscriber::receive(std::chrono::milliseconds timeout) {
  if (has_pending()) return take();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Drain what is there before waiting: a bad frame must not cost the timeout.
    while (socket_.recv(topic_, zmq::recv_flags::dontwait)) {
      ++stats_.frames_received;
      bool bad = !topic_.more();
      if (!bad) {
        (void)socket_.recv(frame_, zmq::recv_flags::none);  // parts arrive together
        if (frame_.more()) {
          bad = true;
          zmq::message_t rest;
          do {
            (void)socket_.recv(rest, zmq::recv_flags::none);
          } while (rest.more());
        }
      }
      if (!bad) {
        parts_.clear();
        next_ = 0;
        const std::span<const std::byte> frame(static_cast<const std::byte*>(frame_.data()),
                                               frame_.size());
        if (split_batch(frame, max_message_, parts_) == split_status::ok) return take();
      }
      ++stats_.bad_frames;
    }
    std::chrono::milliseconds left = timeout;
    if (timeout.count() >= 0) {
      left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) return std::nullopt;
    }
    if (!wait_readable(left) && timeout.count() >= 0 &&
        std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
  }
}

}  // namespace ntrun::transport
