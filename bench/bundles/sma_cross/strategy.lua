-- SMA crossover with simulated fills (the throughput budget's strategy).
local nt = require "nt"
local fast, slow, above

function on_start(ctx)
  fast = nt.ind.sma(ctx.params.fast)
  slow = nt.ind.sma(ctx.params.slow)
end

function on_bar(ctx, bar)
  local f, s = fast:update(bar.close), slow:update(bar.close)
  if s ~= s then return end
  local now_above = f > s
  if now_above ~= above then
    if now_above then ctx:buy("X", 100) elseif above ~= nil then ctx:sell("X", 100) end
    above = now_above
  end
end
