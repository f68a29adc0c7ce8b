"""diffusers' StableDiffusionXLPipeline, written out as a plain loop over a torchsd SDXL model folder.

The reference side of SdxlReferenceTest: for each case it does what diffusers' SDXL pipeline
(pipeline_stable_diffusion_xl.py: encode_prompt, _get_add_time_ids, prepare_latents, the denoising loop
of __call__, decode) does, on the folder's TorchScript exports (the contract in docs/model-format.md):

- tokens: CLIP's tokenizer (scripts/tokenizer/clip_reference.py on the folder's vocabulary), BOS ... EOS,
  truncated and padded to 77: CLIP-L with text_encoder.pad_token_id, bigG with text_encoder_2's (0);
- text: each encoder's hidden states `skip_layers` = clip skip (torchsd's count: 1 = diffusers' default
  hidden_states[-2]) before the last layer, without the final layer norm, concatenated (CLIP-L, bigG);
  the negative prompt always from hidden_states[-2]; the pooled embedding from bigG's `pooled` method at
  the first end-of-text token of its ids;
- negative: when the negative prompt is empty and the manifest says force_zeros_for_empty_prompt, zeros
  of the prompt's shape (diffusers: negative_prompt None), else the encoded negative prompt;
- add_time_ids: original size (h, w) + crop (top, left) + target size (h, w), the negative's the same; the
  refiner's (unet.time_ids 5): original size + crop + aesthetic score (negative: the negative score);
- hand-over: "denoising_end" runs the timesteps t >= round(T - end * T) (the base), "denoising_start" the
  ones below round(T - start * T) (the refiner, img2img's get_timesteps) from "initial_latents" (an .npy file,
  taken as it is: no noise added, not scaled);
- guidance: one U-Net call on [negative x B; prompt x B] with text_embeds and time_ids batched alike;
- noise, scheduler and image as diffusers_reference.py.

Usage: python3 sdxl_reference.py MODEL_DIR CASES_JSON OUT_DIR
A case is diffusers_reference.py's plus optional "original_size" [h, w], "crop" [top, left], "target_size" [h, w],
"aesthetic_score", "negative_aesthetic_score", "denoising_end", "denoising_start" with "initial_latents".
Writes OUT_DIR/ID.npy (final latents) and OUT_DIR/ID-K.png (image K = 1..B).
"""
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "tokenizer"))
from clip_reference import Reference  # noqa: E402
from diffusers_reference import config_value, write_png  # noqa: E402
import scheduler_steps  # noqa: E402


class TextTower:
    """One text encoder export with its token table and padding id."""

    def __init__(self, folder, spec, tokenizer):
        self.tokenizer = tokenizer
        self.pad_id = spec["pad_token_id"]
        self.max_length = spec["max_length"]
        self.module = torch.jit.load(os.path.join(folder, spec["file"])).eval()
        self.table = dict(self.module.named_parameters())[spec["token_embedding"]].detach().float()

    def ids(self, text):
        ids = self.tokenizer.encode(text)
        if len(ids) > self.max_length:
            ids = ids[:self.max_length - 1] + ids[-1:]
        return ids + [self.pad_id] * (self.max_length - len(ids))

    def hidden(self, text, skip_layers):
        return self.module(self.table[torch.tensor([self.ids(text)])], skip_layers)

    def pooled(self, text):
        ids = self.ids(text)
        eos = ids.index(self.tokenizer.encode("")[-1])
        return self.module.pooled(self.table[torch.tensor([ids])], torch.tensor([eos]))


class Model:
    def __init__(self, folder):
        with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)
        tokenizer = Reference.from_folder(os.path.join(folder, self.manifest["tokenizer"]))
        self.towers = [TextTower(folder, self.manifest[key], tokenizer)
                       for key in ("text_encoder", "text_encoder_2") if key in self.manifest]
        self.unet = torch.jit.load(os.path.join(folder, self.manifest["unet"]["file"])).eval()
        vae = self.manifest["vae"]
        self.vae_decoder = torch.jit.load(os.path.join(folder, vae["decoder"])).eval()
        self.scaling_factor = vae["scaling_factor"]
        self.scale_factor = vae["scale_factor"]
        self.force_zeros = self.manifest.get("force_zeros_for_empty_prompt", False)
        self.refiner = self.manifest["unet"]["time_ids"] == 5

    def encode(self, text, skip_layers):
        """(1, 77, 2048) hidden states and (1, 1280) pooled."""
        hidden = torch.cat([tower.hidden(text, skip_layers) for tower in self.towers], dim=-1)
        return hidden, self.towers[-1].pooled(text)


