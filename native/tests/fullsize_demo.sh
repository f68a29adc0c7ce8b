#!/usr/bin/env bash
# Full-size random-weight checkpoints (SD 1.5 fp16 and fp32, SD 2.1-base, SD 2.1-768, an SD 1.5 diffusers
# folder) exported and generated in Java with 2 steps. Heavy (GBs of disk and RAM, minutes of CPU each):
# run by hand, never in CI.   native/tests/fullsize_demo.sh WORK_DIR TOKENIZER_DIR [NAME...]
# (NAMEs: sd15-fp16 sd15-fp32 sd21-base sd21-768 sd15-diffusers sd15-inpaint; default: all)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$1; TOK=$2; shift 2; ONLY="${*:-sd15-fp16 sd15-fp32 sd21-base sd21-768 sd15-diffusers sd15-inpaint}"; PY=/usr/bin/python3
export PYTHONPATH="$ROOT/native:$ROOT/native/tests"
mkdir -p "$W"
run() {  # name, checkpoint path, size, extra export args... ($GENERATE_ARGS: extra generate args)
  local name=$1 ckpt=$2 size=$3; shift 3
  echo "== $name"
  /usr/bin/time -f "export: %e s, max RSS %M KB" "$ROOT/cppbuild.sh" export --checkpoint "$ckpt" --out "$W/$name-model" --tokenizer "$TOK" "$@"
  /usr/bin/time -f "generate: %e s, max RSS %M KB" "$ROOT/bin/torchsd" generate -q -m "$W/$name-model" -p "a photo of a cat" -s 1 \
      --steps 2 --guidance 1 -W "$size" -H "$size" ${GENERATE_ARGS:-} -o "$W/$name.png"
  $PY -c "import struct,sys; d=open(sys.argv[1],'rb').read(24); print('png', sys.argv[1].split('/')[-1], struct.unpack('>II', d[16:24]))" "$W/$name.png"
  rm -rf "$W/$name-model" "$ckpt"
}
make() { $PY -c "import fake_checkpoints as fc, torch, sys; $1"; }
want() { [[ " $ONLY " == *" $1 "* ]]; }
if want sd15-fp16; then
  make "fc.write_safetensors('$W/sd15-fp16.safetensors', fc.single_file(fc.tables.SD15, torch.float16, ema=True, junk=True))"
  run sd15-fp16 "$W/sd15-fp16.safetensors" 512
fi
if want sd15-fp32; then
  make "fc.write_safetensors('$W/sd15-fp32.safetensors', fc.single_file(fc.tables.SD15, torch.float32, junk=True))"
  run sd15-fp32 "$W/sd15-fp32.safetensors" 512
fi
if want sd21-base; then
  make "fc.write_safetensors('$W/v2-1_512-ema-pruned.safetensors', fc.single_file(fc.tables.SD21, torch.float16, junk=True))"
  run sd21-base "$W/v2-1_512-ema-pruned.safetensors" 512
fi
if want sd21-768; then
  make "fc.write_safetensors('$W/v2-1_768-ema-pruned.safetensors', fc.single_file(fc.tables.SD21, torch.float16, junk=True))"
  run sd21-768 "$W/v2-1_768-ema-pruned.safetensors" 768
fi
if want sd15-diffusers; then
  make "fc.diffusers_folder('$W/sd15-diffusers', fc.tables.SD15, '$TOK', torch.float16)"
  run sd15-diffusers "$W/sd15-diffusers" 512
fi
if want sd15-inpaint; then  # SD 1.5-inpainting's keys (input_blocks.0.0.weight [320, 9, 3, 3]): inpaints the right half
  make "fc.write_safetensors('$W/sd-v1-5-inpainting.safetensors', fc.single_file(fc.SD15_INPAINT, torch.float16, junk=True))"
  $PY -c "from PIL import Image; Image.new('RGB', (512, 512), (200, 40, 40)).save('$W/start.png'); m = Image.new('L', (512, 512)); m.paste(255, (256, 0, 512, 512)); m.save('$W/mask.png')"
  GENERATE_ARGS="--init-image $W/start.png --mask $W/mask.png" run sd15-inpaint "$W/sd-v1-5-inpainting.safetensors" 512
fi
