"""Whether a VAE belongs to the model's family, refused by name when it does not.

SD 1.x, 2.x and SDXL share one VAE architecture with 4 latent channels: the same keys and shapes. Only the scaling
factor tells SD's VAE (0.18215) from SDXL's retrained one (0.13025), and only where a file says so: a diffusers VAE
folder's config.json, or a safetensors file's `modelspec.architecture` metadata. SD3's and Flux's VAEs have 16
latent channels, which the shapes show (decoder.conv_in takes 16, encoder.conv_out gives 32: mean and log-variance).
"""
from typing import Dict, Optional

import torch

from .checkpoint import CheckpointError
from .config import SD_VAE_SCALING, SDXL_VAE_SCALING, vae_scaling

LATENT_CHANNELS = 4
VAE_NAMES = {SD_VAE_SCALING: "SD 1.x/2.x's VAE", SDXL_VAE_SCALING: "SDXL's VAE"}
OTHER_FAMILIES = "SD3's and Flux's VAEs have 16"
# Where the latent channels show in the weights (the same names in ldm and diffusers layout): key, dimension, and
# how many channels there are per latent channel.
CHANNEL_KEYS = (("decoder.conv_in.weight", 1, 1), ("encoder.conv_out.weight", 0, 2))
# Stability's ModelSpec `modelspec.architecture` (e.g. "stable-diffusion-xl-v1-base", ".../vae") by prefix: the
# scaling factor of that family's VAE, None for the 16-channel families.
MODELSPEC_VAES = (("stable-diffusion-xl-", SDXL_VAE_SCALING), ("stable-diffusion-v1", SD_VAE_SCALING),
                  ("stable-diffusion-v2", SD_VAE_SCALING), ("stable-diffusion-v3", None), ("flux-", None))


def check_channels(where: str, vae: Dict[str, torch.Tensor], prefix: str = ""):
    """vae: the VAE's tensors, their names without `prefix` (a single file's first_stage_model.)."""
    for key, dim, per_latent in CHANNEL_KEYS:
        tensor = vae.get(key)
        if tensor is not None and tensor.dim() > dim and tensor.shape[dim] != per_latent * LATENT_CHANNELS:
            raise CheckpointError(
                f"{where}: {prefix}{key} (shape {list(tensor.shape)}): expected {LATENT_CHANNELS} latent channels "
                f"(SD 1.x/2.x/XL's VAE), found {tensor.shape[dim] // per_latent} ({OTHER_FAMILIES}): a VAE of "
                "another model family")


def check_scaling(where: str, scaling: float, family: str):
    expected = vae_scaling(family)
    if abs(scaling - expected) > 1e-6:
        known = VAE_NAMES.get(_known(scaling))
        what = f" ({known}): a VAE of another model family" if known else ": not a VAE torchsd knows for this model"
        raise CheckpointError(f"{where}: expected scaling factor {expected} ({VAE_NAMES[expected]}, for family "
                              f"{family}), found {scaling}{what}")


def _known(scaling: float) -> Optional[float]:
    return next((k for k in VAE_NAMES if abs(k - scaling) <= 1e-6), None)


def check_config(path: str, config: dict, family: str):
    """A diffusers VAE config.json: AutoencoderKL with 4 latent channels, no shift, the family's scaling factor."""
    name = config.get("_class_name", "AutoencoderKL")
    if name != "AutoencoderKL":
        raise CheckpointError(f"{path}: _class_name: expected \"AutoencoderKL\" (SD's VAE), found {name!r}")
    latent = config.get("latent_channels", LATENT_CHANNELS)
    if latent != LATENT_CHANNELS:
        raise CheckpointError(f"{path}: latent_channels: expected {LATENT_CHANNELS} (SD 1.x/2.x/XL's VAE), found "
                              f"{latent} ({OTHER_FAMILIES}): a VAE of another model family")
    if config.get("shift_factor"):
        raise CheckpointError(f"{path}: shift_factor: expected none (SD 1.x/2.x/XL's VAE), found "
                              f"{config['shift_factor']} (SD3's and Flux's VAEs shift their latents): a VAE of "
                              "another model family")
    if config.get("scaling_factor") is not None:
        check_scaling(f"{path}: scaling_factor", float(config["scaling_factor"]), family)


def check_metadata(path: str, metadata: Dict[str, str], family: str):
    """A weight file's `modelspec.architecture`, where it names a family this module knows."""
    architecture = metadata.get("modelspec.architecture") or ""
    where = f"{path}: __metadata__ modelspec.architecture {architecture!r}"
    for prefix, scaling in MODELSPEC_VAES:
        if architecture.startswith(prefix):
            if scaling is None:
                raise CheckpointError(f"{where}: expected an SD 1.x/2.x/XL VAE ({LATENT_CHANNELS} latent channels), "
                                      f"found one of a 16-latent-channel family: a VAE of another model family")
            check_scaling(where, scaling, family)
