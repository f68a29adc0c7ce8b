"""What a user hands us - an SD single file or a diffusers folder, plus optionally a VAE file or folder - read
into the three components under our parameter names, with notes on everything left out.

Single files (ldm layout):
  model.diffusion_model.*               U-Net
  first_stage_model.*                   VAE
  cond_stage_model.transformer.*        SD 1.x: CLIP ViT-L/14 text model (Hugging Face names)
  cond_stage_model.model.*              SD 2.x: OpenCLIP ViT-H/14 text tower
  conditioner.embedders.0.transformer.* SDXL base: CLIP ViT-L/14 text model (Hugging Face names)
  conditioner.embedders.1.model.*       SDXL base: OpenCLIP ViT-bigG/14 text tower (with text_projection)
  conditioner.embedders.0.model.*       SDXL refiner: OpenCLIP ViT-bigG/14 text tower (its only text encoder)
  model_ema.*                           EMA copy of the U-Net (names without dots); used with --ema
  anything else (noise schedule buffers, loss.*, ...) is ignored with a note.
"""
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch

from . import keymaps, vae_family
from .checkpoint import CheckpointError, read_weights
from .config import OPENCLIP_LAYERS_DROPPED

# Where each component's weights are in an ldm single file (the table above).
UNET, VAE = "model.diffusion_model.", "first_stage_model."
SD1_TEXT, SD2_TEXT, EMA = "cond_stage_model.transformer.", "cond_stage_model.model.", "model_ema."
SDXL_CLIP_L, SDXL_BIGG = "conditioner.embedders.0.transformer.", "conditioner.embedders.1.model."
SDXL_REFINER_BIGG = "conditioner.embedders.0.model."
SDXL_CONDITIONER = "conditioner.embedders."
# ... and in a diffusers folder: the subfolder of each (SDXL: text_encoder_2 too; the refiner has no text_encoder).
DIFFUSERS_FOLDERS = {"unet": "unet", "vae": "vae", "text": "text_encoder", "text_2": "text_encoder_2"}
EXPECTED_LAYOUT = (f"an SD 1.x/2.x/XL single file (keys {UNET}*, {VAE}*, and {SD1_TEXT}* for SD 1.x, {SD2_TEXT}* "
                   f"for SD 2.x, {SDXL_CLIP_L}* + {SDXL_BIGG}* for SDXL) or a diffusers folder "
                   "(unet/, vae/, text_encoder/ and for SDXL text_encoder_2/)")


@dataclass
class Source:
    parts: Dict[str, Dict[str, torch.Tensor]]       # "text" / "text_2" / "unet" / "vae" -> {our name: tensor}
    family: str                                       # "sd1", "sd2", "sdxl" or "sdxl-refiner"
    origins: Dict[str, str]                           # the same keys -> where they were read from
    notes: List[str] = field(default_factory=list)
    metadata: Dict[str, str] = field(default_factory=dict)
    tokenizer_dir: Optional[str] = None
    scheduler: Optional[dict] = None                  # a diffusers folder's scheduler_config.json
    text_heads: int = 0                               # from a config.json; 0 = the family's rule
    pad_token: Optional[str] = None                   # from a diffusers tokenizer config
    text_2_heads: int = 0                             # SDXL diffusers folders: text_encoder_2/config.json
    pad_token_2: Optional[str] = None                 # ... and tokenizer_2's pad token ('!')
    tokenizer_2_dir: Optional[str] = None             # tokenizer_2/ when its files differ from tokenizer/'s


