"""`./cppbuild.sh verify --checkpoint SRC --model DIR`: runs diffusers' own loading of SRC (a single file
through from_single_file, or a diffusers folder) and torchsd's export in DIR on the same inputs, and
prints the largest absolute difference per component. Needs diffusers and transformers, so it is
meant for a user's machine; without them it says so and exits with 2.
"""
import argparse
import json
import os
import sys

import torch


def load_diffusers(source: str):
    """The components only: diffusers' own choice of scheduler/prediction type is printed, not compared."""
    from diffusers import StableDiffusionPipeline
    if os.path.isdir(source):
        return StableDiffusionPipeline.from_pretrained(source, torch_dtype=torch.float32, safety_checker=None)
    return StableDiffusionPipeline.from_single_file(source, torch_dtype=torch.float32)


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.float() - b.float()).abs().max().item()


def main():
    parser = argparse.ArgumentParser(description="Compare a torchsd export with diffusers on the same inputs.")
    parser.add_argument("--checkpoint", required=True, help="what was exported: a single file or a diffusers folder")
    parser.add_argument("--model", required=True, help="the torchsd model folder exported from it")
    parser.add_argument("--prompt", default="a photo of an astronaut riding a horse")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        import diffusers  # noqa: F401 (only checks that it is installed)
        import transformers  # noqa: F401 (only checks that it is installed)
    except ImportError as e:
        print(f"error: verify needs diffusers and transformers ({e.name} is not installed); run it where they are: "
              "pip install diffusers transformers", file=sys.stderr)
        sys.exit(2)
    with open(os.path.join(args.model, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    pipe = load_diffusers(args.checkpoint)
    text = torch.jit.load(os.path.join(args.model, "text_encoder.pt"))
    unet = torch.jit.load(os.path.join(args.model, "unet.pt"))
    decoder = torch.jit.load(os.path.join(args.model, "vae_decoder.pt"))
    g = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        ids = pipe.tokenizer(args.prompt, padding="max_length", max_length=pipe.tokenizer.model_max_length,
                             truncation=True, return_tensors="pt").input_ids
        print(f"pad id: diffusers {pipe.tokenizer.pad_token_id}, manifest {manifest['text_encoder']['pad_token_id']}")
        table = dict(text.named_parameters())[manifest["text_encoder"]["token_embedding"]]
        theirs_text = pipe.text_encoder(ids)[0]
        ours_text = text(table[ids], 0)
        print(f"text encoder: max |diff| {max_diff(ours_text, theirs_text):.3e}")
        size = manifest["default_width"] // manifest["vae"]["scale_factor"]
        latents = torch.randn(1, manifest["unet"]["in_channels"], size, size, generator=g)
        t = torch.tensor([501.0])
        theirs_unet = pipe.unet(latents, t, encoder_hidden_states=theirs_text).sample
        ours_unet = unet(latents, t, theirs_text)
        print(f"U-Net ({size}x{size} latents, t=501): max |diff| {max_diff(ours_unet, theirs_unet):.3e}"
              f" (output scale {theirs_unet.abs().max().item():.3e})")
        z = torch.randn(1, manifest["vae"]["latent_channels"], 32, 32, generator=g)
        theirs_img = pipe.vae.decode(z).sample
        print(f"VAE decoder: max |diff| {max_diff(decoder(z), theirs_img):.3e}")
        print(f"prediction type: diffusers {pipe.scheduler.config.prediction_type}, "
              f"manifest {manifest['prediction_type']}")
        print(f"scaling factor: diffusers {pipe.vae.config.scaling_factor}, "
              f"manifest {manifest['vae']['scaling_factor']}")


if __name__ == "__main__":
    main()
