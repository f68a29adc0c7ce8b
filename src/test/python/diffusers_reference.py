"""diffusers' StableDiffusionPipeline, written out as a plain loop over a torchsd model folder.

The reference side of DiffusersReferenceTest: for each case it does what diffusers' pipeline
(pipeline_stable_diffusion.py: encode_prompt, prepare_latents, the denoising loop of __call__,
decode and the image processor's postprocess) does, on the folder's TorchScript exports:

- tokens: CLIP's tokenizer (scripts/tokenizer/clip_reference.py on the folder's vocabulary), BOS ... EOS,
  truncated and padded to max_length with the manifest's pad id;
- text: the export takes token embeddings, looked up in its own token table; `clip_skip` (torchsd's
  count, 1 = last layer) applies to the prompt only: diffusers encodes the negative (or empty) prompt
  from the last layer always;
- guidance: when w > 1 one U-Net call on [negative x B; prompt x B], then neg + w * (pos - neg);
- noise: torch.randn(shape, generator) from torch.Generator().manual_seed(seed), the same generator
  passed to the scheduler steps (scheduler_steps.py);
- image: decode latents / scaling_factor, (x / 2 + 0.5).clamp(0, 1), times 255 in float32, rounded
  half to even, as uint8.

Usage: python3 diffusers_reference.py MODEL_DIR CASES_JSON OUT_DIR
CASES_JSON is a list of {"id", "scheduler" (diffusers class), "config" (values over the model's
scheduler config, as strings), "prompt", "negative_prompt", "seed", "steps", "guidance_scale",
"width", "height", "batch_size", "clip_skip"}. Writes OUT_DIR/ID.npy (the final latents, float32
(B, C, H/f, W/f), before the division by the scaling factor), OUT_DIR/ID-K.png (image K = 1..B) and
OUT_DIR/ID.pixels.npy (the images' values before rounding, float32 (B, H, W, 3) in 0..255).

Each case runs a second time with the U-Net outputs moved by two ulps (see `generate`); how far that
moves the results is the case's float sensitivity, written to OUT_DIR/sensitivity.json as
{ID: {"latents": max |difference| / max |latents|, "pixels": max |difference| of the unrounded values}}.
With guidance the sensitivity of the built-in model reaches 1e-5 .. 1e-3: the result of any float32
implementation is only defined to that precision.
"""
import json
import os
import struct
import sys
import time
import zlib

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread each, as torch is told below: twice as fast here
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "tokenizer"))
from clip_reference import Reference  # noqa: E402
import scheduler_steps  # noqa: E402


class Model:
    """A torchsd model folder: manifest, tokenizer and the three exports the text-to-image loop uses."""

    def __init__(self, folder):
        with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)
        text = self.manifest["text_encoder"]
        self.tokenizer = Reference.from_folder(os.path.join(folder, self.manifest["tokenizer"]))
        self.max_length = text["max_length"]
        self.pad_id = text["pad_token_id"]
        self.text_encoder = torch.jit.load(os.path.join(folder, text["file"])).eval()
        self.token_table = dict(self.text_encoder.named_parameters())[text["token_embedding"]].detach().float()
        self.unet = torch.jit.load(os.path.join(folder, self.manifest["unet"]["file"])).eval()
        vae = self.manifest["vae"]
        self.vae_decoder = torch.jit.load(os.path.join(folder, vae["decoder"])).eval()
        self.scaling_factor = vae["scaling_factor"]
        self.scale_factor = vae["scale_factor"]
        self.latent_channels = self.manifest["unet"]["in_channels"]

    def token_ids(self, text):
        """The tokenizer called with padding="max_length", truncation=True: BOS ... EOS, padded."""
        ids = self.tokenizer.encode(text)
        if len(ids) > self.max_length:
            ids = ids[:self.max_length - 1] + ids[-1:]
        return ids + [self.pad_id] * (self.max_length - len(ids))

    def encode(self, text, skip_layers):
        """(1, 77, hidden): the hidden states `skip_layers` layers before the last, after the final layer norm."""
        ids = torch.tensor([self.token_ids(text)])
        return self.text_encoder(self.token_table[ids], skip_layers)


