"""diffusers' img2img and inpaint pipelines, written out as a plain loop over a torchsd model folder.

The reference side of ImageToImageReferenceTest. It follows diffusers'
pipeline_stable_diffusion_img2img.py and pipeline_stable_diffusion_inpaint.py, with the formulas here:

- image: PIL's convert("RGB"), x / 255 (float32), 2x - 1, as (1, 3, H, W) (the files have the request size);
- encode (retrieve_latents, sample_mode "sample"): moments = encoder(x) = mean | logvar;
  latents = (mean + exp(0.5 * clamp(logvar, -30, 20)) * randn(mean.shape, generator)) * scaling_factor;
  "argmax": the mean; one image encoded, repeated for the batch;
- get_timesteps: init = min(int(steps * strength), steps), t_start = max(steps - init, 0), the loop runs
  over the scheduler's calls from index t_start * order;
- add_noise at index i: DDIM/DDPM/PNDM sqrt(abar_t) x + sqrt(1 - abar_t) n; the k-diffusion samplers
  x + sigma_i n; DPM-Solver/UniPC alpha_i x + sigma_t,i n (alpha = 1 / sqrt(sigma^2 + 1), sigma_t = sigma alpha);
- img2img: init latents encoded, noise = randn(shape, generator), latents = add_noise(init, noise, t_start * order);
- inpaint: mask = convert("L") / 255 binarised at 0.5 (>= 0.5 repaints); masked image = image * (mask < 0.5);
  the image encoded when the U-Net has 4 channels or strength < 1; noise; latents = noise * init_noise_sigma at
  strength 1, else add_noise(image latents, noise, first); then the masked image encoded (generator order:
  image, noise, masked image); the latent mask = nearest interpolation of the binary mask to the latent size;
  9 channels: U-Net input cat([scale(latents), mask, masked latents]) (duplicated for guidance); 4 channels:
  after step i, latents = (1 - mask) * add_noise(image latents, noise, i + 1) + mask * latents (the image
  latents themselves after the last step);
- output: decode, (x / 2 + 0.5).clamp(0, 1) * 255; with a mask the original's pixels put back where the mask
  is 0 (apply_overlay, binary masks here), so the unrounded values are the original's there.

Usage: python3 img2img_reference.py MODEL_DIR CASES_JSON OUT_DIR
Each case is diffusers_reference.py's plus "image" (a PNG), "mask" (a PNG or null), "strength" and
"sample_mode" ("sample" or "argmax"). Writes OUT_DIR/ID.npy, ID-K.png and ID.pixels.npy as diffusers_reference.py.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

import diffusers_reference
import scheduler_steps
from scheduler_formulas import ALPHAS_CUMPROD


def add_noise(scheduler, original, noise, index):
    """The scheduler's add_noise at call index `index` (its begin index or its step index)."""
    if isinstance(scheduler, scheduler_steps.SolverScheduler):
        alpha_t, sigma_t = scheduler_steps.alpha_sigma(scheduler.sigmas[index])
        return alpha_t * original + sigma_t * noise
    if isinstance(scheduler, scheduler_steps.SigmaScheduler):
        return original + noise * scheduler.sigmas[index]
    alpha_bar = ALPHAS_CUMPROD[scheduler.timesteps[index]]
    return alpha_bar ** 0.5 * original + (1 - alpha_bar) ** 0.5 * noise


def order(scheduler):
    """diffusers' scheduler.order: 2 for Heun and KDPM2, 1 for the rest (DPM-Solver's order is its solver's)."""
    return 2 if isinstance(scheduler, (scheduler_steps.Heun, scheduler_steps.KDpm2)) else 1


def read_image(path):
    rgb = np.array(Image.open(path).convert("RGB")).astype(np.float32) / 255.0
    return torch.from_numpy(2.0 * rgb - 1.0).permute(2, 0, 1)[None].contiguous()


def read_mask(path):
    mask = np.array(Image.open(path).convert("L")).astype(np.float32) / 255.0
    mask[mask < 0.5] = 0
    mask[mask >= 0.5] = 1
    return torch.from_numpy(mask)[None, None]


