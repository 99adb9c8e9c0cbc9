#!/usr/bin/env bash
# End-to-end check of `ntrun run --watch`: while bars flow (20,000 one-minute bars at
# 120000x, about 10 s), the strategy file is edited: a good version, five broken ones (syntax
# error, error at load, on_load error, a callback that is not a function, a misspelled
# callback), a good one written slowly in two parts, one saved by rename, one by truncate and
# write, a save without a change, SIGHUP, then bundle.lua edits (params and limits apply; capital
# and symbols are refused). Each edit waits for the host's answer (a log
# line), so nothing depends on timing. Checked: every bar reached the strategy exactly once
# (its count equals the rows and a plain backtest of the same code), the state went across
# versions, the broken versions never handled an event, the position and the resting order
# survived, and the JSON report lists the reloads with the expected outcomes.
#   watch.sh NTRUN WORKDIR
set -u
NTRUN=$1
W=$2
rm -rf "$W"
mkdir -p "$W/b"
B=$W/b
ROWS=20000

fail() {
  echo "FAIL: $*" >&2
  echo "---- stderr of the run:" >&2
  cat "$W/err.txt" >&2 2>/dev/null
  [ -n "${PID:-}" ] && kill -KILL "$PID" 2>/dev/null
  exit 1
}

# One-minute bars from 2024-01-02 00:00 UTC, prices on a saw-tooth.
awk -v n=$ROWS 'BEGIN {
  print "time,open,high,low,close,volume"
  for (i = 0; i < n; i++) {
    d = 2 + int(i / 1440); h = int((i % 1440) / 60); m = i % 60; p = 100 + (i % 50) / 10
    printf "2024-01-%02d %02d:%02d:00,%g,%g,%g,%g,1000\n", d, h, m, p, p + 0.5, p - 0.5, p
  }
}' > "$B/minutes.csv"

cat > "$B/bundle.lua" <<'EOF'
return {
  name = "watch_e2e",
  strategy = "strategy.lua",
  data = { { file = "minutes.csv", symbol = "X" } },
  params = { qty = 10 },
}
EOF

