"""Builds the three SD components, scripts them with TorchScript and writes a torchsd model folder.

    python3 -m torchsd_export.export --checkpoint FILE_OR_DIFFUSERS_DIR --out DIR [--vae FILE]
                                     [--tokenizer DIR] [--config NAME] [--ema] [--force]
    python3 -m torchsd_export.export --preset tiny --tokenizer DIR --out DIR [--seed N]
    python3 -m torchsd_export.export --preset sd15 --tokenizer DIR --out DIR   (random weights, full size)

Any of them takes --weights fp16: the files hold float16 weights (half the size; the runtime converts them to
float32 at load and computes in float32).

A model folder holds model.json (the manifest, see docs/model-format.md), text_encoder.pt,
unet.pt, vae_decoder.pt, vae_encoder.pt and tokenizer/{vocab.json,merges.txt}.
"""
import argparse
import json
import os
import shutil
import sys

import torch

from . import config as configs
from .attention import HAS_SDPA
from .clip_text import TextModel
from .unet import UNet
from .vae import AutoencoderKL, VAEDecode, VAEEncode

FORMAT_VERSION = 1

# Where each component's parameters live in an original single-file SD 1.x checkpoint.
CHECKPOINT_PREFIXES = {
    "text": "cond_stage_model.transformer.text_model.",
    "unet": "model.diffusion_model.",
    "vae": "first_stage_model.",
}


class Components:
    """The three networks of one model, in eval mode."""

    def __init__(self, cfg: configs.ModelConfig):
        self.cfg = cfg
        self.text = TextModel(cfg.text).eval()
        self.unet = UNet(cfg.unet).eval()
        self.vae = AutoencoderKL(cfg.vae).eval()

    def state_dict(self):
        """All parameters under their single-file checkpoint keys."""
        out = {}
        for name, module in (("text", self.text), ("unet", self.unet), ("vae", self.vae)):
            for key, value in module.state_dict().items():
                out[CHECKPOINT_PREFIXES[name] + key] = value
        return out


def read_vocab_size(tokenizer_dir: str) -> int:
    with open(os.path.join(tokenizer_dir, "vocab.json"), encoding="utf-8") as f:
        return len(json.load(f))


# --weights values and the manifest's weights_dtype for each (docs/model-format.md).
WEIGHTS_DTYPES = {"fp32": "float32", "fp16": "float16"}


def manifest(cfg: configs.ModelConfig, name: str, seed, scheduler=None, source=None, weights="fp32") -> dict:
    return {
        "format": "torchsd-model",
        "format_version": FORMAT_VERSION,
        "name": name,
        "family": cfg.family,
        "prediction_type": cfg.prediction_type,
        "default_width": cfg.default_size,
        "default_height": cfg.default_size,
        "text_encoder": {
            "file": "text_encoder.pt",
            "hidden_size": cfg.text.hidden_size,
            "num_layers": cfg.text.num_layers,
            "vocab_size": cfg.text.vocab_size,
            "max_length": cfg.text.max_length,
            "pad_token_id": cfg.pad_token_id,
            "layers_dropped": configs.OPENCLIP_LAYERS_DROPPED if cfg.family == "sd2" else 0,
            "token_embedding": "embeddings.token_embedding.weight",
        },
        "unet": {
            "file": "unet.pt",
            "in_channels": cfg.unet.in_channels,
            "context_dim": cfg.unet.context_dim,
        },
        "vae": {
            "decoder": "vae_decoder.pt",
            "encoder": "vae_encoder.pt",
            "latent_channels": cfg.vae.z_channels,
            "scaling_factor": cfg.vae.scaling_factor,
            "scale_factor": cfg.vae.scale_factor,
        },
        "tokenizer": "tokenizer",
        "weights_dtype": WEIGHTS_DTYPES[weights],
        "scheduler": dict(scheduler or configs.scheduler_for(cfg), prediction_type=cfg.prediction_type),
        "exporter": {"torch": torch.__version__, "sdpa": HAS_SDPA, "seed": seed, "config": cfg.to_dict(),
                     **({"source": source} if source else {})},
    }


