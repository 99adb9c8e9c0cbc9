// The wire codec of ntrun's messages (transport/schema/ntrun.fbs, docs/messages.md): plain
// structs per body kind, a reusable encoder producing size-prefixed envelopes, batch frames
// (envelopes back to back), and a decoder that verifies every envelope before it is read and
// hands out zero-copy views. Knows nothing of sockets: the bus moves the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "ntrun_generated.h"  // flatc output, in the build tree (ntrun::wire)

namespace ntrun::transport {

namespace wire = ntrun::wire;

/// The schema version this codec writes and the only one it reads (Header.version). Raised
/// only by a change an older reader cannot skip (docs/messages.md, "Versioning").
inline constexpr std::uint16_t schema_version = 1;

/// Envelopes are 8-byte aligned and their size-prefixed length is a multiple of 8, so the
/// envelopes of a batch frame stay aligned when the frame is.
inline constexpr std::size_t envelope_alignment = 8;

using bytes = std::span<const std::byte>;

// ---- Plain structs: what the encoder takes and to_plain() gives back. Strings and arrays are
// views: into the caller's data when encoding, into the frame when decoding (valid while it is).

struct header {
  std::uint16_t version = schema_version;  ///< written as given; readers accept only theirs
  std::uint16_t flags = 0;
  std::uint32_t sender = 0;       ///< agent id of the sender
  std::uint64_t seq = 0;          ///< sender's sequence number
  std::int64_t ts_event = 0;      ///< ns since the epoch
  std::int64_t ts_init = 0;       ///< ns since the epoch
  std::uint64_t correlation = 0;  ///< the request this answers, 0 none
  bool operator==(const header&) const = default;
};

struct bar_msg {
  std::uint32_t symbol = 0;
  std::uint32_t flags = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  bool operator==(const bar_msg&) const = default;
};

struct quote_msg {
  std::uint32_t symbol = 0;
  double bid = 0, ask = 0, bid_size = 0, ask_size = 0;
  bool operator==(const quote_msg&) const = default;
};

struct trade_msg {
  std::uint32_t symbol = 0;
  double price = 0, size = 0;
  wire::Side aggressor = wire::Side::Buy;
  std::uint64_t trade_id = 0;
  bool operator==(const trade_msg&) const = default;
};

struct signal_msg {
  std::uint32_t symbol = 0;
  wire::Direction direction = wire::Direction::Flat;
  double strength = 0, confidence = 0;
  std::int64_t horizon_ns = 0;
  std::string_view source{};
  bool operator==(const signal_msg&) const = default;
};

/// Submit, cancel or modify; enums carry the runtime's values (market::order_request).
struct order_command_msg {
  wire::CommandAction action = wire::CommandAction::Submit;
  std::uint64_t order_id = 0;  ///< cancel/modify
  std::int32_t strategy = 0;
  std::int64_t tag = 0;
  std::uint32_t symbol = 0;
  wire::Side side = wire::Side::Buy;
  wire::OrderType type = wire::OrderType::Market;
  wire::TimeInForce tif = wire::TimeInForce::Gtc;
  double quantity = 0, limit_price = 0, stop_price = 0;
  bool reduce_only = false;
  wire::OrderRole role = wire::OrderRole::None;
  double trail_amount = 0, trail_percent = 0;
  std::uint32_t parent = 0;  ///< OTO: 1-based index of the parent in the list, 0 none
  std::uint32_t oco = 0;     ///< OCO group number, 0 none
  bool operator==(const order_command_msg&) const = default;
};

/// The fields of order_event_view (runtime/include/ntrun/engine/event.hpp) and the kind.
struct order_event_msg {
  wire::OrderEventKind kind = wire::OrderEventKind::Accepted;
  std::uint64_t order_id = 0;
  std::int32_t strategy = 0;
  std::int64_t tag = 0;
  std::uint32_t symbol = 0;
  wire::Side side = wire::Side::Buy;
  wire::OrderType type = wire::OrderType::Market;
  wire::OrderStatus status = wire::OrderStatus::Submitted;
  double quantity = 0, price = 0, commission = 0, filled_qty = 0, remaining = 0;
  std::string_view reason{};
  double position = 0;
  bool operator==(const order_event_msg&) const = default;
};

struct proposal_msg {
  std::uint64_t id = 0;
  std::uint32_t proposer = 0;
  std::int64_t deadline = 0;  ///< ns since the epoch
  wire::QuorumRule rule = wire::QuorumRule::Majority;
  double threshold = 0;
  std::span<const order_command_msg> orders{};
  std::uint32_t symbol = 0;  ///< the short form, when orders is empty
  wire::Side side = wire::Side::Buy;
  double quantity = 0;
  std::string_view reason{};
};

struct vote_msg {
  std::uint64_t proposal_id = 0;
  std::uint32_t voter = 0;
  wire::VoteChoice choice = wire::VoteChoice::Abstain;
  double weight = 0;
  std::string_view reason{};
  bool operator==(const vote_msg&) const = default;
};

struct decision_msg {
  std::uint64_t proposal_id = 0;
  wire::Outcome outcome = wire::Outcome::Rejected;
  std::string_view reason{};
  double approve = 0, reject = 0, abstain = 0;  ///< summed weights
  std::span<const vote_msg> votes{};
};

struct heartbeat_msg {
  wire::AgentState state = wire::AgentState::Running;
  std::int64_t interval_ns = 0;
  std::int64_t uptime_ns = 0;
  std::uint32_t pending = 0;
  bool operator==(const heartbeat_msg&) const = default;
};

struct pattern_hit {
  std::int64_t index = 0;
  std::int64_t ts = 0;
  double distance = 0;
  double outcome = 0;
  bool operator==(const pattern_hit&) const = default;
};

struct pattern_match_msg {
  std::uint64_t query_id = 0;
  std::uint32_t symbol = 0;
  std::uint32_t window = 0;
  std::span<const pattern_hit> matches{};  ///< best first
};

struct risk_limit_msg {
  std::string_view name{};
  double value = 0, limit = 0;
  bool breached = false;
  bool operator==(const risk_limit_msg&) const = default;
};

struct risk_report_msg {
  wire::RiskState state = wire::RiskState::Normal;
  double var = 0, cvar = 0, confidence = 0;
  std::int64_t horizon_ns = 0;
  double equity = 0, gross_exposure = 0, net_exposure = 0;
  std::span<const risk_limit_msg> limits{};
  std::string_view reason{};
};

struct error_msg {
  std::int32_t code = 0;  ///< ntrun::status values
  std::string_view message{};
  std::uint64_t about_seq = 0;
  bool operator==(const error_msg&) const = default;
};

// ---- Encoding.

/// Builds one envelope at a time in a builder it keeps: once warm (the largest message seen),
/// encoding allocates nothing. Each encode() returns the finished size-prefixed bytes, valid
/// until the next encode() on this encoder. Not thread-safe: one encoder per thread.
class encoder {
 public:
  /// `alloc`: where the builder's buffer comes from (nullptr: the heap); it must outlive the
  /// encoder. Tests count allocations through it.
  explicit encoder(std::size_t initial_bytes = 1024, flatbuffers::Allocator* alloc = nullptr);

