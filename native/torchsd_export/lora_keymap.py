"""keymap.json: the diffusers module path of every weight an export holds, for LoRA files.

LoRA files name the layers they change by diffusers' module paths (kohya: `lora_unet_` + the path
with `.` as `_`; PEFT: `unet.` + the path); an export keeps the ldm single-file names. The map is
written next to the exports (docs/model-format.md):

    {"format": "torchsd-keymap", "format_version": 1,
     "unet": {"down_blocks.0.attentions.0.proj_in": "input_blocks.1.1.proj_in.weight", ...},
     "text_encoder": {"text_model.encoder.layers.0.self_attn.q_proj": "encoder.layers.0.self_attn.q_proj.weight", ...},
     "text_encoder_2": {...}}          (SDXL's OpenCLIP bigG, the same names, plus text_projection; the
                                        refiner has only this one)

The U-Net side inverts keymaps.unet_from_diffusers (and is checked against it: every name maps back
to the export's own). The text encoder's names are Hugging Face CLIP's under `text_model.`, for SD
2.x too: the exporter splits OpenCLIP's fused in_proj into q/k/v_proj, the layout kohya's SD 2.x
LoRA files target (and SDXL's text_encoder_2, i.e. kohya's lora_te2_).

    python3 -m torchsd_export.lora_keymap MODEL_DIR   # writes MODEL_DIR/keymap.json, weights untouched
"""
import argparse
import json
import os
import re
from typing import Dict, Iterable, List

import torch

from .keymaps import _unet_name

FILE_NAME = "keymap.json"
FORMAT_VERSION = 1

_RESNET_LAYERS = {"in_layers.0": "norm1", "in_layers.2": "conv1", "emb_layers.1": "time_emb_proj",
                  "out_layers.0": "norm2", "out_layers.3": "conv2", "skip_connection": "conv_shortcut"}
_FIXED = {"time_embed.0": "time_embedding.linear_1", "time_embed.2": "time_embedding.linear_2",
          "input_blocks.0.0": "conv_in", "out.0": "conv_norm_out", "out.2": "conv_out",
          "label_emb.0.0": "add_embedding.linear_1", "label_emb.0.2": "add_embedding.linear_2"}


def unet_module(name: str, per_level: int) -> str:
    """The diffusers module path of an export's U-Net parameter name (without .weight/.bias), or None."""
    module = name.rsplit(".", 1)[0]
    if module in _FIXED:
        return _FIXED[module]
    m = re.match(r"input_blocks\.(\d+)\.(\d)\.(.+)$", module)
    if m:
        index, position, rest = int(m.group(1)), int(m.group(2)), m.group(3)
        level, j = divmod(index - 1, per_level + 1)
        if j == per_level:  # the level's downsampler
            return f"down_blocks.{level}.downsamplers.0.conv" if rest == "op" else None
        return _block(f"down_blocks.{level}", j, position, rest)
    m = re.match(r"output_blocks\.(\d+)\.(\d)\.(.+)$", module)
    if m:
        index, position, rest = int(m.group(1)), int(m.group(2)), m.group(3)
        level, j = divmod(index, per_level + 1)
        if rest == "conv" and position > 0:
            return f"up_blocks.{level}.upsamplers.0.conv"
        return _block(f"up_blocks.{level}", j, position, rest)
    m = re.match(r"middle_block\.(\d)\.(.+)$", module)
    if m:
        position, rest = int(m.group(1)), m.group(2)
        if position == 1:
            return f"mid_block.attentions.0.{rest}"
        return _resnet(f"mid_block.resnets.{position // 2}", rest)
    return None


def _block(prefix: str, j: int, position: int, rest: str) -> str:
    return _resnet(f"{prefix}.resnets.{j}", rest) if position == 0 else f"{prefix}.attentions.{j}.{rest}"


def _resnet(prefix: str, rest: str) -> str:
    return f"{prefix}.{_RESNET_LAYERS[rest]}" if rest in _RESNET_LAYERS else None


def unet_map(names: Iterable[str], per_level: int) -> Dict[str, str]:
    """diffusers module path -> export weight name, for every weight; checked against keymaps' forward map."""
    out = {}
    for name in names:
        if not name.endswith(".weight"):
            continue
        module = unet_module(name, per_level)
        if module is None:
            raise ValueError(f"U-Net parameter {name}: no diffusers module path for it")
        back = _unet_name(module + ".weight", per_level, _up_with_attention(names, per_level))
        if back != name:
            raise ValueError(f"U-Net parameter {name}: {module} maps back to {back}")
        out[module] = name
    return out


def _up_with_attention(names: Iterable[str], per_level: int):
    levels = set()
    for name in names:
        m = re.match(r"output_blocks\.(\d+)\.1\.transformer_blocks\.", name)
        if m:
            levels.add(int(m.group(1)) // (per_level + 1))
    return levels


def text_map(names: Iterable[str]) -> Dict[str, str]:
    """Hugging Face CLIP module path (text_model.…; CLIPTextModelWithProjection's text_projection at the top)
    -> export weight name, for the encoder's weights."""
    return {("" if n.startswith("text_projection.") else "text_model.") + n[:-len(".weight")]: n
            for n in names if n.endswith(".weight")}


def keymap(unet_names, text_names, per_level: int, text_2_names=None) -> dict:
    """text_names None: no first text encoder (the SDXL refiner); text_2_names: SDXL's second one."""
    data = {"format": "torchsd-keymap", "format_version": FORMAT_VERSION, "unet": unet_map(list(unet_names), per_level)}
    for section, names in (("text_encoder", text_names), ("text_encoder_2", text_2_names)):
        if names is not None:
            data[section] = text_map(names)
    return data


def write_keymap(out_dir: str, names: Dict[str, List[str]], per_level: int):
    """Writes out_dir/keymap.json for the networks being exported (or loaded from the folder), given the parameter
    names of each: "unet", "text" (absent for the SDXL refiner), "text_2" (SDXL)."""
    data = keymap(names["unet"], names.get("text"), per_level, names.get("text_2"))
    with open(os.path.join(out_dir, FILE_NAME), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description="writes keymap.json into an existing model folder")
    parser.add_argument("model", help="a torchsd model folder (model.json, unet.pt, text_encoder.pt)")
    args = parser.parse_args()
    with open(os.path.join(args.model, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    per_level = manifest["exporter"]["config"]["unet"]["num_res_blocks"]
    names = {}
    for component, section in (("unet", "unet"), ("text", "text_encoder"), ("text_2", "text_encoder_2")):
        if section in manifest:
            module = torch.jit.load(os.path.join(args.model, manifest[section]["file"]))
            names[component] = [n for n, _ in module.named_parameters()]
    write_keymap(args.model, names, per_level)


if __name__ == "__main__":
    main()
