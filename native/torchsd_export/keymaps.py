"""Parameter names of other layouts mapped onto ours (ours = the original ldm single-file keys).

Three layouts reach us besides ldm's own:
  * diffusers' UNet2DConditionModel and AutoencoderKL (model folders, some standalone VAE files),
    which group layers into down/mid/up blocks of resnets and attentions;
  * Hugging Face's CLIPTextModel (diffusers' text_encoder/, SD 1.x single files) - the same names
    as ours under `text_model.`;
  * OpenCLIP's text tower (SD 2.x and SDXL single files), with fused q/k/v projections and (SDXL) a
    text_projection stored as the matrix that multiplies from the right, i.e. a Linear weight transposed.

Each mapper takes {source name: tensor} and returns ({our name: tensor}, [source names it did not
recognise]); the caller turns unrecognised names into an error that lists them.
"""
import re
from typing import Dict, List, Tuple

import torch

Mapped = Tuple[Dict[str, torch.Tensor], List[str]]

_UNET_RESNET = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
                "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def _indices(keys, pattern: str) -> List[int]:
    """The distinct numbers matched by the first group of pattern, sorted."""
    found = set()
    for k in keys:
        m = re.match(pattern, k)
        if m:
            found.add(int(m.group(1)))
    return sorted(found)


def unet_from_diffusers(sd: Dict[str, torch.Tensor]) -> Mapped:
    """diffusers' UNet2DConditionModel -> ldm's UNetModel. Block numbering follows ldm: input block 0 is
    conv_in, then per level `layers_per_block` resnet(+attention) blocks and a downsampler except at
    the last level; output blocks run deepest level first with one more resnet per level."""
    per_level = len(_indices(sd, r"down_blocks\.0\.resnets\.(\d+)\.")) or 1
    up_with_attention = set(_indices(sd, r"up_blocks\.(\d+)\.attentions\."))
    out, unknown = {}, []
    for key, value in sd.items():
        name = _unet_name(key, per_level, up_with_attention)
        if name is None:
            unknown.append(key)
        else:
            out[name] = value
    return out, unknown


def _unet_name(key: str, per_level: int, up_with_attention) -> str:
    fixed = {"conv_in.": "input_blocks.0.0.", "time_embedding.linear_1.": "time_embed.0.",
             "time_embedding.linear_2.": "time_embed.2.", "conv_norm_out.": "out.0.", "conv_out.": "out.2.",
             "add_embedding.linear_1.": "label_emb.0.0.", "add_embedding.linear_2.": "label_emb.0.2."}
    for prefix, ours in fixed.items():
        if key.startswith(prefix):
            return ours + key[len(prefix):]
    m = re.match(r"(down|up)_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)$", key)
    if m:
        side, level, kind, j, rest = m.group(1), int(m.group(2)), m.group(3), int(m.group(4)), m.group(5)
        if side == "down":
            index, blocks = 1 + level * (per_level + 1) + j, "input_blocks"
        else:
            index, blocks = level * (per_level + 1) + j, "output_blocks"
        return _unet_inner(f"{blocks}.{index}", kind, rest)
    m = re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.+)$", key)
    if m:
        return f"input_blocks.{(int(m.group(1)) + 1) * (per_level + 1)}.0.op.{m.group(2)}"
    m = re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.+)$", key)
    if m:
        level = int(m.group(1))
        position = 2 if level in up_with_attention else 1
        return f"output_blocks.{level * (per_level + 1) + per_level}.{position}.conv.{m.group(2)}"
    m = re.match(r"mid_block\.(resnets|attentions)\.(\d+)\.(.+)$", key)
    if m:
        kind, j, rest = m.group(1), int(m.group(2)), m.group(3)
        position = 1 if kind == "attentions" else 2 * j
        return _unet_inner("middle_block", kind, rest, position)
    return None


def _unet_inner(block: str, kind: str, rest: str, position: int = None) -> str:
    if kind == "attentions":  # Transformer2DModel: the same inner names as ldm's SpatialTransformer
        return f"{block}.{1 if position is None else position}.{rest}"
    layer, _, param = rest.partition(".")
    if layer not in _UNET_RESNET:
        return None
    return f"{block}.{0 if position is None else position}.{_UNET_RESNET[layer]}.{param}"


_VAE_ATTENTION = {"group_norm": "norm", "to_q": "q", "query": "q", "to_k": "k", "key": "k", "to_v": "v",
                  "value": "v", "to_out.0": "proj_out", "proj_attn": "proj_out"}


def vae_from_diffusers(sd: Dict[str, torch.Tensor]) -> Mapped:
    """diffusers' AutoencoderKL -> ldm's. The decoder's up_blocks run deepest first (up_blocks.0 = ldm
    up.3); attention projections are Linear in newer diffusers, 1x1 convolutions in ldm."""
    levels = len(_indices(sd, r"decoder\.up_blocks\.(\d+)\."))
    out, unknown = {}, []
    for key, value in sd.items():
        name = _vae_name(key, levels)
        if name is None:
            unknown.append(key)
            continue
        if ".mid.attn_1." in name and name.endswith(".weight") and value.dim() == 2:
            value = value.reshape(value.shape[0], value.shape[1], 1, 1)
        out[name] = value
    return out, unknown