class ImageModel(diffusers_reference.Model):
    def __init__(self, folder):
        super().__init__(folder)
        vae = self.manifest["vae"]
        self.vae_encoder = torch.jit.load(os.path.join(folder, vae["encoder"])).eval()
        self.latent_channels = vae["latent_channels"]
        self.unet_channels = self.manifest["unet"]["in_channels"]

    def encode_image(self, image, generator, sample_mode, batch):
        moments = self.vae_encoder(image)
        mean, logvar = moments.chunk(2, dim=1)
        if sample_mode == "sample":
            std = torch.exp(0.5 * torch.clamp(logvar, -30.0, 20.0))
            latents = mean + std * torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
        else:
            latents = mean
        return (self.scaling_factor * latents).repeat(batch, 1, 1, 1)


@torch.no_grad()
def generate(model, case):
    guidance_scale = case["guidance_scale"]
    guidance = guidance_scale > 1.0
    batch = case["batch_size"]
    context = diffusers_reference.encode_prompt(model, case, guidance)
    config = dict(model.manifest["scheduler"], prediction_type=model.manifest["prediction_type"])
    config.update({key: diffusers_reference.config_value(value) for key, value in case["config"].items()})
    steps, strength = case["steps"], case["strength"]
    scheduler = scheduler_steps.create(case["scheduler"], config, steps)
    init = min(int(steps * strength), steps)
    first = max(steps - init, 0) * order(scheduler)
    generator = torch.Generator().manual_seed(case["seed"])
    image = read_image(case["image"])
    shape = (batch, model.latent_channels, case["height"] // model.scale_factor, case["width"] // model.scale_factor)
    mask = read_mask(case["mask"]) if case.get("mask") else None
    concatenated = model.unet_channels != model.latent_channels
    image_latents = None
    if mask is None or not concatenated or strength < 1.0:
        image_latents = model.encode_image(image, generator, case["sample_mode"], batch)
    noise = torch.randn(shape, generator=generator, dtype=torch.float32)
    if mask is not None and strength == 1.0:
        latents = noise * scheduler.init_noise_sigma
    else:
        latents = add_noise(scheduler, image_latents, noise, first)
    if mask is not None:
        masked_latents = model.encode_image(image * (mask < 0.5), generator, case["sample_mode"], batch)
        latent_mask = torch.nn.functional.interpolate(mask, size=shape[2:])
    timesteps = scheduler.timesteps
    for i in range(first, len(timesteps)):
        model_input = torch.cat([latents] * 2) if guidance else latents
        model_input = scheduler.scale(model_input, i)
        if mask is not None and concatenated:
            calls = model_input.shape[0]
            model_input = torch.cat([model_input, latent_mask.repeat(calls, 1, 1, 1),
                                     masked_latents.repeat(calls // batch, 1, 1, 1)], dim=1)
        noise_pred = model.unet(model_input, torch.tensor([float(timesteps[i])], dtype=torch.float32), context)
        if guidance:
            noise_uncond, noise_text = noise_pred.chunk(2)
            noise_pred = noise_uncond + guidance_scale * (noise_text - noise_uncond)
        latents = scheduler.step(noise_pred, i, latents, generator)
        if mask is not None and not concatenated:
            proper = image_latents if i + 1 == len(timesteps) else add_noise(scheduler, image_latents, noise, i + 1)
            latents = (1 - latent_mask) * proper + latent_mask * latents
    decoded = model.vae_decoder(latents / model.scaling_factor)
    pixels = (decoded / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).float().numpy() * 255
    if mask is not None:
        original = np.array(Image.open(case["image"]).convert("RGB")).astype(np.float32)
        keep = (mask[0, 0].numpy() == 0)[None, :, :, None]
        pixels = np.where(keep, original[None], pixels)
    return latents, pixels


def main():
    model_dir, cases_file, out_dir = sys.argv[1:4]
    torch.set_num_threads(1)
    model = ImageModel(model_dir)
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        latents, pixels = generate(model, case)
        np.save(os.path.join(out_dir, case["id"] + ".npy"), latents.numpy())
        np.save(os.path.join(out_dir, case["id"] + ".pixels.npy"), pixels.astype(np.float32))
        for k, rgb in enumerate(pixels.round().astype(np.uint8)):
            diffusers_reference.write_png(os.path.join(out_dir, f"{case['id']}-{k + 1}.png"), rgb)
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
