"""Token merging for Stable Diffusion (Bolya and Hoffman 2023, "Token Merging for Fast Stable Diffusion"), as
AUTOMATIC1111 applies tomesd: `tomesd.apply_patch(model, ratio=r, use_rand=False, sx=2, sy=2, max_downsample=1,
merge_attn=True, merge_crossattn=False, merge_mlp=False)`.

Before a transformer block's self-attention (attn1), at a level whose down-sampling is at most max_downsample,
int(tokens * ratio) tokens are merged away: the map is split into destination tokens (the top-left one of each
whole 2x2 block: tomesd's grid without its random choice) and source tokens (the rest); each source token's most
similar destination (cosine similarity of the block's input) is its match, and the r sources with the most similar
matches are averaged into them (scatter-reduce "mean", the destination included). Self-attention runs on the
remaining tokens; its result is copied back to every token (a merged source takes its destination's). Cross-
attention and the feed-forward see every token. Written for TorchScript (torch 1.13 and newer).
"""
from typing import Tuple

import torch

# (source indices, destination indices, unmerged sources, merged sources, their destinations); see plan
Plan = Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def merged_count(height: int, width: int, ratio: float) -> int:
    """tomesd's r, int(tokens * ratio) of the map's tokens; 0 for a map without a whole 2x2 block (no destination)."""
    if height < 2 or width < 2:
        return 0
    return int(height * width * ratio)


def partition(height: int, width: int, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    """(source, destination) indices into the raster order of a height x width map, each ascending: destinations
    are the top-left token of each whole 2x2 block (tomesd with use_rand=False), sources every other token. Shapes
    follow from the size alone (no mask), so the counter of native/bench/unet_flops.py runs it on meta tensors."""
    ys = torch.arange(0, height // 2 * 2, 2, device=device)  # tomesd's sy and sx: 2
    xs = torch.arange(0, width // 2 * 2, 2, device=device)
    dst = (ys.unsqueeze(1) * width + xs.unsqueeze(0)).reshape(-1)
    flags = torch.zeros(height * width, dtype=torch.long, device=device).index_fill_(0, dst, -1)
    order = torch.sort(flags, stable=True)[1]  # destinations (-1) first, each part in raster order
    return order[dst.shape[0]:], dst


def plan(metric: torch.Tensor, height: int, width: int, r: int) -> Plan:
    """Which tokens merge where, from metric (B, N, C), the block's input; r > 0 tokens merged (at most the
    sources). Ties between equally similar sources go to the earlier one (a stable sort)."""
    with torch.no_grad():
        a_idx, b_idx = partition(height, width, metric.device)
        unit = metric / metric.norm(p=2.0, dim=[-1], keepdim=True)
        scores = torch.matmul(unit[:, a_idx], unit[:, b_idx].transpose(-1, -2))
        r = min(r, int(a_idx.shape[0]))
        node_max, node_idx = scores.max(dim=-1)
        edge_idx = torch.sort(node_max, dim=-1, descending=True, stable=True)[1].unsqueeze(-1)
        unm_idx = edge_idx[:, r:, :]
        src_idx = edge_idx[:, :r, :]
        dst_idx = node_idx.unsqueeze(-1).gather(dim=1, index=src_idx)
    return a_idx, b_idx, unm_idx, src_idx, dst_idx


def merge(x: torch.Tensor, p: Plan) -> torch.Tensor:
    """(B, N, C) -> (B, N - r, C): the unmerged sources, then the destinations averaged with their sources."""
    a_idx, b_idx, unm_idx, src_idx, dst_idx = p
    src, dst = x[:, a_idx], x[:, b_idx]
    n, _, c = src.shape
    unm = src.gather(dim=1, index=unm_idx.expand(n, unm_idx.shape[1], c))
    merged = src.gather(dim=1, index=src_idx.expand(n, src_idx.shape[1], c))
    dst = dst.scatter_reduce(1, dst_idx.expand(n, dst_idx.shape[1], c), merged, reduce="mean")
    return torch.cat([unm, dst], dim=1)


def unmerge(x: torch.Tensor, p: Plan) -> torch.Tensor:
    """merge's inverse in place: (B, N - r, C) -> (B, N, C), each merged source taking its destination's value."""
    a_idx, b_idx, unm_idx, src_idx, dst_idx = p
    n, _, c = x.shape
    unm_len = unm_idx.shape[1]
    unm, dst = x[:, :unm_len], x[:, unm_len:]
    src = dst.gather(dim=1, index=dst_idx.expand(n, dst_idx.shape[1], c))
    out = torch.zeros(n, a_idx.shape[0] + b_idx.shape[0], c, device=x.device, dtype=x.dtype)
    out[:, b_idx] = dst
    out.scatter_(1, a_idx[unm_idx].expand(n, unm_len, c), unm)
    out.scatter_(1, a_idx[src_idx].expand(n, src_idx.shape[1], c), src)
    return out
