"""The exporter's command line (./cppbuild.sh export, tiny and sd15 run it): a torchsd model folder from
a checkpoint or from random weights.

    python3 -m torchsd_export.cli --checkpoint FILE_OR_DIFFUSERS_DIR --out DIR [--vae FILE_OR_DIR]
                                  [--tokenizer DIR] [--config NAME] [--ema] [--force]
    python3 -m torchsd_export.cli --preset tiny --tokenizer DIR --out DIR [--seed N]
    python3 -m torchsd_export.cli --preset sd15 --tokenizer DIR --out DIR   (random weights, full size;
                                  also sdxl, sdxl-refiner)

Any of them takes --weights fp16: the files hold float16 weights (half the size; the runtime converts them to
float32 at load and computes in float32).
"""
import argparse
import sys

from .checkpoint import CheckpointError
from .convert import VARIANTS
from .from_checkpoint import export_checkpoint
from .from_preset import PRESETS, export_preset
from .model_folder import WEIGHTS_DTYPES
from .outdir import prepare_out_dir


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="./cppbuild.sh export", description="Export an SD 1.x/2.x/XL checkpoint "
                                "(or random weights) as a torchsd model folder.")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--checkpoint",
                      help="an SD 1.x/2.x/XL (base or refiner) .safetensors/.ckpt single file or a diffusers folder")
    what.add_argument("--preset", choices=PRESETS, help="random weights of a built-in architecture")
    p.add_argument("--out", required=True, help="the model folder to write (must be new or empty, or --force)")
    p.add_argument("--tokenizer", help="folder with CLIP's vocab.json and merges.txt (a diffusers folder brings "
                                       "its own)")
    p.add_argument("--vae", help="a separate VAE replacing the checkpoint's: a file (ldm or diffusers names) or a "
                                 "diffusers VAE folder (config.json + diffusion_pytorch_model.safetensors); it must "
                                 "be a VAE of the model's family")
    p.add_argument("--config", help="variant when the weights cannot tell: " + ", ".join(VARIANTS))
    p.add_argument("--ema", action="store_true", help="use the U-Net's EMA weights (model_ema.*) of a single file")
    p.add_argument("--weights", "--dtype", dest="weights", choices=list(WEIGHTS_DTYPES), default="fp32",
                   help="precision of the stored weights (default fp32; fp16 halves the files, the Java runtime"
                        " converts them to float32 at load and computes in float32; --dtype is the older name)")
    p.add_argument("--force", action="store_true", help="write into a non-empty --out, replacing its files")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--name", default=None)
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if args.preset and not args.tokenizer:
        p.error("--preset needs --tokenizer DIR")
    try:
        prepare_out_dir(args.out, args.force)
        if args.checkpoint:
            lines = export_checkpoint(args.checkpoint, args.out, args.tokenizer, args.vae, args.config, args.ema,
                                      args.name, args.weights)
        else:
            lines = [export_preset(args.preset, args.tokenizer, args.out, args.seed, args.name, args.weights)]
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
