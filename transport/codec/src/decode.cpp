// The decoder: checks of the size prefix and bounds before anything else is read, then the
// FlatBuffers verifier over exactly the envelope's bytes, then version and body kind; and the
// conversions of verified tables back to the plain structs.
#include <cstring>

#include "ntrun/transport/codec.hpp"

namespace ntrun::transport {

namespace {

constexpr std::size_t prefix_bytes = sizeof(flatbuffers::uoffset_t);
// Root offset + file identifier: the least a FlatBuffers buffer with an identifier holds.
constexpr std::size_t min_envelope_bytes = sizeof(flatbuffers::uoffset_t) + 4;

std::string_view view(const flatbuffers::String* s) noexcept {
  return s != nullptr ? std::string_view(s->c_str(), s->size()) : std::string_view{};
}

// The version of an envelope the full verifier refused: reads the header only after checking
// the root table and the header field are inside the buffer. 0 when even that fails.
std::uint16_t version_of(const std::uint8_t* buf, std::size_t size, const limits& lim) noexcept {
  flatbuffers::Verifier v(buf, size, lim.max_depth, lim.max_tables);
  if (v.VerifyOffset(prefix_bytes) == 0) return 0;  // the root must lie inside the buffer
  const auto* env = flatbuffers::GetSizePrefixedRoot<wire::Envelope>(buf);
  // Envelope derives privately from Table; the generated Verify() does the same through it.
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(env);
  if (!table->VerifyTableStart(v)) return 0;
  if (!table->VerifyField<wire::Header>(v, wire::Envelope::VT_HEADER, 8)) return 0;
  const wire::Header* h = env->header();
  return h != nullptr ? h->version() : 0;
}

}  // namespace

const char* to_string(frame_error e) noexcept {
  switch (e) {
    case frame_error::none: return "none";
    case frame_error::empty: return "empty frame";
    case frame_error::truncated_prefix: return "truncated size prefix";
    case frame_error::too_small: return "envelope smaller than the least envelope";
    case frame_error::oversized: return "envelope larger than the limit";
    case frame_error::length_past_frame: return "size prefix runs past the frame";
    case frame_error::batch_too_large: return "frame larger than the batch limit";
    case frame_error::misaligned: return "envelope not 8-byte aligned";
    case frame_error::bad_identifier: return "not an ntrun envelope (identifier)";
    case frame_error::verify_failed: return "FlatBuffers verification failed";
    case frame_error::wrong_version: return "schema version not supported";
    case frame_error::unknown_body: return "missing or unknown body kind";
  }
  return "?";
}

read_result read_envelope(bytes frame, const limits& lim) noexcept {
  read_result r;
  if (frame.empty()) {
    r.error = frame_error::empty;
    return r;
  }
  if (frame.size() < prefix_bytes) {
    r.error = frame_error::truncated_prefix;
    return r;
  }
  const auto* p = reinterpret_cast<const std::uint8_t*>(frame.data());
  if (reinterpret_cast<std::uintptr_t>(p) % envelope_alignment != 0) {
    r.error = frame_error::misaligned;
    return r;
  }
  const std::size_t len = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(p);
  if (len < min_envelope_bytes) {
    r.error = frame_error::too_small;
    return r;
  }
  if (len > lim.max_envelope_bytes) {
    r.error = frame_error::oversized;
    return r;
  }
  if (len > frame.size() - prefix_bytes) {
    r.error = frame_error::length_past_frame;
    return r;
  }
  const std::size_t size = prefix_bytes + len;
  if (!flatbuffers::BufferHasIdentifier(p, wire::EnvelopeIdentifier(), true)) {
    r.error = frame_error::bad_identifier;
    return r;
  }
  flatbuffers::Verifier v(p, size, lim.max_depth, lim.max_tables);
  // The identifier was checked above (for its own reason); not again here.
  if (!v.VerifySizePrefixedBuffer<wire::Envelope>(nullptr)) {
    const std::uint16_t version = version_of(p, size, lim);
    r.error = version != 0 && version != schema_version ? frame_error::wrong_version
                                                        : frame_error::verify_failed;
    return r;
  }
  const auto* env = flatbuffers::GetSizePrefixedRoot<wire::Envelope>(p);
  if (env->header()->version() != schema_version) {
    r.error = frame_error::wrong_version;
    return r;
  }
  const wire::Body kind = env->body_type();
  if (kind == wire::Body::NONE || kind > wire::Body::MAX || env->body() == nullptr) {
    r.error = frame_error::unknown_body;
    return r;
  }
  r.view = envelope_view(env, frame.first(size));
  r.size = size;
  return r;
}

bytes decoder::aligned(bytes frame) {
  if (reinterpret_cast<std::uintptr_t>(frame.data()) % envelope_alignment == 0) return frame;
  // Past the batch limit the copy is not made: for_each_envelope refuses the size first.
  if (frame.size() > lim_.max_batch_bytes) return frame;
  scratch_.resize((frame.size() + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t));
  std::memcpy(scratch_.data(), frame.data(), frame.size());
  return {reinterpret_cast<const std::byte*>(scratch_.data()), frame.size()};
}

envelope_batch::envelope_batch(std::size_t max_bytes) : max_bytes_(max_bytes) {}

bool envelope_batch::append(bytes envelope) {
  // A size off the 8-byte grid would leave every later envelope of the frame misaligned.
  if (envelope.size() % envelope_alignment != 0) return false;
  if (envelope.size() > max_bytes_ - std::min(max_bytes_, buf_.size())) return false;
  buf_.insert(buf_.end(), envelope.begin(), envelope.end());
  ++count_;
  return true;
}

bar_msg to_plain(const wire::Bar& b) noexcept {
  return {b.symbol(), b.flags(), b.open(), b.high(), b.low(), b.close(), b.volume()};
}

quote_msg to_plain(const wire::Quote& q) noexcept {
  return {q.symbol(), q.bid(), q.ask(), q.bid_size(), q.ask_size()};
}

trade_msg to_plain(const wire::Trade& t) noexcept {
  return {t.symbol(), t.price(), t.size(), t.aggressor(), t.trade_id()};
}

signal_msg to_plain(const wire::Signal& s) noexcept {
  return {s.symbol(),     s.direction(),  s.strength(),
          s.confidence(), s.horizon_ns(), view(s.source())};
}

order_command_msg to_plain(const wire::OrderCommand& c) noexcept {
  return {.action = c.action(),
          .order_id = c.order_id(),
          .strategy = c.strategy(),
          .tag = c.tag(),
          .symbol = c.symbol(),
          .side = c.side(),
          .type = c.type(),
          .tif = c.tif(),
          .quantity = c.quantity(),
          .limit_price = c.limit_price(),
          .stop_price = c.stop_price(),
          .reduce_only = c.reduce_only(),
          .role = c.role(),
          .trail_amount = c.trail_amount(),
          .trail_percent = c.trail_percent(),
          .parent = c.parent(),
          .oco = c.oco()};
}

order_event_msg to_plain(const wire::OrderEvent& e) noexcept {
  return {.kind = e.kind(),
          .order_id = e.order_id(),
          .strategy = e.strategy(),
          .tag = e.tag(),
          .symbol = e.symbol(),
          .side = e.side(),
          .type = e.type(),
          .status = e.status(),
          .quantity = e.quantity(),
          .price = e.price(),
          .commission = e.commission(),
          .filled_qty = e.filled_qty(),
          .remaining = e.remaining(),
          .reason = view(e.reason()),
          .position = e.position()};
}

proposal_msg to_plain(const wire::Proposal& p, std::vector<order_command_msg>& orders) {
  orders.clear();
  if (const auto* v = p.orders()) {
    orders.reserve(v->size());
    for (const wire::OrderCommand* c : *v) orders.push_back(to_plain(*c));
  }
  return {.id = p.id(),
          .proposer = p.proposer(),
          .deadline = p.deadline(),
          .rule = p.rule(),
          .threshold = p.threshold(),
          .orders = orders,
          .symbol = p.symbol(),
          .side = p.side(),
          .quantity = p.quantity(),
          .reason = view(p.reason())};
}

vote_msg to_plain(const wire::Vote& v) noexcept {
  return {v.proposal_id(), v.voter(), v.choice(), v.weight(), view(v.reason())};
}

decision_msg to_plain(const wire::Decision& d, std::vector<vote_msg>& votes) {
  votes.clear();
  if (const auto* v = d.votes()) {
    votes.reserve(v->size());
    for (const wire::Vote* x : *v) votes.push_back(to_plain(*x));
  }
  return {.proposal_id = d.proposal_id(),
          .outcome = d.outcome(),
          .reason = view(d.reason()),
          .approve = d.approve(),
          .reject = d.reject(),
          .abstain = d.abstain(),
          .votes = votes};
}

heartbeat_msg to_plain(const wire::Heartbeat& h) noexcept {
  return {h.state(), h.interval_ns(), h.uptime_ns(), h.pending()};
}

pattern_match_msg to_plain(const wire::PatternMatch& p, std::vector<pattern_hit>& matches) {
  matches.clear();
  if (const auto* v = p.matches()) {
    matches.reserve(v->size());
    for (const wire::Match* m : *v) {
      matches.push_back({m->index(), m->ts(), m->distance(), m->outcome()});
    }
  }
  return {p.query_id(), p.symbol(), p.window(), matches};
}

risk_report_msg to_plain(const wire::RiskReport& r, std::vector<risk_limit_msg>& out) {
  out.clear();
  if (const auto* v = r.limits()) {
    out.reserve(v->size());
    for (const wire::RiskLimit* l : *v) {
      out.push_back({view(l->name()), l->value(), l->limit(), l->breached()});
    }
  }
  return {.state = r.state(),
          .var = r.var(),
          .cvar = r.cvar(),
          .confidence = r.confidence(),
          .horizon_ns = r.horizon_ns(),
          .equity = r.equity(),
          .gross_exposure = r.gross_exposure(),
          .net_exposure = r.net_exposure(),
          .limits = out,
          .reason = view(r.reason())};
}

error_msg to_plain(const wire::Error& e) noexcept {
  return {e.code(), view(e.message()), e.about_seq()};
}

}  // namespace ntrun::transport
