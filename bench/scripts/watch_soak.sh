#!/usr/bin/env bash
# Hot reload under load (`ntrun run --watch`): N reloads (default 1000) of a 500-line
# strategy while bars flow at about 1,000 bars/s (one-minute bars at 60000x). Reports:
#  - save -> new version handling events: from the moment the save is closed to the moment
#    the new version's first bar line is read from ntrun's stderr (median, p99, worst);
#    budget median <= 50 ms, worst <= 200 ms. It includes the 5 ms debounce and the wait
#    for the next bar (up to 1 ms at this pace).
#  - the reload's work on the event thread (compile, state handover, swap), as ntrun logs
#    it ("reloaded strategy X (vN) in T ms"); budget <= 5 ms for 500 lines.
#  - RSS of the ntrun process after the first 50 reloads and after the last; budget: growth
#    <= 10 MB over 1,000 reloads.
# Every 10th save is broken (a syntax error), so refusals are part of the soak too.
#   bench/scripts/watch_soak.sh [NTRUN] [RELOADS]
set -eu
NTRUN=${1:-build/ntrun}
N=${2:-1000}
W=$(mktemp -d /tmp/ntrun_watch_soak.XXXXXX)
trap 'rm -rf "$W"' EXIT
B=$W/b
mkdir -p "$B"

# 400,000 one-minute bars: 400 s at 1,000 bars/s, more than the soak needs.
awk 'BEGIN {
  print "time,open,high,low,close,volume"
  split("31 29 31 30 31 30 31 31 30 31 30 31", dim, " ") # 2024
  for (i = 0; i < 400000; i++) {
    day = int(i / 1440); mo = 1
    while (day >= dim[mo]) { day -= dim[mo]; mo++ }
    p = 100 + (i % 97) / 10
    printf "2024-%02d-%02d %02d:%02d:00,%g,%g,%g,%g,1000\n", mo, day + 1, int((i % 1440) / 60), i % 60, p, p + 0.5, p - 0.5, p
  }
}' > "$B/minutes.csv"
cat > "$B/bundle.lua" <<'EOF'
return { name = "watch_soak", strategy = "strategy.lua", data = { { file = "minutes.csv", symbol = "X" } } }
EOF

# A 500-line strategy: callbacks, an SMA crossover trading on the bars, 480 lines of helpers.
strategy() {
  cat <<EOF
-- soak strategy, version $1 (500 lines)
local nt = require "nt"
local V = $1
local seen = false
local helpers = {}
function on_start(ctx)
  local s = ctx.state
  s.n = 0
  s.fast, s.slow = nt.ind.sma(10), nt.ind.sma(30)
end
function on_bar(ctx, bar)
  local s = ctx.state
  s.n = s.n + 1
  local f, sl = s.fast:update(bar.close), s.slow:update(bar.close)
  if not seen then
    seen = true
    ctx:log("V" .. V .. " first")
  end
  if sl == sl then
    local want = f > sl and 10 or 0
    local pos = ctx:position("X")
    if want ~= pos then ctx:order_target("X", want) end
  end
end
EOF
  local i
  for ((i = 1; i <= 119; i++)); do
    echo "helpers[$i] = function(x, y)"
    echo "  local z = x * $i + y - $((i % 7))"
    echo "  return z > 0 and z or -z"
    echo "end"
  done
  echo "return nil"
}

strategy 1 > "$B/strategy.lua"
exec {ERRFD}< <(exec "$NTRUN" run "$B" --watch --speed 60000x 2>&1 >/dev/null)
# The process substitution's pid: ntrun itself (exec).
PID=$!

next_line() {  # reads ntrun's next stderr line into LINE, and its arrival time into AT (us)
  IFS= read -r -u "$ERRFD" LINE || return 1
  AT=${EPOCHREALTIME/./}
}
wait_line() {  # reads until a line containing $1
  while next_line; do
    [[ $LINE == *"$1"* ]] && return 0
  done
  echo "ntrun ended early (last line: $LINE)" >&2
  exit 1
}

wait_line "V1 first"
rss() { awk '/VmRSS/ { print $2 }' "/proc/$PID/status"; }

LAT=()
WORK=()
RSS0=0
ok=0
for ((k = 2; k <= N + 1; k++)); do
  if ((k % 10 == 0)); then
    { strategy $k; echo "function broken("; } > "$W/next.lua"
  else
    strategy $k > "$W/next.lua"
  fi
  cp "$W/next.lua" "$B/strategy.lua"
  T0=${EPOCHREALTIME/./}
  if ((k % 10 == 0)); then
    wait_line "refused"
    continue
  fi
  ok=$((ok + 1))
  wait_line "reloaded strategy"
  WORK+=("$(sed -E 's/.* in ([0-9.]+) ms/\1/' <<< "$LINE")")
  wait_line "V$k first"
  LAT+=($(((AT - T0))))
  if ((k == 51)); then RSS0=$(rss); fi
done
RSS1=$(rss)
kill -INT "$PID"
wait "$PID" 2>/dev/null || true

stats() {  # median, p99 and max of the arguments
  sort -g | awk '{ v[NR] = $1 } END {
    printf "median %s, p99 %s, worst %s (n=%d)", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[NR], NR }'
}
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "reloads: $N saves ($ok applied, $((N - ok)) refused), 500-line strategy, ~1,000 bars/s"
echo "save -> new version's first bar (ms): $(printf '%s\n' "${LAT[@]}" | awk '{ printf "%.2f\n", $1 / 1000 }' | stats)"
echo "reload work on the event thread (ms): $(printf '%s\n' "${WORK[@]}" | stats)"
echo "RSS: $((RSS0 / 1024)) MB after 50 reloads, $((RSS1 / 1024)) MB after $N: growth $(((RSS1 - RSS0) / 1024)) MB ($((RSS1 - RSS0)) kB)"
