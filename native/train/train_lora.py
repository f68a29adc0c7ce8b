"""Trains a small LoRA on the built-in model that teaches it a word it has never seen: "star", drawn as
the dataset's four-pointed star (the shape the captions call "cross", which the scene checker reads as
"cross"). Without the LoRA the model spells "star" as four unknown character tokens and draws whatever
shape the rest of the prompt suggests; with it, "a yellow star on the left" draws a yellow cross-star on
the left. Written in kohya-ss format (lora_te_* / lora_unet_* with lora_down, lora_up and alpha), the
module names from the model folder's keymap.json, as a LoRA trainer for SD 1.x would write them.

    python3 -m train.train_lora --model DIR --out star.safetensors [--steps 160] [--batch 8] [--rank 4] [--seed 0]

The base weights stay frozen (read from the folder's TorchScript files into the training modules); the
LoRA targets the text encoder's attention and MLP projections and the U-Net's cross-attention keys and
values. Each batch is half star scenes (caption "star", image a cross-star) and half ordinary training
scenes without crosses, so the other words keep their meaning. Loss and noise schedule as train_unet.
"""
import argparse
import json
import math
import os
import random
import re
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from torchsd_export.clip_text import TextModel
from torchsd_export.unet import UNet

from . import dataset, diffusion, model_config
from .pixel_vae import PixelVAE
from .tokens import Tokenizer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from fake_checkpoints import write_safetensors  # noqa: E402

WORD = "star"
SHAPE = "cross"
TARGETS = re.compile(r"(self_attn\.(q|k|v|out)_proj|mlp\.fc[12]|attn2\.to_[kv])$")


def load_base(model_dir):
    """The folder's text encoder and U-Net as training modules, frozen, and its tokenizer and keymap."""
    tok = Tokenizer(os.path.join(model_dir, "tokenizer"))
    cfg = model_config.shapes_config(len(tok.vocab))
    text, unet = TextModel(cfg.text), UNet(cfg.unet)
    for module, file in ((text, "text_encoder.pt"), (unet, "unet.pt")):
        module.load_state_dict(torch.jit.load(os.path.join(model_dir, file)).state_dict())
        module.eval().requires_grad_(False)
    with open(os.path.join(model_dir, "keymap.json"), encoding="utf-8") as f:
        keymap = json.load(f)
    return tok, cfg, text, unet, keymap


class Lora:
    """One LoRA pair on a frozen nn.Linear, added by a forward hook: y = W x + (alpha / rank) up(down(x))."""

    def __init__(self, name, linear, rank, alpha):
        self.name, self.scale = name, alpha / rank
        self.down = torch.nn.Parameter(torch.empty(rank, linear.in_features))
        torch.nn.init.kaiming_uniform_(self.down, a=math.sqrt(5))
        self.up = torch.nn.Parameter(torch.zeros(linear.out_features, rank))  # starts as the base model
        self.alpha = alpha
        linear.register_forward_hook(lambda m, inputs, out: out + self.scale * F.linear(
            F.linear(inputs[0], self.down), self.up))

    def tensors(self):
        return {self.name + ".lora_down.weight": self.down.detach().clone(),
                self.name + ".lora_up.weight": self.up.detach().clone(),
                self.name + ".alpha": torch.tensor(float(self.alpha))}


def attach(text, unet, keymap, rank, alpha):
    loras = []
    for part, prefix, model in (("text_encoder", "lora_te_", text), ("unet", "lora_unet_", unet)):
        for path, param in keymap[part].items():
            if TARGETS.search(path):
                linear = model.get_submodule(param[:-len(".weight")])
                if not isinstance(linear, torch.nn.Linear):
                    raise SystemExit(f"{param}: expected a Linear layer, found {type(linear).__name__}")
                loras.append(Lora(prefix + path.replace(".", "_"), linear, rank, alpha))
    return loras


def star_batch(rng, size):
    """Half star scenes (a cross-star captioned "star"), half ordinary scenes without crosses."""
    scenes, captions = [], []
    for i in range(size):
        scene = dataset.random_scene(rng)
        if i % 2 == 0:
            scene["shape"] = SHAPE
            captions.append(dataset.training_caption(scene, rng, empty_probability=0.0).replace(SHAPE, WORD))
        else:
            while scene["shape"] == SHAPE:
                scene = dataset.random_scene(rng)
            captions.append(dataset.training_caption(scene, rng, empty_probability=0.1))
        scenes.append(scene)
    return torch.from_numpy(np.stack([dataset.render(s) for s in scenes])), captions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the built-in model's folder")
    parser.add_argument("--out", required=True, help="the .safetensors file to write")
    parser.add_argument("--steps", type=int, default=160)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rank", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=4.0)
    parser.add_argument("--lr", type=float, default=8e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="1: the same file on every run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok, cfg, text, unet, keymap = load_base(args.model)
    loras = attach(text, unet, keymap, args.rank, args.alpha)
    params = [p for lora in loras for p in (lora.down, lora.up)]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    vae, abar, rng = PixelVAE(), diffusion.alphas_cumprod(), random.Random(args.seed)
    began, loss_sum = time.time(), 0.0
    for step in range(args.steps):
        cells, captions = star_batch(rng, args.batch)
        with torch.no_grad():
            latents = vae.encode_cells(cells) * cfg.vae.scaling_factor
        noise = torch.randn_like(latents)
        t = torch.randint(0, diffusion.TIMESTEPS, (args.batch,))
        noisy = diffusion.add_noise(latents, noise, t, abar)
        context = text(text.embed_ids(tok.batch(captions)), 0)
        per_sample = (unet(noisy, t.float(), context) - noise).pow(2).mean(dim=(1, 2, 3))
        loss = (per_sample * diffusion.min_snr_weight(t, abar)).mean()
        for g in opt.param_groups:  # cosine from lr to lr / 10
            g["lr"] = args.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * step / args.steps)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum += loss.item()
        if (step + 1) % 25 == 0:
            print(f"step {step + 1} loss {loss_sum / 25:.4f} {(time.time() - began) / 60:.1f} min", flush=True)
            loss_sum = 0.0
    tensors = {}
    for lora in loras:
        tensors.update(lora.tensors())
    write_safetensors(args.out, tensors, {
        "ss_network_module": "networks.lora", "ss_network_dim": str(args.rank), "ss_network_alpha": str(args.alpha),
        "ss_base_model": model_config.NAME, "ss_steps": str(args.steps), "ss_seed": str(args.seed),
        "torchsd_concept": f"'{WORD}': the four-pointed star the built-in model calls '{SHAPE}'",
        "torchsd_script": "native/train/train_lora.py (./cppbuild.sh train-lora)"})
    print(f"{len(loras)} modules, {os.path.getsize(args.out)} bytes -> {args.out} "
          f"({(time.time() - began) / 60:.1f} min)", flush=True)


if __name__ == "__main__":
    main()