  [[nodiscard]] bytes encode(const header& h, const bar_msg& m);
  [[nodiscard]] bytes encode(const header& h, const quote_msg& m);
  [[nodiscard]] bytes encode(const header& h, const trade_msg& m);
  [[nodiscard]] bytes encode(const header& h, const signal_msg& m);
  [[nodiscard]] bytes encode(const header& h, const order_command_msg& m);
  [[nodiscard]] bytes encode(const header& h, const order_event_msg& m);
  [[nodiscard]] bytes encode(const header& h, const proposal_msg& m);
  [[nodiscard]] bytes encode(const header& h, const vote_msg& m);
  [[nodiscard]] bytes encode(const header& h, const decision_msg& m);
  [[nodiscard]] bytes encode(const header& h, const heartbeat_msg& m);
  [[nodiscard]] bytes encode(const header& h, const pattern_match_msg& m);
  [[nodiscard]] bytes encode(const header& h, const risk_report_msg& m);
  [[nodiscard]] bytes encode(const header& h, const error_msg& m);

 private:
  bytes finish(const header& h, wire::Body type, flatbuffers::Offset<void> body);
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<flatbuffers::uoffset_t> offsets_;  // nested tables of the message being built
};

// ---- Limits and bad frames.

struct limits {
  std::size_t max_envelope_bytes = 1u << 20;  ///< one envelope, size prefix excluded
  std::size_t max_batch_bytes = 64u << 20;    ///< one frame
  std::uint32_t max_depth = 16;               ///< FlatBuffers verifier nesting
  std::uint32_t max_tables = 1u << 16;        ///< FlatBuffers verifier tables per envelope
};

/// Why a frame was refused. Values are stable (they cross the C ABI).
enum class frame_error : std::uint8_t {
  none = 0,
  empty = 1,              ///< a frame of zero bytes
  truncated_prefix = 2,   ///< fewer than 4 bytes where a size prefix starts
  too_small = 3,          ///< a length below the smallest envelope (root offset + identifier)
  oversized = 4,          ///< a length above limits.max_envelope_bytes
  length_past_frame = 5,  ///< a length that runs past the end of the frame
  batch_too_large = 6,    ///< the frame is larger than limits.max_batch_bytes
  misaligned = 7,         ///< an envelope not on an 8-byte boundary (decoder copies instead)
  bad_identifier = 8,     ///< not an ntrun envelope (file identifier is not "NTRN")
  verify_failed = 9,      ///< the FlatBuffers verifier refused it
  wrong_version = 10,     ///< Header.version is not schema_version
  unknown_body = 11,      ///< no body, or a kind this reader does not know
};

[[nodiscard]] const char* to_string(frame_error e) noexcept;

// ---- Reading.

/// A verified envelope: read-only views into the frame, valid while the frame is.
class envelope_view {
 public:
  envelope_view() = default;
  envelope_view(const wire::Envelope* env, bytes raw) noexcept : env_(env), raw_(raw) {}

