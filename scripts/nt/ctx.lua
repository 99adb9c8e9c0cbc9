-- The strategy context `ctx` passed to every callback: parameters, zero-copy bar history,
-- orders, positions, account, risk limits and state, timers and logging, all over the
-- session's C ABI. The session, the symbol table and every scratch struct live in this
-- module's upvalues: the ctx table holds only plain data (params, symbols, bundle,
-- history_capacity, state), so strategy code cannot reach or forge host handles through it.
local core = require "nt._core"
local time = require "nt.time"
local bundle = require "nt._bundle"
local array = require "nt._array"
local ffi, C = core.ffi, core.C
local S = core.session

local M = {}

local FIELDS = { open = C.NTRUN_F_OPEN, high = C.NTRUN_F_HIGH, low = C.NTRUN_F_LOW,
  close = C.NTRUN_F_CLOSE, volume = C.NTRUN_F_VOLUME }
local SIDES = { buy = C.NTRUN_BUY, sell = C.NTRUN_SELL }
local TYPES = { market = C.NTRUN_MARKET, limit = C.NTRUN_LIMIT, stop = C.NTRUN_STOP,
  stop_limit = C.NTRUN_STOP_LIMIT }
local TIFS = { gtc = C.NTRUN_GTC, day = C.NTRUN_DAY, ioc = C.NTRUN_IOC, fok = C.NTRUN_FOK }
local NAMES = {
  side = { [C.NTRUN_BUY] = "buy", [C.NTRUN_SELL] = "sell" },
  type = { [C.NTRUN_MARKET] = "market", [C.NTRUN_LIMIT] = "limit", [C.NTRUN_STOP] = "stop",
    [C.NTRUN_STOP_LIMIT] = "stop_limit" },
  tif = { [C.NTRUN_GTC] = "gtc", [C.NTRUN_DAY] = "day", [C.NTRUN_IOC] = "ioc", [C.NTRUN_FOK] = "fok" },
  status = { [0] = "submitted", "accepted", "rejected", "partially_filled", "filled", "canceled", "expired" },
}
M.NAMES = NAMES
local RISK_STATES = { [C.NTRUN_RISK_NORMAL] = "normal", [C.NTRUN_RISK_HALTED] = "halted",
  [C.NTRUN_RISK_REDUCING] = "reducing" }
M.RISK_STATES = RISK_STATES
local POSITION_BY_SYMBOL, NOTIONAL_BY_SYMBOL = C.NTRUN_LIMITS_POSITION_BY_SYMBOL, C.NTRUN_LIMITS_NOTIONAL_BY_SYMBOL
local INT64_MAX = 0x7fffffffffffffffLL
local ERR_LEN = 512

local UNKNOWN_SID = 0xFFFFFFFF
-- Methods keep the ctx:method() call shape though the state lives in upvalues.
-- luacheck: ignore 212/self
local Ctx = {}

-- Private state of this Lua state's one context (one strategy per state).
local symbols, sid_of = {}, {}
local req = ffi.new("ntrun_order_req_t")
local MAX_LIST = 64 -- ntrun_ffi_order_submit_list's limit
local list_reqs = ffi.new("ntrun_order_req_t[?]", MAX_LIST)
local list_ids = ffi.new("uint64_t[?]", MAX_LIST)
local id_out = ffi.new("uint64_t[1]")
local reason_out = ffi.new("const char*[1]")
local pos = ffi.new("ntrun_position_t")
local view = ffi.new("ntrun_series_t")
local acct = ffi.new("ntrun_account_t")
local info_buf = ffi.new("ntrun_order_info_t")
local timer_out = ffi.new("int64_t[1]")
local risk_buf = ffi.new("ntrun_risk_state_t")
local limits_buf = ffi.new("ntrun_limits_t")
local lim_pos, lim_val
local err_buf = ffi.new("char[?]", ERR_LEN)
local timer_names = {}
M.timer_names = timer_names

local function copy_list(t)
  local out = {}
  for i, v in ipairs(t) do out[i] = v end
  return out
end

--- Creates the context of this state's strategy. params: plain data (a copy is handed out);
--- name: the bundle's name.
function M.new(params, name)
  local n = C.ntrun_ffi_session_num_symbols(S)
  for i = 0, n - 1 do
    local sym = ffi.string(C.ntrun_ffi_session_symbol_name(S, i))
    symbols[i + 1] = sym
    sid_of[sym] = i
  end
  lim_pos, lim_val = ffi.new("double[?]", math.max(n, 1)), ffi.new("double[?]", math.max(n, 1))
  return setmetatable({
    params = params or {},
    symbols = copy_list(symbols),
    bundle = name or "",
    history_capacity = tonumber(C.ntrun_ffi_history_capacity(S)),
    state = {},
  }, { __index = Ctx, __metatable = false })
end

local function symbol_id(symbol, fn)
  local id = sid_of[symbol]
  if id == nil then
    if type(symbol) ~= "string" then
      error(string.format("bad 'symbol' argument to ctx:%s: expected a symbol name (got %s)", fn, type(symbol)), 3)
    end
    error(string.format("bad 'symbol' argument to ctx:%s: unknown symbol '%s' (known: %s)", fn, symbol,
      table.concat(symbols, ", ")), 3)
  end
  return id
