#!/usr/bin/env bash
# End-to-end check of a live run (docs/live.md): `ntrun run examples/live` consumes bars that
# examples/live/publisher.py replays over ZeroMQ (300 rows of the S&P 500 CSV, as fast as the
# feed takes them), while examples/live/subscriber.py prints the order events ntrun publishes.
# Checked: ntrun exits 0 at the end-of-stream marker; its report counts every bar and names how
# the stream ended; the subscriber saw every fill of the report; and the trades and fills equal
# those of a plain backtest of the same rows with the same strategy. Then a second run is
# interrupted (SIGINT) mid-stream: exit 130 with the report so far. Waits are handshakes (the
# publisher waits for ntrun's subscription, the test for the subscriber's "# ready"), bounded
# by generous limits; nothing depends on timing.
#   live.sh NTRUN WORKDIR PYTHON_GEN_DIR
set -u
NTRUN=$1
W=$2
export NTRUN_PYTHON_DIR=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
EX=$SRC/examples/live
ROWS=300
PIDS=()

fail() {
  echo "FAIL: $*" >&2
  for f in "$W"/*.err "$W"/*.out; do
    [ -f "$f" ] && { echo "---- $f" >&2; tail -40 "$f" >&2; }
  done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  exit 1
}

# A Python with the Debian bindings (python3-zmq, python3-flatbuffers): /usr/bin/python3 first
# (a pyenv or venv python3 earlier on PATH lacks them).
PY=""
for cand in /usr/bin/python3 python3; do
  if "$cand" -c "import zmq, flatbuffers" 2>/dev/null; then PY=$cand; break; fi
done
if [ -z "$PY" ]; then
  echo "SKIP: no python3 with zmq and flatbuffers (apt-get install python3-zmq python3-flatbuffers)"
  exit 77
fi

rm -rf "$W"
mkdir -p "$W/bt"

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to $2 seconds for the file $1 to hold the text $3.
wait_for() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    grep -q -- "$3" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

json() {  # json FILE EXPR: a Python expression over d, the report
  "$PY" -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"
}

# ---- Bundle validation: each mistake refused (exit 1) with its key and what is expected.
mkdir -p "$W/bad"
cp "$EX/strategy.lua" "$W/bad/strategy.lua"
refused() {  # refused DATA_AND_KEYS EXPECTED_TEXT
  echo "return { strategy = 'strategy.lua', $1 }" > "$W/bad/bundle.lua"
  "$NTRUN" run "$W/bad" > "$W/bad.out" 2> "$W/bad.err"
  local rc=$?
  [ "$rc" -eq 1 ] || fail "bundle [$1] exited $rc, not 1"
  grep -qF -- "$2" "$W/bad.err" || fail "bundle [$1]: no '$2' in: $(cat "$W/bad.err")"
}
refused 'data = { { zmq = "tcp://127.0.0.1:5555", file = "x.csv", symbols = { "A" } } }' \
  "'data[1]': give either 'file' or 'zmq', not both"
refused 'data = { { zmq = "tcp://127.0.0.1", symbols = { "A" } } }' \
  "'data[1].zmq': bad ZeroMQ endpoint 'tcp://127.0.0.1': expected tcp://HOST:PORT"
refused 'data = { { zmq = "tcp://127.0.0.1:99999", symbols = { "A" } } }' "bad port 99999"
refused 'data = { { zmq = "tcp://127.0.0.1:5555" } }' "'data[1].symbols': a zmq feed needs its symbols"
refused 'data = { { zmq = "tcp://127.0.0.1:5555", symbols = { "A" }, layout = "wide" } }' \
  "'layout' and 'columns' describe CSV files"
refused 'data = { { zmq = "tcp://127.0.0.1:5555", symbols = { "A" } } }, publish = "udp://x"' \
  "'publish': bad ZeroMQ endpoint 'udp://x'"
refused 'data = { { zmq = "tcp://127.0.0.1:5555", symbols = { "A" } } }, pubish = "tcp://127.0.0.1:1"' \
  "unknown key 'pubish'"

# ---- The reference: a plain backtest of the same rows with the same strategy.
head -n $((ROWS + 1)) "$SRC/examples/data/sp500_index_ohlcv_daily_2000_2020.csv" > "$W/bt/rows.csv"
cp "$EX/strategy.lua" "$W/bt/strategy.lua"
sed -e 's|data = { { zmq = "[^"]*", symbols = { "SPX" } } },|data = { { file = "rows.csv", symbol = "SPX", columns = { close = "close" } } },|' \
    -e '/^  publish = /d' "$EX/bundle.lua" > "$W/bt/bundle.lua"
grep -q 'file = "rows.csv"' "$W/bt/bundle.lua" || fail "could not derive the backtest bundle"
"$NTRUN" run "$W/bt" -q --json "$W/bt.json" > "$W/bt.out" 2> "$W/bt.err" || fail "reference backtest"
BT_TRADES=$(json "$W/bt.json" 'd["metrics"]["num_trades"]')
BT_FILLS=$(json "$W/bt.json" 'd["metrics"]["num_fills"]')
[ "$BT_TRADES" -gt 0 ] || fail "the reference backtest made no trades; the check would be empty"

# ---- The live run.
FEED=tcp://127.0.0.1:$(free_port)
PUB=tcp://127.0.0.1:$(free_port)
"$NTRUN" run "$EX" -q --feed "$FEED" --publish "$PUB" --json "$W/live.json" \
  > "$W/live.out" 2> "$W/live.err" &
RUN=$!
PIDS+=("$RUN")
"$PY" "$EX/subscriber.py" --endpoint "$PUB" --timeout 100 > "$W/sub.out" 2> "$W/sub.err" &
SUB=$!
PIDS+=("$SUB")
# ntrun sends heartbeats while it waits: the first one says the subscription is in place.
wait_for "$W/sub.out" 60 "# ready" || fail "the subscriber never heard ntrun"
timeout 100 "$PY" "$EX/publisher.py" --endpoint "$FEED" --limit $ROWS --wait 60 \
  > "$W/pub.out" 2> "$W/pub.err" || fail "publisher failed"
wait "$RUN"
RC=$?
[ "$RC" -eq 0 ] || fail "ntrun exited $RC"
wait "$SUB" || fail "subscriber failed"

grep -q "ended by end of stream" "$W/live.out" || fail "the report does not say the stream ended"
grep -q "$ROWS bars" "$W/live.out" || fail "the report does not count $ROWS bars"
[ "$(json "$W/live.json" 'd["status"]')" = completed ] || fail "status is not completed"
[ "$(json "$W/live.json" 'd["data"]["bars"]')" = "$ROWS" ] || fail "not every bar reached the engine"
LIVE_TRADES=$(json "$W/live.json" 'd["metrics"]["num_trades"]')
LIVE_FILLS=$(json "$W/live.json" 'd["metrics"]["num_fills"]')
SUB_FILLS=$(grep -c '^filled ' "$W/sub.out")
grep -q "fills (end of stream)" "$W/sub.out" || fail "the subscriber did not get the end marker"
[ "$LIVE_FILLS" = "$SUB_FILLS" ] || fail "report has $LIVE_FILLS fills, the subscriber printed $SUB_FILLS"
[ "$LIVE_TRADES" = "$BT_TRADES" ] || fail "live made $LIVE_TRADES trades, the backtest $BT_TRADES"
[ "$LIVE_FILLS" = "$BT_FILLS" ] || fail "live made $LIVE_FILLS fills, the backtest $BT_FILLS"
# The same decisions at the same prices: the fill lines of both runs' trade lists agree.
[ "$(json "$W/live.json" '[(t["entry_price"], t["exit_price"]) for t in d["trades"]]')" = \
  "$(json "$W/bt.json" '[(t["entry_price"], t["exit_price"]) for t in d["trades"]]')" ] ||
  fail "live and backtest trades differ"

# ---- SIGINT mid-stream: the report so far, exit 130.
FEED=tcp://127.0.0.1:$(free_port)
PUB=tcp://127.0.0.1:$(free_port)
"$NTRUN" run "$EX" -q --feed "$FEED" --publish "$PUB" --json "$W/int.json" \
  > "$W/int.out" 2> "$W/int.err" &
RUN=$!
PIDS=("$RUN")
"$PY" "$EX/subscriber.py" --endpoint "$PUB" --count 1 --timeout 100 > "$W/sub2.out" 2> "$W/sub2.err" &
SUB=$!
PIDS+=("$SUB")
wait_for "$W/sub2.out" 60 "# ready" || fail "the second subscriber never heard ntrun"
"$PY" "$EX/publisher.py" --endpoint "$FEED" --limit 2000 --speed 50 --wait 60 \
  > "$W/pub2.out" 2> "$W/pub2.err" &
PUBLISHER=$!
PIDS+=("$PUBLISHER")
# The first order event (after the 30-bar warm-up) says the stream is flowing.
wait "$SUB" || fail "the second subscriber failed"
grep -q "^accepted " "$W/sub2.out" || fail "no order event before the interrupt"
kill -INT "$RUN"
wait "$RUN"
RC=$?
kill -TERM "$PUBLISHER" 2>/dev/null
wait "$PUBLISHER" 2>/dev/null
[ "$RC" -eq 130 ] || fail "interrupted run exited $RC, not 130"
[ "$(json "$W/int.json" 'd["status"]')" = interrupted ] || fail "status is not interrupted"
BARS=$(json "$W/int.json" 'd["data"]["bars"]')
[ "$BARS" -ge 30 ] && [ "$BARS" -lt 2000 ] || fail "interrupted run saw $BARS bars"
grep -q "ended by interrupted" "$W/int.out" || fail "the report does not say it was interrupted"

echo "ok: live $LIVE_TRADES trades / $LIVE_FILLS fills = backtest $BT_TRADES / $BT_FILLS over $ROWS bars; interrupted after $BARS bars"