def config_value(text):
    """A scheduler config value given as a string: JSON where it parses (true, 2, [1]), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def encode_prompt(model, case, guidance):
    """encode_prompt: prompt embeddings with clip skip, repeated per image; [negative; prompt] with guidance."""
    batch = case["batch_size"]
    prompt = model.encode(case["prompt"], case["clip_skip"] - 1).repeat(batch, 1, 1)
    if not guidance:
        return prompt
    negative = model.encode(case["negative_prompt"], 0).repeat(batch, 1, 1)
    return torch.cat([negative, prompt])


@torch.no_grad()
def generate(model, case, rounding=None):
    """The pipeline's __call__ for one case: final latents, and the images (B, H, W, 3) in 0..255 before rounding.

    With `rounding` (a torch.Generator), every U-Net output is moved by two float32 ulps, up or down at random:
    what another, equally correct float32 implementation of the network gives (torchsd's libtorch and this
    torch differ by up to 2 or 3 ulps per element)."""
    guidance_scale = case["guidance_scale"]
    guidance = guidance_scale > 1.0
    context = encode_prompt(model, case, guidance)
    config = dict(model.manifest["scheduler"], prediction_type=model.manifest["prediction_type"])
    config.update({key: config_value(value) for key, value in case["config"].items()})
    scheduler = scheduler_steps.create(case["scheduler"], config, case["steps"])
    generator = torch.Generator().manual_seed(case["seed"])
    shape = (case["batch_size"], model.latent_channels, case["height"] // model.scale_factor,
             case["width"] // model.scale_factor)
    latents = torch.randn(shape, generator=generator, dtype=torch.float32) * scheduler.init_noise_sigma
    for i, t in enumerate(scheduler.timesteps):
        model_input = torch.cat([latents] * 2) if guidance else latents
        model_input = scheduler.scale(model_input, i)
        noise_pred = model.unet(model_input, torch.tensor([float(t)], dtype=torch.float32), context)
        if rounding is not None:
            sign = torch.randint(0, 2, noise_pred.shape, generator=rounding) * 2 - 1
            noise_pred = noise_pred * (1 + sign * 2.0 ** -22)
        if guidance:
            noise_uncond, noise_text = noise_pred.chunk(2)
            noise_pred = noise_uncond + guidance_scale * (noise_text - noise_uncond)
        latents = scheduler.step(noise_pred, i, latents, generator)
    image = model.vae_decoder(latents / model.scaling_factor)
    image = (image / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).float().numpy()
    return latents, image * 255


def write_png(path, rgb):
    """An 8-bit RGB PNG of an (H, W, 3) uint8 array (stdlib only)."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    model_dir, cases_file, out_dir = sys.argv[1:4]
    torch.set_num_threads(1)
    model = Model(model_dir)
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    start = time.time()
    sensitivity = {}
    for case in cases:
        latents, pixels = generate(model, case)
        np.save(os.path.join(out_dir, case["id"] + ".npy"), latents.numpy())
        np.save(os.path.join(out_dir, case["id"] + ".pixels.npy"), pixels)
        for k, rgb in enumerate(pixels.round().astype(np.uint8)):
            write_png(os.path.join(out_dir, f"{case['id']}-{k + 1}.png"), rgb)
        other_latents, other_pixels = generate(model, case, torch.Generator().manual_seed(case["seed"] + 1))
        sensitivity[case["id"]] = {
            "latents": float((other_latents - latents).abs().max() / latents.abs().max()),
            "pixels": float(np.abs(other_pixels - pixels).max())}
    with open(os.path.join(out_dir, "sensitivity.json"), "w", encoding="utf-8") as f:
        json.dump(sensitivity, f, indent=1)
    print(f"{len(cases)} cases, each twice, in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