# The strategy, version $1; $2: extra Lua at the end (a broken version's fault).
version() {
  cat <<EOF
-- watch e2e strategy, version $1
local V = $1
local seen = false

function on_start(ctx)
  local s = ctx.state
  s.n, s.timers = 0, 0
  ctx:set_timer(3600)
end

function on_bar(ctx, bar)
  local s = ctx.state
  s.n = s.n + 1
  if s.n == 1 then
    ctx:buy("X", ctx.params.qty)
    ctx:buy("X", 1, { limit = 1 }) -- rests for the whole run
  end
  if not seen then
    seen = true
    ctx:log(string.format("V%d first n=%d pos=%g open=%d qty=%g", V, s.n, ctx:position("X"), #ctx:open_orders(),
      ctx.params.qty))
  end
end

function on_timer(ctx)
  ctx.state.timers = ctx.state.timers + 1
end

function on_stop(ctx)
  local s = ctx.state
  ctx:log(string.format("V%d stop n=%d timers=%d pos=%g open=%d", V, s.n, s.timers, ctx:position("X"),
    #ctx:open_orders()))
end
$2
EOF
}

version 1 "" > "$B/strategy.lua"

# The reference: the same code as a plain backtest.
"$NTRUN" run "$B" > "$W/ref_out.txt" 2> "$W/ref_err.txt" || fail "the plain backtest failed: $(cat "$W/ref_err.txt")"
REF=$(grep -o 'V1 stop .*' "$W/ref_err.txt") || fail "no stop line in the plain backtest"

# Without edits, a --watch run gives the backtest's report (the simulated clock stays at the
# bars' times), plus its versions and reloads.
"$NTRUN" run "$B" --json "$W/plain.json" -q > /dev/null 2>&1 || fail "the plain backtest failed"
"$NTRUN" run "$B" --watch --speed max --json "$W/max.json" -q > /dev/null 2> "$W/err.txt" || fail "--speed max failed"
sed -e 's/, "entry_version": .*}$/}/' -e '/^  "versions": /d' -e '/^  "reloads": /d' \
  -e 's/^  "errors": \(.*\),$/  "errors": \1/' "$W/max.json" > "$W/max_plain.json"
cmp -s "$W/max_plain.json" "$W/plain.json" || fail "--watch --speed max and the backtest differ: diff $W/max_plain.json $W/plain.json"

: > "$W/err.txt" # now, not when the child gets to it: wait_for must not see the last run's lines
"$NTRUN" run "$B" --watch --speed 120000x --json "$W/report.json" > "$W/out.txt" 2> "$W/err.txt" &
PID=$!

# Waits until the run's stderr holds at least $2 lines matching $1 (fixed string).
wait_for() {
  local i
  for ((i = 0; i < 600; i++)); do
    if [ "$(grep -cF -- "$1" "$W/err.txt")" -ge "$2" ]; then return 0; fi
    kill -0 "$PID" 2>/dev/null || fail "the run ended before '$1' (x$2) was seen: the machine too slow for $ROWS bars at 120000x?"
    sleep 0.02
  done
  fail "timed out waiting for '$1' (x$2)"
}

ANSWERS=0
# Waits for the host's answer to an edit: one more 'reloaded' or 'refused' line.
answered() {
  ANSWERS=$((ANSWERS + 1))
  local i n
  for ((i = 0; i < 600; i++)); do
    n=$(grep -cE '^ntrun: (reloaded strategy|reload of strategy .* refused|bundle.lua change refused)' "$W/err.txt")
    if [ "$n" -ge "$ANSWERS" ]; then return 0; fi
    kill -0 "$PID" 2>/dev/null || fail "the run ended before the answer to edit $ANSWERS"
    sleep 0.02
  done
  fail "timed out waiting for the answer to edit $ANSWERS"
}

wait_for "V1 first n=1 " 1
# A plain write (open with truncation, write, close).
version 2 "" > "$B/strategy.lua"
answered
wait_for "V2 first" 1
# Broken versions: each must be refused while V2 keeps trading.
version 90 "function on_bar(ctx, bar" > "$B/strategy.lua"
answered
version 91 "error('boom at load')" > "$B/strategy.lua"
answered
version 92 "function on_load(ctx, state) error('cannot take this state') end" > "$B/strategy.lua"
answered
version 93 "on_order_filled = 42" > "$B/strategy.lua"
answered
version 94 "function on_bars(ctx, bar) end" > "$B/strategy.lua"
answered
# A good version written slowly, in two parts of one open: the half-written file must not load.
version 3 "" > "$W/v3.lua"
head -c 300 "$W/v3.lua" > "$W/v3a.lua"
tail -c +301 "$W/v3.lua" > "$W/v3b.lua"
{ cat "$W/v3a.lua"; sleep 0.3; cat "$W/v3b.lua"; } > "$B/strategy.lua"
answered
wait_for "V3 first" 1
# Saved by rename (an editor's temporary file moved over the strategy).
version 4 "" > "$B/.strategy.lua.tmp"
mv "$B/.strategy.lua.tmp" "$B/strategy.lua"
answered
wait_for "V4 first" 1
# Truncated and closed, then written: the empty file is no version.
: > "$B/strategy.lua"
sleep 0.2
version 5 "" > "$B/strategy.lua"
answered
wait_for "V5 first" 1
# Saved without a change: no reload (the report's count below would show one).
cp "$B/strategy.lua" "$W/same.lua"
cat "$W/same.lua" > "$B/strategy.lua"
sleep 0.2
# SIGHUP: every strategy reloads, changed or not (V5's code again, as v7).
kill -HUP "$PID"
answered
wait_for "V5 first" 2
# bundle.lua: new params and limits apply (the strategy reloads with them); a new capital or
# symbol cannot apply to a running session and is refused, naming the key.
sed -i 's/qty = 10 }/qty = 20 }, limits = { max_position = 1000 }/' "$B/bundle.lua"
answered
wait_for "V5 first" 3
sed -i 's/^  name = "watch_e2e",/  name = "watch_e2e", capital = 5000,/' "$B/bundle.lua"
answered
sed -i 's/capital = 5000,//; s/symbol = "X"/symbol = "Y"/' "$B/bundle.lua"
answered

wait "$PID"
RC=$?
PID=
[ "$RC" -eq 0 ] || fail "the watch run exited $RC"

ERR=$(cat "$W/err.txt")
# Every bar exactly once, the state carried over: the last version's stop line equals the
# plain backtest's, version number aside (count, timers, position, resting order).
GOT=$(grep -o 'V5 stop .*' "$W/err.txt") || fail "no V5 stop line"
[ "${GOT#V5}" = "${REF#V1}" ] || fail "watch run: '$GOT', plain backtest: '$REF'"
echo "$GOT" | grep -q "n=$ROWS " || fail "the strategy counted other than $ROWS bars: $GOT"
# The broken versions never handled an event.
for v in 90 91 92 93 94; do
  if grep -q "V$v " "$W/err.txt"; then fail "broken version $v ran"; fi
done
# Each good version found the position and the resting order.
for v in 2 3 4 5; do
  grep -q "V$v first n=[0-9]* pos=10 open=1 qty=10" "$W/err.txt" || fail "version $v did not find pos=10 open=1"
done
grep -q "V5 first n=[0-9]* pos=10 open=1 qty=20" "$W/err.txt" || fail "the new params did not reach the strategy"
echo "$ERR" | grep -q "bundle.lua: params and limits applied" || fail "bundle.lua's params and limits were not applied"
echo "$ERR" | grep -q "bundle.lua: 'capital' changed, which a running session cannot take" || fail "the capital change was not refused"
echo "$ERR" | grep -q "bundle.lua: 'data' changed" || fail "the symbol change was not refused"
# The refusals name the file and line, and say why.
echo "$ERR" | grep -q "refused (v2 keeps trading): .*strategy.lua:[0-9]*:" || fail "no file:line in a refusal"
echo "$ERR" | grep -q "boom at load" || fail "the error at load was not reported"
echo "$ERR" | grep -q "cannot take this state" || fail "the on_load error was not reported"
echo "$ERR" | grep -q "'on_order_filled' must be a function" || fail "the non-function callback was not reported"
echo "$ERR" | grep -q "did you mean 'on_bar'" || fail "the misspelled callback was not reported"

# The JSON report: the reloads, in order, with their outcomes, versions and triggers.
J=$W/report.json
[ -f "$J" ] || fail "no JSON report"
OUTCOMES=$(grep -o '"version": [0-9]*, "outcome": "[a-z]*"' "$J" | sed 's/"version": //; s/, "outcome": "/:/; s/"$//' | tr '\n' ' ')
WANT="2:ok 2:refused 2:refused 2:refused 2:refused 2:refused 3:ok 4:ok 5:ok 6:ok 0:ok 7:ok 0:refused 0:refused "
[ "$OUTCOMES" = "$WANT" ] || fail "reloads in the report: '$OUTCOMES', expected '$WANT'"
TRIGGERS=$(grep -o '"trigger": "[a-z.]*"' "$J" | tr '\n' ' ')
[ "$(echo "$TRIGGERS" | grep -o signal | wc -l)" -eq 1 ] || fail "expected one signal reload: $TRIGGERS"
[ "$(echo "$TRIGGERS" | grep -o '"bundle.lua"' | wc -l)" -eq 1 ] || fail "expected one reload for new params: $TRIGGERS"
grep -q '"bars": '"$ROWS" "$J" || fail "the report does not count $ROWS bars"
grep -q '"status": "completed"' "$J" || fail "the run did not complete"
grep -q '"versions": {"strategy.lua": 7}' "$J" || fail "the report's final version is not 7"
grep -q '"symbol": "X", "side": "long", .*"quantity": 10,' "$J" || fail "the position of 10 is not in open_positions"
grep -q 'Reloads (14: 7 applied, 7 refused)' "$W/out.txt" || fail "the printed report lacks the reloads summary"

# A new version that never returns (an endless loop at its top level) is stopped at the
# callback budget like a callback (docs/sandbox.md): the strategy stops, the run reports it.
version 1 "" > "$B/strategy.lua"
sed -i 's/symbol = "Y"/symbol = "X"/; s/qty = 20 }, limits = { max_position = 1000 }/qty = 10 }/' "$B/bundle.lua"
: > "$W/err.txt" # now, not when the child gets to it: wait_for must not see the last run's lines
"$NTRUN" run "$B" --watch --speed 120000x --json "$W/runaway.json" > "$W/out.txt" 2> "$W/err.txt" &
PID=$!
wait_for "V1 first n=1 " 1
version 95 "while true do end" > "$B/strategy.lua"
wait "$PID"
RC=$?
PID=
[ "$RC" -eq 1 ] || fail "a runaway reload: exit $RC, expected 1"
grep -q "reload of strategy strategy.lua stopped it: .*ran longer than" "$W/err.txt" || fail "the runaway reload was not stopped at the budget"
grep -q '"status": "stopped: strategy error in strategy.lua"' "$W/runaway.json" || fail "the runaway reload's report"
grep -q '"outcome": "stopped"' "$W/runaway.json" || fail "the runaway reload's outcome in the report"

# New params in bundle.lua reach a strategy whose reload with them was refused (its file was
# broken then) on its next good save.
version 1 "" > "$B/strategy.lua"
: > "$W/err.txt" # now, not when the child gets to it: wait_for must not see the last run's lines
"$NTRUN" run "$B" --watch --speed 120000x > "$W/out.txt" 2> "$W/err.txt" &
PID=$!
ANSWERS=0
wait_for "V1 first n=1 " 1
version 96 "function on_bar(" > "$B/strategy.lua"
answered
sed -i 's/qty = 10 }/qty = 30 }/' "$B/bundle.lua"
answered
version 6 "" > "$B/strategy.lua"
answered
wait_for "V6 first" 1
kill -INT "$PID"
wait "$PID"
RC=$?
PID=
[ "$RC" -eq 130 ] || fail "interrupted watch run: exit $RC, expected 130"
grep -q "V6 first n=[0-9]* pos=10 open=1 qty=30" "$W/err.txt" || fail "the params refused with a broken file did not come with the next good save"
grep -q "Status    interrupted" "$W/out.txt" || fail "the interrupted run's report"
echo "watch e2e: ok ($ROWS bars, 14 reloads, a runaway reload stopped, params after a refusal)"
