#!/usr/bin/env bash
# Runs a class of torchsd-spark with plain java on this machine (Spark inside the JVM, local[*] for
# BatchJob), with the thread settings docs/spark.md gives for executors. Builds first if needed.
#   examples/spark/local.sh BatchJob --input prompts.csv --output images/
#   examples/spark/local.sh Throughput --cores 2 --requests 64
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -f "$HERE/target/torchsd-spark.jar" ] || [ ! -f "$HERE/target/classpath.txt" ] \
   || [ -n "$(find "$HERE/src/main" "$HERE/pom.xml" -newer "$HERE/target/torchsd-spark.jar" -print -quit)" ]; then
  echo "torchsd-spark: building..." >&2
  (cd "$HERE/../.." && ./mvnw -B -q install -DskipTests \
     && ./mvnw -B -q -f "$HERE/pom.xml" -Djavacpp.platform=linux-x86_64 -DskipTests package) >&2
fi
CLASS="$1"; shift
# Several tasks share an executor's cores: OpenBLAS's own threads off, OpenMP threads sleeping between
# parallel regions (docs/reliability.md); a user's setting wins.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export THP_MEM_ALLOC_ENABLE="${THP_MEM_ALLOC_ENABLE:-1}"
exec java @"$HERE/jvm.options" ${JAVA_OPTS:-} -cp "$HERE/target/torchsd-spark.jar:$(cat "$HERE/target/classpath.txt")" \
  "dev.torchsd.spark.$CLASS" "$@"
