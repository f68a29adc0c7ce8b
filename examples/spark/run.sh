#!/usr/bin/env bash
# Builds and tests the Spark integration against this checkout's torchsd: installs torchsd into the
# local Maven repository (no tests: the main build runs those), then builds examples/spark and runs its
# tests (Spark local[2]), then runs the job through spark-submit's main class (submit.sh) and compares
# its PNG with bin/torchsd generate's. Exits non-zero when anything fails. Called by .ci/run after the
# main tests.
#   examples/spark/run.sh            # MAVEN_ARGS=-o for an offline build
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
./mvnw -B -q ${MAVEN_ARGS:-} install -DskipTests
# The torchsd POM takes libtorch's natives for one platform, chosen by this property (as .mvn/maven.config does).
./mvnw -B ${MAVEN_ARGS:-} -f "$HERE/pom.xml" -Djavacpp.platform="${JAVACPP_PLATFORM:-linux-x86_64}" package

# The job as spark-submit runs it: its jars through --jars, the model folder shipped as an archive and
# named sparkfiles:shapes; its PNG must be byte-identical to what bin/torchsd generate writes.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
jar cMf "$work/shapes.zip" -C "$ROOT/src/main/resources/dev/torchsd/builtin/shapes" .
printf 'name,prompt,seed,steps\nshape,"a large yellow triangle on the left, blue background",42,12\nbad,a square,1,0\n' > "$work/prompts.csv"
"$HERE/submit.sh" --master 'local[2]' --class dev.torchsd.spark.BatchJob \
  --jars "$(ls "$HERE"/target/lib/*.jar | paste -sd, -)" --archives "$work/shapes.zip#shapes" \
  "$HERE/target/torchsd-spark.jar" --input "$work/prompts.csv" --output "$work/out" --model sparkfiles:shapes \
  > "$work/submit.log" 2>&1 || { cat "$work/submit.log"; exit 1; }
"$ROOT/bin/torchsd" generate --prompt "a large yellow triangle on the left, blue background" --seed 42 --steps 12 \
  --quiet --out "$work/cli.png" > "$work/cli.log" 2>&1 || { cat "$work/cli.log"; exit 1; }
cmp "$work/out/shape.png" "$work/cli.png"
[ "$(ls "$work/out")" = "shape.png" ] || { echo "expected only shape.png in the output, found: $(ls "$work/out")"; exit 1; }
grep -q 'torchsd: bad: steps must be at least 1' "$work/submit.log" || { cat "$work/submit.log"; exit 1; }
echo "spark-submit check passed: shape.png identical to bin/torchsd generate, the bad row reported"
