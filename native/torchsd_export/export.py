"""Builds the three SD components, scripts them with TorchScript and writes a torchsd model folder.

    python3 -m torchsd_export.export --preset tiny --tokenizer DIR --out DIR [--seed N]
    python3 -m torchsd_export.export --preset sd15 --tokenizer DIR --out DIR   (random weights, full size)

A model folder holds model.json (the manifest, see docs/model-format.md), text_encoder.pt,
unet.pt, vae_decoder.pt, vae_encoder.pt and tokenizer/{vocab.json,merges.txt}.
"""
import argparse
import json
import os
import shutil

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


def manifest(cfg: configs.ModelConfig, name: str, seed) -> dict:
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
        "scheduler": dict(configs.SD15_SCHEDULER, prediction_type=cfg.prediction_type),
        "exporter": {"torch": torch.__version__, "sdpa": HAS_SDPA, "seed": seed, "config": cfg.to_dict()},
    }


def save_scripted(module: torch.nn.Module, path: str):
    """Scripts (not traces) so any batch size and image size run through one export."""
    for p in module.parameters():
        p.requires_grad_(False)  # inference only: no autograd graph in the Java runtime
    torch.jit.script(module).save(path)


def write_model_folder(parts: Components, tokenizer_dir: str, out_dir: str, name: str, seed=None):
    os.makedirs(out_dir, exist_ok=True)
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
        json.dump(manifest(parts.cfg, name, seed), f, indent=2)
        f.write("\n")


def random_components(cfg: configs.ModelConfig, seed: int) -> Components:
    torch.manual_seed(seed)
    return Components(cfg)


def main():
    parser = argparse.ArgumentParser(description="Export a random-weight torchsd model folder.")
    parser.add_argument("--preset", choices=["tiny", "sd15"], required=True)
    parser.add_argument("--tokenizer", required=True, help="folder with vocab.json and merges.txt")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default=None)
    args = parser.parse_args()

    vocab_size = read_vocab_size(args.tokenizer)
    if args.preset == "tiny":
        cfg = configs.tiny(vocab_size)
        cfg.pad_token_id = vocab_size - 1  # <|endoftext|>, as SD 1.x pads
    else:
        cfg = configs.sd15()
        if vocab_size != cfg.text.vocab_size:
            parser.error(f"{args.tokenizer}/vocab.json has {vocab_size} tokens; sd15 needs {cfg.text.vocab_size}")
    parts = random_components(cfg, args.seed)
    write_model_folder(parts, args.tokenizer, args.out, args.name or f"{args.preset}-random", args.seed)
    total = sum(p.numel() for m in (parts.text, parts.unet, parts.vae) for p in m.parameters())
    print(f"{args.out}: {cfg.name} random weights (seed {args.seed}), {total:,} parameters")


if __name__ == "__main__":
    main()
