"""The networks of one model, built from a ModelConfig: seeded random weights, or allocated without
initialisation for weights that are loaded next; all at once (Components) or one at a time (OneAtATime,
so a full-size SDXL never holds more than its U-Net: 10.3 GB in float32)."""
import contextlib
import gc
from typing import Callable, Dict, Iterator, Tuple

import torch

from . import config as configs
from .clip_text import TextModel, TextModelWithProjection
from .unet import SDXLUNet, UNet
from .vae import AutoencoderKL


def builders(cfg: configs.ModelConfig) -> Dict[str, Callable[[], torch.nn.Module]]:
    """"text" / "text_2" / "unet" / "vae" -> a function building that network (in eval mode), for the ones the
    model has, in the order they are built: text is absent for the SDXL refiner, text_2 (OpenCLIP bigG with its
    projection) is there for SDXL only."""
    found = {}
    if cfg.text is not None:
        found["text"] = lambda: TextModel(cfg.text).eval()
    if cfg.text_2 is not None:
        found["text_2"] = lambda: TextModelWithProjection(cfg.text_2).eval()
    found["unet"] = lambda: (SDXLUNet(cfg.unet) if cfg.unet.adm_in_channels else UNet(cfg.unet)).eval()
    found["vae"] = lambda: AutoencoderKL(cfg.vae).eval()
    return found


class Components:
    """The text encoder(s), U-Net and VAE of one model, in eval mode (text / text_2 None where absent); built
    here, or given as {name: module} as builders(cfg) names them."""

    def __init__(self, cfg: configs.ModelConfig, built: Dict[str, torch.nn.Module] = None):
        self.cfg = cfg
        built = built if built is not None else {name: build() for name, build in builders(cfg).items()}
        self.text, self.text_2 = built.get("text"), built.get("text_2")
        self.unet, self.vae = built["unet"], built["vae"]

    def modules(self) -> Dict[str, torch.nn.Module]:
        """"text" / "text_2" / "unet" / "vae" -> the module, for the ones this model has."""
        found = {"text": self.text, "text_2": self.text_2, "unet": self.unet, "vae": self.vae}
        return {name: m for name, m in found.items() if m is not None}

    def each(self) -> Iterator[Tuple[str, torch.nn.Module]]:
        return iter(self.modules().items())

    def parameter_count(self) -> int:
        return sum(p.numel() for m in self.modules().values() for p in m.parameters())


class OneAtATime:
    """The networks built one at a time by each(): make(name, build) returns the network (build() builds it
    empty or random), start() runs before the first. Counts the parameters of what it has built."""

    def __init__(self, cfg: configs.ModelConfig, make: Callable[[str, Callable[[], torch.nn.Module]], torch.nn.Module],
                 start: Callable[[], object] = lambda: None):
        self.cfg, self.make, self.start, self.counts = cfg, make, start, {}

    def each(self) -> Iterator[Tuple[str, torch.nn.Module]]:
        """Yields each network once; the caller drops it before asking for the next."""
        self.start()
        for name, build in builders(self.cfg).items():
            module = self.make(name, build)
            self.counts[name] = sum(p.numel() for p in module.parameters())
            yield name, module
            del module
            gc.collect()  # the network is gone before the next is built (scripting may leave reference cycles)

    def parameter_count(self) -> int:
        """The parameters of the networks each() has built so far."""
        return sum(self.counts.values())


def random_components(cfg: configs.ModelConfig, seed: int) -> OneAtATime:
    """Seeded random weights: the same as Components(cfg) right after torch.manual_seed(seed)."""
    return OneAtATime(cfg, lambda name, build: build(), lambda: torch.manual_seed(seed))


def shapes(build: Callable[[], torch.nn.Module]) -> Dict[str, Tuple[int, ...]]:
    """{parameter or buffer name: shape} of the network build() makes, without allocating it: the tensors are
    created on torch's meta device (torch 1.13 has no default device, so torch.empty is redirected meanwhile)."""
    empty = torch.empty
    torch.empty = lambda *a, **k: empty(*a, **dict(k, device="meta"))
    try:
        with no_init():
            return {k: tuple(v.shape) for k, v in build().state_dict().items()}
    finally:
        torch.empty = empty


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
