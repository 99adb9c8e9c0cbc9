-- nt._msg (private; nt.msg is its public part): messages between agents (docs/agents.md). Builders check their fields like every
-- nt option table (unknown keys are errors) and return a plain description that
-- ctx:publish(msg [, topic]) hands to the host, which encodes it as a FlatBuffers envelope
-- and stamps sender, sequence number and time. Received messages reach on_message,
-- on_proposal and on_decision as one reused read-only view over the decoded envelope
-- (no copy: its text is read from the event's bytes when asked for; valid during the call).
local core = require "nt._core"
local bundle = require "nt._bundle"
local ffi, C = core.ffi, core.C
local S = core.session

local M = {}

local function unknown(t, allowed, what)
  local msg = bundle.unknown_key(t, allowed)
  if msg then error(string.format("nt.msg.%s: %s", what, msg), 3) end
end

local function unit(t, k, what, default)
  local v = t[k]
  if v == nil then return default end
  if type(v) ~= "number" or not (v >= 0 and v <= 1) then
    error(string.format("nt.msg.%s: '%s' must be a number in [0, 1] (got %s)", what, k, tostring(v)), 3)
  end
  return v
end

local function text(t, k, what)
  local v = t[k]
  if v == nil then return nil end
  if type(v) ~= "string" then
    error(string.format("nt.msg.%s: '%s' must be a string (got %s)", what, k, type(v)), 3)
  end
  if #v > 4096 then error(string.format("nt.msg.%s: '%s' has at most 4096 bytes", what, k), 3) end
  return v
end

local function symbol(t, what)
  if type(t.symbol) ~= "string" then
    error(string.format("nt.msg.%s: 'symbol' must be a symbol name (got %s)", what, type(t.symbol)), 3)
  end
  return t.symbol
end

local DIRECTIONS = { long = 1, short = -1, flat = 0, [1] = 1, [-1] = -1, [0] = 0 }
local SIGNAL = { symbol = true, direction = true, strength = true, confidence = true, horizon = true,
  source = true }
--- A trading signal: symbol, direction ("long"/"short"/"flat" or 1/-1/0), strength and
--- confidence in [0, 1], horizon in seconds (>= 0), source (text).
function M.signal(t)
  if type(t) ~= "table" then error("nt.msg.signal: expected a table of fields", 2) end
  unknown(t, SIGNAL, "signal")
  local dir = DIRECTIONS[t.direction]
  if dir == nil then
    error(string.format("nt.msg.signal: 'direction' must be \"long\", \"short\", \"flat\" or 1, -1, 0 (got %s)",
      tostring(t.direction)), 2)
  end
  local horizon = t.horizon or 0
  if type(horizon) ~= "number" or horizon < 0 or horizon ~= horizon or horizon > 9e9 then
    error(string.format("nt.msg.signal: 'horizon' must be seconds >= 0 (got %s)", tostring(t.horizon)), 2)
  end
  return { kind = "signal", symbol = symbol(t, "signal"), direction = dir, strength = unit(t, "strength", "signal", 1),
    confidence = unit(t, "confidence", "signal", 1), horizon = horizon, source = text(t, "source", "signal") }
end

local RISK = { state = true, var = true, cvar = true, confidence = true, equity = true, gross = true,
  horizon = true, reason = true }
local RISK_STATES = { normal = 0, halted = 1, reducing = 2 }
--- A risk report: state ("normal", "halted", "reducing"), var, cvar (positive losses),
--- confidence, equity, gross exposure, horizon (seconds), reason.
function M.risk(t)
  if type(t) ~= "table" then error("nt.msg.risk: expected a table of fields", 2) end
  unknown(t, RISK, "risk")
  local st = RISK_STATES[t.state or "normal"]
  if st == nil then
    error(string.format("nt.msg.risk: 'state' must be normal, halted or reducing (got %s)", tostring(t.state)), 2)
  end
  local function num(k)
    local v = t[k] or 0
    if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
      error(string.format("nt.msg.risk: '%s' must be a finite number (got %s)", k, tostring(t[k])), 3)
    end
    return v
  end
  return { kind = "risk", state = st, var = num("var"), cvar = num("cvar"), confidence = unit(t, "confidence", "risk", 0),
    equity = num("equity"), gross = num("gross"), horizon = num("horizon"), reason = text(t, "reason", "risk") }
end

-- ---- reading ------------------------------------------------------------------------------

local KINDS = { [C.NTRUN_MSG_BAR] = "bar", [C.NTRUN_MSG_QUOTE] = "quote", [C.NTRUN_MSG_TRADE] = "trade",
  [C.NTRUN_MSG_SIGNAL] = "signal", [C.NTRUN_MSG_ORDER_COMMAND] = "order_command",
  [C.NTRUN_MSG_ORDER_EVENT] = "order_event", [C.NTRUN_MSG_PROPOSAL] = "proposal", [C.NTRUN_MSG_VOTE] = "vote",
  [C.NTRUN_MSG_DECISION] = "decision", [C.NTRUN_MSG_HEARTBEAT] = "heartbeat",
  [C.NTRUN_MSG_PATTERN_MATCH] = "pattern_match", [C.NTRUN_MSG_RISK_REPORT] = "risk", [C.NTRUN_MSG_ERROR] = "error" }
M.KINDS = KINDS
local CHOICES = { [C.NTRUN_VOTE_APPROVE] = "approve", [C.NTRUN_VOTE_REJECT] = "reject",
  [C.NTRUN_VOTE_ABSTAIN] = "abstain" }
M.CHOICES = CHOICES
local OUTCOMES = { [C.NTRUN_OUTCOME_APPROVED] = "approved", [C.NTRUN_OUTCOME_REJECTED] = "rejected",
  [C.NTRUN_OUTCOME_EXPIRED] = "expired", [C.NTRUN_OUTCOME_NO_QUORUM] = "no_quorum" }
local SIDES = { [C.NTRUN_BUY] = "buy", [C.NTRUN_SELL] = "sell" }
local RISK_NAMES = { [0] = "normal", "halted", "reducing" }
local AGENT_STATES = { [0] = "starting", "running", "degraded", "stopping" }

local m = ffi.new("ntrun_msg_t")
local vote_buf = ffi.new("ntrun_msg_t")
local symbols -- the run's symbol names (1-based by id + 1)
local current_topic

local function agent_name(id)
  local p = C.ntrun_ffi_agent_name(S, id)
  return p ~= nil and ffi.string(p) or tostring(id)
end

local function text_of(x)
  if x.text == nil then return nil end
  return ffi.string(x.text, x.text_len)
end

local function votes()
  local out = {}
  for i = 0, m.count - 1 do
    if C.ntrun_ffi_msg_vote(S, i, vote_buf) == 0 then
      out[#out + 1] = { voter = agent_name(vote_buf.agent), choice = CHOICES[vote_buf.code],
        weight = vote_buf.x[0], reason = text_of(vote_buf) }
    end
  end
  return out
end

local function sec(ns) return tonumber(ns) / 1e9 end

-- Field readers by name; each says which kinds have it (others read nil).
local K = C
local FIELD = {
  kind = function() return KINDS[m.kind] end,
  from = function() return agent_name(m.sender) end,
  sender = function() return tonumber(m.sender) end,
  seq = function() return tonumber(m.seq) end,
  ts = function() return m.ts_event end,
  time = function() return sec(m.ts_event) end,
  topic = function() return current_topic end,
  symbol = function()
    local k = m.kind
    if k == K.NTRUN_MSG_SIGNAL or k == K.NTRUN_MSG_PROPOSAL or k == K.NTRUN_MSG_BAR or k == K.NTRUN_MSG_ORDER_EVENT
      or k == K.NTRUN_MSG_PATTERN_MATCH then return symbols[m.symbol + 1] end
  end,
  direction = function() if m.kind == K.NTRUN_MSG_SIGNAL then return m.code end end,
  strength = function() if m.kind == K.NTRUN_MSG_SIGNAL then return m.x[0] end end,
  confidence = function()
    if m.kind == K.NTRUN_MSG_SIGNAL then return m.x[1] end
    if m.kind == K.NTRUN_MSG_RISK_REPORT then return m.x[2] end
  end,
  horizon = function() if m.kind == K.NTRUN_MSG_SIGNAL then return sec(m.time) end end,
  source = function() if m.kind == K.NTRUN_MSG_SIGNAL then return text_of(m) end end,
  id = function()
    local k = m.kind
    if k == K.NTRUN_MSG_PROPOSAL or k == K.NTRUN_MSG_VOTE or k == K.NTRUN_MSG_DECISION or k == K.NTRUN_MSG_ORDER_EVENT then
      return tonumber(m.id)
    end
  end,
  proposer = function() if m.kind == K.NTRUN_MSG_PROPOSAL then return agent_name(m.agent) end end,
  deadline = function() if m.kind == K.NTRUN_MSG_PROPOSAL then return m.time end end,
  side = function() if m.kind == K.NTRUN_MSG_PROPOSAL then return SIDES[m.code] end end,
  quantity = function()
    if m.kind == K.NTRUN_MSG_PROPOSAL or m.kind == K.NTRUN_MSG_ORDER_EVENT then return m.x[0] end
  end,
  reason = function()
    local k = m.kind
    if k == K.NTRUN_MSG_PROPOSAL or k == K.NTRUN_MSG_VOTE or k == K.NTRUN_MSG_DECISION
      or k == K.NTRUN_MSG_RISK_REPORT or k == K.NTRUN_MSG_ORDER_EVENT or k == K.NTRUN_MSG_ERROR then
      return text_of(m)
    end
  end,
  voter = function() if m.kind == K.NTRUN_MSG_VOTE then return agent_name(m.agent) end end,
  choice = function() if m.kind == K.NTRUN_MSG_VOTE then return CHOICES[m.code] end end,
  weight = function() if m.kind == K.NTRUN_MSG_VOTE then return m.x[0] end end,
  approved = function() if m.kind == K.NTRUN_MSG_DECISION then return m.code == K.NTRUN_OUTCOME_APPROVED end end,
  outcome = function() if m.kind == K.NTRUN_MSG_DECISION then return OUTCOMES[m.code] end end,
  approve = function() if m.kind == K.NTRUN_MSG_DECISION then return m.x[0] end end,
  reject = function() if m.kind == K.NTRUN_MSG_DECISION then return m.x[1] end end,
  abstain = function() if m.kind == K.NTRUN_MSG_DECISION then return m.x[2] end end,
  votes = function() if m.kind == K.NTRUN_MSG_DECISION then return votes() end end,
  state = function()
    if m.kind == K.NTRUN_MSG_RISK_REPORT then return RISK_NAMES[m.code] end
    if m.kind == K.NTRUN_MSG_HEARTBEAT then return AGENT_STATES[m.code] end
  end,
  about = function() if m.kind == K.NTRUN_MSG_HEARTBEAT then return agent_name(m.agent) end end,
  var = function() if m.kind == K.NTRUN_MSG_RISK_REPORT then return m.x[0] end end,
  cvar = function() if m.kind == K.NTRUN_MSG_RISK_REPORT then return m.x[1] end end,
  equity = function() if m.kind == K.NTRUN_MSG_RISK_REPORT then return m.x[3] end end,
  gross = function() if m.kind == K.NTRUN_MSG_RISK_REPORT then return m.x[4] end end,
  open = function() if m.kind == K.NTRUN_MSG_BAR then return m.x[0] end end,
  high = function() if m.kind == K.NTRUN_MSG_BAR then return m.x[1] end end,
  low = function() if m.kind == K.NTRUN_MSG_BAR then return m.x[2] end end,
  close = function() if m.kind == K.NTRUN_MSG_BAR then return m.x[3] end end,
  volume = function() if m.kind == K.NTRUN_MSG_BAR then return m.x[4] end end,
  price = function() if m.kind == K.NTRUN_MSG_ORDER_EVENT then return m.x[1] end end,
  code = function() if m.kind == K.NTRUN_MSG_ERROR then return m.code end end,
}
local FIELD_SET, FIELD_LIST = {}, {}
for k in pairs(FIELD) do
  FIELD_SET[k] = true
  FIELD_LIST[#FIELD_LIST + 1] = k
end
table.sort(FIELD_LIST)
local FIELD_TEXT = table.concat(FIELD_LIST, ", ")

local view = setmetatable({}, {
  __index = function(_, k)
    local f = FIELD[k]
    if f then return f() end
    local best = bundle.nearest(tostring(k), FIELD_SET)
    error(string.format("a message has no field '%s' (%sfields: %s)", tostring(k),
      best and ("did you mean '" .. best .. "'? ") or "", FIELD_TEXT), 2)
  end,
  __newindex = function(_, k)
    error(string.format("a message is read-only (cannot set '%s')", tostring(k)), 2)
  end,
  __tostring = function()
    return string.format("message(%s from %s #%d)", tostring(KINDS[m.kind]), agent_name(m.sender), tonumber(m.seq))
  end,
  __metatable = false,
})

--- (Runner) Decodes the session's current message event; returns the view and its kind
--- name, or nil and an error message.
function M._read(channel)
  local rc = C.ntrun_ffi_msg_read(S, m)
  if rc ~= 0 then return nil, core.session_error() or core.strerror(rc) end
  local t = C.ntrun_ffi_msg_topic(S, channel)
  current_topic = t ~= nil and ffi.string(t) or nil
  return view, KINDS[m.kind]
end

function M._proposal_id() return tonumber(m.id) end

function M._set_symbols(list) symbols = list end

-- ---- publishing (ctx:publish, ctx:propose, ctx:vote) --------------------------------------

local out = ffi.new("ntrun_msg_t")
local id_out = ffi.new("uint64_t[1]")
local ERR_LEN = 256
local err = ffi.new("char[?]", ERR_LEN)

local function publish(topic, fn)
  if topic ~= nil and (type(topic) ~= "string" or not topic:match("^[%a_][%w_]*$") or #topic > 32) then
    error(string.format("bad 'topic' argument to ctx:%s: a name of letters, digits and _ (at most 32; got %s)",
      fn, tostring(topic)), 3)
  end
  local rc = C.ntrun_ffi_msg_publish(S, out, topic, id_out, err, ERR_LEN)
  if rc ~= 0 then error(string.format("ctx:%s: %s", fn, ffi.string(err)), 3) end
  return tonumber(id_out[0])
end

local function fill(kind)
  ffi.fill(out, ffi.sizeof(out))
  out.kind = kind
end

--- (ctx) Publishes a message made by nt.msg.* on its kind's topic or `topic`.
function M._publish(msg, topic, sid_of)
  if type(msg) ~= "table" or (msg.kind ~= "signal" and msg.kind ~= "risk") then
    error("bad argument to ctx:publish: a message made by nt.msg.signal{...} or nt.msg.risk{...} "
      .. "(proposals: ctx:propose, votes: ctx:vote)", 3)
  end
  local keep
  if msg.kind == "signal" then
    fill(C.NTRUN_MSG_SIGNAL)
    local id = sid_of(msg.symbol)
    if id == nil then error("ctx:publish: unknown symbol '" .. tostring(msg.symbol) .. "'", 3) end
    out.symbol, out.code = id, msg.direction
    out.x[0], out.x[1] = msg.strength, msg.confidence
    out.time = msg.horizon * 1e9
    keep = msg.source
  else
    fill(C.NTRUN_MSG_RISK_REPORT)
    out.code = msg.state
    out.x[0], out.x[1], out.x[2], out.x[3], out.x[4] = msg.var, msg.cvar, msg.confidence, msg.equity, msg.gross
    out.time = msg.horizon * 1e9
    keep = msg.reason
  end
  if keep then out.text, out.text_len = keep, #keep end
  publish(topic, "publish")
  out.text = nil
end

local PROPOSE = { symbol = true, side = true, quantity = true, deadline_ms = true, reason = true }
local SIDE_CODES = { buy = C.NTRUN_BUY, sell = C.NTRUN_SELL }
--- (ctx) Proposes a trade to the quorum; returns the proposal id.
function M._propose(t, sid_of)
  if type(t) ~= "table" then error("bad argument to ctx:propose: expected {symbol=, side=, quantity=, ...}", 3) end
  local msg = bundle.unknown_key(t, PROPOSE)
  if msg then error("ctx:propose: " .. msg, 3) end
  local id = sid_of(t.symbol)
  if id == nil then error("ctx:propose: unknown symbol '" .. tostring(t.symbol) .. "'", 3) end
  local side = SIDE_CODES[t.side]
  if side == nil then error("ctx:propose: 'side' must be \"buy\" or \"sell\" (got " .. tostring(t.side) .. ")", 3) end
  if type(t.quantity) ~= "number" or t.quantity ~= t.quantity or t.quantity <= 0 or t.quantity == math.huge then
    error("ctx:propose: 'quantity' must be a number > 0 (got " .. tostring(t.quantity) .. ")", 3)
  end
  local dl = t.deadline_ms or 0
  if type(dl) ~= "number" or dl < 0 or dl ~= dl or dl > 1e12 then
    error("ctx:propose: 'deadline_ms' must be milliseconds > 0 (default: the bundle's quorum.deadline_ms)", 3)
  end
  fill(C.NTRUN_MSG_PROPOSAL)
  out.symbol, out.code, out.x[0], out.time = id, side, t.quantity, dl * 1e6
  local reason = t.reason ~= nil and tostring(t.reason) or nil
  if reason then out.text, out.text_len = reason, #reason end
  local pid = publish(nil, "propose")
  out.text = nil
  return pid
end

local VOTE_OPTS = { weight = true, reason = true }
local VOTE_CODES = { approve = C.NTRUN_VOTE_APPROVE, reject = C.NTRUN_VOTE_REJECT, abstain = C.NTRUN_VOTE_ABSTAIN }
--- (ctx, runner) Votes on a proposal: choice "approve", "reject" or "abstain".
function M._vote(proposal_id, choice, opts)
  if type(proposal_id) ~= "number" then error("bad 'proposal' argument to ctx:vote: a proposal id (p.id)", 3) end
  local code = VOTE_CODES[choice]
  if code == nil then
    error("bad 'choice' argument to ctx:vote: \"approve\", \"reject\" or \"abstain\" (got " .. tostring(choice) .. ")", 3)
  end
  opts = opts or {}
  local bad = bundle.unknown_key(opts, VOTE_OPTS)
  if bad then error("ctx:vote: " .. bad, 3) end
  local weight = opts.weight or 0
  if type(weight) ~= "number" or weight < 0 or weight ~= weight then
    error("ctx:vote: 'weight' must be a number >= 0 (0: all of the voter's weight)", 3)
  end
  fill(C.NTRUN_MSG_VOTE)
  out.id, out.code, out.x[0] = proposal_id, code, weight
  local reason = opts.reason ~= nil and tostring(opts.reason) or nil
  if reason then out.text, out.text_len = reason, #reason end
  publish(nil, "vote")
  out.text = nil
end

return M
