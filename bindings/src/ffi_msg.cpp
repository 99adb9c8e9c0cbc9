// C ABI for messages between agents: read the session's current message (a verified envelope)
// into a flat struct, publish signals, proposals, votes and risk reports through the session's
// mailbox. The host stamps every header: an agent cannot pose as another or rewind its
// sequence. Definitions: docs/agents.md.
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "ffi_guard.hpp"
#include "ntrun/engine/mailbox.hpp"
#include "ntrun/engine/session.hpp"
#include "ntrun/error.hpp"
#include "ntrun/transport/codec.hpp"
#include "ntrun_ffi.h"
#include "session_cast.hpp"

using ntrun::bindings::guarded;
using ntrun::bindings::S;
namespace wire = ntrun::wire;
namespace tr = ntrun::transport;

static_assert(NTRUN_MSG_BAR == static_cast<int>(wire::Body::Bar));
static_assert(NTRUN_MSG_SIGNAL == static_cast<int>(wire::Body::Signal));
static_assert(NTRUN_MSG_PROPOSAL == static_cast<int>(wire::Body::Proposal));
static_assert(NTRUN_MSG_VOTE == static_cast<int>(wire::Body::Vote));
static_assert(NTRUN_MSG_DECISION == static_cast<int>(wire::Body::Decision));
static_assert(NTRUN_MSG_RISK_REPORT == static_cast<int>(wire::Body::RiskReport));
static_assert(NTRUN_MSG_ERROR == static_cast<int>(wire::Body::Error));
static_assert(NTRUN_VOTE_ABSTAIN == static_cast<int>(wire::VoteChoice::Abstain));
static_assert(NTRUN_OUTCOME_NO_QUORUM == static_cast<int>(wire::Outcome::NoQuorum));

namespace {

void set_text(ntrun_msg_t* out, const flatbuffers::String* s) noexcept {
  if (s) {
    out->text = s->c_str();
    out->text_len = static_cast<int64_t>(s->size());
  }
}

void read_vote(const wire::Vote& v, ntrun_msg_t* out) noexcept {
  out->id = v.proposal_id();
  out->agent = v.voter();
  out->code = static_cast<int32_t>(v.choice());
  out->x[0] = v.weight();
  set_text(out, v.reason());
}

/// The current message's verified envelope.
tr::envelope_view current(const ntrun_session_t* s) {
  const ntrun::session* ss = S(s);
  if (!ss || ss->mailbox() == nullptr) throw ntrun::error(ntrun::status::state, "not an agent");
  const ntrun::event_slot& slot = const_cast<ntrun::session*>(ss)->slot();
  if (slot.kind != static_cast<int32_t>(ntrun::event_kind::message)) {
    throw ntrun::error(ntrun::status::state, "the current event is not a message");
  }
  const tr::read_result r = tr::read_envelope(
      {reinterpret_cast<const std::byte*>(slot.message.data),
       static_cast<std::size_t>(slot.message.len)});
  if (!r) {
    throw ntrun::error(ntrun::status::invalid,
                       std::string("a message that is not a valid envelope: ") + tr::to_string(r.error));
  }
  return r.view;
}

void check_unit(double v, const char* what) {
  if (!(v >= 0 && v <= 1)) {
    throw ntrun::error(ntrun::status::invalid, std::string(what) + " must be in [0, 1]");
  }
}
void check_finite(double v, const char* what) {
  if (!std::isfinite(v)) throw ntrun::error(ntrun::status::invalid, std::string(what) + " must be a finite number");
}

std::string_view text_of(const ntrun_msg_t* m) {
  if (!m->text || m->text_len <= 0) return {};
  constexpr int64_t max_text = 4096;
  return {m->text, static_cast<std::size_t>(m->text_len < max_text ? m->text_len : max_text)};
}

}  // namespace

