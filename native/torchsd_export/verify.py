"""`./cppbuild.sh verify --checkpoint SRC --model DIR`: runs diffusers' own loading of SRC (a single file
through from_single_file, or a diffusers folder) and torchsd's export in DIR on the same inputs, and
prints the largest absolute difference per component. Needs diffusers and transformers, so it is
meant for a user's machine; without them it says so and exits with 2. SDXL base and refiner exports are
compared with StableDiffusionXLPipeline / StableDiffusionXLImg2ImgPipeline: both encoders' hidden_states[-2],
the pooled text_embeds and the U-Net with text_embeds and time_ids (written without diffusers installed here:
only its SD 1.x/2.x part has been run against diffusers).
"""
import argparse
import json
import os
import sys

import torch


def load_diffusers(source: str, family: str):
    """The components only: diffusers' own choice of scheduler/prediction type is printed, not compared."""
    import diffusers
    pipelines = {"sdxl": diffusers.StableDiffusionXLPipeline,
                 "sdxl-refiner": diffusers.StableDiffusionXLImg2ImgPipeline}
    pipeline = pipelines.get(family, diffusers.StableDiffusionPipeline)
    extra = {} if family.startswith("sdxl") else {"safety_checker": None}
    if os.path.isdir(source):
        return pipeline.from_pretrained(source, torch_dtype=torch.float32, **extra)
    return pipeline.from_single_file(source, torch_dtype=torch.float32)


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
    pipe = load_diffusers(args.checkpoint, manifest["family"])
    if manifest["family"].startswith("sdxl"):
        verify_sdxl(pipe, manifest, args.model, args.prompt, torch.Generator().manual_seed(args.seed))
        return
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
        compare_vae_and_configs(pipe, manifest, decoder, g)


def compare_vae_and_configs(pipe, manifest, decoder, g):
    z = torch.randn(1, manifest["vae"]["latent_channels"], 32, 32, generator=g)
    print(f"VAE decoder: max |diff| {max_diff(decoder(z), pipe.vae.decode(z).sample):.3e}")
    print(f"prediction type: diffusers {pipe.scheduler.config.prediction_type}, manifest {manifest['prediction_type']}")
    print(f"scaling factor: diffusers {pipe.vae.config.scaling_factor}, manifest {manifest['vae']['scaling_factor']}")


def verify_sdxl(pipe, manifest, model: str, prompt: str, g):
    """SDXL: each text encoder's hidden_states[-2], bigG's pooled text_embeds, the U-Net with added_cond_kwargs."""
    hidden, pooled = [], None
    with torch.no_grad():
        for section, encoder, tokenizer in (("text_encoder", pipe.text_encoder, pipe.tokenizer),
                                            ("text_encoder_2", pipe.text_encoder_2, pipe.tokenizer_2)):
            if section not in manifest:
                continue
            ids = tokenizer(prompt, padding="max_length", max_length=tokenizer.model_max_length, truncation=True,
                            return_tensors="pt").input_ids
            print(f"{section} pad id: diffusers {tokenizer.pad_token_id}, manifest {manifest[section]['pad_token_id']}")
            export = torch.jit.load(os.path.join(model, manifest[section]["file"]))
            embeds = dict(export.named_parameters())[manifest[section]["token_embedding"]][ids]
            theirs = encoder(ids, output_hidden_states=True)
            hidden.append(theirs.hidden_states[-2])
            print(f"{section} hidden_states[-2]: max |diff| {max_diff(export(embeds, 1), hidden[-1]):.3e}")
            if section == "text_encoder_2":
                eos = (ids == tokenizer.eos_token_id).int().argmax(dim=1)  # the first <|endoftext|>
                pooled = theirs[0]
                print(f"pooled: max |diff| {max_diff(export.pooled(embeds, eos), pooled):.3e}")
        context = torch.cat(hidden, dim=-1)
        size = manifest["default_width"] // manifest["vae"]["scale_factor"]
        latents = torch.randn(1, manifest["unet"]["in_channels"], size, size, generator=g)
        base = [1024.0, 1024.0, 0.0, 0.0]
        time_ids = torch.tensor([base + ([1024.0, 1024.0] if manifest["unet"]["time_ids"] == 6 else [6.0])])
        t = torch.tensor([501.0])
        unet = torch.jit.load(os.path.join(model, manifest["unet"]["file"]))
        theirs_unet = pipe.unet(latents, t, encoder_hidden_states=context,
                                added_cond_kwargs={"text_embeds": pooled, "time_ids": time_ids}).sample
        ours_unet = unet(latents, t, context, pooled, time_ids)
        print(f"U-Net ({size}x{size} latents, t=501, time_ids {time_ids.tolist()[0]}): max |diff| "
              f"{max_diff(ours_unet, theirs_unet):.3e} (output scale {theirs_unet.abs().max().item():.3e})")
        compare_vae_and_configs(pipe, manifest, torch.jit.load(os.path.join(model, manifest["vae"]["decoder"])), g)


if __name__ == "__main__":
    main()
