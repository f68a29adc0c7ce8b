#!/usr/bin/env bash
# spark-submit without a Spark distribution: runs its main class (org.apache.spark.deploy.SparkSubmit,
# in spark-core) with only Spark's jars on the class path, so the job's own jars arrive as on a
# cluster, through --jars. Arguments are spark-submit's. Needs the build (run.sh, or package).
#   examples/spark/submit.sh --master 'local[2]' --class dev.torchsd.spark.BatchJob \
#     --jars "$(ls examples/spark/target/lib/*.jar | paste -sd, -)" examples/spark/target/torchsd-spark.jar ARGS...
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
spark_only=""
IFS=: read -r -a entries < "$HERE/target/classpath.txt" || true  # no newline at its end
for jar in "${entries[@]}"; do
  [ -e "$HERE/target/lib/$(basename "$jar")" ] || spark_only="$spark_only${spark_only:+:}$jar"
done
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# one machine: Spark's servers on loopback
exec java @"$HERE/jvm.options" -cp "$spark_only" org.apache.spark.deploy.SparkSubmit \
  --conf spark.driver.bindAddress=127.0.0.1 --conf spark.driver.host=127.0.0.1 "$@"
