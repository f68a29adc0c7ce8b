"""`--checkpoint`: a user's SD 1.x/2.x single file or diffusers folder -> a torchsd model folder."""
import json
import os

from .checkpoint import CheckpointError
from .convert import build_components, build_config
from .sources import is_diffusers_folder, read_diffusers_folder, read_single_file, read_vae_file

TOKENIZER_HELP = (
    "a single-file checkpoint carries no tokenizer: pass --tokenizer DIR, a folder with CLIP's vocab.json and "
    "merges.txt - e.g. the tokenizer/ folder of runwayml/stable-diffusion-v1-5 (SD 1.x) or "
    "stabilityai/stable-diffusion-2-1 (SD 2.x) on Hugging Face, or openai/clip-vit-large-patch14 "
    "(both SD families use the same 49408-token CLIP vocabulary)")

SINGLE_FILE_PREFIXES = {"text": "cond_stage_model", "unet": "model.diffusion_model", "vae": "first_stage_model"}
DIFFUSERS_PREFIXES = {"text": "text_encoder", "unet": "unet", "vae": "vae"}


def read_vocab(tokenizer_dir: str) -> dict:
    for f in ("vocab.json", "merges.txt"):
        if not os.path.isfile(os.path.join(tokenizer_dir, f)):
            raise CheckpointError(f"--tokenizer {tokenizer_dir}: {f} not found; " + TOKENIZER_HELP)
    try:
        with open(os.path.join(tokenizer_dir, "vocab.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{tokenizer_dir}/vocab.json: cannot read ({e})") from e


def pad_id(source, vocab: dict) -> int:
    """SD 1.x pads prompts with <|endoftext|>, SD 2.x (OpenCLIP) with id 0 ('!'); a diffusers tokenizer config says."""
    token = source.pad_token or ("<|endoftext|>" if source.family == "sd1" else None)
    if token is None:
        return 0
    if token not in vocab:
        raise CheckpointError(f"the tokenizer has no pad token {token!r} in vocab.json")
    return vocab[token]


def export_checkpoint(args):
    from .export import write_model_folder  # late: export imports this module's caller
    path = os.path.normpath(args.checkpoint)
    if is_diffusers_folder(path):
        source, prefixes = read_diffusers_folder(path), DIFFUSERS_PREFIXES
        if args.ema:
            raise CheckpointError("--ema applies to single files; a diffusers folder holds one set of U-Net weights")
    elif os.path.isdir(path):
        raise CheckpointError(f"{path}: a folder without unet/: not a diffusers model folder")
    else:
        source, prefixes = read_single_file(path, args.ema), SINGLE_FILE_PREFIXES
    if args.vae:
        source.parts["vae"] = read_vae_file(args.vae)
        source.notes.append(f"VAE from {args.vae}")
        prefixes = dict(prefixes, vae=os.path.basename(args.vae))
    tokenizer = args.tokenizer or source.tokenizer_dir
    if tokenizer is None:
        raise CheckpointError(TOKENIZER_HELP)
    vocab = read_vocab(tokenizer)
    cfg = build_config(source, path, args.config, pad_id(source, vocab))
    if len(vocab) != cfg.text.vocab_size:
        raise CheckpointError(f"{tokenizer}/vocab.json has {len(vocab)} tokens, the text encoder's table has "
                              f"{cfg.text.vocab_size} rows: not this model's tokenizer")
    if cfg.unet.in_channels != cfg.vae.z_channels:
        raise CheckpointError(f"{path}: the U-Net takes {cfg.unet.in_channels} input channels, the VAE gives "
                              f"{cfg.vae.z_channels} (inpainting/instruct models are not supported)")
    parts = build_components(source, cfg, path, prefixes)
    provenance = {"file": os.path.basename(path), "vae": os.path.basename(args.vae) if args.vae else None,
                  "notes": source.notes}
    write_model_folder(parts, tokenizer, args.out, args.name or cfg.name, None, source.scheduler, provenance,
                       getattr(args, "weights", "fp32"))
    for note in source.notes:
        print(f"note: {note}")
    total = sum(p.numel() for m in (parts.text, parts.unet, parts.vae) for p in m.parameters())
    print(f"{args.out}: {cfg.family} ({cfg.prediction_type}, {cfg.default_size}px) from {os.path.basename(path)}, "
          f"{total:,} parameters")
