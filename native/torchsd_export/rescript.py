"""Gives an existing export's U-Net every current method, re-scripted from its own weights.

    python3 -m torchsd_export.rescript MODEL_DIR [--out DIR]

The methods besides forward and the manifest key that says an export has them (docs/model-format.md): DeepCache's
forward_caching and forward_shallow (unet.deepcache), token merging's forward_tome (unet.tome). Exports made before
a method existed lack its key. This re-scripts unet.pt from the weights it holds, with the architecture the
manifest's exporter.config records, checks that the new forward gives the old one's prediction bit for bit on a
small input, then writes unet.pt and sets every key in model.json. A fused-attention export (exporter.sdpa) does
not load in torch 1.13: its weights are read from the archive without its code (archive_weights.py), forward is
not run, and the new unet.pt is fused again. In place, or with --out into a new folder whose other files are
symbolic links to MODEL_DIR's.
"""
import argparse
import json
import os
import sys

import torch

from .archive_weights import read_weights
from .config import UNetConfig
from .fuse_attention import rewrite_archive
from .model_folder import save_scripted
from .unet import SDXLUNet, UNet

# The manifest's keys for the U-Net methods besides forward, each true in a current export (model_folder.manifest).
METHOD_KEYS = ("deepcache", "tome")


def unet_config(manifest: dict, where: str) -> UNetConfig:
    config = manifest.get("exporter", {}).get("config", {}).get("unet")
    if config is None:
        raise SystemExit(f"{where}: no exporter.config.unet (the architecture); re-export the model with "
                         "./cppbuild.sh export instead")
    return UNetConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()})


def rebuild(weights: dict, cfg: UNetConfig) -> torch.nn.Module:
    """The exporter's U-Net module holding the scripted one's weights, in their dtype."""
    module = (SDXLUNet if cfg.adm_in_channels else UNet)(cfg)
    module.load_state_dict(weights)
    return module.to(next(iter(weights.values())).dtype).eval()


def probe_inputs(cfg: UNetConfig, manifest: dict):
    """A small input (2 rows, 16x16 latents) for the bit-for-bit check of forward."""
    g = torch.Generator().manual_seed(0)
    args = [torch.randn(2, cfg.in_channels, 16, 16, generator=g), torch.tensor([500.0]),
            torch.randn(2, 7, cfg.context_dim, generator=g)]
    if cfg.adm_in_channels:
        time_ids = manifest["unet"]["time_ids"]
        args += [torch.randn(2, cfg.adm_in_channels - time_ids * cfg.addition_time_embed_dim, generator=g),
                 torch.tensor([[1024.0, 1024.0, 0.0, 0.0, 1024.0, 1024.0][:time_ids]] * 2)]
    return args


def add_methods(model: str, out: str):
    manifest_path = os.path.join(model, "model.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    unet_file = manifest["unet"]["file"]
    if all(manifest["unet"].get(key) for key in METHOD_KEYS):
        print(f"{model}: {unet_file} has every U-Net method already ({', '.join(METHOD_KEYS)})", file=sys.stderr)
        return
    cfg = unet_config(manifest, manifest_path)
    sdpa = manifest.get("exporter", {}).get("sdpa", False)
    if sdpa:  # fused attention, which torch 1.13 cannot load or run: its weights alone, forward not compared
        new = rebuild(read_weights(os.path.join(model, unet_file)), cfg)
    else:
        old = torch.jit.load(os.path.join(model, unet_file))
        new = rebuild(old.state_dict(), cfg)
        with torch.no_grad():
            args = probe_inputs(cfg, manifest)
            if not torch.equal(old(*args), new(*args)):
                raise SystemExit(f"{model}: the re-scripted {unet_file} predicts differently from the old one; "
                                 "not written")
        del old
    os.makedirs(out, exist_ok=True)
    if out != model:
        for name in os.listdir(model):
            if name not in (unet_file, "model.json") and not os.path.exists(os.path.join(out, name)):
                os.symlink(os.path.abspath(os.path.join(model, name)), os.path.join(out, name))
    tmp = os.path.join(out, unet_file + ".rescript")
    with torch.no_grad():
        save_scripted(new, tmp)
    if sdpa:
        rewrite_archive(tmp)
    os.replace(tmp, os.path.join(out, unet_file))
    manifest["unet"].update({key: True for key in METHOD_KEYS})
    with open(os.path.join(out, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"{out}: {unet_file} re-scripted with forward_caching, forward_shallow (DeepCache) and forward_tome"
          " (token merging)", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a torchsd model folder (model.json and the .pt exports)")
    parser.add_argument("--out", help="write a new folder (other files linked) instead of changing MODEL_DIR")
    args = parser.parse_args()
    add_methods(args.model, args.out or args.model)


if __name__ == "__main__":
    main()
