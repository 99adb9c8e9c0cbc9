// The encoder: one FlatBuffers table per body kind, the header struct, FinishSizePrefixed. The
// builder and the offsets scratch are reused, so a warm encoder allocates nothing.
#include <string>

#include "ntrun/error.hpp"
#include "ntrun/transport/codec.hpp"

namespace ntrun::transport {

namespace {

flatbuffers::Offset<flatbuffers::String> str(flatbuffers::FlatBufferBuilder& fbb,
                                             std::string_view s) {
  // An empty string is left out (reads back as an empty view): smaller and faster.
  if (s.empty()) return 0;
  return fbb.CreateString(s.data(), s.size());
}

flatbuffers::Offset<wire::OrderCommand> command(flatbuffers::FlatBufferBuilder& fbb,
                                                const order_command_msg& m) {
  wire::OrderCommandBuilder b(fbb);
  b.add_order_id(m.order_id);
  b.add_tag(m.tag);
  b.add_quantity(m.quantity);
  b.add_limit_price(m.limit_price);
  b.add_stop_price(m.stop_price);
  b.add_trail_amount(m.trail_amount);
  b.add_trail_percent(m.trail_percent);
  b.add_strategy(m.strategy);
  b.add_symbol(m.symbol);
  b.add_parent(m.parent);
  b.add_oco(m.oco);
  b.add_action(m.action);
  b.add_side(m.side);
  b.add_type(m.type);
  b.add_tif(m.tif);
  b.add_reduce_only(m.reduce_only);
  b.add_role(m.role);
  return b.Finish();
}

}  // namespace

encoder::encoder(std::size_t initial_bytes, flatbuffers::Allocator* alloc)
    : fbb_(initial_bytes, alloc) {}

bytes encoder::finish(const header& h, wire::Body type, flatbuffers::Offset<void> body) {
  const wire::Header head(h.version, h.flags, h.sender, h.seq, h.ts_event, h.ts_init,
                          h.correlation);
  wire::EnvelopeBuilder b(fbb_);
  b.add_header(&head);
  b.add_body(body);
  b.add_body_type(type);
  wire::FinishSizePrefixedEnvelopeBuffer(fbb_, b.Finish());
  const std::size_t size = fbb_.GetSize();
  if (size - sizeof(flatbuffers::uoffset_t) > limits{}.max_envelope_bytes) {
    fbb_.Clear();
    throw ntrun::error(status::invalid, "envelope of " + std::to_string(size) +
                                            " bytes passes the 1 MiB limit of readers");
  }
  return {reinterpret_cast<const std::byte*>(fbb_.GetBufferPointer()), size};
}

bytes encoder::encode(const header& h, const bar_msg& m) {
  fbb_.Clear();
  wire::BarBuilder b(fbb_);
  b.add_open(m.open);
  b.add_high(m.high);
  b.add_low(m.low);
  b.add_close(m.close);
  b.add_volume(m.volume);
  b.add_symbol(m.symbol);
  b.add_flags(m.flags);
  return finish(h, wire::Body::Bar, b.Finish().Union());
}

bytes encoder::encode(const header& h, const quote_msg& m) {
  fbb_.Clear();
  wire::QuoteBuilder b(fbb_);
  b.add_bid(m.bid);
  b.add_ask(m.ask);
  b.add_bid_size(m.bid_size);
  b.add_ask_size(m.ask_size);
  b.add_symbol(m.symbol);
  return finish(h, wire::Body::Quote, b.Finish().Union());
}

bytes encoder::encode(const header& h, const trade_msg& m) {
  fbb_.Clear();
  wire::TradeBuilder b(fbb_);
  b.add_price(m.price);
  b.add_size(m.size);
  b.add_trade_id(m.trade_id);
  b.add_symbol(m.symbol);
  b.add_aggressor(m.aggressor);
  return finish(h, wire::Body::Trade, b.Finish().Union());
}

bytes encoder::encode(const header& h, const signal_msg& m) {
  fbb_.Clear();
  const auto source = str(fbb_, m.source);
  wire::SignalBuilder b(fbb_);
  b.add_strength(m.strength);
  b.add_confidence(m.confidence);
  b.add_horizon_ns(m.horizon_ns);
  b.add_source(source);
  b.add_symbol(m.symbol);
  b.add_direction(m.direction);
  return finish(h, wire::Body::Signal, b.Finish().Union());
}

bytes encoder::encode(const header& h, const order_command_msg& m) {
  fbb_.Clear();
  return finish(h, wire::Body::OrderCommand, command(fbb_, m).Union());
}

bytes encoder::encode(const header& h, const order_event_msg& m) {
  fbb_.Clear();
  const auto reason = str(fbb_, m.reason);
  wire::OrderEventBuilder b(fbb_);
  b.add_order_id(m.order_id);
  b.add_tag(m.tag);
  b.add_quantity(m.quantity);
  b.add_price(m.price);
  b.add_commission(m.commission);
  b.add_filled_qty(m.filled_qty);
  b.add_remaining(m.remaining);
  b.add_position(m.position);
  b.add_reason(reason);
  b.add_strategy(m.strategy);
  b.add_symbol(m.symbol);
  b.add_kind(m.kind);
  b.add_side(m.side);
  b.add_type(m.type);
  b.add_status(m.status);
  return finish(h, wire::Body::OrderEvent, b.Finish().Union());
}

bytes encoder::encode(const header& h, const proposal_msg& m) {
  fbb_.Clear();
  offsets_.clear();
  for (const order_command_msg& c : m.orders) offsets_.push_back(command(fbb_, c).o);
  fbb_.StartVector(offsets_.size(), sizeof(flatbuffers::uoffset_t));
  for (auto it = offsets_.rbegin(); it != offsets_.rend(); ++it) {
    fbb_.PushElement(flatbuffers::Offset<wire::OrderCommand>(*it));
  }
  const flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::OrderCommand>>> orders(
      fbb_.EndVector(offsets_.size()));
  const auto reason = str(fbb_, m.reason);
  wire::ProposalBuilder b(fbb_);
  b.add_id(m.id);
  b.add_deadline(m.deadline);
  b.add_threshold(m.threshold);
  b.add_quantity(m.quantity);
  b.add_orders(orders);
  b.add_reason(reason);
  b.add_proposer(m.proposer);
  b.add_symbol(m.symbol);
  b.add_rule(m.rule);
  b.add_side(m.side);
  return finish(h, wire::Body::Proposal, b.Finish().Union());
}

namespace {

flatbuffers::Offset<wire::Vote> vote(flatbuffers::FlatBufferBuilder& fbb, const vote_msg& m) {
  const auto reason = str(fbb, m.reason);
  wire::VoteBuilder b(fbb);
  b.add_proposal_id(m.proposal_id);
  b.add_weight(m.weight);
  b.add_reason(reason);
  b.add_voter(m.voter);
  b.add_choice(m.choice);
  return b.Finish();
}

}  // namespace

bytes encoder::encode(const header& h, const vote_msg& m) {
  fbb_.Clear();
  return finish(h, wire::Body::Vote, vote(fbb_, m).Union());
}

bytes encoder::encode(const header& h, const decision_msg& m) {
  fbb_.Clear();
  offsets_.clear();
  for (const vote_msg& v : m.votes) offsets_.push_back(vote(fbb_, v).o);
  fbb_.StartVector(offsets_.size(), sizeof(flatbuffers::uoffset_t));
  for (auto it = offsets_.rbegin(); it != offsets_.rend(); ++it) {
    fbb_.PushElement(flatbuffers::Offset<wire::Vote>(*it));
  }
  const flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::Vote>>> votes(
      fbb_.EndVector(offsets_.size()));
  const auto reason = str(fbb_, m.reason);
  wire::DecisionBuilder b(fbb_);
  b.add_proposal_id(m.proposal_id);
  b.add_approve(m.approve);
  b.add_reject(m.reject);
  b.add_abstain(m.abstain);
  b.add_votes(votes);
  b.add_reason(reason);
  b.add_outcome(m.outcome);
  return finish(h, wire::Body::Decision, b.Finish().Union());
}

bytes encoder::encode(const header& h, const heartbeat_msg& m) {
  fbb_.Clear();
  wire::HeartbeatBuilder b(fbb_);
  b.add_interval_ns(m.interval_ns);
  b.add_uptime_ns(m.uptime_ns);
  b.add_pending(m.pending);
  b.add_state(m.state);
  return finish(h, wire::Body::Heartbeat, b.Finish().Union());
}

bytes encoder::encode(const header& h, const pattern_match_msg& m) {
  fbb_.Clear();
  wire::Match* out = nullptr;
  const auto matches = fbb_.CreateUninitializedVectorOfStructs(m.matches.size(), &out);
  for (std::size_t i = 0; i < m.matches.size(); ++i) {
    const pattern_hit& p = m.matches[i];
    out[i] = wire::Match(p.index, p.ts, p.distance, p.outcome);
  }
  wire::PatternMatchBuilder b(fbb_);
  b.add_query_id(m.query_id);
  b.add_matches(matches);
  b.add_symbol(m.symbol);
  b.add_window(m.window);
  return finish(h, wire::Body::PatternMatch, b.Finish().Union());
}

bytes encoder::encode(const header& h, const risk_report_msg& m) {
  fbb_.Clear();
  offsets_.clear();
  for (const risk_limit_msg& l : m.limits) {
    const auto name = str(fbb_, l.name);
    wire::RiskLimitBuilder lb(fbb_);
    lb.add_value(l.value);
    lb.add_limit(l.limit);
    lb.add_name(name);
    lb.add_breached(l.breached);
    offsets_.push_back(lb.Finish().o);
  }
  fbb_.StartVector(offsets_.size(), sizeof(flatbuffers::uoffset_t));
  for (auto it = offsets_.rbegin(); it != offsets_.rend(); ++it) {
    fbb_.PushElement(flatbuffers::Offset<wire::RiskLimit>(*it));
  }
  const flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::RiskLimit>>> lims(
      fbb_.EndVector(offsets_.size()));
  const auto reason = str(fbb_, m.reason);
  wire::RiskReportBuilder b(fbb_);
  b.add_var(m.var);
  b.add_cvar(m.cvar);
  b.add_confidence(m.confidence);
  b.add_horizon_ns(m.horizon_ns);
  b.add_equity(m.equity);
  b.add_gross_exposure(m.gross_exposure);
  b.add_net_exposure(m.net_exposure);
  b.add_limits(lims);
  b.add_reason(reason);
  b.add_state(m.state);
  return finish(h, wire::Body::RiskReport, b.Finish().Union());
}

bytes encoder::encode(const header& h, const error_msg& m) {
  fbb_.Clear();
  const auto message = str(fbb_, m.message);
  wire::ErrorBuilder b(fbb_);
  b.add_about_seq(m.about_seq);
  b.add_message(message);
  b.add_code(m.code);
  return finish(h, wire::Body::Error, b.Finish().Union());
}

}  // namespace ntrun::transport
