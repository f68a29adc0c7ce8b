"""SD's U-Net (ldm's UNetModel, keys as under `model.diffusion_model.` in single-file checkpoints).

Every layer of a block takes (x, emb, context, out_size, tome) so a block is a plain sequence that
TorchScript can unroll; out_size is the spatial size an upsampler must reach (the next skip
connection's), which makes any latent size that is a whole number of pixels work, not only
multiples of 2^levels; tome is token merging's (ratio, max_downsample) (token_merging.py; ratio 0:
none). SDXLUNet adds `label_emb` (diffusers' add_time_proj + add_embedding, addition_embed_type "text_time")
and takes the pooled text embedding and the time ids.
"""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import token_merging
from .attention import attention, merge_heads, split_heads
from .config import UNetConfig


def no_tome() -> Tuple[float, int]:
    """The tome argument of forward and DeepCache's calls: no token merging."""
    return (0.0, 1)


def timestep_embedding(timesteps: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding, cosine half first (ldm's layout, diffusers' flip_sin_to_cos=True)."""
    half = dim // 2
    exponent = -math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=timesteps.device) / half
    args = timesteps.to(torch.float32).unsqueeze(1) * torch.exp(exponent).unsqueeze(0)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class InputConv(nn.Conv2d):
    def __init__(self, cin: int, cout: int):
        super().__init__(cin, cout, 3, padding=1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor, out_size: List[int],
                tome: Tuple[float, int]) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, 1, 1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb_dim: int, groups: int):
        super().__init__()
        self.in_layers = nn.Sequential(nn.GroupNorm(groups, cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, cout))
        self.out_layers = nn.Sequential(nn.GroupNorm(groups, cout), nn.SiLU(), nn.Dropout(0.0),
                                        nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor, out_size: List[int],
                tome: Tuple[float, int]) -> torch.Tensor:
        h = self.in_layers(x)
        h = h + self.emb_layers(emb).unsqueeze(-1).unsqueeze(-1)
        return self.skip_connection(x) + self.out_layers(h)


class CrossAttention(nn.Module):
    """attn1 (self-attention, context_dim None) and attn2 (attention to the text)."""

    def __init__(self, dim: int, context_dim: int, heads: int, head_dim: int):
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, dim), nn.Dropout(0.0))

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        q = split_heads(self.to_q(x), self.heads)
        k = split_heads(self.to_k(context), self.heads)
        v = split_heads(self.to_v(context), self.heads)
        return self.to_out(merge_heads(attention(q, k, v)))


class GEGLU(nn.Module):
    def __init__(self, dim: int, inner: int):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, gate = self.proj(x).chunk(2, dim=-1)
        return x * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * 4), nn.Dropout(0.0), nn.Linear(dim * 4, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class TransformerBlock(nn.Module):
    def __init__(self, dim: int, context_dim: int, heads: int, head_dim: int):
        super().__init__()
        self.attn1 = CrossAttention(dim, dim, heads, head_dim)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim, heads, head_dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor, height: int, width: int, ratio: float) -> torch.Tensor:
        """x (B, height * width, dim); ratio: the share of tokens merged for self-attention (token_merging.py)."""
        h = self.norm1(x)
        r = token_merging.merged_count(height, width, ratio)
        if r > 0:
            plan = token_merging.plan(x, height, width, r)
            merged = token_merging.merge(h, plan)
            x = x + token_merging.unmerge(self.attn1(merged, merged), plan)
        else:
            x = x + self.attn1(h, h)
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class SpatialTransformer(nn.Module):
    def __init__(self, channels: int, cfg: UNetConfig, depth: Optional[int] = None, downsample: int = 1):
        """depth: transformer blocks (default cfg.transformer_depth, the middle block's); downsample: the level's
        down-sampling of the latents (2^level; tomesd computes the same from the token counts)."""
        super().__init__()
        self.downsample = downsample
        if cfg.head_channels > 0:
            heads, head_dim = channels // cfg.head_channels, cfg.head_channels
        else:
            heads, head_dim = cfg.num_heads, channels // cfg.num_heads
        inner = heads * head_dim
        self.linear_projection = cfg.linear_projection
        self.norm = nn.GroupNorm(cfg.norm_groups, channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, inner) if cfg.linear_projection else nn.Conv2d(channels, inner, 1)
        depth = cfg.transformer_depth if depth is None else depth
        self.transformer_blocks = nn.ModuleList(
            [TransformerBlock(inner, cfg.context_dim, heads, head_dim) for _ in range(depth)])
        self.proj_out = nn.Linear(inner, channels) if cfg.linear_projection else nn.Conv2d(inner, channels, 1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor, out_size: List[int],
                tome: Tuple[float, int]) -> torch.Tensor:
        b, c, height, width = x.shape
        h = self.norm(x)
        if self.linear_projection:
            h = self.proj_in(h.permute(0, 2, 3, 1).reshape(b, height * width, c))
        else:
            h = self.proj_in(h)
            h = h.permute(0, 2, 3, 1).reshape(b, height * width, h.shape[1])
        ratio = tome[0] if self.downsample <= tome[1] else 0.0
        for block in self.transformer_blocks:
            h = block(h, context, height, width, ratio)
        if self.linear_projection:
            h = self.proj_out(h).reshape(b, height, width, c).permute(0, 3, 1, 2)
        else:
            h = self.proj_out(h.reshape(b, height, width, h.shape[2]).permute(0, 3, 1, 2))
        return x + h


class Downsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.op = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor, out_size: List[int],
                tome: Tuple[float, int]) -> torch.Tensor:
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor, out_size: List[int],
                tome: Tuple[float, int]) -> torch.Tensor:
        return self.conv(F.interpolate(x, size=out_size, mode="nearest"))


class Block(nn.Sequential):
    """ldm's TimestepEmbedSequential: layers named 0, 1, 2 as in the checkpoints."""

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor, out_size: List[int],
                tome: Tuple[float, int]) -> torch.Tensor:
        for layer in self:
            x = layer(x, emb, context, out_size, tome)
        return x


class UNet(nn.Module):
    """forward(sample (B,4,h,w), timestep (float: scalar, (1,) or (B,)), context (B,T,C)) -> noise prediction;
    forward_caching and forward_shallow split the same computation for DeepCache (run); forward_tome merges tokens
    for self-attention (token_merging.py)."""

    def __init__(self, cfg: UNetConfig):
        super().__init__()
        mc = cfg.model_channels
        emb_dim = mc * 4
        groups = cfg.norm_groups
        self.model_channels = mc
        self.time_embed = nn.Sequential(nn.Linear(mc, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))

        self.input_blocks = nn.ModuleList([Block(InputConv(cfg.in_channels, mc))])
        skip_channels = [mc]
        ch = mc
        for level, mult in enumerate(cfg.channel_mult):
            for _ in range(cfg.num_res_blocks):
                layers = [ResBlock(ch, mult * mc, emb_dim, groups)]
                ch = mult * mc
                if level in cfg.attention_levels:
                    layers.append(SpatialTransformer(ch, cfg, cfg.depth_at(level), 2 ** level))
                self.input_blocks.append(Block(*layers))
                skip_channels.append(ch)
            if level != len(cfg.channel_mult) - 1:
                self.input_blocks.append(Block(Downsample(ch)))
                skip_channels.append(ch)

        deepest = 2 ** (len(cfg.channel_mult) - 1)
        self.middle_block = Block(ResBlock(ch, ch, emb_dim, groups), SpatialTransformer(ch, cfg, None, deepest),
                                  ResBlock(ch, ch, emb_dim, groups))

        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(cfg.channel_mult))):
            for i in range(cfg.num_res_blocks + 1):
                layers = [ResBlock(ch + skip_channels.pop(), mc * mult, emb_dim, groups)]
                ch = mc * mult
                if level in cfg.attention_levels:
                    layers.append(SpatialTransformer(ch, cfg, cfg.depth_at(level), 2 ** level))
                if level > 0 and i == cfg.num_res_blocks:
                    layers.append(Upsample(ch))
                self.output_blocks.append(Block(*layers))

        self.out = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), nn.Conv2d(mc, cfg.out_channels, 3, padding=1))

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.denoise(sample, self.time_emb(timestep, sample), context)

    @torch.jit.export
    def forward_caching(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor,
                        branch: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """DeepCache's full call: forward's prediction and the deep feature for forward_shallow (see run)."""
        self.check_branch(branch)
        return self.run(sample, self.time_emb(timestep, sample), context, branch, None, no_tome())

    @torch.jit.export
    def forward_shallow(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor,
                        deep: torch.Tensor, branch: int) -> torch.Tensor:
        """DeepCache's cheap call: the shallow path around a deep feature from forward_caching (see run)."""
        self.check_branch(branch)
        return self.run(sample, self.time_emb(timestep, sample), context, branch, deep, no_tome())[0]

    @torch.jit.export
    def forward_tome(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor, ratio: float,
                     max_downsample: int) -> torch.Tensor:
        """forward with token merging (ToMe for SD) at levels down-sampled by a factor of at most max_downsample;
        ratio 0 computes forward's prediction exactly."""
        self.check_tome(ratio, max_downsample)
        return self.run(sample, self.time_emb(timestep, sample), context, -1, None, (ratio, max_downsample))[0]

    def check_tome(self, ratio: float, max_downsample: int):
        if not (ratio >= 0.0 and ratio < 1.0):
            raise ValueError(f"token merging ratio {ratio}: expected 0 <= ratio < 1")
        if max_downsample < 1:
            raise ValueError(f"token merging max_downsample {max_downsample}: expected 1 or more")

    def check_branch(self, branch: int):
        if branch < 0 or branch >= len(self.input_blocks):
            raise ValueError(f"DeepCache branch {branch}: expected 0 to {len(self.input_blocks) - 1}")

    def time_emb(self, timestep: torch.Tensor, sample: torch.Tensor) -> torch.Tensor:
        """The timestep's embedding for each row of sample, in the weights' dtype."""
        t = timestep.reshape(-1).to(sample.device).expand(sample.shape[0])
        return self.time_embed(timestep_embedding(t, self.model_channels).to(self.time_embed[0].weight.dtype))

    def denoise(self, sample: torch.Tensor, emb: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.run(sample, emb, context, -1, None, no_tome())[0]

    def run(self, sample: torch.Tensor, emb: torch.Tensor, context: torch.Tensor, branch: int,
            deep: Optional[torch.Tensor], tome: Tuple[float, int]) -> Tuple[torch.Tensor, torch.Tensor]:
        """(noise prediction, deep feature): the feature is what enters output block n - 1 - branch (n output
        blocks), the result of every block below input block `branch`, the middle block and the output blocks
        before. With `deep` given only the shallow path runs (DeepCache, Ma et al. 2023: skip branch `branch`):
        input blocks 0..branch, then `deep` in place of that feature, then output blocks n - 1 - branch.. with
        their skip connections. branch -1 (forward): no split, every block runs. tome: token merging's
        (ratio, max_downsample) in every spatial transformer (no_tome(): none)."""
        dtype = self.time_embed[0].weight.dtype  # fp16 exports take and return float32
        result_dtype = sample.dtype
        sample, context = sample.to(dtype), context.to(dtype)
        no_size: List[int] = []
        skips: List[torch.Tensor] = []
        h = sample
        for k, block in enumerate(self.input_blocks):
            if deep is None or k <= branch:
                h = block(h, emb, context, no_size, tome)
                skips.append(h)
        if deep is None:
            h = self.middle_block(h, emb, context, no_size, tome)
        entry = len(self.output_blocks) - 1 - branch
        feature = h
        for k, block in enumerate(self.output_blocks):
            if k == entry:
                if deep is None:
                    feature = h
                else:
                    h = deep.to(dtype)
            if deep is None or k >= entry:
                h = torch.cat([h, skips.pop()], dim=1)
                # An upsampler must reach the size of the skip connection that follows it.
                target = list(skips[-1].shape[2:]) if len(skips) > 0 else list(h.shape[2:])
                h = block(h, emb, context, target, tome)
        return self.out(h).to(result_dtype), feature


class SDXLUNet(UNet):
    """forward(sample, timestep, context (B,T,C), text_embeds (B,pooled), time_ids (B,n) float) -> noise prediction.
    label_emb sees [text_embeds, the addition_time_embed_dim-wide sinusoidal embedding of each time id]."""

    def __init__(self, cfg: UNetConfig):
        super().__init__(cfg)
        emb_dim = cfg.model_channels * 4
        self.addition_time_embed_dim = cfg.addition_time_embed_dim
        self.label_emb = nn.Sequential(nn.Sequential(nn.Linear(cfg.adm_in_channels, emb_dim), nn.SiLU(),
                                                     nn.Linear(emb_dim, emb_dim)))

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor, text_embeds: torch.Tensor,
                time_ids: torch.Tensor) -> torch.Tensor:
        return self.denoise(sample, self.sdxl_emb(sample, timestep, text_embeds, time_ids), context)

    @torch.jit.export
    def forward_caching(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor,
                        text_embeds: torch.Tensor, time_ids: torch.Tensor,
                        branch: int) -> Tuple[torch.Tensor, torch.Tensor]:
        self.check_branch(branch)
        return self.run(sample, self.sdxl_emb(sample, timestep, text_embeds, time_ids), context, branch, None,
                        no_tome())

    @torch.jit.export
    def forward_shallow(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor,
                        text_embeds: torch.Tensor, time_ids: torch.Tensor, deep: torch.Tensor,
                        branch: int) -> torch.Tensor:
        self.check_branch(branch)
        return self.run(sample, self.sdxl_emb(sample, timestep, text_embeds, time_ids), context, branch, deep,
                        no_tome())[0]

    @torch.jit.export
    def forward_tome(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor,
                     text_embeds: torch.Tensor, time_ids: torch.Tensor, ratio: float,
                     max_downsample: int) -> torch.Tensor:
        self.check_tome(ratio, max_downsample)
        return self.run(sample, self.sdxl_emb(sample, timestep, text_embeds, time_ids), context, -1, None,
                        (ratio, max_downsample))[0]

    def sdxl_emb(self, sample: torch.Tensor, timestep: torch.Tensor, text_embeds: torch.Tensor,
                 time_ids: torch.Tensor) -> torch.Tensor:
        batch = sample.shape[0]
        times = timestep_embedding(time_ids.reshape(-1).to(sample.device), self.addition_time_embed_dim)
        added = torch.cat([text_embeds.to(torch.float32), times.reshape(batch, -1)], dim=1)
        return self.time_emb(timestep, sample) + self.label_emb(added.to(self.time_embed[0].weight.dtype))
