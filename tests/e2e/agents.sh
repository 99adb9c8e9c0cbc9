#!/usr/bin/env bash
# End to end: the swarm example as one process and as six (the run and five agent processes
# over tcp with CURVE) gives byte-identical JSON reports; an agent with a key the run does not
# allow is refused and logged; an agent process killed mid-run is stopped, the others go on
# and the report says so; garbage sent to the run's endpoint changes nothing.
# Usage: agents.sh NTRUN WORKDIR
set -euo pipefail
NTRUN=$(realpath "$1")
WORK=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$SRC"
AGENTS="dtw momentum meanrev risk executor"
RANGE=(--to 2004-12-31)
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$NTRUN" keygen --out "$WORK/run" > /dev/null
for a in $AGENTS stranger; do "$NTRUN" keygen --out "$WORK/$a" > /dev/null; done

# 1. One process.
"$NTRUN" run examples/swarm "${RANGE[@]}" --quiet --no-progress --json "$WORK/one.json" > /dev/null

# 2. Six processes over tcp with CURVE.
PORT=$(free_port)
EP=tcp://127.0.0.1:$PORT
args=()
for a in $AGENTS; do args+=(--remote "$a" --allow "$WORK/$a.pub"); done
"$NTRUN" run examples/swarm "${RANGE[@]}" --quiet --no-progress --json "$WORK/many.json" \
  --serve "$EP" --curve-key "$WORK/run" "${args[@]}" > "$WORK/many.out" 2> "$WORK/many.err" &
RUN=$!
pids=()
for a in $AGENTS; do
  "$NTRUN" agent examples/swarm --only "$a" --connect "$EP" --curve-key "$WORK/$a" \
    --server-key "$WORK/run.pub" --quiet > "$WORK/$a.log" 2>&1 &
  pids+=($!)
done
wait "$RUN" || fail "the six-process run failed: $(cat "$WORK/many.err")"
for p in "${pids[@]}"; do wait "$p" || fail "an agent process failed: $(cat "$WORK"/*.log)"; done
cmp "$WORK/one.json" "$WORK/many.json" || fail "the reports of one and six processes differ"
grep -q '"proposals": [1-9]' "$WORK/one.json" || fail "the swarm made no proposals"
echo "ok: one process and six give byte-identical reports"

# 3. A key the run does not allow: refused, logged, and the run says who did not join.
PORT=$(free_port)
EP=tcp://127.0.0.1:$PORT
set +e
"$NTRUN" run examples/swarm "${RANGE[@]}" --quiet --no-progress --serve "$EP" --remote dtw \
  --curve-key "$WORK/run" --allow "$WORK/dtw.pub" --join-wait 3000 > /dev/null 2> "$WORK/refused.err" &
RUN=$!
"$NTRUN" agent examples/swarm --only dtw --connect "$EP" --curve-key "$WORK/stranger" \
  --server-key "$WORK/run.pub" --join-wait 2000 > "$WORK/stranger.log" 2>&1
AGENT_RC=$?
wait "$RUN"
RUN_RC=$?
set -e
[ "$AGENT_RC" -ne 0 ] || fail "an agent with a wrong key was let in"
[ "$RUN_RC" -ne 0 ] || fail "the run went on without its agent"
grep -q "refused an agent process" "$WORK/refused.err" || fail "the refusal was not logged: $(cat "$WORK/refused.err")"
grep -q "agents dtw did not join" "$WORK/refused.err" || fail "the run did not say who is missing"
echo "ok: a wrong key is refused and logged"

# 4. Garbage at the endpoint, then an agent process killed mid-run, and a new one that
#    rejoins in its place (no CURVE: plain tcp).
PORT=$(free_port)
EP=tcp://127.0.0.1:$PORT
set +e
"$NTRUN" run examples/swarm --quiet --no-progress --json "$WORK/killed.json" --serve "$EP" \
  --remote dtw --remote meanrev --agent-timeout 2000 > /dev/null 2> "$WORK/killed.err" &
RUN=$!
/usr/bin/python3 - "$EP" <<'PY'
import sys, time, zmq
s = zmq.Context().socket(zmq.DEALER)
s.connect(sys.argv[1])
s.send(b"\x00garbage, not an agent")
s.send(b"NTAG")
time.sleep(0.3)
PY
"$NTRUN" agent examples/swarm --only dtw --connect "$EP" --quiet > "$WORK/dtw.log" 2>&1 &
"$NTRUN" agent examples/swarm --only meanrev --connect "$EP" --quiet > "$WORK/meanrev.log" 2>&1 &
AGENT=$!
# Mid-run: the run needs each remote agent every bar (several seconds for the 5,105 bars).
sleep 0.7
kill -9 "$AGENT"
# A new meanrev process: it asks until the run lets the lost one go, then rejoins.
"$NTRUN" agent examples/swarm --only meanrev --connect "$EP" --quiet > "$WORK/meanrev2.log" 2>&1 &
AGENT2=$!
wait "$RUN"
RUN_RC=$?
wait "$AGENT2"
AGENT2_RC=$?
set -e
[ "$AGENT2_RC" -eq 0 ] || fail "the rejoining agent process failed: $(cat "$WORK/meanrev2.log")"
[ "$RUN_RC" -eq 1 ] || fail "a run that lost an agent should end with 1 (got $RUN_RC): $(cat "$WORK/killed.err")"
/usr/bin/python3 - "$WORK/killed.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
a = {x["name"]: x for x in r["agents"]["list"]}
assert a["risk"]["status"] == "up", a["risk"]
assert any("meanrev: stopped: its process sent nothing for 2000 ms" in e for e in r["errors"]), r["errors"]
assert r["status"] == "stopped: agent error in meanrev", r["status"]
# the data ran to its end; meanrev was out between its stop and its rejoin
assert r["data"]["bars"] == 5105, r["data"]["bars"]
st = a["meanrev"]["status"]
m = re.match(r"rejoined at (\S+) after it stopped at (\S+) ", st)
assert m, st
back_at, out_at = m.group(1), m.group(2)
assert out_at < back_at, st
ds = r["agents"]["decisions"]
# while it was out, a proposal's ballot shows it excluded or dropped, never a vote
for d in ds:
    if out_at < d["time"] < back_at:
        v = "; ".join(d["votes"])
        assert "meanrev: excluded" in v or "meanrev: dropped" in v, v
# once back, it votes again
back = [d for d in ds if d["time"] > back_at and any(x.startswith("meanrev: approve") or x.startswith("meanrev: reject") for x in d["votes"])]
assert back, "meanrev never voted again after it rejoined"
print("ok: a killed agent process is stopped (%s), a new one rejoins (%s) and votes on %d proposals" % (out_at, back_at, len(back)))
PY
