"""Architecture sizes read off the weights themselves (already under our names).

Widths, depths, levels and which levels carry attention all show in the tensor shapes. Head
counts do not; they follow the family: SD 1.x's U-Net has 8 heads per attention, SD 2.x's and SDXL's
have 64-channel heads, and all text encoders use 64-channel heads. So full-size and reduced models
of every family go through one code path.
"""
import re
from typing import Dict

import torch

from .config import SDXL_FAMILIES, ModelConfig, TextConfig, UNetConfig, VAEConfig

TEXT_HEAD_CHANNELS = 64
SD1_UNET_HEADS = 8
SD2_UNET_HEAD_CHANNELS = 64  # SD 2.x and SDXL
SDXL_TIME_IDS = {"sdxl": 6, "sdxl-refiner": 5}  # original size, crop, target size / aesthetic score


class ArchitectureError(Exception):
    """The weights do not describe an SD 1.x/2.x/XL model we can build."""


def _count(sd, pattern: str) -> int:
    return len({m.group(1) for k in sd for m in [re.match(pattern, k)] if m})


def _shape(sd: Dict[str, torch.Tensor], key: str, component: str):
    if key not in sd:
        raise ArchitectureError(f"{component}: '{key}' is missing, so its size cannot be read")
    return tuple(sd[key].shape)


