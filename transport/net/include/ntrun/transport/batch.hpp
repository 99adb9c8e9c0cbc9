// Batching: messages of one tick coalesced into one frame. A batch frame is the concatenation
// of messages, each prefixed with its length as 4 bytes little-endian (the codec's envelopes
// travel exactly so). The reader refuses a frame whose prefixes lie (past the end, zero, over
// the maximum) as a whole: nothing of it is delivered.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ntrun::transport {

struct batch_limits {
  std::size_t max_bytes = 64 * 1024;       ///< a batch frame stops growing here (prefixes included)
  std::size_t max_count = 1024;            ///< messages per batch frame
  std::size_t max_message = 1 << 20;       ///< largest message either side accepts
  std::chrono::microseconds max_delay{0};  ///< flush an open batch this old (0: only at flush())
};

inline constexpr std::size_t batch_prefix_bytes = 4;

/// Builds one batch frame. Not thread-safe (one owner, like the sockets).
class batch_writer {
 public:
  explicit batch_writer(batch_limits limits = {});

  /// Appends a message. Returns false, leaving the batch as it was, when the message would take
  /// the batch past max_bytes or max_count: send the frame, clear(), add again. An empty batch
  /// takes any message up to max_message. Throws ntrun::error (invalid) for an empty message or
  /// one over max_message.
  [[nodiscard]] bool add(std::span<const std::byte> message);

  [[nodiscard]] std::span<const std::byte> frame() const noexcept { return bytes_; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] const batch_limits& limits() const noexcept { return limits_; }
  void clear() noexcept;

 private:
  batch_limits limits_;
  std::vector<std::byte> bytes_;
  std::size_t count_ = 0;
};

enum class split_status {
  ok,
  empty_frame,  ///< no bytes at all
  truncated,    ///< a prefix cut short, or a length running past the end of the frame
  zero_length,  ///< a prefix of 0
  oversized,    ///< a length over max_message
};

/// Splits a batch frame into its messages (views into `frame`), appended to `out` only when the
/// whole frame is valid; on any other status `out` is left as it was.
[[nodiscard]] split_status split_batch(std::span<const std::byte> frame, std::size_t max_message,
                                       std::vector<std::span<const std::byte>>& out);

[[nodiscard]] const char* to_string(split_status s) noexcept;

/// Writes the 4-byte little-endian length prefix of n at p.
void put_prefix(std::byte* p, std::uint32_t n) noexcept;

}  // namespace ntrun::transport