def _unrecognised(where: str, names: List[str]):
    if names:
        shown = ", ".join(sorted(names)[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
        raise CheckpointError(f"{where}: {len(names)} unexpected key(s): {shown}")


def _strip(sd, prefix):
    return {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}


def _ignored_note(keys: List[str]) -> str:
    groups = Counter(k.split(".")[0] if "." in k else k for k in keys)
    listed = ", ".join(f"{g}{'.*' if any(k.startswith(g + '.') for k in keys) else ''} ({n})"
                       for g, n in groups.most_common())
    return f"ignored {len(keys)} key(s) that are not part of the model's inference weights: {listed}"


def read_single_file(path: str, use_ema: bool = False) -> Source:
    tensors, metadata = read_weights(path)
    if not any(k.startswith(UNET) for k in tensors):
        raise CheckpointError(f"{path}: unknown architecture: no {UNET}* keys; expected {EXPECTED_LAYOUT}. "
                              f"First keys found: {', '.join(sorted(tensors)[:8])}")
    vae_family.check_channels(path, _strip(tensors, VAE), VAE)
    notes, parts, origins = [], {}, {"unet": UNET + "*", "vae": VAE + "*"}
    if any(k.startswith(SDXL_CONDITIONER) for k in tensors):
        family = _sdxl_text(path, tensors, parts, origins, notes)
    elif any(k.startswith(SD2_TEXT) for k in tensors):
        family, origins["text"] = "sd2", SD2_TEXT + "*"
        openclip = _strip(tensors, SD2_TEXT)
        layers = _openclip_layers(openclip)
        parts["text"], unknown, unused = keymaps.text_from_openclip(openclip, layers - OPENCLIP_LAYERS_DROPPED)
        _unrecognised(f"{path}: {SD2_TEXT}*", unknown)
        notes.append(f"SD 2.x text encoder: kept {layers - OPENCLIP_LAYERS_DROPPED} of OpenCLIP's {layers} layers "
                     f"(SD 2.x conditions on the penultimate layer); unused: {len(unused)} key(s) "
                     f"(the last layer, {', '.join(n for n in unused if '.' not in n)})")
    elif any(k.startswith(SD1_TEXT) for k in tensors):
        family, origins["text"] = "sd1", SD1_TEXT + "*"
        parts["text"], unknown = keymaps.text_from_hf(_strip(tensors, SD1_TEXT))
        _unrecognised(f"{path}: {SD1_TEXT}*", unknown)
    else:
        raise CheckpointError(f"{path}: unknown architecture: no text encoder ({SD1_TEXT}* or {SD2_TEXT}*); "
                              f"expected {EXPECTED_LAYOUT}")
    parts["unet"] = _strip(tensors, UNET)
    ema = _strip(tensors, EMA)
    if use_ema:
        parts["unet"], origins["unet"] = _ema_unet(path, parts["unet"], ema), EMA + "diffusion_model*"
        notes.append(f"U-Net weights from the EMA copy ({EMA}*)")
    elif any(k.startswith("diffusion_model") for k in ema):
        count = sum(k.startswith("diffusion_model") for k in ema)
        notes.append(f"ignored the EMA copy of the U-Net ({count} {EMA}diffusion_model* keys; --ema uses it instead)")
    if any(not k.startswith("diffusion_model") for k in ema):
        bookkeeping = [EMA + k for k in ema if not k.startswith("diffusion_model")]
        notes.append(f"ignored EMA bookkeeping: {', '.join(bookkeeping)}")
    parts["vae"] = _strip(tensors, VAE)
    used = (UNET, VAE, SD1_TEXT, SD2_TEXT, EMA, SDXL_CLIP_L, SDXL_BIGG, SDXL_REFINER_BIGG)
    rest = [k for k in tensors if not k.startswith(used)]
    if rest:
        notes.append(_ignored_note(rest))
    return Source(parts=parts, family=family, origins=origins, notes=notes, metadata=metadata)


def _openclip_layers(openclip: Dict[str, torch.Tensor]) -> int:
    return len({m.group(1) for k in openclip for m in [re.match(r"transformer\.resblocks\.(\d+)\.", k)] if m})


def _sdxl_text(path: str, tensors, parts, origins, notes) -> str:
    """SDXL's text encoders into parts["text"] (CLIP-L; not in the refiner) and parts["text_2"] (OpenCLIP bigG, all
    its layers and text_projection); returns the family."""
    if any(k.startswith(SDXL_CLIP_L) and not k.endswith("position_ids") for k in tensors):
        family, bigg = "sdxl", SDXL_BIGG
        parts["text"], unknown = keymaps.text_from_hf(_strip(tensors, SDXL_CLIP_L))
        _unrecognised(f"{path}: {SDXL_CLIP_L}*", unknown)
        origins["text"] = SDXL_CLIP_L + "*"
    elif any(k.startswith(SDXL_BIGG) for k in tensors):
        raise CheckpointError(f"{path}: an SDXL base checkpoint ({SDXL_BIGG}*) without its CLIP ViT-L/14 text model "
                              f"({SDXL_CLIP_L}*)")
    elif any(k.startswith(UNET + "label_emb.") for k in tensors):
        family, bigg = "sdxl-refiner", SDXL_REFINER_BIGG
    else:
        raise CheckpointError(f"{path}: {SDXL_CONDITIONER}* keys but neither SDXL base's CLIP text model "
                              f"({SDXL_CLIP_L}*) nor a refiner's U-Net (with label_emb): not an SDXL checkpoint "
                              "torchsd knows (an SD 2.x model in Stability's sgm layout is not supported)")
    openclip = _strip(tensors, bigg)
    if not openclip:
        raise CheckpointError(f"{path}: an SDXL {'base' if family == 'sdxl' else 'refiner'} checkpoint without its "
                              f"OpenCLIP ViT-bigG text tower ({bigg}*)")
    if "text_projection" not in openclip:
        raise CheckpointError(f"{path}: {bigg}text_projection is missing (SDXL's pooled text embedding needs it)")
    parts["text_2"], unknown, unused = keymaps.text_from_openclip(openclip, _openclip_layers(openclip), projection=True)
    _unrecognised(f"{path}: {bigg}*", unknown)
    origins["text_2"] = bigg + "*"
    if unused:
        notes.append(f"unused: {', '.join(bigg + n for n in unused)} (OpenCLIP's contrastive temperature)")
    return family


def _ema_unet(path, unet, ema):
    """ldm stores the EMA weights as model_ema.diffusion_model<name without dots>."""
    out = {}
    for name in unet:
        key = "diffusion_model" + name.replace(".", "")
        if key not in ema:
            raise CheckpointError(f"{path}: --ema: no EMA weight '{EMA}{key}' for '{UNET}{name}' "
                                  f"(the file has {len(ema)} {EMA}* keys)")
        out[name] = ema[key]
    return out


def read_vae(path: str, family: str) -> Dict[str, torch.Tensor]:
    """A standalone VAE replacing the checkpoint's: a file (e.g. vae-ft-mse-840000-ema-pruned) with ldm names,
    optionally under first_stage_model., or diffusers names; or a diffusers VAE folder (config.json and
    diffusion_pytorch_model.safetensors, e.g. madebyollin/sdxl-vae-fp16-fix). Training leftovers (loss.*,
    model_ema.*) are ignored. Refused when it is not a VAE of the model's family (vae_family)."""
    if os.path.isdir(path):
        config = os.path.join(path, "config.json")
        if not os.path.isfile(config):
            raise CheckpointError(f"{path}: a folder without config.json: not a diffusers VAE folder (expected "
                                  f"config.json and one of {', '.join(DIFFUSERS_WEIGHTS['vae'])})")
        vae_family.check_config(config, _json(config), family)
        file, (tensors, metadata) = _folder_weights(path, DIFFUSERS_WEIGHTS["vae"])
    else:
        file, (tensors, metadata) = path, read_weights(path)
    if any(k.startswith(VAE) for k in tensors):
        tensors = _strip(tensors, VAE)
    vae = {k: v for k, v in tensors.items()
           if k.startswith(("encoder.", "decoder.", "quant_conv.", "post_quant_conv."))}
    if not vae:
        raise CheckpointError(f"{file}: not a VAE: no encoder.*/decoder.*/quant_conv.* keys "
                              f"(first keys: {', '.join(sorted(tensors)[:8])})")
    vae_family.check_channels(file, vae)
    vae_family.check_metadata(file, metadata, family)
    if any(".down_blocks." in k or ".up_blocks." in k for k in vae):
        vae, unknown = keymaps.vae_from_diffusers(vae)
        _unrecognised(f"{file} (diffusers VAE)", unknown)
    return vae


DIFFUSERS_WEIGHTS = {
    "unet": ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors",
             "diffusion_pytorch_model.bin", "diffusion_pytorch_model.fp16.bin"],
    "vae": ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors",
            "diffusion_pytorch_model.bin", "diffusion_pytorch_model.fp16.bin"],
    "text_encoder": ["model.safetensors", "model.fp16.safetensors", "pytorch_model.bin", "pytorch_model.fp16.bin"],
}
DIFFUSERS_WEIGHTS["text_encoder_2"] = DIFFUSERS_WEIGHTS["text_encoder"]


