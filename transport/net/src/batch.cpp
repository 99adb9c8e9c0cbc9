// Batch frames: size-prefixed messages (4-byte little-endian lengths), written and split.
#include "ntrun/transport/batch.hpp"

#include <cstring>
#include <string>

#include "ntrun/error.hpp"

namespace ntrun::transport {

void put_prefix(std::byte* p, std::uint32_t n) noexcept {
  p[0] = static_cast<std::byte>(n & 0xff);
  p[1] = static_cast<std::byte>((n >> 8) & 0xff);
  p[2] = static_cast<std::byte>((n >> 16) & 0xff);
  p[3] = static_cast<std::byte>((n >> 24) & 0xff);
}

namespace {
std::uint32_t get_prefix(const std::byte* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
}  // namespace

batch_writer::batch_writer(batch_limits limits) : limits_(limits) {
  if (limits_.max_count == 0 || limits_.max_message == 0 || limits_.max_message > 0xffffffffu) {
    throw error(status::invalid,
                "batch_limits: max_count and max_message must be >= 1 (and "
                "max_message < 4 GiB)");
  }
  bytes_.reserve(limits_.max_bytes);
}

bool batch_writer::add(std::span<const std::byte> message) {
  if (message.empty()) {
    throw error(status::invalid,
                "batch: an empty message cannot be sent (a zero length prefix "
                "marks a bad frame)");
  }
  if (message.size() > limits_.max_message) {
    throw error(status::invalid, "batch: a message of " + std::to_string(message.size()) +
                                     " bytes is over max_message (" +
                                     std::to_string(limits_.max_message) + ")");
  }
  const std::size_t grown = bytes_.size() + batch_prefix_bytes + message.size();
  if (count_ > 0 && (grown > limits_.max_bytes || count_ >= limits_.max_count)) return false;
  const std::size_t at = bytes_.size();
  bytes_.resize(grown);
  put_prefix(bytes_.data() + at, static_cast<std::uint32_t>(message.size()));
  std::memcpy(bytes_.data() + at + batch_prefix_bytes, message.data(), message.size());
  ++count_;
  return true;
}

void batch_writer::clear() noexcept {
  bytes_.clear();
  count_ = 0;
}

split_status split_batch(std::span<const std::byte> frame, std::size_t max_message,
                         std::vector<std::span<const std::byte>>& out) {
  if (frame.empty()) return split_status::empty_frame;
  // Validate the whole frame before handing out anything of it.
  std::size_t pos = 0, n = 0;
  while (pos < frame.size()) {
    if (frame.size() - pos < batch_prefix_bytes) return split_status::truncated;
    const std::uint32_t len = get_prefix(frame.data() + pos);
    if (len == 0) return split_status::zero_length;
    if (len > max_message) return split_status::oversized;
    if (len > frame.size() - pos - batch_prefix_bytes) return split_status::truncated;
    pos += batch_prefix_bytes + len;
    ++n;
  }
  out.reserve(out.size() + n);
  for (pos = 0; pos < frame.size();) {
    const std::uint32_t len = get_prefix(frame.data() + pos);
    out.push_back(frame.subspan(pos + batch_prefix_bytes, len));
    pos += batch_prefix_bytes + len;
  }
  return split_status::ok;
}

const char* to_string(split_status s) noexcept {
  switch (s) {
    case split_status::ok:
      return "ok";
    case split_status::empty_frame:
      return "empty frame";
    case split_status::truncated:
      return "truncated (a length past the end of the frame)";
    case split_status::zero_length:
      return "zero-length message";
    case split_status::oversized:
      return "message over the maximum size";
  }
  return "?";
}

}  // namespace ntrun::transport