def save_scripted(module: torch.nn.Module, path: str):
    """Scripts (not traces) so any batch size and image size run through one export."""
    for p in module.parameters():
        p.requires_grad_(False)  # inference only: no autograd graph in the Java runtime
    torch.jit.script(module).save(path)


def write_model_folder(parts: Components, tokenizer_dir: str, out_dir: str, name: str, seed=None, scheduler=None,
                       source=None, weights: str = "fp32"):
    os.makedirs(out_dir, exist_ok=True)
    if weights == "fp16":  # half the size on disk; the Java runtime converts them to float32 at load
        for module in (parts.text, parts.unet, parts.vae):
            module.half()  # floating-point parameters and buffers only
    with torch.no_grad():
        save_scripted(parts.text, os.path.join(out_dir, "text_encoder.pt"))
        save_scripted(parts.unet, os.path.join(out_dir, "unet.pt"))
        save_scripted(VAEDecode(parts.vae), os.path.join(out_dir, "vae_decoder.pt"))
        save_scripted(VAEEncode(parts.vae), os.path.join(out_dir, "vae_encoder.pt"))
    tok_out = os.path.join(out_dir, "tokenizer")
    os.makedirs(tok_out, exist_ok=True)
    for f in ("vocab.json", "merges.txt"):
        shutil.copyfile(os.path.join(tokenizer_dir, f), os.path.join(tok_out, f))
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest(parts.cfg, name, seed, scheduler, source, weights), f, indent=2)
        f.write("\n")


def random_components(cfg: configs.ModelConfig, seed: int) -> Components:
    torch.manual_seed(seed)
    return Components(cfg)


def main():
    parser = argparse.ArgumentParser(description="Export an SD 1.x/2.x checkpoint (or random weights) as a torchsd model folder.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--checkpoint", help="an SD 1.x/2.x .safetensors/.ckpt single file or a diffusers model folder")
    what.add_argument("--preset", choices=["tiny", "sd15"], help="random weights of a built-in architecture")
    parser.add_argument("--out", required=True, help="the model folder to write (must be new or empty, or --force)")
    parser.add_argument("--tokenizer", help="folder with CLIP's vocab.json and merges.txt (a diffusers folder brings its own)")
    parser.add_argument("--vae", help="a separate VAE file replacing the checkpoint's (ldm or diffusers names)")
    parser.add_argument("--config", help="variant when the weights cannot tell: " + ", ".join(convert_variants()))
    parser.add_argument("--ema", action="store_true", help="use the U-Net's EMA weights (model_ema.*) of a single file")
    parser.add_argument("--weights", "--dtype", dest="weights", choices=list(WEIGHTS_DTYPES), default="fp32",
                        help="precision of the stored weights (default fp32; fp16 halves the files, the Java runtime"
                             " converts them to float32 at load and computes in float32; --dtype is the older name)")
    parser.add_argument("--force", action="store_true", help="write into a non-empty --out, replacing its files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    from .checkpoint import CheckpointError
    from .outdir import prepare_out_dir
    try:
        prepare_out_dir(args.out, args.force)
        if args.checkpoint:
            from .from_checkpoint import export_checkpoint
            export_checkpoint(args)
        else:
            export_preset(parser, args)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


def convert_variants():
    from .convert import VARIANTS
    return VARIANTS


def export_preset(parser, args):
    if not args.tokenizer:
        parser.error("--preset needs --tokenizer DIR")
    vocab_size = read_vocab_size(args.tokenizer)
    if args.preset == "tiny":
        cfg = configs.tiny(vocab_size)
        cfg.pad_token_id = vocab_size - 1  # <|endoftext|>, as SD 1.x pads
    else:
        cfg = configs.sd15()
        if vocab_size != cfg.text.vocab_size:
            parser.error(f"{args.tokenizer}/vocab.json has {vocab_size} tokens; sd15 needs {cfg.text.vocab_size}")
    parts = random_components(cfg, args.seed)
    write_model_folder(parts, args.tokenizer, args.out, args.name or f"{args.preset}-random", args.seed,
                       weights=args.weights)
    total = sum(p.numel() for m in (parts.text, parts.unet, parts.vae) for p in m.parameters())
    print(f"{args.out}: {cfg.name} random weights (seed {args.seed}), {total:,} parameters")


if __name__ == "__main__":
    main()