  [[nodiscard]] header head() const noexcept {
    const wire::Header& h = *env_->header();
    return {h.version(), h.flags(), h.sender(), h.seq(), h.ts_event(), h.ts_init(),
            h.correlation()};
  }
  [[nodiscard]] wire::Body kind() const noexcept { return env_->body_type(); }
  /// The body as its FlatBuffers table (zero copy), nullptr when the body is another kind.
  template <class T>
  [[nodiscard]] const T* as() const noexcept {
    return env_->body_type() == wire::BodyTraits<T>::enum_value
               ? static_cast<const T*>(env_->body())
               : nullptr;
  }
  [[nodiscard]] const wire::Envelope& envelope() const noexcept { return *env_; }
  /// The envelope's bytes, size prefix included (to forward it unchanged).
  [[nodiscard]] bytes raw() const noexcept { return raw_; }

 private:
  const wire::Envelope* env_ = nullptr;
  bytes raw_{};
};

struct read_result {
  frame_error error = frame_error::none;
  envelope_view view{};
  std::size_t size = 0;  ///< bytes of the envelope, size prefix included
  explicit operator bool() const noexcept { return error == frame_error::none; }
};

/// Verifies the envelope at the start of `frame` (size prefix, bounds, identifier, the
/// FlatBuffers verifier, version, body kind) and returns its view. Never reads outside
/// `frame`. Bytes after the envelope are not looked at.
[[nodiscard]] read_result read_envelope(bytes frame, const limits& lim = {}) noexcept;

struct batch_result {
  frame_error error = frame_error::none;
  std::size_t good = 0;    ///< envelopes verified and handed to the callback
  std::size_t offset = 0;  ///< where the bad envelope starts (the frame size when none)
  [[nodiscard]] bool ok() const noexcept { return error == frame_error::none; }
};

/// Verifies the envelopes of a batch frame in order and calls fn(const envelope_view&) for
/// each good one; stops at the first bad one. An empty frame is an error (empty).
template <class Fn>
batch_result for_each_envelope(bytes frame, Fn&& fn, const limits& lim = {}) {
  batch_result r;
  if (frame.empty()) {
    r.error = frame_error::empty;
    return r;
  }
  if (frame.size() > lim.max_batch_bytes) {
    r.error = frame_error::batch_too_large;
    return r;
  }
  while (r.offset < frame.size()) {
    const read_result one = read_envelope(frame.subspan(r.offset), lim);
    if (!one) {
      r.error = one.error;
      return r;
    }
    fn(one.view);
    ++r.good;
    r.offset += one.size;
  }
  return r;
}

/// for_each_envelope for frames at any address: a frame that does not start on an 8-byte
/// boundary (a ZeroMQ message inside a receive buffer) is copied into an aligned scratch
/// buffer the decoder keeps, and the views point there until the next call.
class decoder {
 public:
  explicit decoder(limits lim = {}) : lim_(lim) {}

