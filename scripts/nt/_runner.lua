-- Drives one strategy in its own Lua state: loads the strategy file into a sandbox
-- environment, then pulls events from its session through the FFI and calls the callbacks.
-- The loop runs in Lua so LuaJIT compiles it together with on_bar (no C->Lua call per bar).
-- on_bar and on_timestamp are read each time the loop starts (after a reload, a yield or a
-- control event), the other callbacks at each of their events: a reload swaps them between
-- two events.
-- Control, yield and end events return to the host (its turn between two events).
local core = require "nt._core"
local ctxmod = require "nt.ctx"
local sandbox = require "nt._sandbox"
local time = require "nt.time"
local ffi, C = core.ffi, core.C
local SESSION = core.session

local M = {}

-- Every callback the runner calls (the LuaLS stubs and .luacheckrc are checked against it).
-- on_save/on_load belong to the reload contract (docs/strategies.md).
M.CALLBACKS = { "on_start", "on_bar", "on_timestamp", "on_order_filled", "on_order_rejected", "on_order_canceled",
  "on_order_expired", "on_order_accepted", "on_order_modified", "on_timer", "on_risk_state", "on_stop",
  "on_save", "on_load", "on_message", "on_proposal", "on_decision" }
local CALLBACK_SET = {}
for _, name in ipairs(M.CALLBACKS) do CALLBACK_SET[name] = true end

