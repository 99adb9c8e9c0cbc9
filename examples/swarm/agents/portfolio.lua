-- Portfolio agent: combines the analysts' signals of each bar (direction x strength x
-- confidence) into a score (their sum / 3); at or above `threshold` the target is long
-- `fraction` of equity, otherwise flat. A change of side is proposed to the quorum, one
-- proposal at a time. An analyst that goes down (the "liveness" topic) is no longer waited
-- for until it rejoins.
local analysts, signals, count, bar_ts, open_id

function on_start()
  analysts = { dtw = true, momentum = true, meanrev = true }
  signals, count, bar_ts, open_id = { dtw = 0, momentum = 0, meanrev = 0 }, 0, nil, nil
end

local function live()
  local n = 0
  for _ in pairs(analysts) do n = n + 1 end
  return n
end

function on_message(ctx, m)
  if m.kind == "heartbeat" then
    if m.state == "stopping" and analysts[m.about] then
      analysts[m.about] = nil
      signals[m.about] = 0
      ctx:log("analyst " .. m.about .. " went down: deciding on the signals of " .. live())
    elseif m.state == "running" and signals[m.about] ~= nil then
      analysts[m.about] = true -- it rejoined (a new process)
    end
    return
  end
  if m.kind ~= "signal" then return end
  if m.ts ~= bar_ts then bar_ts, count = m.ts, 0 end
  signals[m.from] = m.direction * m.strength * m.confidence
  count = count + 1
  if count < live() or open_id then return end -- every live analyst of this bar, nothing pending
  local P = ctx.params
  local score = (signals.dtw + signals.momentum + signals.meanrev) / 3
  local want = score >= P.threshold and math.floor(ctx:account().equity * P.fraction / ctx:price(P.symbol)) or 0
  local have = ctx:position(P.symbol)
  if (want > 0) == (have > 0) then return end -- trade only when the side changes
  local qty = math.abs(want - have)
  if qty < 1 then return end
  open_id = ctx:propose { symbol = P.symbol, side = want > have and "buy" or "sell", quantity = qty,
    reason = string.format("score %.2f: target %d, have %d", score, want, have) }
end

function on_decision(_, d)
  if d.id == open_id then open_id = nil end
end
