#!/usr/bin/env bash
# Builds and tests the Spark integration against this checkout's torchsd: installs torchsd into the
# local Maven repository (no tests: the main build runs those), then builds examples/spark and runs its
# tests (Spark local[2]). Exits non-zero when anything fails. Called by .ci/run after the main tests.
#   examples/spark/run.sh            # MAVEN_ARGS=-o for an offline build
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
./mvnw -B -q ${MAVEN_ARGS:-} install -DskipTests
# The torchsd POM takes libtorch's natives for one platform, chosen by this property (as .mvn/maven.config does).
./mvnw -B ${MAVEN_ARGS:-} -f "$HERE/pom.xml" -Djavacpp.platform="${JAVACPP_PLATFORM:-linux-x86_64}" package
