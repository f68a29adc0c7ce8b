"""Writes the trained model (EMA weights of a train_unet checkpoint) as a torchsd model folder,
through the exporter's write_model_folder, with pixel_vae's fixed VAE.

    python3 -m train.export_model --work DIR --tokenizer DIR --out DIR
"""
import argparse
import json
import os

import torch

from torchsd_export.clip_text import TextModel
from torchsd_export.model_folder import write_model_folder
from torchsd_export.unet import UNet

from . import model_config
from .pixel_vae import PixelVAE
from .tokens import Tokenizer


class TrainedComponents:
    """What write_model_folder needs: cfg and each() network by name."""

    def __init__(self, cfg, text, unet, vae):
        self.cfg, self.text, self.unet, self.vae = cfg, text.eval(), unet.eval(), vae.eval()

    def each(self):
        return iter({"text": self.text, "unet": self.unet, "vae": self.vae}.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True, help="train_unet's checkpoint folder")
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    state = torch.load(os.path.join(args.work, "checkpoint.pt"))
    cfg = model_config.shapes_config(len(Tokenizer(args.tokenizer).vocab))
    text, unet = TextModel(cfg.text), UNet(cfg.unet)
    text.load_state_dict(state["ema_text"])
    unet.load_state_dict(state["ema_unet"])
    parts = TrainedComponents(cfg, text, unet, PixelVAE())
    write_model_folder(parts, args.tokenizer, args.out, model_config.NAME, seed=0)
    path = os.path.join(args.out, "model.json")
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    manifest["vae"]["design"] = ("fixed cell VAE (native/train/pixel_vae.py): 4x4 average pooling and a 4x3 "
                                 "orthonormal color map; decoder repeats each latent pixel as a 4x4 block")
    manifest["exporter"]["training"] = {"steps": state["step"], "minutes": round(state["seconds"] / 60, 1),
                                        "script": "native/train (./cppbuild.sh train)"}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"{args.out}: {model_config.NAME}, {state['step']} training steps")


if __name__ == "__main__":
    main()