-- A global or returned key that looks like a callback but is none (on_bars, onBar) would
-- never be called: refuse it at load, naming the nearest callback.
local function check_callback_names(t, path)
  local bad = {}
  for k in pairs(t) do
    if type(k) == "string" and not CALLBACK_SET[k] and (k:find("^on_") or k:find("^on%u")) then
      bad[#bad + 1] = k
    end
  end
  if #bad == 0 then return end
  table.sort(bad)
  local k = bad[1]
  local snake = k:gsub("(%u)", function(c) return "_" .. c:lower() end)
  local best = require("nt._bundle").nearest(snake, CALLBACK_SET) or require("nt._bundle").nearest(k, CALLBACK_SET)
  error(string.format("%s: '%s' is not a callback and would never be called (%scallbacks: %s)", path, k,
    best and ("did you mean '" .. best .. "'? ") or "", table.concat(M.CALLBACKS, ", ")), 0)
end

local EV_BAR, EV_FILLED, EV_REJECTED = C.NTRUN_EV_BAR, C.NTRUN_EV_FILLED, C.NTRUN_EV_REJECTED
local EV_CANCELED, EV_EXPIRED, EV_TIMER = C.NTRUN_EV_CANCELED, C.NTRUN_EV_EXPIRED, C.NTRUN_EV_TIMER
local EV_ACCEPTED, EV_MODIFIED, EV_RISK = C.NTRUN_EV_ACCEPTED, C.NTRUN_EV_MODIFIED, C.NTRUN_EV_RISK
local EV_MESSAGE = C.NTRUN_EV_MESSAGE
local msgmod = require "nt._msg"
local is_agent, agent_bars = false, true
local NAMES = ctxmod.NAMES
local LAST_OF_TIME = 2 -- ntrun::bar_last_of_time: the last bar of its timestamp

local ctx, S, ev, bar
local symbols
local timer_names = ctxmod.timer_names
local timer_calendars = ctxmod.timer_calendars

local BAR_FIELD_LIST = "open, high, low, close, volume, symbol, date, time, ts, ts_event, ts_init, sid, flags, "
  .. "last_of_time"
local BAR_FIELDS = {}
for name in BAR_FIELD_LIST:gmatch("[%w_]+") do BAR_FIELDS[name] = true end

-- bar.symbol, bar.date, bar.time are computed; the numeric fields are read in place.
ffi.metatype("ntrun_bar_t", {
  __index = function(b, k)
    if k == "symbol" then return symbols[b.sid + 1] end
    if k == "ts" then return b.ts_event end
    if k == "time" then return tonumber(b.ts_event) / 1e9 end
    if k == "date" then return time.date(b.ts_event) end
    if k == "last_of_time" then return bit.band(b.flags, LAST_OF_TIME) ~= 0 end
    -- Reading a field a bar does not have is a typo (bar.clsoe): say so here, not far away.
    local best = require("nt._bundle").nearest(tostring(k), BAR_FIELDS)
    error(string.format("a bar has no field '%s' (%sfields: %s)", tostring(k),
      best and ("did you mean '" .. best .. "'? ") or "", BAR_FIELD_LIST), 2)
  end,
  __newindex = function(_, k)
    error(string.format("a bar is read-only (cannot set '%s')", tostring(k)), 2)
  end,
  __tostring = function(b)
    return string.format("bar(%s %s o=%g h=%g l=%g c=%g v=%g)", symbols[b.sid + 1], time.iso(b.ts_event),
      b.open, b.high, b.low, b.close, b.volume)
  end,
})

-- Order events reach the strategy as one reused read-only view (no table per event, as bars):
-- ids and tags are Lua numbers, names are computed, and nothing in it is a pointer (the reason
-- is kept here as a Lua string). Valid during the callback: copy the fields you keep.
ffi.cdef [[
typedef struct nt_order_event {
  const double order_id, tag;
  const int64_t ts_event, ts_init;
  const uint32_t sid;
  const int32_t side_, type_, status_;
  const double quantity, price, commission, filled_qty, remaining, position;
} nt_order_event;
typedef struct nt_order_event_w {
  double order_id, tag;
  int64_t ts_event, ts_init;
  uint32_t sid;
  int32_t side_, type_, status_;
  double quantity, price, commission, filled_qty, remaining, position;
} nt_order_event_w;
]]
local order_view = ffi.new("nt_order_event")
local order_w = ffi.cast("nt_order_event_w*", order_view)
local order_reason -- the current event's reason (a Lua string) or nil

local ORDER_FIELDS = "order_id, tag, symbol, side, type, status, quantity, price, commission, filled_qty, "
  .. "remaining, position, reason, ts, time, ts_event, ts_init"
ffi.metatype("nt_order_event", {
  __index = function(o, k)
    if k == "symbol" then return symbols[o.sid + 1] end
    if k == "side" then return NAMES.side[o.side_] end
    if k == "type" then return NAMES.type[o.type_] end
    if k == "status" then return NAMES.status[o.status_] end
    if k == "reason" then return order_reason end
    if k == "ts" then return o.ts_event end
    if k == "time" then return tonumber(o.ts_event) / 1e9 end
    return nil
  end,
  __newindex = function(_, k)
    error(string.format("an order event is read-only (cannot set '%s'; fields: %s)", tostring(k), ORDER_FIELDS), 2)
  end,
  __tostring = function(o)
    return string.format("order_event(%s %d %s %s %g @ %g)", NAMES.status[o.status_], o.order_id,
      NAMES.side[o.side_], tostring(symbols[o.sid + 1]), o.quantity, o.price)
  end,
})

local function order_event(o)
  local w = order_w
  w.order_id, w.tag = o.order_id, o.tag
  w.ts_event, w.ts_init = o.ts_event, o.ts_init
  w.sid, w.side_, w.type_, w.status_ = o.sid, o.side, o.type, o.status
  w.quantity, w.price, w.commission = o.quantity, o.price, o.commission
  w.filled_qty, w.remaining, w.position = o.filled_qty, o.remaining, o.position
  order_reason = o.reason ~= nil and ffi.string(o.reason) or nil
  return order_view
end

-- The strategy file and bundle of this state, and whether it is trusted (kept for reloads).
local strategy_path, strategy_dir, strategy_trusted

-- Compiles and runs the strategy file in a fresh sandbox environment (fresh globals and a
-- fresh cache of bundle-local modules; a trusted bundle's environment without the sandbox)
-- and checks its callbacks; returns the callback table. Raises "file:line: message" (syntax
-- errors, errors at load, bad callbacks).
local function compile(path, bundle_dir, trusted)
  local env = trusted and sandbox.trusted_env(bundle_dir, ctx) or sandbox.env(bundle_dir, ctx)
  local chunk, err = loadfile(path, "t", env)
  if not chunk then error(err, 0) end
  local res = chunk()
  if res ~= nil and type(res) ~= "table" then
    error(string.format("%s: a strategy file returns nothing or a table of callbacks (got %s)", path, type(res)), 0)
  end
  local t = res or env
  check_callback_names(t, path)
  for _, name in ipairs(M.CALLBACKS) do
    local f = rawget(t, name)
    if f ~= nil and type(f) ~= "function" then
      error(string.format("%s: '%s' must be a function (got %s)", path, name, type(f)), 0)
    end
  end
  return t
end

local function params_of(params_source)
  local params_chunk = assert(loadstring(params_source, "=params"))
  setfenv(params_chunk, {})
  return params_chunk()
end

--- Loads the strategy. path: the strategy file; bundle_dir: its bundle (for bundle-local
--- modules); bundle_name: the bundle's name; params_source: the validated params as a chunk
--- of plain data (the manifest itself is never evaluated in a strategy's state); trusted:
--- the user trusts the bundle (--trusted), no sandbox.
--- agent (optional): {name=, role=, subscribe={...}} when this state runs an agent.
function M.load(path, bundle_dir, bundle_name, params_source, trusted, agent)
  ev = C.ntrun_ffi_session_event(SESSION)
  bar = ev.bar
  ctx = ctxmod.new(params_of(params_source), bundle_name)
  symbols = {}
  for i, s in ipairs(ctx.symbols) do symbols[i] = s end
  if agent then
    is_agent = true
    ctxmod.set_agent(ctx, agent.name, agent.role)
    agent_bars = false
    for _, t in ipairs(agent.subscribe) do
      if t == "bars" then agent_bars = true end
    end
  end
  strategy_path, strategy_dir, strategy_trusted = path, bundle_dir, trusted
  S = compile(path, bundle_dir, trusted)
  return ctx
end

--- What a bar event calls (the host names it when a callback runs past its time budget).
function M.bar_callbacks()
  local b, t = rawget(S, "on_bar"), rawget(S, "on_timestamp")
  if b and t then return "on_bar or on_timestamp" end
  return t and "on_timestamp" or "on_bar"
end

-- An error value as text, without calling a __tostring of the strategy's (docs/sandbox.md).
local function message(e)
  if type(e) == "string" then return e end
  return "(error object is a " .. type(e) .. " value)"
end

--- Reloads the strategy file between two events (`ntrun run --watch`): compiles it in a fresh
--- environment, hands the old code's state to the new one (the old `on_save(ctx)` returns it,
--- `ctx.state` without one; the new `on_load(ctx, state)` takes it, `ctx.state = state`
--- without one) and swaps the callbacks. params_source (optional): new params (bundle.lua
--- changed), set as ctx.params for the new code. Returns true (and a warning when the old
--- on_save failed: ctx.state went over as it is), or false and the message (file:line):
--- then nothing changed and the old code goes on. Orders, positions, timers and
--- host objects belong to the host and the session: they are not touched.
function M.reload(params_source)
  local old_params, old_state = ctx.params, ctx.state
  if params_source ~= nil then ctx.params = params_of(params_source) end
  local ok, new = pcall(compile, strategy_path, strategy_dir, strategy_trusted)
  if not ok then
    ctx.params = old_params
    return false, message(new)
  end
  local state, warning = old_state, nil
  local on_save = rawget(S, "on_save")
  if on_save then
    -- A broken on_save must not lock the running code in: its state goes over as it is.
    local saved_ok, saved = pcall(on_save, ctx)
    if saved_ok then
      state = saved
    else
      ctx.state = old_state
      warning = "the running code's on_save failed, ctx.state went over as it is: " .. message(saved)
    end
  end
  local on_load = rawget(new, "on_load")
  if on_load then
    local loaded_ok, err = pcall(on_load, ctx, state)
    if not loaded_ok then
      ctx.params, ctx.state = old_params, old_state
      return false, "in on_load: " .. message(err)
    end
  elseif type(state) == "table" then
    ctx.state = state
  else
    ctx.params, ctx.state = old_params, old_state
    return false, string.format("%s: on_save returned a %s and the new code has no on_load(ctx, state) to take it "
      .. "(ctx.state must be a table)", strategy_path, type(state))
  end
  if type(ctx.state) ~= "table" then
    ctx.params, ctx.state = old_params, old_state
    return false, string.format("%s: on_load left ctx.state a %s (it must be a table)", strategy_path,
      type(ctx.state))
  end
  S = new
  return true, warning
end

function M.start()
  local on_start = rawget(S, "on_start")
  if on_start then on_start(ctx) end
end

function M.stop()
  local on_stop = rawget(S, "on_stop")
  if on_stop then on_stop(ctx) end
end

--- Runs events until the engine yields (another strategy's turn) or ends; returns the kind.
--- The bar callbacks are read when the loop starts (the host re-enters it after a reload, a
--- yield or a control event); the others at each of their events.
-- A proposal's answer: on_proposal returns "approve" / "reject" / "abstain" (or true/false)
-- and an optional reason, or {vote=, weight=, reason=}; nil casts no vote.
local function answer(p, choice, reason)
  if choice == nil then return end
  local opts
  if type(choice) == "table" then
    local t = choice
    local bad = require("nt._bundle").unknown_key(t, { vote = true, weight = true, reason = true })
    if bad then error("on_proposal's answer: " .. bad, 0) end
    choice, opts = t.vote, { weight = t.weight, reason = t.reason }
  else
    opts = { reason = reason }
  end
  if choice == true then choice = "approve" elseif choice == false then choice = "reject" end
  msgmod._vote(p, choice, opts)
end

local function on_message_event()
  local m, kind = msgmod._read(ev.message.channel)
  if not m then error("a message could not be read: " .. tostring(kind), 0) end
  if kind == "proposal" then
    local on_proposal = rawget(S, "on_proposal")
    if on_proposal then
      local id = msgmod._proposal_id()
      return answer(id, on_proposal(ctx, m))
    end
  elseif kind == "decision" then
    local on_decision = rawget(S, "on_decision")
    if on_decision then return on_decision(ctx, m) end
  end
  local on_message = rawget(S, "on_message")
  if on_message then on_message(ctx, m) end
end

function M.run()
  local on_bar, on_timestamp = rawget(S, "on_bar"), rawget(S, "on_timestamp")
  if is_agent and not agent_bars then on_bar, on_timestamp = nil, nil end
  while true do
    local k = C.ntrun_ffi_session_next(SESSION)
    if k == EV_BAR then
      if on_bar then on_bar(ctx, bar) end
      if on_timestamp and bit.band(bar.flags, LAST_OF_TIME) ~= 0 then on_timestamp(ctx, bar.ts_event) end
    elseif k == EV_FILLED then
      local on_order_filled = rawget(S, "on_order_filled")
      if on_order_filled then on_order_filled(ctx, order_event(ev.order)) end
    elseif k == EV_REJECTED then
      local on_order_rejected = rawget(S, "on_order_rejected")
      if on_order_rejected then on_order_rejected(ctx, order_event(ev.order)) end
    elseif k == EV_CANCELED then
      local on_order_canceled = rawget(S, "on_order_canceled")
      if on_order_canceled then on_order_canceled(ctx, order_event(ev.order)) end
    elseif k == EV_EXPIRED then
      local on_order_expired = rawget(S, "on_order_expired") or rawget(S, "on_order_canceled")
      if on_order_expired then on_order_expired(ctx, order_event(ev.order)) end
    elseif k == EV_TIMER then
      local on_timer = rawget(S, "on_timer")
      if on_timer then
        local id = tonumber(ev.timer.id)
        on_timer(ctx, { id = id, name = timer_names[id], ts = ev.timer.ts_event,
          time = tonumber(ev.timer.ts_event) / 1e9, calendar = timer_calendars[id] })
      end
    elseif k == EV_ACCEPTED then
      local on_order_accepted = rawget(S, "on_order_accepted")
      if on_order_accepted then on_order_accepted(ctx, order_event(ev.order)) end
    elseif k == EV_MODIFIED then
      local on_order_modified = rawget(S, "on_order_modified")
      if on_order_modified then on_order_modified(ctx, order_event(ev.order)) end
    elseif k == EV_MESSAGE then
      on_message_event()
    elseif k == EV_RISK then
      local on_risk_state = rawget(S, "on_risk_state")
      if on_risk_state then
        local r = ev.risk
        on_risk_state(ctx, ctxmod.RISK_STATES[r.state], {
          previous = ctxmod.RISK_STATES[r.previous],
          reason = r.reason ~= nil and ffi.string(r.reason) or nil,
          ts = r.ts_event, time = tonumber(r.ts_event) / 1e9,
        })
      end
    else
      return k
    end
  end
end

return M