extern "C" {

int32_t ntrun_ffi_msg_read(const ntrun_session_t* s, ntrun_msg_t* out) noexcept {
  return guarded(nullptr, 0, S(s), [&] {
    const tr::envelope_view v = current(s);
    *out = ntrun_msg_t{};
    const tr::header h = v.head();
    out->kind = static_cast<int32_t>(v.kind());
    out->sender = h.sender;
    out->seq = h.seq;
    out->ts_event = h.ts_event;
    out->ts_init = h.ts_init;
    out->correlation = h.correlation;
    if (const auto* b = v.as<wire::Bar>()) {
      out->symbol = b->symbol();
      out->x[0] = b->open(); out->x[1] = b->high(); out->x[2] = b->low();
      out->x[3] = b->close(); out->x[4] = b->volume();
    } else if (const auto* g = v.as<wire::Signal>()) {
      out->symbol = g->symbol();
      out->code = static_cast<int32_t>(g->direction());
      out->x[0] = g->strength();
      out->x[1] = g->confidence();
      out->time = g->horizon_ns();
      set_text(out, g->source());
    } else if (const auto* p = v.as<wire::Proposal>()) {
      out->id = p->id();
      out->agent = p->proposer();
      out->time = p->deadline();
      out->symbol = p->symbol();
      out->code = static_cast<int32_t>(p->side());
      out->x[0] = p->quantity();
      set_text(out, p->reason());
    } else if (const auto* vo = v.as<wire::Vote>()) {
      read_vote(*vo, out);
    } else if (const auto* d = v.as<wire::Decision>()) {
      out->id = d->proposal_id();
      out->code = static_cast<int32_t>(d->outcome());
      out->x[0] = d->approve(); out->x[1] = d->reject(); out->x[2] = d->abstain();
      out->count = d->votes() ? static_cast<int32_t>(d->votes()->size()) : 0;
      set_text(out, d->reason());
    } else if (const auto* r = v.as<wire::RiskReport>()) {
      out->code = static_cast<int32_t>(r->state());
      out->x[0] = r->var(); out->x[1] = r->cvar(); out->x[2] = r->confidence();
      out->x[3] = r->equity(); out->x[4] = r->gross_exposure();
      set_text(out, r->reason());
    } else if (const auto* o = v.as<wire::OrderEvent>()) {
      out->id = o->order_id();
      out->symbol = o->symbol();
      out->code = static_cast<int32_t>(o->status());
      out->x[0] = o->quantity(); out->x[1] = o->price(); out->x[2] = o->commission();
      out->x[3] = o->filled_qty(); out->x[4] = o->position();
      set_text(out, o->reason());
    } else if (const auto* e = v.as<wire::Error>()) {
      out->code = e->code();
      set_text(out, e->message());
    } else if (const auto* hb = v.as<wire::Heartbeat>()) {
      out->code = static_cast<int32_t>(hb->state());
      // From the host: the agent it is about (the correlation id); else the sender itself.
      out->agent = h.sender == 0 ? static_cast<uint32_t>(h.correlation) : h.sender;
      out->time = hb->interval_ns();
    } else if (const auto* pm = v.as<wire::PatternMatch>()) {
      out->id = pm->query_id();
      out->symbol = pm->symbol();
      out->count = pm->matches() ? static_cast<int32_t>(pm->matches()->size()) : 0;
    }
  });
}

int32_t ntrun_ffi_msg_vote(const ntrun_session_t* s, int32_t i, ntrun_msg_t* out) noexcept {
  return guarded(nullptr, 0, S(s), [&]() -> int32_t {
    const tr::envelope_view v = current(s);
    const auto* d = v.as<wire::Decision>();
    if (!d || !d->votes() || i < 0 || static_cast<uint32_t>(i) >= d->votes()->size()) {
      return NTRUN_ENOTFOUND;
    }
    *out = ntrun_msg_t{};
    out->kind = NTRUN_MSG_VOTE;
    read_vote(*d->votes()->Get(static_cast<uint32_t>(i)), out);
    return NTRUN_OK;
  });
}

int32_t ntrun_ffi_msg_publish(ntrun_session_t* s, const ntrun_msg_t* m, const char* topic,
                              uint64_t* out_id, char* err, size_t errlen) noexcept {
  return guarded(err, errlen, S(s), [&]() -> int32_t {
    ntrun::session* ss = S(s);
    ntrun::mailbox* box = ss ? ss->mailbox() : nullptr;
    if (!box || !ss->port()) {
      throw ntrun::error(ntrun::status::state, "messages are for agents (bundle.lua's agents = {...})");
    }
    const auto nsym = static_cast<uint32_t>(ss->port()->symbols().size());
    const ntrun::ts_ns now = ss->port()->now();
    std::string_view t = topic ? std::string_view(topic) : std::string_view();
    if (t.size() > ntrun::mailbox::max_topic) {
      throw ntrun::error(ntrun::status::invalid, "a topic name has at most 32 bytes");
    }
    tr::encoder& enc = box->encoder();
    tr::bytes bytes;
    switch (m->kind) {
      case NTRUN_MSG_SIGNAL: {
        if (m->symbol >= nsym) throw ntrun::error(ntrun::status::invalid, "unknown symbol");
        if (m->code < -1 || m->code > 1) throw ntrun::error(ntrun::status::invalid, "direction must be -1, 0 or 1");
        check_unit(m->x[0], "strength");
        check_unit(m->x[1], "confidence");
        if (m->time < 0) throw ntrun::error(ntrun::status::invalid, "horizon must be >= 0");
        bytes = enc.encode(box->next_header(now, now),
                           tr::signal_msg{.symbol = m->symbol,
                                          .direction = static_cast<wire::Direction>(m->code),
                                          .strength = m->x[0],
                                          .confidence = m->x[1],
                                          .horizon_ns = m->time,
                                          .source = text_of(m)});
        if (t.empty()) t = "signals";
        break;
      }
      case NTRUN_MSG_PROPOSAL: {
        if (m->symbol >= nsym) throw ntrun::error(ntrun::status::invalid, "unknown symbol");
        if (m->code != NTRUN_BUY && m->code != NTRUN_SELL) throw ntrun::error(ntrun::status::invalid, "side must be buy or sell");
        check_finite(m->x[0], "quantity");
        if (!(m->x[0] > 0)) throw ntrun::error(ntrun::status::invalid, "quantity must be > 0");
        if (m->time < 0) throw ntrun::error(ntrun::status::invalid, "the deadline must be after now");
        const uint64_t id = box->next_proposal_id();
        bytes = enc.encode(box->next_header(now, now),
                           tr::proposal_msg{.id = id,
                                            .proposer = box->id(),
                                            .deadline = now + m->time,
                                            .rule = wire::QuorumRule::Majority,
                                            .threshold = 0,
                                            .orders = {},
                                            .symbol = m->symbol,
                                            .side = static_cast<wire::Side>(m->code),
                                            .quantity = m->x[0],
                                            .reason = text_of(m)});
        if (out_id) *out_id = id;
        if (t.empty()) t = "proposals";
        break;
      }
      case NTRUN_MSG_VOTE: {
        if (m->code < NTRUN_VOTE_APPROVE || m->code > NTRUN_VOTE_ABSTAIN) {
          throw ntrun::error(ntrun::status::invalid, "a vote is approve, reject or abstain");
        }
        check_finite(m->x[0], "weight");
        if (m->x[0] < 0) throw ntrun::error(ntrun::status::invalid, "weight must be >= 0");
        bytes = enc.encode(box->next_header(now, now, m->id),
                           tr::vote_msg{.proposal_id = m->id,
                                        .voter = box->id(),
                                        .choice = static_cast<wire::VoteChoice>(m->code),
                                        .weight = m->x[0],
                                        .reason = text_of(m)});
        if (t.empty()) t = "votes";
        break;
      }
      case NTRUN_MSG_RISK_REPORT: {
        if (m->code < 0 || m->code > 2) throw ntrun::error(ntrun::status::invalid, "unknown risk state");
        for (int i = 0; i < 5; ++i) check_finite(m->x[i], "a risk figure");
        bytes = enc.encode(box->next_header(now, now),
                           tr::risk_report_msg{.state = static_cast<wire::RiskState>(m->code),
                                               .var = m->x[0],
                                               .cvar = m->x[1],
                                               .confidence = m->x[2],
                                               .horizon_ns = m->time,
                                               .equity = m->x[3],
                                               .gross_exposure = m->x[4],
                                               .net_exposure = 0,
                                               .limits = {},
                                               .reason = text_of(m)});
        if (t.empty()) t = "risk";
        break;
      }
      default:
        throw ntrun::error(ntrun::status::invalid,
                           "an agent publishes signals, proposals, votes and risk reports");
    }
    if (!box->post(bytes, t)) {
      throw ntrun::error(ntrun::status::state,
                         "a message storm: " + std::to_string(ntrun::mailbox::max_outbox) +
                             " messages published in one turn (a loop that publishes?)");
    }
    return NTRUN_OK;
  });
}

uint32_t ntrun_ffi_agent_id(const ntrun_session_t* s) noexcept {
  const ntrun::session* ss = S(s);
  return ss && ss->mailbox() ? ss->mailbox()->id() : 0;
}

const char* ntrun_ffi_agent_name(const ntrun_session_t* s, uint32_t id) noexcept {
  const ntrun::session* ss = S(s);
  const std::string* n = ss && ss->mailbox() ? ss->mailbox()->agent_name(id) : nullptr;
  return n ? n->c_str() : nullptr;
}

const char* ntrun_ffi_msg_topic(const ntrun_session_t* s, int64_t channel) noexcept {
  const ntrun::session* ss = S(s);
  const std::string* n = ss && ss->mailbox() ? ss->mailbox()->topic_name(channel) : nullptr;
  return n ? n->c_str() : nullptr;
}

}  // extern "C"
