"""Writes a torchsd model folder: the components scripted with TorchScript, the tokenizer and
model.json (the manifest, see docs/model-format.md):

    model.json  text_encoder.pt  unet.pt  vae_decoder.pt  vae_encoder.pt  keymap.json  tokenizer/{vocab.json,merges.txt}

SDXL adds text_encoder_2.pt (OpenCLIP bigG); the SDXL refiner has it instead of text_encoder.pt.
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


def manifest(cfg: configs.ModelConfig, name: str, seed, scheduler=None, source=None, weights="fp32",
             tokenizer_2: bool = False) -> dict:
    """tokenizer_2: the folder has a second tokenizer (SDXL folders whose tokenizer_2/ differs from tokenizer/)."""
    sdxl = cfg.family in configs.SDXL_FAMILIES
    m = {
        "format": "torchsd-model",
        "format_version": FORMAT_VERSION,
        "name": name,
        "family": cfg.family,
        "prediction_type": cfg.prediction_type,
        "default_width": cfg.default_size,
        "default_height": cfg.default_size,
    }
    if cfg.text is not None:
        m["text_encoder"] = dict(_text_encoder("text_encoder.pt", cfg.text, cfg.pad_token_id),
                                 layers_dropped=configs.OPENCLIP_LAYERS_DROPPED if cfg.family == "sd2" else 0)
    if cfg.text_2 is not None:
        m["text_encoder_2"] = dict(_text_encoder("text_encoder_2.pt", cfg.text_2, cfg.pad_token_id_2),
                                   projection_dim=cfg.text_2.projection_dim)
    m["unet"] = {
        "file": "unet.pt",
        "in_channels": cfg.unet.in_channels,
        "context_dim": cfg.unet.context_dim,
        "deepcache": True,  # forward_caching and forward_shallow (unet.py; docs/model-format.md)
        "tome": True,  # forward_tome (unet.py, token_merging.py)
    }
    if cfg.unet.adm_in_channels:
        m["unet"].update(extra_inputs=["text_embeds", "time_ids"],
                         addition_time_embed_dim=cfg.unet.addition_time_embed_dim, time_ids=cfg.time_ids)
    m["vae"] = {
        "decoder": "vae_decoder.pt",
        "encoder": "vae_encoder.pt",
        "latent_channels": cfg.vae.z_channels,
        "scaling_factor": cfg.vae.scaling_factor,
        "scale_factor": cfg.vae.scale_factor,
    }
    if sdxl:  # SDXL's VAE overflows in float16 (diffusers' force_upcast); torchsd decodes in float32 anyway
        m["vae"]["force_upcast"] = True
        m["force_zeros_for_empty_prompt"] = cfg.family == "sdxl"  # diffusers' base and refiner configs
    m["tokenizer"] = "tokenizer"
    if tokenizer_2:
        m["tokenizer_2"] = "tokenizer_2"
    m.update({
        "weights_dtype": WEIGHTS_DTYPES[weights],
        "scheduler": dict(scheduler or configs.scheduler_for(cfg), prediction_type=cfg.prediction_type),
        "exporter": {"torch": torch.__version__, "sdpa": HAS_SDPA, "seed": seed, "config": cfg.to_dict(),
                     **({"source": source} if source else {})},
    })
    return m


def _text_encoder(file: str, text: configs.TextConfig, pad_token_id: int) -> dict:
    entry = {
        "file": file,
        "hidden_size": text.hidden_size,
        "num_layers": text.num_layers,
        "vocab_size": text.vocab_size,
        "max_length": text.max_length,
        "pad_token_id": pad_token_id,
        "token_embedding": "embeddings.token_embedding.weight",
    }
    if text.output != "final_layer_norm":
        entry["output"] = text.output
    return entry


def save_scripted(module: torch.nn.Module, path: str):
    """Scripts (not traces) so any batch size and image size run through one export."""
    for p in module.parameters():
        p.requires_grad_(False)  # inference only: no autograd graph in the Java runtime
    torch.jit.script(module).save(path)


def exports(component: str, module: torch.nn.Module):
    """(file name, module to script) for one network: the VAE gives two exports, the others one each."""
    if component == "vae":
        return [("vae_decoder.pt", VAEDecode(module)), ("vae_encoder.pt", VAEEncode(module))]
    return [(EXPORT_FILES[component], module)]


EXPORT_FILES = {"text": "text_encoder.pt", "text_2": "text_encoder_2.pt", "unet": "unet.pt"}


def write_model_folder(parts, tokenizer_dir: str, out_dir: str, name: str, seed=None, scheduler=None,
                       source=None, weights: str = "fp32", tokenizer_2_dir=None):
    """parts: anything with cfg and each() yielding ("text" / "text_2" / "unet" / "vae", module) for the networks
    the model has (a Components, a OneAtATime, or the trained model with its own VAE). Each network is saved and
    let go before the next, so a OneAtATime holds one network of a full-size SDXL in memory at a time."""
    os.makedirs(out_dir, exist_ok=True)
    names = {}
    for component, module in parts.each():
        names[component] = [n for n, _ in module.named_parameters()]
        if weights == "fp16":  # half the size on disk; the Java runtime converts them to float32 at load
            module.half()  # floating-point parameters and buffers only
        with torch.no_grad():
            for file, export in exports(component, module):
                save_scripted(export, os.path.join(out_dir, file))
        del module, export  # before each() builds the next network
    write_keymap(out_dir, names, parts.cfg.unet.num_res_blocks)  # for LoRA files
    copy_tokenizer(tokenizer_dir, os.path.join(out_dir, "tokenizer"))
    if tokenizer_2_dir:
        copy_tokenizer(tokenizer_2_dir, os.path.join(out_dir, "tokenizer_2"))
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest(parts.cfg, name, seed, scheduler, source, weights, tokenizer_2_dir is not None), f, indent=2)
        f.write("\n")
