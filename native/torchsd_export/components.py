"""The networks of one model, built from a ModelConfig: seeded random weights, or allocated without
initialisation for weights that are loaded next."""
import contextlib
from typing import Dict

import torch

from . import config as configs
from .clip_text import TextModel, TextModelWithProjection
from .unet import SDXLUNet, UNet
from .vae import AutoencoderKL


class Components:
    """The text encoder(s), U-Net and VAE of one model, in eval mode. text is None for the SDXL refiner,
    text_2 (OpenCLIP bigG, with its projection) is there for SDXL only."""

    def __init__(self, cfg: configs.ModelConfig):
        self.cfg = cfg
        self.text = TextModel(cfg.text).eval() if cfg.text else None
        self.text_2 = TextModelWithProjection(cfg.text_2).eval() if cfg.text_2 else None
        self.unet = (SDXLUNet(cfg.unet) if cfg.unet.adm_in_channels else UNet(cfg.unet)).eval()
        self.vae = AutoencoderKL(cfg.vae).eval()

    def modules(self) -> Dict[str, torch.nn.Module]:
        """"text" / "text_2" / "unet" / "vae" -> the module, for the ones this model has."""
        found = {"text": self.text, "text_2": self.text_2, "unet": self.unet, "vae": self.vae}
        return {name: m for name, m in found.items() if m is not None}

    def parameter_count(self) -> int:
        return sum(p.numel() for m in self.modules().values() for p in m.parameters())


def random_components(cfg: configs.ModelConfig, seed: int) -> Components:
    torch.manual_seed(seed)
    return Components(cfg)


@contextlib.contextmanager
def no_init():
    """Builds full-size modules fast: parameters are allocated but not randomly initialised."""
    saved = {}
    for name in ("kaiming_uniform_", "uniform_", "normal_", "zeros_", "ones_"):
        saved[name] = getattr(torch.nn.init, name)
        setattr(torch.nn.init, name, lambda t, *a, **k: t)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(torch.nn.init, name, fn)
