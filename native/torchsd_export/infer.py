"""Architecture sizes read off the weights themselves (already under our names).

Widths, depths, levels and which levels carry attention all show in the tensor shapes. Head
counts do not; they follow the family: SD 1.x's U-Net has 8 heads per attention, SD 2.x's has
64-channel heads, and both text encoders use 64-channel heads. So full-size and reduced models
of either family go through one code path.
"""
import re
from typing import Dict

import torch

from .config import ModelConfig, TextConfig, UNetConfig, VAEConfig

TEXT_HEAD_CHANNELS = 64
SD1_UNET_HEADS = 8
SD2_UNET_HEAD_CHANNELS = 64


class ArchitectureError(Exception):
    """The weights do not describe an SD 1.x/2.x model we can build."""


def _count(sd, pattern: str) -> int:
    return len({m.group(1) for k in sd for m in [re.match(pattern, k)] if m})


def _shape(sd: Dict[str, torch.Tensor], key: str, component: str):
    if key not in sd:
        raise ArchitectureError(f"{component}: '{key}' is missing, so its size cannot be read")
    return tuple(sd[key].shape)


def text_config(sd: Dict[str, torch.Tensor], family: str, heads: int = 0) -> TextConfig:
    vocab, hidden = _shape(sd, "embeddings.token_embedding.weight", "text encoder")
    layers = _count(sd, r"encoder\.layers\.(\d+)\.")
    if layers == 0:
        raise ArchitectureError("text encoder: no encoder.layers.N found")
    return TextConfig(
        vocab_size=vocab, hidden_size=hidden, num_layers=layers,
        num_heads=heads or max(1, hidden // TEXT_HEAD_CHANNELS),
        intermediate_size=_shape(sd, "encoder.layers.0.mlp.fc1.weight", "text encoder")[0],
        max_length=_shape(sd, "embeddings.position_embedding.weight", "text encoder")[0],
        hidden_act="gelu" if family == "sd2" else "quick_gelu")


def unet_config(sd: Dict[str, torch.Tensor], family: str) -> UNetConfig:
    mc, cin = _shape(sd, "input_blocks.0.0.weight", "U-Net")[:2]
    downsamplers = sorted(int(m.group(1)) for k in sd
                          for m in [re.match(r"input_blocks\.(\d+)\.0\.op\.weight$", k)] if m)
    per_level = (downsamplers[0] - 1) if downsamplers else _count(sd, r"input_blocks\.(\d+)\.") - 1
    levels = len(downsamplers) + 1
    mult, attention = [], []
    for level in range(levels):
        first = 1 + level * (per_level + 1)
        out_ch = _shape(sd, f"input_blocks.{first}.0.out_layers.3.weight", "U-Net")[0]
        if out_ch % mc:
            raise ArchitectureError(f"U-Net: input block {first} has {out_ch} channels, not a multiple of {mc}")
        mult.append(out_ch // mc)
        if f"input_blocks.{first}.1.proj_in.weight" in sd:
            attention.append(level)
    proj_in = sd.get("middle_block.1.proj_in.weight")
    if proj_in is None:
        raise ArchitectureError("U-Net: 'middle_block.1.proj_in.weight' is missing (no middle attention)")
    context = _shape(sd, "middle_block.1.transformer_blocks.0.attn2.to_k.weight", "U-Net")[1]
    sd2 = family == "sd2"
    return UNetConfig(
        in_channels=cin, out_channels=_shape(sd, "out.2.weight", "U-Net")[0], model_channels=mc,
        channel_mult=tuple(mult), num_res_blocks=per_level, attention_levels=tuple(attention),
        num_heads=-1 if sd2 else SD1_UNET_HEADS, head_channels=SD2_UNET_HEAD_CHANNELS if sd2 else -1,
        transformer_depth=_count(sd, r"middle_block\.1\.transformer_blocks\.(\d+)\."), context_dim=context,
        linear_projection=proj_in.dim() == 2)


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
                 default_size: int, pad_token_id: int, scaling_factor: float, text_heads: int = 0) -> ModelConfig:
    text = text_config(parts["text"], family, text_heads)
    unet = unet_config(parts["unet"], family)
    if unet.context_dim != text.hidden_size:
        raise ArchitectureError(f"the U-Net's cross-attention takes {unet.context_dim}-wide context, the text "
                                f"encoder gives {text.hidden_size}: the weights come from different models")
    return ModelConfig(name=family, family=family, text=text, unet=unet, vae=vae_config(parts["vae"], scaling_factor),
                       prediction_type=prediction_type, default_size=default_size, pad_token_id=pad_token_id)
