#!/usr/bin/env bash
# Builds what the Java side runs: TorchScript model folders (native/torchsd_export, Python on plain
# torch) and the reference fixtures the tests compare against. Needs python3 with torch
# (Debian: apt-get install python3-torch; any newer torch works too).
#
#   ./cppbuild.sh train [WORK_DIR]      train the built-in model torchsd-shapes (native/train: caption
#                                       vocabulary, text encoder + U-Net, 4800 steps from seed 0, ~55 min
#                                       on two cores with OpenBLAS; resumes from WORK_DIR's checkpoint),
#                                       export it to WORK_DIR/model and install it
#                                       -> src/main/resources/dev/torchsd/builtin/shapes (docs/training.md)
#   ./cppbuild.sh train-lora [OUT]      train the "star" LoRA on the built-in model (native/train/train_lora.py,
#                                       kohya format, 160 steps from seed 0 on one thread, ~2 min)
#                                       -> src/test/resources/fixtures/lora/star.safetensors (docs/training.md)
#   ./cppbuild.sh tiny OUT_DIR          a tiny model of random weights (seed 0) with the vocabulary of
#                                       native/vocab_corpus.txt, for experiments with the exporter
#   ./cppbuild.sh export --checkpoint FILE_OR_DIR --out DIR [--tokenizer DIR] [--vae FILE_OR_DIR] [--config NAME]
#                       [--ema] [--weights fp32|fp16] [--force]
#                                       an SD 1.x/2.x/XL (base or refiner) .safetensors/.ckpt or diffusers
#                                       folder -> model folder (docs/checkpoints.md; --help for all options)
#   ./cppbuild.sh verify --checkpoint FILE_OR_DIR --model DIR
#                                       compare an export with diffusers (needs diffusers + transformers)
#   ./cppbuild.sh sd15 OUT_DIR TOKENIZER_DIR [--weights fp16]
#                                       a full-size SD 1.5-architecture model with random weights
#                                       (--weights fp16: float16 files, float32 compute; docs/performance.md)
#   ./cppbuild.sh sdxl OUT_DIR TOKENIZER_DIR [--weights fp16]
#   ./cppbuild.sh sdxl-refiner OUT_DIR TOKENIZER_DIR [--weights fp16]
#                                       full-size SDXL base / refiner stand-ins with random weights, built and
#                                       saved one network at a time (peak: the U-Net, ~10 GB in float32)
#   ./cppbuild.sh fuse-attention MODEL_DIR
#                                       rewrite an export's attention to libtorch's fused kernel (in place;
#                                       loads only in torch >= 2.0; docs/performance.md)
#   ./cppbuild.sh rescript MODEL_DIR [--out DIR]
#                                       give an older export's U-Net every current method (DeepCache's, token
#                                       merging's), re-scripted from its own weights (forward unchanged, checked bit
#                                       for bit; attention fused again if it was; docs/performance.md)
#   ./cppbuild.sh fixtures              regenerate test fixtures (noise values, checker scenes)
#   ./cppbuild.sh test                  the exporter's own Python tests
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
export PYTHONPATH="$ROOT/native${PYTHONPATH:+:$PYTHONPATH}"
BUILTIN="$ROOT/src/main/resources/dev/torchsd/builtin/shapes"

require_torch() {
  "$PYTHON" -c "import torch" 2>/dev/null || {
    echo "cppbuild.sh: $PYTHON cannot import torch (Debian: apt-get install -y python3-torch; or set PYTHON=...)" >&2
    exit 2
  }
}

case "${1:-help}" in
  tiny)
    require_torch
    out=${2:?usage: ./cppbuild.sh tiny OUT_DIR}
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    "$PYTHON" native/make_vocab.py native/vocab_corpus.txt "$tmp/tokenizer"
    "$PYTHON" -m torchsd_export.cli --preset tiny --tokenizer "$tmp/tokenizer" --out "$out" --seed 0 --name tiny-random
    echo "tiny random-weight model written to $out"
    ;;
  train)
    require_torch
    work=${2:-/tmp/torchsd-train}
    mkdir -p "$work"
    "$PYTHON" -m train.dataset "$work/corpus.txt"
    "$PYTHON" native/make_vocab.py "$work/corpus.txt" "$work/tokenizer"
    # libtorch's OpenMP threads do the work (OpenBLAS's own would oversubscribe the cores); they spin
    # between parallel regions (no OMP_WAIT_POLICY=PASSIVE): 0.63 s per step instead of 0.95 s
    OPENBLAS_NUM_THREADS=1 "$PYTHON" -m train.train_unet --tokenizer "$work/tokenizer" \
      --work "$work" --steps "${TRAIN_STEPS:-4800}" --minutes "${TRAIN_MINUTES:-58}" --batch 64 \
      --threads "${TRAIN_THREADS:-2}" --seed 0
    rm -rf "$work/model"
    "$PYTHON" -m train.export_model --work "$work" --tokenizer "$work/tokenizer" --out "$work/model"
    rm -rf "$BUILTIN"; mkdir -p "$(dirname "$BUILTIN")"; cp -r "$work/model" "$BUILTIN"
    echo "built-in model written to $BUILTIN; evaluate it with: bin/torchsd eval"
    ;;
  train-lora)
    require_torch
    out=${2:-$ROOT/src/test/resources/fixtures/lora/star.safetensors}
    mkdir -p "$(dirname "$out")"
    OPENBLAS_NUM_THREADS=1 "$PYTHON" -m train.train_lora --model "$BUILTIN" --out "$out" \
      --steps 160 --batch 8 --lr 8e-3 --threads 1 --seed 0
    ;;
  export)
    require_torch; shift
    "$PYTHON" -m torchsd_export.cli "$@"
    ;;
  verify)
    require_torch; shift
    "$PYTHON" -m torchsd_export.verify "$@"
    ;;
  sd15|sdxl|sdxl-refiner)
    require_torch
    [ $# -ge 3 ] || { echo "usage: ./cppbuild.sh $1 OUT_DIR TOKENIZER_DIR [--weights fp16] (TOKENIZER_DIR: CLIP's vocab.json and merges.txt)" >&2; exit 2; }
    "$PYTHON" -m torchsd_export.cli --preset "$1" --out "$2" --tokenizer "$3" --name "$1-random" "${@:4}"
    ;;
  fuse-attention)
    require_torch
    [ $# -eq 2 ] || { echo "usage: ./cppbuild.sh fuse-attention MODEL_DIR" >&2; exit 2; }
    "$PYTHON" -m torchsd_export.fuse_attention "$2"
    ;;
  rescript)
    require_torch
    [ $# -ge 2 ] || { echo "usage: ./cppbuild.sh rescript MODEL_DIR [--out DIR]" >&2; exit 2; }
    "$PYTHON" -m torchsd_export.rescript "${@:2}"
    ;;
  fixtures)
    require_torch
    mkdir -p src/test/resources/fixtures
    "$PYTHON" native/fixtures/make_noise.py src/test/resources/fixtures/noise.json
    "$PYTHON" -m train.checker_fixtures src/test/resources/fixtures/scenes
    ;;
  test)
    require_torch
    "$PYTHON" -m unittest discover -s native/tests -t native -v
    ;;
  help|-h|--help)
    awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
    ;;
  *)
    echo "cppbuild.sh: unknown command '$1' (try ./cppbuild.sh help)" >&2
    exit 2
    ;;
esac