def text_config(sd: Dict[str, torch.Tensor], hidden_act: str, heads: int = 0, output: str = "final_layer_norm",
                component: str = "text encoder") -> TextConfig:
    vocab, hidden = _shape(sd, "embeddings.token_embedding.weight", component)
    layers = _count(sd, r"encoder\.layers\.(\d+)\.")
    if layers == 0:
        raise ArchitectureError(f"{component}: no encoder.layers.N found")
    projection = sd.get("text_projection.weight")
    return TextConfig(
        vocab_size=vocab, hidden_size=hidden, num_layers=layers,
        num_heads=heads or max(1, hidden // TEXT_HEAD_CHANNELS),
        intermediate_size=_shape(sd, "encoder.layers.0.mlp.fc1.weight", component)[0],
        max_length=_shape(sd, "embeddings.position_embedding.weight", component)[0],
        hidden_act=hidden_act, output=output, projection_dim=0 if projection is None else projection.shape[0])


def unet_config(sd: Dict[str, torch.Tensor], family: str) -> UNetConfig:
    mc, cin = _shape(sd, "input_blocks.0.0.weight", "U-Net")[:2]
    downsamplers = sorted(int(m.group(1)) for k in sd
                          for m in [re.match(r"input_blocks\.(\d+)\.0\.op\.weight$", k)] if m)
    per_level = (downsamplers[0] - 1) if downsamplers else _count(sd, r"input_blocks\.(\d+)\.") - 1
    levels = len(downsamplers) + 1
    mult, attention, depths = [], [], []
    for level in range(levels):
        first = 1 + level * (per_level + 1)
        out_ch = _shape(sd, f"input_blocks.{first}.0.out_layers.3.weight", "U-Net")[0]
        if out_ch % mc:
            raise ArchitectureError(f"U-Net: input block {first} has {out_ch} channels, not a multiple of {mc}")
        mult.append(out_ch // mc)
        if f"input_blocks.{first}.1.proj_in.weight" in sd:
            attention.append(level)
        depths.append(_count(sd, rf"input_blocks\.{first}\.1\.transformer_blocks\.(\d+)\."))
    proj_in = sd.get("middle_block.1.proj_in.weight")
    if proj_in is None:
        raise ArchitectureError("U-Net: 'middle_block.1.proj_in.weight' is missing (no middle attention)")
    context = _shape(sd, "middle_block.1.transformer_blocks.0.attn2.to_k.weight", "U-Net")[1]
    middle = _count(sd, r"middle_block\.1\.transformer_blocks\.(\d+)\.")
    label_emb = sd.get("label_emb.0.0.weight")
    sd2 = family != "sd1"
    return UNetConfig(
        in_channels=cin, out_channels=_shape(sd, "out.2.weight", "U-Net")[0], model_channels=mc,
        channel_mult=tuple(mult), num_res_blocks=per_level, attention_levels=tuple(attention),
        num_heads=-1 if sd2 else SD1_UNET_HEADS, head_channels=SD2_UNET_HEAD_CHANNELS if sd2 else -1,
        transformer_depth=middle, context_dim=context, linear_projection=proj_in.dim() == 2,
        # per level only where levels differ (SDXL base: 0, 2, 10); 0 = no attention at that level
        transformer_depths=() if all(depths[level] == middle for level in attention) else tuple(depths),
        adm_in_channels=0 if label_emb is None else label_emb.shape[1])


def vae_config(sd: Dict[str, torch.Tensor], scaling_factor: float) -> VAEConfig:
    ch, cin = _shape(sd, "encoder.conv_in.weight", "VAE")[:2]
    levels = _count(sd, r"encoder\.down\.(\d+)\.")
    if levels == 0:
        raise ArchitectureError("VAE: no encoder.down.N found")
    mult = []
    for level in range(levels):
        out_ch = _shape(sd, f"encoder.down.{level}.block.0.conv1.weight", "VAE")[0]
        mult.append(out_ch // ch)
    return VAEConfig(
        in_channels=cin, out_channels=_shape(sd, "decoder.conv_out.weight", "VAE")[0], ch=ch, ch_mult=tuple(mult),
        num_res_blocks=_count(sd, r"encoder\.down\.0\.block\.(\d+)\."),
        z_channels=_shape(sd, "decoder.conv_in.weight", "VAE")[1],
        embed_dim=_shape(sd, "post_quant_conv.weight", "VAE")[1], scaling_factor=scaling_factor)


def model_config(parts: Dict[str, Dict[str, torch.Tensor]], family: str, prediction_type: str,
                 default_size: int, pad_token_id: int, scaling_factor: float, text_heads: int = 0,
                 text_2_heads: int = 0, pad_token_id_2: int = 0) -> ModelConfig:
    """parts: "text" (all but the SDXL refiner), "text_2" (SDXL's OpenCLIP bigG), "unet", "vae"."""
    sdxl = family in SDXL_FAMILIES
    output = "hidden" if sdxl else "final_layer_norm"
    text = text_config(parts["text"], "gelu" if family == "sd2" else "quick_gelu", text_heads, output) \
        if "text" in parts else None
    text_2 = text_config(parts["text_2"], "gelu", text_2_heads, output, "second text encoder") \
        if "text_2" in parts else None
    unet = unet_config(parts["unet"], family)
    widths = [t.hidden_size for t in (text, text_2) if t is not None]
    if unet.context_dim != sum(widths):
        raise ArchitectureError(f"the U-Net's cross-attention takes {unet.context_dim}-wide context, the text "
                                f"encoder(s) give {' + '.join(map(str, widths))}: the weights come from different "
                                "models")
    if sdxl:
        _check_label_emb(unet, text_2, family)
    elif unet.adm_in_channels:
        raise ArchitectureError(f"U-Net: has label_emb ({unet.adm_in_channels} inputs), which {family} U-Nets do "
                                "not have")
    return ModelConfig(name=family, family=family, text=text, unet=unet, vae=vae_config(parts["vae"], scaling_factor),
                       prediction_type=prediction_type, default_size=default_size, pad_token_id=pad_token_id,
                       text_2=text_2, pad_token_id_2=pad_token_id_2)


def _check_label_emb(unet: UNetConfig, text_2: TextConfig, family: str):
    """SDXL's label_emb takes the pooled embedding and each time id's 256-wide embedding."""
    expected = text_2.projection_dim + SDXL_TIME_IDS[family] * unet.addition_time_embed_dim
    if unet.adm_in_channels != expected:
        raise ArchitectureError(
            f"U-Net: label_emb.0.0.weight takes {unet.adm_in_channels} inputs, expected {expected} for {family} "
            f"(the {text_2.projection_dim}-wide pooled text embedding + {SDXL_TIME_IDS[family]} time ids x "
            f"{unet.addition_time_embed_dim})")
