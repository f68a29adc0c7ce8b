"""Trains the text encoder and the U-Net together on the procedural dataset, from a fixed seed,
for a fixed number of steps (the learning rate warms up, then follows a cosine down to a tenth);
checkpoints every few minutes and resumes from the last checkpoint.

    python3 -m train.train_unet --tokenizer DIR --work DIR [--steps 4800] [--batch 64] [--minutes 58]

Caption dropout: 10% of captions are empty (tokenized as the pipeline tokenizes the empty
negative prompt), so classifier-free guidance has an unconditional model to push away from.
Loss: MSE on epsilon with min-SNR-5 weighting. The weights written for export are an EMA.
"""
import argparse
import copy
import math
import os
import random
import time

import torch

from torchsd_export import system_blas
from torchsd_export.clip_text import TextModel
from torchsd_export.unet import UNet

from . import dataset, diffusion, model_config
from .pixel_vae import PixelVAE
from .tokens import Tokenizer


def ema_update(ema, model, decay):
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters()):
            e.mul_(decay).add_(p, alpha=1.0 - decay)


def learning_rate(step, args):
    """Linear warm-up, then a cosine from lr down to lr / 10 at the last step."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--work", required=True, help="checkpoint folder")
    parser.add_argument("--steps", type=int, default=4800, help="training steps (the schedule's length)")
    parser.add_argument("--minutes", type=float, default=58.0,
                        help="safety stop: end early after this much training time (the model is then "
                             "not the one the step count and seed define)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-minutes", type=float, default=3.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    system_blas.warn_if_reference("training")
    os.makedirs(args.work, exist_ok=True)
    ckpt_path = os.path.join(args.work, "checkpoint.pt")

    tok = Tokenizer(args.tokenizer)
    cfg = model_config.shapes_config(len(tok.vocab))
    torch.manual_seed(args.seed)
    text, unet = TextModel(cfg.text), UNet(cfg.unet)
    vae = PixelVAE()
    params = list(text.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    ema_text, ema_unet = copy.deepcopy(text), copy.deepcopy(unet)
    step, rng, spent = 0, random.Random(args.seed), 0.0
    if os.path.exists(ckpt_path):
        state = torch.load(ckpt_path)
        text.load_state_dict(state["text"])
        unet.load_state_dict(state["unet"])
        ema_text.load_state_dict(state["ema_text"])
        ema_unet.load_state_dict(state["ema_unet"])
        opt.load_state_dict(state["opt"])
        step, spent = state["step"], state["seconds"]
        rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        print(f"resumed at step {step} after {spent / 60:.1f} min", flush=True)

    def save():
        state = {"text": text.state_dict(), "unet": unet.state_dict(), "ema_text": ema_text.state_dict(),
                 "ema_unet": ema_unet.state_dict(), "opt": opt.state_dict(), "step": step,
                 "seconds": spent, "rng": rng.getstate(), "torch_rng": torch.get_rng_state(),
                 "vocab_size": len(tok.vocab)}
        torch.save(state, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    abar = diffusion.alphas_cumprod()
    start, last_save, loss_sum = time.time() - spent, time.time(), 0.0
    while True:
        spent = time.time() - start
        if step >= args.steps:
            break
        if spent > args.minutes * 60:
            print(f"time budget of {args.minutes} min reached at step {step} of {args.steps}", flush=True)
            break
        cells, captions = dataset.batch(rng, args.batch)
        with torch.no_grad():
            latents = vae.encode_cells(torch.from_numpy(cells)) * cfg.vae.scaling_factor
        ids = tok.batch(captions)
        noise = torch.randn_like(latents)
        t = torch.randint(0, diffusion.TIMESTEPS, (args.batch,))
        noisy = diffusion.add_noise(latents, noise, t, abar)
        context = text(text.embed_ids(ids), 0)
        pred = unet(noisy, t.float(), context)
        per_sample = (pred - noise).pow(2).mean(dim=(1, 2, 3))
        loss = (per_sample * diffusion.min_snr_weight(t, abar)).mean()
        for g in opt.param_groups:
            g["lr"] = learning_rate(step, args)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        decay = min(0.995, (1 + step) / (10 + step))
        ema_update(ema_text, text, decay)
        ema_update(ema_unet, unet, decay)
        loss_sum += loss.item()
        if step % 25 == 0:
            print(f"step {step} loss {loss_sum / 25:.4f} {spent / 60:.1f} min", flush=True)
            loss_sum = 0.0
        if time.time() - last_save > args.checkpoint_minutes * 60:
            save()
            last_save = time.time()
    save()
    print(f"done: {step} steps in {spent / 60:.1f} min -> {ckpt_path}", flush=True)


if __name__ == "__main__":
    main()
