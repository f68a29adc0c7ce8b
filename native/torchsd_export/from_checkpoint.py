"""`--checkpoint`: a user's SD 1.x/2.x/XL single file or diffusers folder -> a torchsd model folder."""
import os
from typing import List, Optional

from .checkpoint import CheckpointError
from .convert import build_config, loaded_components
from .model_folder import write_model_folder
from .sources import Source, is_diffusers_folder, read_diffusers_folder, read_single_file, read_vae
from .tokenizer import WHERE_TO_GET_ONE, check_vocab_size, read_vocab


def pad_id(source: Source, vocab: dict) -> int:
    """SD 1.x pads prompts with <|endoftext|>, SD 2.x (OpenCLIP) with id 0 ('!'); a diffusers tokenizer config says.
    SDXL: this is the CLIP-L tokenizer's (<|endoftext|>); the second one pads with 0 (ModelConfig.pad_token_id_2)."""
    return _token_id(source.pad_token or ("<|endoftext|>" if source.family in ("sd1", "sdxl") else None), vocab)


def _token_id(token: Optional[str], vocab: dict) -> int:
    if token is None:
        return 0
    if token not in vocab:
        raise CheckpointError(f"the tokenizer has no pad token {token!r} in vocab.json")
    return vocab[token]


def read_source(path: str, ema: bool) -> Source:
    if is_diffusers_folder(path):
        if ema:
            raise CheckpointError("--ema applies to single files; a diffusers folder holds one set of U-Net weights")
        return read_diffusers_folder(path)
    if os.path.isdir(path):
        raise CheckpointError(f"{path}: a folder without unet/: not a diffusers model folder")
    return read_single_file(path, ema)


def export_checkpoint(checkpoint: str, out: str, tokenizer: Optional[str] = None, vae: Optional[str] = None,
                      config: Optional[str] = None, ema: bool = False, name: Optional[str] = None,
                      weights: str = "fp32") -> List[str]:
    """Writes the model folder out; returns what to tell the user (the conversion's notes, then a summary)."""
    path = os.path.normpath(checkpoint)
    source = read_source(path, ema)
    if vae:
        source.parts["vae"] = read_vae(vae, source.family)
        source.origins["vae"] = os.path.basename(vae)
        source.notes.append(f"VAE from {vae}")
    tokenizer = tokenizer or source.tokenizer_dir
    if tokenizer is None:
        raise CheckpointError("a single-file checkpoint carries no tokenizer: " + WHERE_TO_GET_ONE)
    vocab = read_vocab(tokenizer)
    tokenizer_2 = source.tokenizer_2_dir or tokenizer  # SDXL's second tokenizer: the same files but in odd folders
    vocab_2 = read_vocab(tokenizer_2) if source.tokenizer_2_dir else vocab
    cfg = build_config(source, path, config, pad_id(source, vocab), _token_id(source.pad_token_2, vocab_2))
    for text, folder, words, what in ((cfg.text, tokenizer, vocab, "the text encoder's table"),
                                      (cfg.text_2, tokenizer_2, vocab_2, "the second text encoder's table")):
        if text is not None:
            check_vocab_size(folder, words, text.vocab_size, what)
    inpainting = 2 * cfg.vae.z_channels + 1  # latents, mask, masked-image latents (SD 1.5/2 inpainting)
    if cfg.unet.in_channels not in (cfg.vae.z_channels, inpainting):
        raise CheckpointError(f"{path}: the U-Net takes {cfg.unet.in_channels} input channels, the VAE gives "
                              f"{cfg.vae.z_channels}: neither a text-to-image model ({cfg.vae.z_channels}) nor an "
                              f"inpainting model ({inpainting}); instruct-pix2pix-like models are not supported")
    parts = loaded_components(source, cfg, path)
    provenance = {"file": os.path.basename(path), "vae": os.path.basename(vae) if vae else None,
                  "notes": source.notes}
    write_model_folder(parts, tokenizer, out, name or cfg.name, None, source.scheduler, provenance, weights,
                       source.tokenizer_2_dir)
    return [f"note: {note}" for note in source.notes] + [
        f"{out}: {cfg.family} ({cfg.prediction_type}, {cfg.default_size}px) from {os.path.basename(path)}, "
        f"{parts.parameter_count():,} parameters"]
