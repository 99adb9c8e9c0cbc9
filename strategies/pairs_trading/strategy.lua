-- Pairs trading: a rolling OLS of y on x gives the hedge ratio beta and the residual spread;
-- the spread's rolling z-score opens a market-neutral position (y against beta units of x)
-- at +/-entry, closes it near zero and stops it out beyond +/-stop.
local nt = require "nt"

local function param(p, key, rule, ok)
  if not ok then
    error(string.format("pairs_trading: bad params.%s in bundle.lua: %s (got %s)", key, rule, tostring(p[key])), 0)
  end
  return p[key]
end

local function is_int(v, lo) return type(v) == "number" and v == math.floor(v) and v >= lo end
local function is_pos(v) return type(v) == "number" and v > 0 and v < math.huge end

local function validate(ctx)
  local p = ctx.params
  local known = {}
  for _, s in ipairs(ctx.symbols) do known[s] = true end
  local syms = table.concat(ctx.symbols, ", ")
  local out = {
    y = param(p, "y", "must name a symbol of the bundle's data (" .. syms .. ")", known[p.y]),
    x = param(p, "x", "must name a symbol of the bundle's data (" .. syms .. ")", known[p.x]),
    lookback = param(p, "lookback", "must be a whole number >= 3", is_int(p.lookback, 3)),
    z_window = param(p, "z_window", "must be a whole number >= 3", is_int(p.z_window, 3)),
    entry = param(p, "entry", "must be a number > 0", is_pos(p.entry)),
    exit = param(p, "exit", "must be a number >= 0", type(p.exit) == "number" and p.exit >= 0),
    stop = param(p, "stop", "must be a number > 0", is_pos(p.stop)),
    notional = param(p, "notional", "must be a number > 0", is_pos(p.notional)),
  }
  param(p, "x", "must differ from params.y", out.x ~= out.y)
  param(p, "exit", "must be below params.entry", out.exit < out.entry)
  param(p, "stop", "must be above params.entry", out.stop > out.entry)
  return out
end

function on_start(ctx)
  local s = ctx.state
  s.P = validate(ctx) -- validated params
  s.ols = nt.ind.ols(s.P.lookback) -- rolling OLS of y on x
  s.zs = nt.ind.zscore(s.P.z_window) -- z-score of its residual
  s.last_t, s.last_px = {}, {} -- per symbol: time and close of its latest bar
  s.armed = true -- false after a stop-out, until the spread is back inside +/- exit
end

local function close_legs(ctx, why, z)
  local P = ctx.state.P
  ctx:log(why, string.format("z=%.3f", z))
  ctx:order_target(P.y, 0)
  ctx:order_target(P.x, 0)
end

-- One decision per timestamp at which both rates exist, taken on whichever of the two bars
-- arrives second (the engine delivers a timestamp's bars in the order of the data's symbols).
function on_bar(ctx, bar)
  local s = ctx.state
  local P, last_t, last_px = s.P, s.last_t, s.last_px
  local sym = bar.symbol
  if sym ~= P.y and sym ~= P.x then return end
  last_t[sym], last_px[sym] = bar.time, bar.close
  if last_t[P.y] ~= last_t[P.x] then return end -- the other leg has no bar at this time (yet)

  local beta, _, spread = s.ols:update(last_px[P.y], last_px[P.x])
  if spread ~= spread then return end -- OLS warming up (or x constant over the window)
  local z = s.zs:update(spread)
  if z ~= z then return end -- z-score warming up (or a constant spread)
  if #ctx:open_orders() > 0 then return end -- a leg has not filled yet: wait for it

  local qy, qx = ctx:position(P.y), ctx:position(P.x)
  if math.abs(z) < P.exit then s.armed = true end
  if qy ~= 0 or qx ~= 0 then
    if qy == 0 or qx == 0 then
      close_legs(ctx, "one leg is missing (rejected order?): closing the other", z)
    elseif qy > 0 and z > -P.exit then
      close_legs(ctx, "exit long spread", z)
    elseif qy < 0 and z < P.exit then
      close_legs(ctx, "exit short spread", z)
    elseif math.abs(z) > P.stop then
      s.armed = false
      close_legs(ctx, "stop out", z)
    end
    return
  end
  if not s.armed or math.abs(z) <= P.entry or math.abs(z) >= P.stop then return end
  if beta <= 0 then return end -- the legs do not move together: no hedge to put on
  local ny = math.floor(P.notional / last_px[P.y])
  local nx = math.floor(beta * ny + 0.5)
  if ny <= 0 or nx <= 0 then return end
  ctx:log(z > 0 and "short spread" or "long spread", string.format("z=%.3f beta=%.4f", z, beta), ny, nx)
  if z > 0 then
    ctx:sell(P.y, ny)
    ctx:buy(P.x, nx)
  else
    ctx:buy(P.y, ny)
    ctx:sell(P.x, nx)
  end
end

function on_order_rejected(ctx, ev)
  ctx:log_at("warn", "order rejected:", ev.side, ev.quantity, ev.symbol, ev.reason)
end
