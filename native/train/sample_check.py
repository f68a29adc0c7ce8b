"""Quick look during training: samples a few captions from the current checkpoint (EMA) with DDIM
and writes a PNG grid. The real evaluation is `torchsd eval` on the exported model.

    python3 -m train.sample_check --work DIR --tokenizer DIR --out grid.png CAPTION...
"""
import argparse
import os

import numpy as np
import torch
from PIL import Image

from torchsd_export.clip_text import TextModel
from torchsd_export.unet import UNet

from . import diffusion, model_config
from .pixel_vae import PixelVAE
from .tokens import Tokenizer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--per-caption", type=int, default=4)
    parser.add_argument("--guidance", type=float, default=7.5)
    parser.add_argument("captions", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(1)
    tok = Tokenizer(args.tokenizer)
    cfg = model_config.shapes_config(len(tok.vocab))
    state = torch.load(os.path.join(args.work, "checkpoint.pt"))
    text, unet = TextModel(cfg.text).eval(), UNet(cfg.unet).eval()
    text.load_state_dict(state["ema_text"])
    unet.load_state_dict(state["ema_unet"])
    vae = PixelVAE()
    rows = []
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        uncond = text(text.embed_ids(tok.batch([""])), 0)
        for c in args.captions:
            n = args.per_caption
            ctx = text(text.embed_ids(tok.batch([c] * n)), 0)
            z = diffusion.ddim_sample(unet, ctx, uncond, (n, 4, 16, 16), guidance=args.guidance, generator=g)
            img = ((vae.decoder(z / cfg.vae.scaling_factor).clamp(-1, 1) + 1) * 127.5).byte()
            rows.append(np.concatenate(list(img.permute(0, 2, 3, 1).numpy()), axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).resize((64 * args.per_caption * 2, 64 * len(rows) * 2),
                                                         Image.NEAREST).save(args.out)
    print(f"step {state['step']}: {args.out}")


if __name__ == "__main__":
    main()