end

--- The last n values (oldest first) of a bar field, read in place from the host's ring buffer.
--- Fewer than n while the history is short. Valid until the next bar of that symbol.
function Ctx:history(symbol, field, n)
  local id = symbol_id(symbol, "history")
  local f = FIELDS[field or "close"]
  if f == nil then
    error(string.format("bad 'field' argument to ctx:history: must be open, high, low, close or volume (got %s)",
      tostring(field)), 2)
  end
  local cap = tonumber(C.ntrun_ffi_history_capacity(S))
  if type(n) ~= "number" or n < 0 or n ~= math.floor(n) or n > cap then
    error(string.format("bad 'n' argument to ctx:history: must be an integer in 0..%d (the bundle's history; got %s)",
      cap, tostring(n)), 2)
  end
  C.ntrun_ffi_history(S, id, f, n, view)
  return array.view(view.data, view.len)
end

--- Last close of a symbol (NaN before its first bar).
function Ctx:price(symbol)
  local id = symbol_id(symbol, "price")
  C.ntrun_ffi_history(S, id, C.NTRUN_F_CLOSE, 1, view)
  if view.len == 0 then return 0 / 0 end
  return view.data[0]
end

local ORDER_OPTS = { limit = true, price = true, stop = true, type = true, tif = true, tag = true,
  reduce_only = true, trail = true, trail_percent = true }
local ORDER_FIELDS = { symbol = true, side = true, quantity = true }
for k in pairs(ORDER_OPTS) do ORDER_FIELDS[k] = true end
local LIST_FIELDS = { parent = true, oco = true }
for k in pairs(ORDER_FIELDS) do LIST_FIELDS[k] = true end
local BRACKET_FIELDS = { stop_loss = true, take_profit = true, trail = true, trail_percent = true,
  symbol = true, side = true, quantity = true, limit = true, price = true, stop = true, type = true,
  tif = true, tag = true }
NAMES.role = { [C.NTRUN_ROLE_NONE] = nil, [C.NTRUN_ROLE_STOP_LOSS] = "stop_loss",
  [C.NTRUN_ROLE_TAKE_PROFIT] = "take_profit" }
local CHANGES = { quantity = true, limit = true, price = true, stop = true }
local TIMER_SPEC = { every = true, at = true, name = true, calendar = true }

-- Unknown option keys are errors: {stop_price = 5} must not become a market order.
local function check_keys(t, allowed, what, fn, level)
  local msg = bundle.unknown_key(t, allowed)
  if msg then error(string.format("bad '%s' argument to ctx:%s: %s", what, fn, msg), level + 1) end
end

-- Fills request r from the arguments; errors name ctx:<fn> and the caller's line (level).
-- no_trail: opts' trail fields belong to another order (a bracket's stop-loss).
local function fill_request(r, symbol, side, quantity, opts, fn, level, no_trail)
  if type(quantity) ~= "number" then
    error(string.format("bad 'quantity' argument to ctx:%s: number expected (got %s)", fn, type(quantity)), level)
  end
  -- An unknown symbol is a rejection, not a Lua error: the venue names it.
  r.sid = sid_of[symbol] or UNKNOWN_SID
  r.side = side
  r.quantity = quantity
  r.type, r.tif, r.limit_price, r.stop_price, r.tag = C.NTRUN_MARKET, C.NTRUN_GTC, 0 / 0, 0 / 0, 0
  r.trail_amount, r.trail_percent, r.reduce_only, r.role, r.parent, r.oco = 0, 0, 0, 0, 0, 0
  if opts == nil then return end
  local limit, stop = opts.limit or opts.price, opts.stop
  local trailing = not no_trail and (opts.trail ~= nil or opts.trail_percent ~= nil)
  if opts.type ~= nil then
    local t = TYPES[opts.type]
    if t == nil then
      error(string.format("bad 'type' option to ctx:%s: must be market, limit, stop or stop_limit (got %s)", fn,
        tostring(opts.type)), level)
    end
    r.type = t
  elseif limit ~= nil and stop ~= nil then r.type = C.NTRUN_STOP_LIMIT
  elseif limit ~= nil then r.type = C.NTRUN_LIMIT
  elseif stop ~= nil or trailing then r.type = C.NTRUN_STOP
  end
  if limit ~= nil then r.limit_price = core.num_arg(limit, "limit", level) end
  if stop ~= nil then r.stop_price = core.num_arg(stop, "stop", level) end
  if trailing and opts.trail ~= nil then r.trail_amount = core.num_arg(opts.trail, "trail", level) end
  if trailing and opts.trail_percent ~= nil then
    r.trail_percent = core.num_arg(opts.trail_percent, "trail_percent", level)
  end
  if opts.tif ~= nil then
    local t = TIFS[opts.tif]
    if t == nil then
      error(string.format("bad 'tif' option to ctx:%s: must be gtc, day, ioc or fok (got %s)", fn,
        tostring(opts.tif)), level)
    end
    r.tif = t
  end
  if opts.tag ~= nil then r.tag = core.int_arg(opts.tag, "tag", -2 ^ 53, 2 ^ 53, level) end
  if opts.reduce_only ~= nil and not no_trail then
    if type(opts.reduce_only) ~= "boolean" then
      error(string.format("bad 'reduce_only' option to ctx:%s: boolean expected (got %s)", fn,
        type(opts.reduce_only)), level)
    end
    r.reduce_only = opts.reduce_only and 1 or 0
  end
