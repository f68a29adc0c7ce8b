"""Writes a torchsd model folder: the three components scripted with TorchScript, the tokenizer and
model.json (the manifest, see docs/model-format.md):

    model.json  text_encoder.pt  unet.pt  vae_decoder.pt  vae_encoder.pt  keymap.json  tokenizer/{vocab.json,merges.txt}
"""
import json
import os

import torch

from . import config as configs
from .attention import HAS_SDPA
from .lora_keymap import write_keymap
from .tokenizer import copy_tokenizer
from .vae import VAEDecode, VAEEncode

FORMAT_VERSION = 1

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


def write_model_folder(parts, tokenizer_dir: str, out_dir: str, name: str, seed=None, scheduler=None,
                       source=None, weights: str = "fp32"):
    """parts: anything with cfg, text, unet and vae (a Components, or the trained model's own VAE)."""
    os.makedirs(out_dir, exist_ok=True)
    if weights == "fp16":  # half the size on disk; the Java runtime converts them to float32 at load
        for module in (parts.text, parts.unet, parts.vae):
            module.half()  # floating-point parameters and buffers only
    with torch.no_grad():
        save_scripted(parts.text, os.path.join(out_dir, "text_encoder.pt"))
        save_scripted(parts.unet, os.path.join(out_dir, "unet.pt"))
        save_scripted(VAEDecode(parts.vae), os.path.join(out_dir, "vae_decoder.pt"))
        save_scripted(VAEEncode(parts.vae), os.path.join(out_dir, "vae_encoder.pt"))
    write_keymap(out_dir, parts.unet, parts.text, parts.cfg.unet.num_res_blocks)  # for LoRA files
    copy_tokenizer(tokenizer_dir, os.path.join(out_dir, "tokenizer"))
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest(parts.cfg, name, seed, scheduler, source, weights), f, indent=2)
        f.write("\n")
