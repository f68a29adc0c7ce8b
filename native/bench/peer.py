"""The Python peer of `torchsd bench`: the same TorchScript exports driven from a plain torch loop.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 native/bench/peer.py MODEL_DIR [--size 256] [--steps 20]
                                                                  [--warmup 1] [--runs 3]

(with OpenBLAS installed: apt-get install libopenblas0-pthread; docs/performance.md)

What it does, as torchsd's pipeline does: look the prompt's token ids up in the text encoder's
embedding table and run the text encoder (prompt and empty negative prompt), draw seeded noise,
run diffusers' EulerDiscreteScheduler logic (written out below: the same sigmas, input scaling and
Euler step) with classifier-free guidance (one U-Net call on the batch of 2 per step), then decode
with the VAE. Timed like the Java benchmark: warm-up generations, then measured ones; the median
wall time of the steps after each generation's first, the mean U-Net call, the time per network,
and the peak resident set. Token ids are fixed (the tokenizer is not what is compared).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # native/, for torchsd_export
from torchsd_export import system_blas  # noqa: E402 (importable only after the sys.path line)


class EulerDiscrete:
    """diffusers' EulerDiscreteScheduler for SD 1.5's config (scaled_linear betas, 'leading' spacing, offset 1)."""

    def __init__(self, config: dict, steps: int):
        n = config["num_train_timesteps"]
        betas = np.linspace(config["beta_start"] ** 0.5, config["beta_end"] ** 0.5, n, dtype=np.float32) ** 2
        alphas_cumprod = np.cumprod(1.0 - betas)
        sigmas = ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5
        ratio = n // steps
        timesteps = (np.arange(0, steps) * ratio).round()[::-1].astype(np.float32) + config.get("steps_offset", 0)
        sigmas = np.interp(timesteps, np.arange(0, len(sigmas)), sigmas)
        self.sigmas = torch.from_numpy(np.concatenate([sigmas, [0.0]]).astype(np.float32))
        self.timesteps = torch.from_numpy(timesteps)
        self.init_noise_sigma = float((self.sigmas.max() ** 2 + 1) ** 0.5)

    def scale_model_input(self, sample, i):
        return sample / ((self.sigmas[i] ** 2 + 1) ** 0.5)

    def step(self, eps, i, sample):
        # epsilon prediction: x0 = x - sigma*eps; derivative (x - x0)/sigma = eps; Euler to the next sigma
        return sample + eps * (self.sigmas[i + 1] - self.sigmas[i])


class Clock:
    def __init__(self):
        self.seconds = {"text": 0.0, "unet": 0.0, "vae": 0.0}
        self.unet_calls = 0

    def run(self, name, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        self.seconds[name] += time.perf_counter() - start
        if name == "unet":
            self.unet_calls += 1
        return out


def generate(nets, manifest, size, steps, guidance, clock, step_times):
    text, unet, vae, table = nets
    max_len = manifest["text_encoder"]["max_length"]
    pad = manifest["text_encoder"]["pad_token_id"]
    bos = pad - 1  # <|startoftext|> precedes <|endoftext|> in CLIP's vocabulary
    # "a photograph of an astronaut riding a horse"
    prompt_ids = [bos, 320, 8853, 539, 550, 18376, 6765, 320, 4558, pad]
    ids = torch.tensor([[bos, pad] + [pad] * (max_len - 2), prompt_ids + [pad] * (max_len - len(prompt_ids))])
    ids = ids % table.shape[0]  # small test vocabularies: any valid ids will do
    context = clock.run("text", text, table[ids], 0)
    scheduler = EulerDiscrete(manifest["scheduler"], steps)
    latent = size // manifest["vae"]["scale_factor"]
    generator = torch.Generator().manual_seed(0)
    latents = torch.randn((1, 4, latent, latent), generator=generator) * scheduler.init_noise_sigma
    last = time.perf_counter()
    for i, t in enumerate(scheduler.timesteps):
        model_input = scheduler.scale_model_input(torch.cat([latents, latents]), i)
        eps = clock.run("unet", unet, model_input, t.reshape(1), context)
        negative, positive = eps.chunk(2)
        latents = scheduler.step(negative + guidance * (positive - negative), i, latents)
        now = time.perf_counter()
        if i > 0:
            step_times.append(now - last)
        last = now
    image = clock.run("vae", vae, latents / manifest["vae"]["scaling_factor"])
    return ((image / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--guidance", type=float, default=7.5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jit-optimize", action="store_true",
                        help="let torch 1.13's profiling executor optimise and fuse (its first calls then compile for"
                             " many minutes on a 2-core machine, single-threaded)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="intra-op threads (default: every CPU, as libtorch 2.10 picks here; "
                             "torch 1.13 would pick 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    system_blas.warn_if_reference("the peer")
    with open(os.path.join(args.model, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    load_start = time.perf_counter()
    text = torch.jit.load(os.path.join(args.model, manifest["text_encoder"]["file"])).eval()
    unet = torch.jit.load(os.path.join(args.model, manifest["unet"]["file"])).eval()
    vae = torch.jit.load(os.path.join(args.model, manifest["vae"]["decoder"])).eval()
    table = dict(text.named_parameters())[manifest["text_encoder"]["token_embedding"]]
    load = time.perf_counter() - load_start
    print(f"peer: torch {torch.__version__}, {torch.get_num_threads()} threads, {args.size}x{args.size},"
          f" {args.steps} steps (Euler), guidance {args.guidance}; jit optimisation {args.jit_optimize};"
          f" load {load:.2f} s; BLAS {system_blas.loaded_blas()},"
          f" OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}; load average {os.getloadavg()}",
          flush=True)
    nets = (text, unet, vae, table)
    with torch.inference_mode(), torch.jit.optimized_execution(args.jit_optimize):
        for _ in range(args.warmup):
            generate(nets, manifest, args.size, args.steps, args.guidance, Clock(), [])
        clock = Clock()
        step_times = []
        totals = []
        for i in range(args.runs):
            start = time.perf_counter()
            generate(nets, manifest, args.size, args.steps, args.guidance, clock, step_times)
            totals.append(time.perf_counter() - start)
            print(f"  generation {i + 1}: {totals[-1]:.2f} s", flush=True)
    s = clock.seconds
    inside = s["text"] + s["unet"] + s["vae"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"step: {statistics.median(step_times):.3f} s (median of {len(step_times)} steps);"
          f" U-Net call {s['unet'] / clock.unet_calls:.3f} s (mean of {clock.unet_calls})")
    print(f"generation: {statistics.median(totals):.2f} s (median); per generation: text encoder"
          f" {s['text'] / args.runs:.3f} s, U-Net {s['unet'] / args.runs:.2f} s,"
          f" VAE decoder {s['vae'] / args.runs:.2f} s,"
          f" outside the networks {(sum(totals) - inside) / args.runs:.3f} s")
    print(f"memory: peak RSS {peak / 1e9:.2f} GB; load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
