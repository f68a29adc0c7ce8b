"""The three networks of one model, built from a ModelConfig: seeded random weights, or allocated
without initialisation for weights that are loaded next."""
import contextlib

import torch

from . import config as configs
from .clip_text import TextModel
from .unet import UNet
from .vae import AutoencoderKL


class Components:
    """The text encoder, U-Net and VAE of one model, in eval mode."""

    def __init__(self, cfg: configs.ModelConfig):
        self.cfg = cfg
        self.text = TextModel(cfg.text).eval()
        self.unet = UNet(cfg.unet).eval()
        self.vae = AutoencoderKL(cfg.vae).eval()

    def parameter_count(self) -> int:
        return sum(p.numel() for m in (self.text, self.unet, self.vae) for p in m.parameters())


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
