#!/usr/bin/env bash
# What an embedding application does, checked (CI runs it after the tests):
#   1. installs torchsd into a local Maven repository (./mvnw install in the project root);
#   2. builds this project, which depends on dev.torchsd:torchsd by its coordinates;
#   3. checks what it resolves: one platform's natives, no picocli, no progress bar, no jline;
#   4. runs it on the module path and compares its PNG with bin/torchsd's, byte for byte;
#   5. checks that code importing a torchsd internal package does not compile, and that a launch
#      without the native modules fails with torchsd's error that says what to add.
# Arguments are passed to every Maven call, e.g. examples/consumer/run.sh -o (offline).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$HERE/target"
fail() { echo "consumer: FAILED: $*" >&2; exit 1; }
pom_value() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$2" | head -1; }

# The example must name the versions the project builds (its pom.xml is what users copy).
version="$(pom_value version "$ROOT/pom.xml")"
[ "$(pom_value torchsd.version "$HERE/pom.xml")" = "$version" ] \
  || fail "examples/consumer/pom.xml: torchsd.version is $(pom_value torchsd.version "$HERE/pom.xml"), the project is $version"
[ "$(pom_value pytorch.version "$HERE/pom.xml")" = "$(pom_value pytorch.version "$ROOT/pom.xml")" ] \
  || fail "examples/consumer/pom.xml: pytorch.version differs from the project's pom.xml"

# The local repository is this run's own, backed read-only by ~/.m2 (Maven's chained local repository):
# another build on the machine cannot replace the installed jar while the checks run, and ~/.m2 stays
# as it was.
rm -rf "$OUT"
repository=(-Dmaven.repo.local="$OUT/repository" -Dmaven.repo.local.tail="$HOME/.m2/repository")
(cd "$ROOT" && ./mvnw -B -q "${repository[@]}" "$@" install -DskipTests)
# The consumer has its own .mvn/, so the project's .mvn/maven.config (-Djavacpp.platform) does not apply.
"$ROOT/mvnw" -B -q "${repository[@]}" "$@" -f "$HERE/pom.xml" compile dependency:list \
  -DoutputFile="$OUT/dependencies.txt" -DoutputAbsoluteArtifactFilename=true
installed="$(sed -n "s/^ *dev\.torchsd:torchsd:jar:$version:compile:\([^ ]*\).*/\1/p" "$OUT/dependencies.txt")"
[ -n "$installed" ] || fail "torchsd $version is not resolved"
cmp -s "$installed" "$ROOT/target/torchsd.jar" || fail "$installed is not this build's jar"

# What it downloads: no command-line libraries, natives of one platform, each native jar in the
# version of its Java jar.
if grep -E 'picocli|progressbar|jline' "$OUT/dependencies.txt" "$OUT/module-path.txt"; then
  fail "the command line's libraries reach the application (above)"
fi
platform="$(pom_value javacpp.platform "$HERE/pom.xml")"
awk -v platform="$platform" '
  $1 ~ /^org\.bytedeco:/ {
    split($1, f, ":")
    if (f[4] ~ /^[0-9]/) { java[f[2]] = f[4]; next }   # group:artifact:jar:version:scope:file
    if (f[4] != platform) { print "natives of another platform: " $1; bad = 1 }
    native[f[2]] = f[5]
  }
  END {
    for (a in native) if (native[a] != java[a]) { print a ": natives " native[a] ", Java classes " java[a]; bad = 1 }
    if (!("pytorch" in native)) { print "no libtorch natives for " platform; bad = 1 }
    exit bad
  }' "$OUT/dependencies.txt" || fail "the native jars above"
jars="$(grep -c '\.jar' "$OUT/dependencies.txt")"
bytes="$(sed -n 's/^ *[^ ]*:\(\/[^ ]*\.jar\).*/\1/p' "$OUT/dependencies.txt" | xargs du -cb | tail -1 | cut -f1)"
echo "consumer: resolves $jars jars, $((bytes / 1000000)) MB ($platform)"

# An internal package is out of reach at compile time.
mapfile -t sources < <(find "$HERE/negative" -name '*.java')
if javac -d "$OUT/negative" --module-path "$(cat "$OUT/module-path.txt")" "${sources[@]}" 2>"$OUT/negative.log"; then
  fail "negative/UsesInternal.java compiled: dev.torchsd.model is reachable"
fi
grep -q "dev.torchsd.model is declared in module dev.torchsd, which does not export it" "$OUT/negative.log" \
  || { cat "$OUT/negative.log" >&2; fail "negative/UsesInternal.java failed for another reason"; }

# On the module path, the same image as the command line's.
prompt="a red circle"
seed=1
module_path="$OUT/classes:$(cat "$OUT/module-path.txt")"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
java -p "$module_path" --add-modules ALL-MODULE-PATH -m com.example.consumer/com.example.consumer.Generate \
  "$OUT/consumer.png" "$prompt" "$seed" >"$OUT/infotext.txt"
"$ROOT/bin/torchsd" generate --quiet --prompt "$prompt" --seed "$seed" --out "$OUT/cli.png" >/dev/null
cmp "$OUT/consumer.png" "$OUT/cli.png" || fail "the consumer's image differs from bin/torchsd generate's"
[ "$(head -1 "$OUT/infotext.txt")" = "$prompt" ] || fail "infotext: $(cat "$OUT/infotext.txt")"
grep -q "Seed: $seed, .*Version: torchsd $version" "$OUT/infotext.txt" || fail "infotext: $(cat "$OUT/infotext.txt")"
grep -qaF "$(sed -n 2p "$OUT/infotext.txt")" "$OUT/consumer.png" || fail "the PNG does not carry the printed infotext"

# Without --add-modules the native jars' modules are not resolved: torchsd says what to add.
if java -p "$module_path" -m com.example.consumer/com.example.consumer.Generate \
    "$OUT/none.png" "$prompt" "$seed" >/dev/null 2>"$OUT/no-natives.log"; then
  fail "ran without the native modules"
fi
grep -q "TorchsdException: libtorch's native libraries for .* --add-modules ALL-MODULE-PATH" "$OUT/no-natives.log" \
  || { cat "$OUT/no-natives.log" >&2; fail "no clear error without the native modules"; }
echo "consumer: OK (module path, same image as bin/torchsd, internals not exported)"
