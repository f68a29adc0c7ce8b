#!/usr/bin/env bash
# Builds what the Java side runs: TorchScript model folders (native/torchsd_export, Python on plain
# torch) and the reference fixtures the tests compare against. Needs python3 with torch
# (Debian: apt-get install python3-torch; any newer torch works too).
#
#   ./cppbuild.sh tiny                  the built-in tiny model (vocabulary + random weights, seed 0)
#                                       -> src/main/resources/dev/torchsd/builtin/tiny
#   ./cppbuild.sh export ARGS...        run the exporter (python3 -m torchsd_export.export --help)
#   ./cppbuild.sh sd15 OUT_DIR TOKENIZER_DIR
#                                       a full-size SD 1.5-architecture model with random weights
#   ./cppbuild.sh fuse-attention MODEL_DIR
#                                       rewrite an export's attention to libtorch's fused kernel (in place;
#                                       loads only in torch >= 2.0; docs/performance.md)
#   ./cppbuild.sh fixtures              regenerate test fixtures (noise reference values)
#   ./cppbuild.sh test                  the exporter's own Python tests
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
export PYTHONPATH="$ROOT/native${PYTHONPATH:+:$PYTHONPATH}"
BUILTIN="$ROOT/src/main/resources/dev/torchsd/builtin/tiny"

require_torch() {
  "$PYTHON" -c "import torch" 2>/dev/null || {
    echo "cppbuild.sh: $PYTHON cannot import torch (Debian: apt-get install -y python3-torch; or set PYTHON=...)" >&2
    exit 2
  }
}

case "${1:-help}" in
  tiny)
    require_torch
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    "$PYTHON" native/make_vocab.py native/vocab_corpus.txt "$tmp/tokenizer"
    rm -rf "$tmp/model"
    "$PYTHON" -m torchsd_export.export --preset tiny --tokenizer "$tmp/tokenizer" --out "$tmp/model" --seed 0 --name tiny-random
    rm -rf "$BUILTIN"; mkdir -p "$(dirname "$BUILTIN")"; cp -r "$tmp/model" "$BUILTIN"
    echo "built-in model written to $BUILTIN"
    ;;
  export)
    require_torch; shift
    "$PYTHON" -m torchsd_export.export "$@"
    ;;
  sd15)
    require_torch
    [ $# -eq 3 ] || { echo "usage: ./cppbuild.sh sd15 OUT_DIR TOKENIZER_DIR (a folder with CLIP's vocab.json and merges.txt)" >&2; exit 2; }
    "$PYTHON" -m torchsd_export.export --preset sd15 --out "$2" --tokenizer "$3" --name sd15-random
    ;;
  fuse-attention)
    require_torch
    [ $# -eq 2 ] || { echo "usage: ./cppbuild.sh fuse-attention MODEL_DIR" >&2; exit 2; }
    "$PYTHON" -m torchsd_export.fuse_attention "$2"
    ;;
  fixtures)
    require_torch
    mkdir -p src/test/resources/fixtures
    "$PYTHON" native/fixtures/make_noise.py src/test/resources/fixtures/noise.json
    ;;
  test)
    require_torch
    "$PYTHON" -m unittest discover -s native/tests -t native -v
    ;;
  help|-h|--help)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *)
    echo "cppbuild.sh: unknown command '$1' (try ./cppbuild.sh help)" >&2
    exit 2
    ;;
esac
