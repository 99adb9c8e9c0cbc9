#!/usr/bin/env bash
# The full agent cycle (bench/bundles/cycle: bar in -> three analysts signal -> proposal ->
# risk and two analysts vote -> decision -> executor's order; the fill comes back with the
# next bar) timed per timestamp by `ntrun run --cycle-stats`: in one process, and with every
# agent in its own process over tcp loopback (and with CURVE).
# Usage: bench/scripts/agent_cycle.sh [path/to/ntrun]
set -euo pipefail
cd "$(dirname "$0")/../.."
NTRUN=$(realpath "${1:-build/ntrun}")
lscpu | grep -m1 "Model name" || true
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "one process (inproc):"
"$NTRUN" run bench/bundles/cycle --quiet --no-progress --cycle-stats 2>&1 >/dev/null | grep cycles
AGENTS="a1 a2 a3 risk portfolio executor"
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for curve in no yes; do
  EP=tcp://127.0.0.1:$(port)
  args=(); agent_args=()
  if [ "$curve" = yes ]; then
    "$NTRUN" keygen --out "$W/run" > /dev/null
    args+=(--curve-key "$W/run")
  fi
  for a in $AGENTS; do
    args+=(--remote "$a")
    if [ "$curve" = yes ]; then "$NTRUN" keygen --out "$W/$a" > /dev/null; args+=(--allow "$W/$a.pub"); fi
  done
  echo "six agent processes over tcp loopback (CURVE: $curve):"
  "$NTRUN" run bench/bundles/cycle --quiet --no-progress --cycle-stats --serve "$EP" "${args[@]}" 2>&1 >/dev/null | grep cycles &
  RUN=$!
  for a in $AGENTS; do
    if [ "$curve" = yes ]; then
      "$NTRUN" agent bench/bundles/cycle --only "$a" --connect "$EP" --quiet --curve-key "$W/$a" --server-key "$W/run.pub" &
    else
      "$NTRUN" agent bench/bundles/cycle --only "$a" --connect "$EP" --quiet &
    fi
  done
  wait
  rm -f "$W"/*.key "$W"/*.pub
done