end

-- Agents other than executors do not place orders (docs/agents.md); strategies do.
local order_refusal

local function submit(symbol, side, quantity, opts, fn)
  if order_refusal then error("ctx:" .. fn .. ": " .. order_refusal, 3) end
  if opts ~= nil then
    if type(opts) ~= "table" then
      error(string.format("bad 'opts' argument to ctx:%s: table expected (got %s)", fn, type(opts)), 3)
    end
    check_keys(opts, fn == "submit_order" and ORDER_FIELDS or ORDER_OPTS, fn == "submit_order" and "order" or "opts",
      fn, 3)
  end
  local r = req
  fill_request(r, symbol, side, quantity, opts, fn, 4)
  local rc = C.ntrun_ffi_order_submit(S, r, id_out, reason_out)
  if rc == core.OK then return tonumber(id_out[0]) end
  if rc == core.EREJECTED then return nil, ffi.string(reason_out[0]), tonumber(id_out[0]) end
  error("ctx:" .. fn .. ": " .. (core.session_error() or core.strerror(rc)), 3)
end

-- Submits list_reqs[0 .. n-1] as one list: a table of ids, or nil and the reason.
local function submit_list(n, fn)
  if order_refusal then error("ctx:" .. fn .. ": " .. order_refusal, 3) end
  local rc = C.ntrun_ffi_order_submit_list(S, list_reqs, n, list_ids, reason_out)
  if rc == core.OK then
    local ids = {}
    for i = 0, n - 1 do ids[i + 1] = tonumber(list_ids[i]) end
    return ids
  end
  if rc == core.EREJECTED then return nil, ffi.string(reason_out[0]) end
  error("ctx:" .. fn .. ": " .. (core.session_error() or core.strerror(rc)), 3)
end

--- Buys `quantity` of `symbol`. opts: limit=, stop=, type=, tif=, tag=.
--- Returns the order id, or nil and the rejection reason.
--- (Not tail calls: submit's errors name the caller's line, level 3, which a tail call would
--- skip.)
function Ctx:buy(symbol, quantity, opts)
  local id, why, rid = submit(symbol, C.NTRUN_BUY, quantity, opts, "buy")
  return id, why, rid
end
function Ctx:sell(symbol, quantity, opts)
  local id, why, rid = submit(symbol, C.NTRUN_SELL, quantity, opts, "sell")
  return id, why, rid
end

--- submit_order{symbol=, side="buy"|"sell", quantity=, type=, limit=, stop=, tif=, tag=}
function Ctx:submit_order(o)
  if type(o) ~= "table" then error("bad argument to ctx:submit_order: table expected", 2) end
  local side = SIDES[o.side]
  if side == nil then
    error(string.format("bad 'side' field to ctx:submit_order: must be \"buy\" or \"sell\" (got %s)", tostring(o.side)), 2)
  end
  local id, why, rid = submit(o.symbol, side, o.quantity, o, "submit_order")
  return id, why, rid
end