  template <class Fn>
  batch_result for_each(bytes frame, Fn&& fn) {
    return for_each_envelope(aligned(frame), std::forward<Fn>(fn), lim_);
  }
  [[nodiscard]] const limits& config() const noexcept { return lim_; }

 private:
  bytes aligned(bytes frame);
  limits lim_;
  std::vector<std::uint64_t> scratch_;
};

/// Appends envelopes to a batch frame it owns (8-byte aligned), refusing one that would pass
/// max_bytes. The frame is valid until the next add, append or clear.
class envelope_batch {
 public:
  explicit envelope_batch(std::size_t max_bytes = limits{}.max_batch_bytes);

  /// Encodes m and appends it; false (the batch unchanged) when it would not fit.
  template <class Msg>
  bool add(const header& h, const Msg& m) {
    return append(enc_.encode(h, m));
  }
  /// Appends an encoded envelope (from an encoder or envelope_view::raw()); false (the batch
  /// unchanged) when it would not fit, or when its size is not a multiple of 8.
  bool append(bytes envelope);
  [[nodiscard]] bytes frame() const noexcept { return {buf_.data(), buf_.size()}; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  void clear() noexcept {
    buf_.clear();
    count_ = 0;
  }

 private:
  encoder enc_;
  std::vector<std::byte> buf_;
  std::size_t count_ = 0;
  std::size_t max_bytes_;
};

// ---- Back to plain structs: strings and arrays view the frame (valid while it is). Messages
// with arrays of tables fill the caller's vector (cleared first) and view it.

[[nodiscard]] bar_msg to_plain(const wire::Bar& b) noexcept;
[[nodiscard]] quote_msg to_plain(const wire::Quote& q) noexcept;
[[nodiscard]] trade_msg to_plain(const wire::Trade& t) noexcept;
[[nodiscard]] signal_msg to_plain(const wire::Signal& s) noexcept;
[[nodiscard]] order_command_msg to_plain(const wire::OrderCommand& c) noexcept;
[[nodiscard]] order_event_msg to_plain(const wire::OrderEvent& e) noexcept;
[[nodiscard]] proposal_msg to_plain(const wire::Proposal& p, std::vector<order_command_msg>& orders);
[[nodiscard]] vote_msg to_plain(const wire::Vote& v) noexcept;
[[nodiscard]] decision_msg to_plain(const wire::Decision& d, std::vector<vote_msg>& votes);
[[nodiscard]] heartbeat_msg to_plain(const wire::Heartbeat& h) noexcept;
[[nodiscard]] pattern_match_msg to_plain(const wire::PatternMatch& p,
                                         std::vector<pattern_hit>& matches);
[[nodiscard]] risk_report_msg to_plain(const wire::RiskReport& r,
                                       std::vector<risk_limit_msg>& out);
[[nodiscard]] error_msg to_plain(const wire::Error& e) noexcept;

}  // namespace ntrun::transport