def encode_prompt(model, case):
    batch = case["batch_size"]
    prompt, pooled = model.encode(case["prompt"], case["clip_skip"])
    if case["negative_prompt"] == "" and model.force_zeros:
        negative, negative_pooled = torch.zeros_like(prompt), torch.zeros_like(pooled)
    else:
        negative, negative_pooled = model.encode(case["negative_prompt"], 1)
    return (torch.cat([negative.repeat(batch, 1, 1), prompt.repeat(batch, 1, 1)]),
            torch.cat([negative_pooled.repeat(batch, 1), pooled.repeat(batch, 1)]))


def time_ids(model, case):
    size = [case["height"], case["width"]]
    ids = case.get("original_size", size) + case.get("crop", [0, 0])
    if model.refiner:
        positive = ids + [case.get("aesthetic_score", 6.0)]
        negative = ids + [case.get("negative_aesthetic_score", 2.5)]
    else:
        positive = negative = ids + case.get("target_size", size)
    batch = case["batch_size"]
    return torch.tensor([negative] * batch + [positive] * batch, dtype=torch.float32)


def schedule_part(scheduler, case):
    """The scheduler indices the case runs: all, the base's part before denoising_end, the refiner's after."""
    timesteps = [float(t) for t in scheduler.timesteps]
    train = scheduler_steps.T
    first, end = 0, len(timesteps)
    if "denoising_end" in case:
        cutoff = int(round(train - case["denoising_end"] * train))
        end = len([t for t in timesteps if t >= cutoff])
    if "denoising_start" in case:
        cutoff = int(round(train - case["denoising_start"] * train))
        running = len([t for t in timesteps if t < cutoff])
        if isinstance(scheduler, scheduler_steps.Heun) and running % 2 == 0:  # diffusers' order 2
            running += 1
        first = len(timesteps) - running
    return range(first, end)


@torch.no_grad()
def generate(model, case):
    guidance_scale = case["guidance_scale"]
    context, text_embeds = encode_prompt(model, case)
    add_time_ids = time_ids(model, case)
    config = dict(model.manifest["scheduler"], prediction_type=model.manifest["prediction_type"])
    config.update({key: config_value(value) for key, value in case["config"].items()})
    scheduler = scheduler_steps.create(case["scheduler"], config, case["steps"])
    generator = torch.Generator().manual_seed(case["seed"])
    shape = (case["batch_size"], 4, case["height"] // model.scale_factor, case["width"] // model.scale_factor)
    if "initial_latents" in case:
        latents = torch.from_numpy(np.load(case["initial_latents"]))
    else:
        latents = torch.randn(shape, generator=generator, dtype=torch.float32) * scheduler.init_noise_sigma
    for i in schedule_part(scheduler, case):
        t = scheduler.timesteps[i]
        model_input = scheduler.scale(torch.cat([latents] * 2), i)
        noise_pred = model.unet(model_input, torch.tensor([float(t)], dtype=torch.float32), context, text_embeds,
                                add_time_ids)
        noise_uncond, noise_text = noise_pred.chunk(2)
        noise_pred = noise_uncond + guidance_scale * (noise_text - noise_uncond)
        latents = scheduler.step(noise_pred, i, latents, generator)
    image = model.vae_decoder(latents / model.scaling_factor)
    image = (image / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).float().numpy()
    return latents, image * 255


def main():
    model_dir, cases_file, out_dir = sys.argv[1:4]
    torch.set_num_threads(1)
    model = Model(model_dir)
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        latents, pixels = generate(model, case)
        np.save(os.path.join(out_dir, case["id"] + ".npy"), latents.numpy())
        for k, rgb in enumerate(pixels.round().astype(np.uint8)):
            write_png(os.path.join(out_dir, f"{case['id']}-{k + 1}.png"), rgb)


if __name__ == "__main__":
    main()