def _json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: cannot read ({e})") from e


def _folder_weights(folder: str, names: List[str]) -> Tuple[str, Tuple[Dict[str, torch.Tensor], Dict[str, str]]]:
    """The first of the weight files `names` in folder: its path, tensors and metadata."""
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path, read_weights(path)
    raise CheckpointError(f"{folder}: no weights found (looked for {', '.join(names)})")


def is_diffusers_folder(path: str) -> bool:
    return os.path.isdir(path) and os.path.isdir(os.path.join(path, DIFFUSERS_FOLDERS["unet"]))


def read_diffusers_folder(folder: str) -> Source:
    subs = {part: sub for part, sub in DIFFUSERS_FOLDERS.items() if os.path.isdir(os.path.join(folder, sub))}
    missing = [sub for part, sub in DIFFUSERS_FOLDERS.items() if part in ("unet", "vae") and part not in subs]
    if "text" not in subs and "text_2" not in subs:
        missing.append("text_encoder")
    if missing:
        raise CheckpointError(f"{folder}: not a diffusers SD folder: missing {', '.join(m + '/' for m in missing)}")
    mappers = {"unet": keymaps.unet_from_diffusers, "vae": keymaps.vae_from_diffusers, "text": keymaps.text_from_hf,
               "text_2": keymaps.text_from_hf}
    parts, notes = {}, []
    for part, sub in subs.items():
        file, (weights, _) = _folder_weights(os.path.join(folder, sub), DIFFUSERS_WEIGHTS[sub])
        if part == "vae":
            vae_family.check_channels(file, weights)
        parts[part], unknown = mappers[part](weights)
        _unrecognised(f"{folder}/{sub}", unknown)
    text_cfg = _json(os.path.join(folder, "text_encoder", "config.json"))
    if "text_2" in subs:
        family = "sdxl" if "text" in subs else "sdxl-refiner"
    else:
        hidden = parts["text"]["embeddings.token_embedding.weight"].shape[1] \
            if "embeddings.token_embedding.weight" in parts["text"] else 0
        act = text_cfg.get("hidden_act")
        family = "sd2" if act == "gelu" or (act is None and hidden == 1024) else "sd1"
    tokenizers = [os.path.join(folder, t) for t in ("tokenizer", "tokenizer_2")
                  if all(os.path.isfile(os.path.join(folder, t, f)) for f in ("vocab.json", "merges.txt"))]
    tokenizer_2 = os.path.join(folder, "tokenizer_2")
    scheduler = _json(os.path.join(folder, "scheduler", "scheduler_config.json")) or None
    if scheduler is None:
        notes.append(f"{folder}/scheduler/scheduler_config.json not found: using the family's scheduler config")
    vae_config = os.path.join(folder, "vae", "config.json")
    vae_family.check_config(vae_config, _json(vae_config), family)
    text_2_cfg = _json(os.path.join(folder, "text_encoder_2", "config.json"))
    return Source(parts=parts, family=family, origins={part: sub + "/" for part, sub in subs.items()},
                  notes=notes, tokenizer_dir=tokenizers[0] if tokenizers else None, scheduler=scheduler,
                  text_heads=int(text_cfg.get("num_attention_heads", 0)),
                  pad_token=_pad_token(os.path.join(folder, "tokenizer")),
                  text_2_heads=int(text_2_cfg.get("num_attention_heads", 0)),
                  pad_token_2=_pad_token(tokenizer_2),
                  tokenizer_2_dir=tokenizer_2 if len(tokenizers) == 2 and _differ(*tokenizers) else None)


def _pad_token(tokenizer: str) -> Optional[str]:
    config = {**_json(os.path.join(tokenizer, "tokenizer_config.json")),
              **_json(os.path.join(tokenizer, "special_tokens_map.json"))}
    pad = config.get("pad_token")
    return pad.get("content") if isinstance(pad, dict) else pad


def _differ(first: str, second: str) -> bool:
    """Whether two tokenizer folders hold different vocab.json/merges.txt (SDXL's two are the same files)."""
    for name in ("vocab.json", "merges.txt"):
        with open(os.path.join(first, name), "rb") as a, open(os.path.join(second, name), "rb") as b:
            if a.read() != b.read():
                return True
    return False
