#!/usr/bin/env bash
# The swarm example (6 agents, messages, quorum) against the same logic as one strategy, on
# the S&P 500 file: wall time of each, best of N runs, and the ratio (budget: within 3x).
# Usage: bench/scripts/swarm_vs_strategy.sh [path/to/ntrun] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
NTRUN=${1:-build/ntrun}
RUNS=${2:-5}
lscpu | grep -m1 "Model name" || true
best() {
  local b=999999
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N)
    "$NTRUN" run "$1" --quiet > /dev/null 2>&1
    t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    if (( ms < b )); then b=$ms; fi
  done
  echo "$b"
}
one=$(best examples/swarm/one_strategy)
swarm=$(best examples/swarm)
echo "one strategy: ${one} ms"
echo "swarm (6 agents): ${swarm} ms"
awk -v s="$swarm" -v o="$one" 'BEGIN { printf "ratio: %.2fx\n", s / o }'