--- Orders linked to each other, submitted as one: every order a submit_order table, plus
--- parent = index of an earlier order in the list (OTO: it waits for that order's first fill)
--- and oco = any key shared by the orders that cancel each other when one fills. All accepted
--- (a list of ids, in order) or all rejected (nil and the failing rule).
function Ctx:submit_orders(list)
  if type(list) ~= "table" or #list == 0 then
    error("bad argument to ctx:submit_orders: a non-empty list of order tables expected", 2)
  end
  if #list > MAX_LIST then
    error(string.format("bad argument to ctx:submit_orders: at most %d orders in a list (got %d)", MAX_LIST, #list), 2)
  end
  local groups, ngroups = {}, 0
  for i, o in ipairs(list) do
    if type(o) ~= "table" then
      error(string.format("bad order %d to ctx:submit_orders: table expected (got %s)", i, type(o)), 2)
    end
    local msg = bundle.unknown_key(o, LIST_FIELDS)
    if msg then error(string.format("bad order %d to ctx:submit_orders: %s", i, msg), 2) end
    local side = SIDES[o.side]
    if side == nil then
      error(string.format("bad 'side' field of order %d to ctx:submit_orders: must be \"buy\" or \"sell\" (got %s)", i,
        tostring(o.side)), 2)
    end
    local r = list_reqs[i - 1]
    fill_request(r, o.symbol, side, o.quantity, o, "submit_orders", 3)
    if o.parent ~= nil then
      r.parent = core.int_arg(o.parent, "parent", 1, i - 1, 2, "ctx:submit_orders (an earlier order's index)")
    end
    if o.oco ~= nil then
      local ok_key = type(o.oco) == "string" or (type(o.oco) == "number" and o.oco == o.oco)
      if not ok_key then
        error(string.format("bad 'oco' field of order %d to ctx:submit_orders: a string or a number names the "
          .. "group (got %s)", i, o.oco ~= o.oco and "nan" or type(o.oco)), 2)
      end
      if groups[o.oco] == nil then
        ngroups = ngroups + 1
        groups[o.oco] = ngroups
      end
      r.oco = groups[o.oco]
    end
  end
  local ids, why = submit_list(#list, "submit_orders")
  return ids, why
end

--- A bracket: an entry (market unless limit=/stop= say otherwise) with a stop-loss and/or a
--- take-profit that wait for its first fill, cancel each other, and only reduce the position.
--- spec: symbol=, side="buy"|"sell" (the entry's; default buy), quantity=, limit=, stop=,
--- type=, tif=, tag=, stop_loss=price, take_profit=price, trail= or trail_percent= (the
--- stop-loss trails the close; without stop_loss it starts from the last close).
--- Returns entry_id, stop_loss_id, take_profit_id (nil for a leg not asked for), or nil and
--- the failing rule.
function Ctx:bracket(spec)
  if type(spec) ~= "table" then error("bad argument to ctx:bracket: table expected", 2) end
  check_keys(spec, BRACKET_FIELDS, "spec", "bracket", 2)
  local side = spec.side == nil and C.NTRUN_BUY or SIDES[spec.side]
  if side == nil then
    error(string.format("bad 'side' field to ctx:bracket: must be \"buy\" or \"sell\" (got %s)", tostring(spec.side)), 2)
  end
  local trailing = spec.trail ~= nil or spec.trail_percent ~= nil
  if spec.stop_loss == nil and spec.take_profit == nil and not trailing then
    error("ctx:bracket needs stop_loss=, take_profit= or trail= (else use ctx:buy / ctx:sell)", 2)
  end
  local exit = side == C.NTRUN_BUY and C.NTRUN_SELL or C.NTRUN_BUY
  -- No closure or option table per call (each would stop LuaJIT's trace here).
  fill_request(list_reqs[0], spec.symbol, side, spec.quantity, spec, "bracket", 3, true)
  local tag = list_reqs[0].tag
  local n, sl, tp = 1, nil, nil
  if spec.stop_loss ~= nil or trailing then
    local r = list_reqs[n]
    fill_request(r, spec.symbol, exit, spec.quantity, nil, "bracket", 3)
    r.type = C.NTRUN_STOP
    if spec.stop_loss ~= nil then r.stop_price = core.num_arg(spec.stop_loss, "stop_loss", 2) end
    if spec.trail ~= nil then r.trail_amount = core.num_arg(spec.trail, "trail", 2) end
    if spec.trail_percent ~= nil then r.trail_percent = core.num_arg(spec.trail_percent, "trail_percent", 2) end
    r.reduce_only, r.role, r.parent, r.tag = 1, C.NTRUN_ROLE_STOP_LOSS, 1, tag
    n, sl = n + 1, n + 1
  end
  if spec.take_profit ~= nil then
    local r = list_reqs[n]
    fill_request(r, spec.symbol, exit, spec.quantity, nil, "bracket", 3)
    r.type, r.limit_price = C.NTRUN_LIMIT, core.num_arg(spec.take_profit, "take_profit", 2)
    r.reduce_only, r.role, r.parent, r.tag = 1, C.NTRUN_ROLE_TAKE_PROFIT, 1, tag
    n, tp = n + 1, n + 1
  end
  if n == 3 then list_reqs[1].oco, list_reqs[2].oco = 1, 1 end
  local rc = C.ntrun_ffi_order_submit_list(S, list_reqs, n, list_ids, reason_out)
  if rc == core.EREJECTED then return nil, ffi.string(reason_out[0]) end
  if rc ~= core.OK then error("ctx:bracket: " .. (core.session_error() or core.strerror(rc)), 2) end
  return tonumber(list_ids[0]), sl and tonumber(list_ids[sl - 1]), tp and tonumber(list_ids[tp - 1])
end

--- Trades toward a target position with a market order for the difference (ignores open orders).
function Ctx:order_target(symbol, target, opts)
  local cur = self:position(symbol)
  local diff = core.num_arg(target, "target", 2) - cur
  if diff > 0 then return self:buy(symbol, diff, opts) end
  if diff < 0 then return self:sell(symbol, -diff, opts) end
  return nil, "no_change"
end

-- ---- targets as fractions of equity --------------------------------------------------------

local HUGE = math.huge

-- A value as an error message shows it: strings quoted, so "0.5" is not taken for 0.5.
local function shown(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  return tostring(v)
end

-- Checks a target function's order options before any order goes out, so that an error names
-- that function and the line that called it (level 3: this, the method, its caller). Values
-- of options this does not know (added to ORDER_OPTS later) are left to ctx:buy / ctx:sell.
local function check_target_opts(opts, fn)
  if opts == nil then return end
  if type(opts) ~= "table" then
    error(string.format("bad 'opts' argument to ctx:%s: table expected (got %s)", fn, type(opts)), 3)
  end
  check_keys(opts, ORDER_OPTS, "opts", fn, 3)
  if opts.type ~= nil and TYPES[opts.type] == nil then
    error(string.format("bad 'type' option to ctx:%s: must be market, limit, stop or stop_limit (got %s)", fn,
      tostring(opts.type)), 3)
  end
  if opts.tif ~= nil and TIFS[opts.tif] == nil then
    error(string.format("bad 'tif' option to ctx:%s: must be gtc, day, ioc or fok (got %s)", fn,
      tostring(opts.tif)), 3)
  end
  if opts.limit ~= nil then core.num_arg(opts.limit, "limit", 3) end
  if opts.price ~= nil then core.num_arg(opts.price, "price", 3) end
  if opts.stop ~= nil then core.num_arg(opts.stop, "stop", 3) end
  if opts.tag ~= nil then core.int_arg(opts.tag, "tag", -2 ^ 53, 2 ^ 53, 3) end
end

-- The last close a target is valued at; an error (level 3) before the symbol's first bar.
local function target_price(self, symbol, fn)
  local price = self:price(symbol)
  if price ~= price then
    error(string.format("ctx:%s: '%s' has no price yet (no bar of it so far)", fn, symbol), 3)
  end
  if price <= 0 then
    error(string.format("ctx:%s: '%s' has a price of %s: a target in units needs a positive price", fn,
      symbol, tostring(price)), 3)
  end
  return price
end

-- Units from `cur` to `target`, 0 when the difference is rounding noise.
local function difference(target, cur)
  local diff = target - cur
  if math.abs(diff) <= 1e-9 * math.max(math.abs(target), math.abs(cur)) then return 0 end
  return diff
end

--- Trades toward fraction * equity / last close units of `symbol` (signed fraction; 0 closes)
--- with a market order for the difference from this strategy's position (open orders are not
--- counted, as in ctx:order_target). Units are not rounded. Returns the order id, or nil and
--- the reason ("no_change" when already there).
function Ctx:order_target_percent(symbol, fraction, opts)
  symbol_id(symbol, "order_target_percent")
  if type(fraction) ~= "number" or fraction ~= fraction or fraction == HUGE or fraction == -HUGE then
    error(string.format("bad 'fraction' argument to ctx:order_target_percent: must be a finite number (got %s)",
      shown(fraction)), 2)
  end
  check_target_opts(opts, "order_target_percent")
  local price = target_price(self, symbol, "order_target_percent")
  local diff = difference(fraction * self:equity() / price, self:position(symbol))
  local id, why, rid
  if diff > 0 then
    id, why, rid = self:buy(symbol, diff, opts)
  elseif diff < 0 then
    id, why, rid = self:sell(symbol, -diff, opts)
  else
    return nil, "no_change"
  end
  return id, why, rid
end

-- The one factor (0..1) all buys of order_target_weights are scaled by: their notional at the
-- last closes within `budget` (cash + the sells' proceeds), and, with the buying-power check
-- on (max_leverage > 0), the gross exposure they add within what that check leaves now,
-- max_leverage * equity - gross exposure: it judges each order on the positions held now,
-- before any of the sells fills, and would refuse a buy that needs their proceeds. Positions
-- are the strategy's own (the check's are the account's: the same with one strategy). A buy
-- that covers a short adds exposure only beyond flat.
local function buy_scale(self, names, diffs, prices, budget, equity)
  local need = 0
  for _, sym in ipairs(names) do
    local d = diffs[sym]
    if d ~= nil and d > 0 then need = need + d * prices[sym] end
  end
  local scale = need > budget and math.max(budget, 0) / need or 1
  local lev = self:limits().max_leverage
  if lev <= 0 or scale == 0 then return scale end
  -- A hair under the room, so the check's own rounding cannot refuse the last cent.
  local room = lev * equity - self:account().gross_exposure - 1e-9 * lev * math.abs(equity)
  local function added(s) -- gross exposure the buys add at scale s, nondecreasing in s
    local sum = 0
    for _, sym in ipairs(names) do
      local d = diffs[sym]
      if d ~= nil and d > 0 then
        local cur = self:position(sym)
        sum = sum + math.max(0, math.abs(cur + s * d) - math.abs(cur)) * prices[sym]
      end
    end
    return sum
  end
  if added(scale) <= room then return scale end
  local lo, hi = 0, scale
  for _ = 1, 64 do -- bisection: added() is piecewise linear, kinked where a short turns flat
    local mid = (lo + hi) / 2
    if added(mid) <= room then lo = mid else hi = mid end
  end
  return lo
end

--- Trades every symbol of `weights` ({SPX = 0.5, DJI = 0.3}: fractions of equity by symbol
--- name; 0 closes, symbols left out keep their position) toward weight * equity / last close
--- units: sells first, then buys, in the order of ctx.symbols. The buys are scaled down
--- together so that their notional at last closes stays within cash plus the sells' proceeds
--- (commission and slippage are not reserved), and within the buying power the pre-trade
--- check leaves before the sells fill (buy_scale). Returns ids, reasons: order ids by symbol,
--- and for symbols without an order the reason (a rejection, "no_change", or
--- "insufficient_cash" when nothing was left for a buy).
function Ctx:order_target_weights(weights, opts)
  local fn = "order_target_weights"
  if type(weights) ~= "table" then
    error(string.format("bad 'weights' argument to ctx:%s: table of weights by symbol expected (got %s)", fn,
      type(weights)), 2)
  end
  local unknown = {}
  for k in pairs(weights) do
    if sid_of[k] == nil then unknown[#unknown + 1] = tostring(k) end
  end
  if #unknown > 0 then
    table.sort(unknown)
    local best = bundle.nearest(unknown[1], sid_of)
    error(string.format("bad 'weights' argument to ctx:%s: unknown symbol '%s' (%sknown: %s)", fn, unknown[1],
      best and ("did you mean '" .. best .. "'? ") or "", table.concat(symbols, ", ")), 2)
  end
  for _, sym in ipairs(symbols) do
    local w = weights[sym]
    if w ~= nil and (type(w) ~= "number" or w ~= w or w == HUGE or w == -HUGE) then
      error(string.format("bad 'weights' argument to ctx:%s: the weight of '%s' must be a finite number (got %s)",
        fn, sym, shown(w)), 2)
    end
  end
  check_target_opts(opts, fn)
  -- Every difference is valued before the first order goes out.
  local equity = self:equity()
  local diffs, prices = {}, {}
  for _, sym in ipairs(symbols) do
    if weights[sym] ~= nil then
      local price = target_price(self, sym, fn)
      prices[sym] = price
      diffs[sym] = difference(weights[sym] * equity / price, self:position(sym))
    end
  end
  local ids, reasons = {}, {}
  local budget = self:cash()
  for _, sym in ipairs(symbols) do
    local d = diffs[sym]
    if d == 0 then
      reasons[sym] = "no_change"
    elseif d ~= nil and d < 0 then
      local id, why = self:sell(sym, -d, opts)
      if id then
        ids[sym] = id
        budget = budget - d * prices[sym] -- the proceeds at the last close
      else
        reasons[sym] = why
      end
    end
  end
  local scale = buy_scale(self, symbols, diffs, prices, budget, equity)
  for _, sym in ipairs(symbols) do
    local d = diffs[sym]
    if d ~= nil and d > 0 then
      if scale > 0 then
        local id, why = self:buy(sym, d * scale, opts)
        if id then ids[sym] = id else reasons[sym] = why end
      else
        reasons[sym] = "insufficient_cash"
      end
    end
  end
  return ids, reasons
end

function Ctx:cancel_order(id)
  if order_refusal then error("ctx:cancel_order: " .. order_refusal, 2) end
  local rc = C.ntrun_ffi_order_cancel(S, core.num_arg(id, "id", 2))
  if rc == core.OK then return true end
  if rc == core.ENOTFOUND then return false end
  error("ctx:cancel_order: " .. (core.session_error() or core.strerror(rc)), 2)
end

--- Changes an open order: fields quantity=, limit=, stop= (others kept).
function Ctx:modify_order(id, changes)
  if order_refusal then error("ctx:modify_order: " .. order_refusal, 2) end
  if type(changes) ~= "table" then error("bad 'changes' argument to ctx:modify_order: table expected", 2) end
  check_keys(changes, CHANGES, "changes", "modify_order", 2)
  local rc = C.ntrun_ffi_order_modify(S, core.num_arg(id, "id", 2),
    changes.quantity or 0 / 0, changes.limit or changes.price or 0 / 0, changes.stop or 0 / 0)
  if rc == core.OK then return true end
  if rc == core.ENOTFOUND then return false end
  error("ctx:modify_order: " .. (core.session_error() or core.strerror(rc)), 2)
end

--- A snapshot table of an order, or nil for an unknown id.
function Ctx:order(id)
  local o = info_buf
  if C.ntrun_ffi_order_get(S, core.num_arg(id, "id", 2), o) ~= core.OK then return nil end
  return {
    id = tonumber(o.id), tag = tonumber(o.tag), symbol = symbols[o.sid + 1],
    side = NAMES.side[o.side], type = NAMES.type[o.type], tif = NAMES.tif[o.tif],
    status = NAMES.status[o.status], quantity = o.quantity, filled_qty = o.filled_qty,
    avg_fill_price = o.avg_fill_price, limit = o.limit_price, stop = o.stop_price,
    ts_submitted = o.ts_submitted,
    parent = o.parent_id ~= 0 and tonumber(o.parent_id) or nil,
    oco = o.oco_group ~= 0 and tonumber(o.oco_group) or nil,
    active = o.active ~= 0, reduce_only = o.reduce_only ~= 0, role = NAMES.role[o.role],
    trail = o.trail_amount > 0 and o.trail_amount or nil,
    trail_percent = o.trail_percent > 0 and o.trail_percent or nil,
  }
end

--- Ids of this strategy's open orders.
function Ctx:open_orders()
  local n = C.ntrun_ffi_open_orders(S, nil, 0)
  if n <= 0 then return {} end
  local buf = ffi.new("uint64_t[?]", n)
  n = C.ntrun_ffi_open_orders(S, buf, n)
  local out = {}
  for i = 0, n - 1 do out[i + 1] = tonumber(buf[i]) end
  return out
end

--- Signed position quantity of a symbol (> 0 long, < 0 short).
function Ctx:position(symbol)
  C.ntrun_ffi_position(S, symbol_id(symbol, "position"), pos)
  return pos.quantity
end

function Ctx:position_info(symbol)
  local p = pos
  C.ntrun_ffi_position(S, symbol_id(symbol, "position_info"), p)
  return { quantity = p.quantity, avg_price = p.avg_price, realised_pnl = p.realised_pnl,
    unrealised_pnl = p.unrealised_pnl, last_price = p.last_price }
end

function Ctx:account()
  local a = acct
  C.ntrun_ffi_account(S, a)
  return { equity = a.equity, cash = a.cash, gross_exposure = a.gross_exposure,
    net_exposure = a.net_exposure, realised_pnl = a.realised_pnl, commissions = a.commissions }
end

function Ctx:equity()
  C.ntrun_ffi_account(S, acct)
  return acct.equity
end

function Ctx:cash()
  C.ntrun_ffi_account(S, acct)
  return acct.cash
end

--- Simulated time: ctx:now() in ns (int64 cdata), ctx:time() in seconds, ctx:date() "YYYY-MM-DD".
function Ctx:now() return C.ntrun_ffi_session_now(S) end
function Ctx:time() return tonumber(C.ntrun_ffi_session_now(S)) / 1e9 end
function Ctx:date() return time.date(C.ntrun_ffi_session_now(S)) end

-- Calendar timers (docs/strategies.md, "Calendar timers"), by name; the runner reads
-- timer_calendars to put `calendar` into the timer event.
local CALENDARS = { month_start = C.NTRUN_CAL_MONTH_START, week_start = C.NTRUN_CAL_WEEK_START,
  session_close = C.NTRUN_CAL_SESSION_CLOSE }
local timer_calendars = {}
M.timer_calendars = timer_calendars

-- ctx:set_timer{calendar=, name=}; errors at level 3 name set_timer's caller.
local function set_calendar_timer(spec)
  if spec.every ~= nil or spec.at ~= nil then
    error("bad 'spec' argument to ctx:set_timer: 'calendar' excludes 'every' and 'at'", 3)
  end
  local cal = spec.calendar
  local kind = CALENDARS[cal]
  if kind == nil then
    local best = type(cal) == "string" and bundle.nearest(cal, CALENDARS) or nil
    error(string.format("bad 'calendar' argument to ctx:set_timer: unknown calendar '%s' (%scalendars: "
      .. "month_start, week_start, session_close)", tostring(cal), best and ("did you mean '" .. best .. "'? ") or ""), 3)
  end
  local rc = C.ntrun_ffi_timer_calendar(S, kind, timer_out)
  if rc ~= core.OK then error("ctx:set_timer: " .. (core.session_error() or core.strerror(rc)), 3) end
  local id = tonumber(timer_out[0])
  timer_names[id] = spec.name
  timer_calendars[id] = cal
  return id
end

--- Timers on the simulated clock: ctx:set_timer(seconds) repeats every `seconds`;
--- ctx:set_timer{every=seconds, at=seconds_since_epoch, name=} for more, or
--- ctx:set_timer{calendar="month_start"|"week_start"|"session_close", name=}. Returns the id.
function Ctx:set_timer(spec)
  local every, at, name = spec, nil, nil
  if type(spec) == "table" then
    check_keys(spec, TIMER_SPEC, "spec", "set_timer", 2)
    if spec.calendar ~= nil then
      local id = set_calendar_timer(spec) -- not a tail call: its errors name our caller
      return id
    end
    every, at, name = spec.every, spec.at, spec.name
  end
  if every ~= nil and (type(every) ~= "number" or every < 0 or every ~= every) then
    error("bad 'every' argument to ctx:set_timer: seconds >= 0 expected (got " .. tostring(every) .. ")", 2)
  end
  if every == nil and at == nil then error("ctx:set_timer needs 'every' or 'at'", 2) end
  local now = C.ntrun_ffi_session_now(S)
  local first = at and ffi.cast("int64_t", core.num_arg(at, "at", 2) * 1e9)
    or (now + ffi.cast("int64_t", (every or 0) * 1e9))
  local interval = ffi.cast("int64_t", (every or 0) * 1e9)
  if at and not spec.every then interval = 0 end
  local rc = C.ntrun_ffi_timer_set(S, first, interval, timer_out)
  if rc ~= core.OK then error("ctx:set_timer: " .. (core.session_error() or core.strerror(rc)), 2) end
  local id = tonumber(timer_out[0])
  timer_names[id] = name
  return id
end

function Ctx:cancel_timer(id)
  return C.ntrun_ffi_timer_cancel(S, core.num_arg(id, "id", 2)) == core.OK
end

--- The run's risk state: "normal", "halted" or "reducing" (docs/fill_model.md, circuit breaker).
function Ctx:risk_state()
  C.ntrun_ffi_risk_state(S, risk_buf)
  return RISK_STATES[risk_buf.state]
end

--- The risk state with its details (times in seconds since the epoch).
function Ctx:risk_info()
  local r = risk_buf
  C.ntrun_ffi_risk_state(S, r)
  local state = RISK_STATES[r.state]
  return {
    state = state, since = tonumber(r.since) / 1e9,
    resume_at = (state ~= "normal" and r.resume_at ~= INT64_MAX) and tonumber(r.resume_at) / 1e9 or nil,
    reason = r.reason ~= nil and ffi.string(r.reason) or nil,
    equity = r.equity, peak_equity = r.peak_equity, drawdown = r.drawdown, window_loss = r.window_loss,
    trip_equity = r.trips > 0 and r.trip_equity or nil, trips = tonumber(r.trips),
  }
end

local function by_symbol(values)
  local t = {}
  for i, name in ipairs(symbols) do
    if values[i - 1] > 0 then t[name] = values[i - 1] end
  end
  return t
end

--- The run's limits, shaped like the bundle's `limits` table (all keys, 0 = off).
function Ctx:limits()
  local l = limits_buf
  C.ntrun_ffi_limits_get(S, l, lim_pos, lim_val, #symbols)
  local per = l.per_symbol
  return {
    max_position = per % 2 == 1 and by_symbol(lim_pos) or l.max_position,
    max_notional = math.floor(per / 2) % 2 == 1 and by_symbol(lim_val) or l.max_notional,
    max_order_notional = l.max_order_notional, max_orders_per_second = l.max_orders_per_second,
    max_leverage = l.max_leverage, allow_short = l.allow_short ~= 0,
    max_gross_exposure = l.max_gross_exposure, max_net_exposure = l.max_net_exposure,
    circuit_breaker = { loss = l.breaker_loss, window = l.breaker_window,
      max_drawdown = l.breaker_max_drawdown, cooldown = l.breaker_cooldown },
    var_limit = l.var_limit, var_confidence = l.var_confidence, var_window = l.var_window,
  }
end

--- Changes the run's limits (every strategy of the run shares them). Keys left out keep their
--- value; a per-symbol table or circuit_breaker table replaces the previous one whole
--- (circuit_breaker = false turns it off). Validated like the bundle: errors name the key.
function Ctx:set_limits(changes)
  local ok, patch = pcall(bundle.check_limits, changes, symbols, function(where, msg)
    error(where == "" and ("bad argument to ctx:set_limits: " .. msg)
      or string.format("bad '%s' argument to ctx:set_limits: %s", where, msg), 0)
  end, true)
  if not ok then error(patch, 2) end
  local cur = self:limits()
  for k, v in pairs(patch) do cur[k] = v end
  local l, posl, val = limits_buf, lim_pos, lim_val
  local per = 0
  if type(cur.max_position) == "table" then
    per = per + POSITION_BY_SYMBOL
    for i, name in ipairs(symbols) do posl[i - 1] = cur.max_position[name] or 0 end
    l.max_position = 0
  else
    l.max_position = cur.max_position
  end
  if type(cur.max_notional) == "table" then
    per = per + NOTIONAL_BY_SYMBOL
    for i, name in ipairs(symbols) do val[i - 1] = cur.max_notional[name] or 0 end
    l.max_notional = 0
  else
    l.max_notional = cur.max_notional
  end
  l.per_symbol = per
  l.max_order_notional, l.max_orders_per_second = cur.max_order_notional, cur.max_orders_per_second
  l.max_leverage, l.allow_short = cur.max_leverage, cur.allow_short and 1 or 0
  l.max_gross_exposure, l.max_net_exposure = cur.max_gross_exposure, cur.max_net_exposure
  local b = cur.circuit_breaker
  l.breaker_loss, l.breaker_window = b.loss, b.window
  l.breaker_max_drawdown, l.breaker_cooldown = b.max_drawdown, b.cooldown
  l.var_limit, l.var_confidence, l.var_window = cur.var_limit, cur.var_confidence, cur.var_window
  local rc = C.ntrun_ffi_limits_set(S, l, posl, val, #symbols, err_buf, ERR_LEN)
  if rc ~= core.OK then error("ctx:set_limits: " .. ffi.string(err_buf), 2) end
end

local LEVELS = { debug = 0, info = 1, warn = 2, error = 3 }
--- ctx:log(...) logs at info; ctx:log_at("warn", ...) picks the level.
function Ctx:log_at(level, ...)
  local lv = LEVELS[level]
  if lv == nil then error("bad 'level' argument to ctx:log_at: debug, info, warn or error", 2) end
  local parts = { ... }
  for i = 1, select("#", ...) do parts[i] = tostring(parts[i]) end
  local msg = table.concat(parts, " ")
  C.ntrun_ffi_log(S, lv, msg, #msg)
end
function Ctx:log(...) return self:log_at("info", ...) end


-- ---- agents (docs/agents.md) ----------------------------------------------------------------
local msg = require "nt._msg"

local function sid_or_nil(symbol) return sid_of[symbol] end

--- (Runner) Makes this state's ctx an agent's: ctx.agent, ctx.role; only executors order.
function M.set_agent(ctx, name, role)
  rawset(ctx, "agent", name)
  rawset(ctx, "role", role)
  order_refusal = role ~= "executor" and string.format("agent '%s' is a %s: only an executor agent places "
    .. "orders (role = \"executor\" in bundle.lua); propose the trade instead (ctx:propose)", name, role) or nil
  msg._set_symbols(symbols)
end

--- Publishes a message made by nt.msg.signal{...} or nt.msg.risk{...} on its kind's topic
--- ("signals", "risk") or on `topic`.
function Ctx:publish(m, topic)
  msg._publish(m, topic, sid_or_nil)
end

--- Proposes a trade to the quorum: {symbol=, side="buy"|"sell", quantity=, deadline_ms=,
--- reason=}; returns the proposal id. The decision comes back to on_decision.
function Ctx:propose(t)
  return msg._propose(t, sid_or_nil)
end

--- Votes on a proposal (p.id): "approve", "reject" or "abstain", opts {weight=, reason=}.
--- on_proposal's return value votes for you; this is for votes cast later.
function Ctx:vote(proposal_id, choice, opts)
  msg._vote(proposal_id, choice, opts)
end

return M