def _vae_name(key: str, levels: int) -> str:
    if re.match(r"(post_)?quant_conv\.", key) or re.match(r"(encoder|decoder)\.conv_(in|out)\.", key):
        return key
    m = re.match(r"(encoder|decoder)\.conv_norm_out\.(.+)$", key)
    if m:
        return f"{m.group(1)}.norm_out.{m.group(2)}"
    m = re.match(r"(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.+)$", key)
    if m:
        return f"{m.group(1)}.mid.block_{int(m.group(2)) + 1}.{_vae_resnet(m.group(3))}"
    m = re.match(r"(encoder|decoder)\.mid_block\.attentions\.0\.(.+)\.(weight|bias)$", key)
    if m and m.group(2) in _VAE_ATTENTION:
        return f"{m.group(1)}.mid.attn_1.{_VAE_ATTENTION[m.group(2)]}.{m.group(3)}"
    m = re.match(r"encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(.+)$", key)
    if m:
        return f"encoder.down.{m.group(1)}.block.{m.group(2)}.{_vae_resnet(m.group(3))}"
    m = re.match(r"encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.+)$", key)
    if m:
        return f"encoder.down.{m.group(1)}.downsample.conv.{m.group(2)}"
    m = re.match(r"decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.+)$", key)
    if m:
        return f"decoder.up.{levels - 1 - int(m.group(1))}.block.{m.group(2)}.{_vae_resnet(m.group(3))}"
    m = re.match(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.+)$", key)
    if m:
        return f"decoder.up.{levels - 1 - int(m.group(1))}.upsample.conv.{m.group(2)}"
    return None


def _vae_resnet(rest: str) -> str:
    return rest.replace("conv_shortcut.", "nin_shortcut.")


def text_from_hf(sd: Dict[str, torch.Tensor]) -> Mapped:
    """Hugging Face CLIPTextModel -> ours: drop `text_model.` (older files lack it) and the position_ids buffer.
    CLIPTextModelWithProjection's text_projection.weight (SDXL's text_encoder_2) keeps its name."""
    out, unknown = {}, []
    for key, value in sd.items():
        name = key[len("text_model."):] if key.startswith("text_model.") else key
        if name == "embeddings.position_ids":
            continue
        if re.match(r"(embeddings\.(token|position)_embedding\.weight|encoder\.layers\.\d+\.|final_layer_norm\."
                    r"|text_projection\.weight$)", name):
            out[name] = value
        else:
            unknown.append(key)
    return out, unknown


_OPENCLIP_LAYER = {"ln_1": "layer_norm1", "ln_2": "layer_norm2", "attn.out_proj": "self_attn.out_proj",
                   "mlp.c_fc": "mlp.fc1", "mlp.c_proj": "mlp.fc2"}

# OpenCLIP tensors SD 2.x never uses: the image-text projection and the contrastive temperature.
OPENCLIP_UNUSED = ("text_projection", "logit_scale")


def text_from_openclip(sd: Dict[str, torch.Tensor], keep_layers: int,
                       projection: bool = False) -> Tuple[Dict[str, torch.Tensor], List[str], List[str]]:
    """OpenCLIP's text tower -> ours, keeping the first keep_layers residual blocks, and with projection (SDXL)
    text_projection as a Linear weight. Returns (mapped, unknown, unused): unused are names recognised but
    deliberately left out (later layers, projection, logit_scale)."""
    out, unknown, unused = {}, [], []
    for key, value in sd.items():
        if key == "text_projection" and projection:  # x @ text_projection = Linear with weight text_projection.T
            out["text_projection.weight"] = value.t().contiguous()
        elif key == "token_embedding.weight":
            out["embeddings.token_embedding.weight"] = value
        elif key == "positional_embedding":
            out["embeddings.position_embedding.weight"] = value
        elif key.startswith("ln_final."):
            out["final_layer_norm." + key[len("ln_final."):]] = value
        elif key in OPENCLIP_UNUSED:
            unused.append(key)
        else:
            m = re.match(r"transformer\.resblocks\.(\d+)\.(attn\.in_proj_|(.+)\.)(weight|bias)$", key)
            if not m:
                unknown.append(key)
                continue
            layer, part, kind = int(m.group(1)), m.group(3), m.group(4)
            if layer >= keep_layers:
                unused.append(key)
            elif part is None:  # fused rows: queries, then keys, then values
                for proj, rows in zip(("q_proj", "k_proj", "v_proj"), value.chunk(3, dim=0)):
                    out[f"encoder.layers.{layer}.self_attn.{proj}.{kind}"] = rows
            elif part in _OPENCLIP_LAYER:
                out[f"encoder.layers.{layer}.{_OPENCLIP_LAYER[part]}.{kind}"] = value
            else:
                unknown.append(key)
    return out, unknown, unused
