"""`--preset`: seeded random weights of a built-in architecture -> a torchsd model folder.

tiny: a few-MB SD 1.x-architecture model sized to the tokenizer's vocabulary; sd15: SD 1.5 at full size;
sdxl, sdxl-refiner: SDXL base and refiner at full size (built and saved one network at a time: the U-Net, the
largest, takes 10.3 GB / 9.0 GB in float32 while it is built).
"""
from . import config as configs
from .checkpoint import CheckpointError
from .components import random_components
from .model_folder import write_model_folder
from .tokenizer import check_vocab_size, read_vocab

PRESETS = ("tiny", "sd15", "sdxl", "sdxl-refiner")
FULL_SIZE = {"sd15": configs.sd15, "sdxl": configs.sdxl, "sdxl-refiner": configs.sdxl_refiner}


def preset_config(preset: str, tokenizer_dir: str, vocab: dict) -> configs.ModelConfig:
    if preset == "tiny":
        cfg = configs.tiny(len(vocab))
        cfg.pad_token_id = len(vocab) - 1  # <|endoftext|>, as SD 1.x pads
        return cfg
    if preset in FULL_SIZE:
        cfg = FULL_SIZE[preset]()
        check_vocab_size(tokenizer_dir, vocab, (cfg.text or cfg.text_2).vocab_size, f"{preset}'s text encoder")
        return cfg
    raise CheckpointError(f"--preset {preset}: unknown; expected one of {', '.join(PRESETS)}")


def export_preset(preset: str, tokenizer_dir: str, out: str, seed: int = 0, name: str = None,
                  weights: str = "fp32") -> str:
    """Writes the model folder out; returns a summary for the user."""
    cfg = preset_config(preset, tokenizer_dir, read_vocab(tokenizer_dir))
    parts = random_components(cfg, seed)
    write_model_folder(parts, tokenizer_dir, out, name or f"{preset}-random", seed, weights=weights)
    return f"{out}: {cfg.name} random weights (seed {seed}), {parts.parameter_count():,} parameters"
