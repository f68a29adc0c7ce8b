#!/usr/bin/env bash
# Throughput of 64 built-in-model requests on 1 and 2 executor cores (local[N], one JVM each), and the
# first load's cost; prints the load average beside each line (docs/spark.md quotes a run). Not a test.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
N="${1:-64}"
run() {
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$@" 2>/dev/null | grep '^cores='
}
run "$HERE/local.sh" Throughput --cores 1 --requests "$N"
run "$HERE/local.sh" Throughput --cores 2 --requests "$N"
# two tasks, one libtorch thread each: the cores split between tasks rather than inside each
OMP_NUM_THREADS=1 run "$HERE/local.sh" Throughput --cores 2 --requests "$N"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
