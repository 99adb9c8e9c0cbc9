-- DTW analyst: the last `window` closes matched (z-normalised DTW, band) against the past
-- `lookback` bars; the mean return `horizon` bars after the k best matches is the signal.
local nt = require "nt"

function on_bar(ctx, bar)
  local P = ctx.params
  local closes = ctx:history(bar.symbol, "close", P.lookback)
  local n = #closes
  if n < P.lookback then -- no view yet: a flat signal (the portfolio counts three a bar)
    ctx:publish(nt.msg.signal { symbol = bar.symbol, direction = 0, strength = 0, confidence = 0, source = "dtw" })
    return
  end
  local query = closes:slice(n - P.window + 1, n)
  local past = closes:slice(1, n - math.max(P.window, P.horizon))
  local matches = nt.dtw.search(query, past, { k = P.k, window = P.band, znorm = true })
  local sum, up = 0, 0
  for _, m in ipairs(matches) do
    local last = m.index + P.window - 1
    local r = closes[last + P.horizon] / closes[last] - 1
    sum = sum + r
    if r > 0 then up = up + 1 end
  end
  local mean = sum / #matches
  ctx:publish(nt.msg.signal { symbol = bar.symbol, direction = mean > 0 and 1 or 0,
    strength = math.min(1, math.abs(mean) * 50), confidence = math.max(up, #matches - up) / #matches,
    horizon = P.horizon * 86400, source = "dtw" })
end
