"""From a Source (weights under our names) to built components: decide the variant, build the
modules without random initialisation, and load every tensor, refusing missing, extra or
mis-shaped ones by name."""
import os
from typing import Dict, List, Optional, Tuple

import torch

from . import config as configs
from .checkpoint import CheckpointError
from .components import Components, OneAtATime, builders, no_init, shapes
from .infer import ArchitectureError, model_config
from .sources import Source

# --config names: family and prediction type, for when the weights cannot tell (SD 2.x base vs 768-v).
VARIANTS = {
    "sd1": ("sd1", "epsilon", 512), "sd15": ("sd1", "epsilon", 512),
    "sd2-base": ("sd2", "epsilon", 512), "sd21-base": ("sd2", "epsilon", 512),
    "sd2-v": ("sd2", "v_prediction", 768), "sd21-768": ("sd2", "v_prediction", 768),
    "sdxl": ("sdxl", "epsilon", 1024), "sdxl-refiner": ("sdxl-refiner", "epsilon", 1024),
}
FAMILY_NAMES = {"sd1": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL base", "sdxl-refiner": "SDXL refiner"}
# What tells the family apart, for the message when --config names another family.
FAMILY_EVIDENCE = {"sd1": "cond_stage_model.transformer.* (CLIP)", "sd2": "cond_stage_model.model.* (OpenCLIP)",
                   "sdxl": "conditioner.embedders.0.transformer.* + conditioner.embedders.1.model.* (CLIP-L and "
                           "OpenCLIP bigG)",
                   "sdxl-refiner": "conditioner.embedders.0.model.* (OpenCLIP bigG only) and a U-Net with label_emb"}
SD2_BASE_GLOBAL_STEP = 875000  # SD 2.0-base's .ckpt; the 768-v checkpoints record other steps


def choose_variant(source: Source, path: str, override: Optional[str]):
    """(prediction_type, default_size, how it was decided)."""
    if override:
        if override not in VARIANTS:
            raise CheckpointError(f"--config {override}: unknown; expected one of {', '.join(VARIANTS)}")
        family, prediction, size = VARIANTS[override]
        if family != source.family:
            raise CheckpointError(f"--config {override} is an {FAMILY_NAMES[family]} ({family}) variant but "
                                  f"{path} is an {FAMILY_NAMES[source.family]} model ({source.family}: "
                                  f"{FAMILY_EVIDENCE[source.family]}); expected --config "
                                  f"{' or '.join(n for n, v in VARIANTS.items() if v[0] == source.family)}, "
                                  "or none")
        return prediction, size, f"--config {override}"
    if source.family != "sd2":
        _, prediction, size = VARIANTS[source.family]
        return prediction, size, FAMILY_NAMES[source.family]
    if source.scheduler and source.scheduler.get("prediction_type"):
        prediction = source.scheduler["prediction_type"]
        return prediction, 768 if prediction == "v_prediction" else 512, "scheduler_config.json"
    meta = source.metadata
    if meta.get("global_step") == str(SD2_BASE_GLOBAL_STEP):
        return "epsilon", 512, f"global_step {SD2_BASE_GLOBAL_STEP} (SD 2.0-base)"
    spec = (meta.get("modelspec.prediction_type") or "").lower()
    if spec in ("v", "v_prediction") or meta.get("ss_v_parameterization", "").lower() == "true":
        return "v_prediction", 768, "the file's metadata"
    if spec in ("epsilon", "eps"):
        return "epsilon", 512, "the file's metadata"
    name = os.path.basename(path).lower()
    if "512" in name or "base" in name:
        return "epsilon", 512, "the file name ('512'/'base'); pass --config sd2-v if it is a 768-v model"
    return "v_prediction", 768, "SD 2.x default (as diffusers); pass --config sd2-base for a 512-base model"


def build_config(source: Source, path: str, override: Optional[str], pad_token_id: int,
                 pad_token_id_2: int = 0) -> configs.ModelConfig:
    """pad_token_id: the (first) tokenizer's; pad_token_id_2: SDXL's second tokenizer's."""
    prediction, size, why = choose_variant(source, path, override)
    source.notes.append(f"{source.family}, prediction {prediction}, default size {size} (from {why})")
    try:
        cfg = model_config(source.parts, source.family, prediction, size, pad_token_id,
                           configs.vae_scaling(source.family),
                           source.text_heads, source.text_2_heads, pad_token_id_2)
    except ArchitectureError as e:
        raise CheckpointError(f"{path}: {e}") from e
    cfg.name = os.path.splitext(os.path.basename(os.path.normpath(path)))[0]
    return cfg


def check_weights(expected: Dict[str, Tuple[int, ...]], weights: Dict[str, torch.Tensor], where: str):
    """Every parameter (name -> shape) must be given exactly once, with its shape."""
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    wrong = [f"{k}: expected {list(expected[k])}, found {list(weights[k].shape)}"
             for k in sorted(set(expected) & set(weights)) if tuple(expected[k]) != tuple(weights[k].shape)]
    problems: List[str] = []
    if missing:
        problems.append(f"{len(missing)} missing: " + _names(missing))
    if extra:
        problems.append(f"{len(extra)} unexpected: " + _names(extra))
    if wrong:
        problems.append(f"{len(wrong)} with the wrong shape: " + "; ".join(wrong[:8])
                        + (" ..." if len(wrong) > 8 else ""))
    if problems:
        raise CheckpointError(f"{where}: " + " | ".join(problems))


def load_into(module: torch.nn.Module, weights: Dict[str, torch.Tensor], where: str):
    """Copies weights into module, after check_weights."""
    expected = module.state_dict()
    check_weights({k: tuple(v.shape) for k, v in expected.items()}, weights, where)
    with torch.no_grad():
        for name, target in expected.items():
            target.copy_(weights[name])


def _names(keys: List[str]) -> str:
    return ", ".join(keys[:12]) + (f" and {len(keys) - 12} more" if len(keys) > 12 else "")


COMPONENT_NAMES = {"text": "text encoder", "text_2": "second text encoder", "unet": "U-Net", "vae": "VAE"}


def _loader(source: Source, path: str):
    def load(name: str, build) -> torch.nn.Module:
        with no_init():
            module = build()
        load_into(module, source.parts[name], _where(source, path, name))
        return module
    return load


def _where(source: Source, path: str, name: str) -> str:
    return f"{path}: {COMPONENT_NAMES[name]} ({source.origins[name]})"


def build_components(source: Source, cfg: configs.ModelConfig, path: str) -> Components:
    """All networks at once, loaded (for inspection; an export loads them one at a time)."""
    load = _loader(source, path)
    return Components(cfg, {name: load(name, build) for name, build in builders(cfg).items()})


def loaded_components(source: Source, cfg: configs.ModelConfig, path: str) -> OneAtATime:
    """The networks loaded one at a time, each() after every component's names and shapes were checked here,
    so bad input is refused before anything is written."""
    for name, build in builders(cfg).items():
        check_weights(shapes(build), source.parts[name], _where(source, path, name))
    return OneAtATime(cfg, _loader(source, path))
