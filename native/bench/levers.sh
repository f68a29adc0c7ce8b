#!/usr/bin/env bash
# The speed levers of docs/performance.md, measured back to back in one command, so that they are
# comparable even on a shared machine (read the relative figures then, not the absolute ones).
#   native/bench/levers.sh MODEL_DIR [SIZE] [LEVER...]
# MODEL_DIR: e.g. /tmp/sd15-sdpa (./cppbuild.sh sd15 + fuse-attention); SIZE: image side, default 256.
# LEVER: any of the names below (default: all). Each runs `torchsd bench` in its own JVM with the
# same request (Euler, 3 steps, guidance 7.5, one warm-up and BENCH_RUNS measured generations, default 1)
# and prints the lines that compare: GEMM rates, U-Net call, first step, CPU, memory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="${1:?usage: native/bench/levers.sh MODEL_DIR [SIZE] [LEVER...]}"
SIZE="${2:-256}"
shift $(( $# >= 2 ? 2 : 1 ))
LEVERS=("$@")
[ ${#LEVERS[@]} -gt 0 ] || LEVERS=(openblas1-active openblas1-passive openblas2-passive openblas-openmp mkl
                                   jit-optimize executor-optimize)
cd "$ROOT"
[ -f target/torchsd.jar ] || ./mvnw -q -B -DskipTests package
CP="target/torchsd.jar"
OPENMP_BLAS=/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0   # Debian's libopenblas0-openmp
BENCH=(dev.torchsd.cli.Main bench -m "$MODEL" -W "$SIZE" -H "$SIZE" --steps 3 --scheduler EulerDiscreteScheduler
       --warmup 1 --runs "${BENCH_RUNS:-1}")

run() { # NAME, then env assignments, then -- and JVM options
  local name="$1"; shift
  local envs=() jvm=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  jvm=("$@")
  echo "=== $name: ${envs[*]} ${jvm[*]}"
  env THP_MEM_ALLOC_ENABLE=1 "${envs[@]}" java "${jvm[@]}" -cp "${LEVER_CP:-$CP}" "${BENCH[@]}" 2>&1 \
    | grep -E "^(matrix multiply|floor|first step|step:|generation:|CPU per|memory:|machine|load average at end)" \
    || echo "(failed: run it alone to see why)"
}

for lever in "${LEVERS[@]}"; do
  case "$lever" in
    openblas1-active)  run "$lever" OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=ACTIVE ;;
    openblas1-passive) run "$lever" OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE ;;
    openblas2-passive) run "$lever" OPENBLAS_NUM_THREADS="$(nproc)" OMP_WAIT_POLICY=PASSIVE ;;
    openblas-openmp)
      if [ -f "$OPENMP_BLAS" ]; then run "$lever" LD_PRELOAD="$OPENMP_BLAS" OMP_WAIT_POLICY=ACTIVE
      else echo "=== $lever: skipped, $OPENMP_BLAS missing (apt-get install libopenblas0-openmp)"; fi ;;
    mkl)
      ./mvnw -o -q -B -Pmkl dependency:build-classpath -Dmdep.outputFile=target/mkl-cp.txt -Dmdep.includeScope=runtime \
        >/dev/null 2>&1 || ./mvnw -q -B -Pmkl dependency:build-classpath -Dmdep.outputFile=target/mkl-cp.txt \
        -Dmdep.includeScope=runtime >/dev/null
      LEVER_CP="target/classes:$(cat target/mkl-cp.txt)" run "$lever" MKL_THREADING_LAYER=GNU OMP_WAIT_POLICY=ACTIVE \
        -- -Dorg.bytedeco.openblas.load=mkl_rt ;;
    jit-optimize)         run "$lever" OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=ACTIVE -- -Dtorchsd.jit=optimize ;;
    executor-optimize)    run "$lever" OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=ACTIVE -- -Dtorchsd.executor_optimize=true ;;
    *) echo "unknown lever $lever" >&2; exit 2 ;;
  esac
done
