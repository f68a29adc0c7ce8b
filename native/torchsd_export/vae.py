"""SD's AutoencoderKL (ldm layout, keys as under `first_stage_model.` in single-file checkpoints).

The decoder's upsampling levels run from the deepest to the shallowest; they are kept in a
ModuleDict inserted in that order with keys "3", "2", ... so TorchScript iterates them in
execution order while the parameter names stay `decoder.up.3.block.0...` as in the checkpoints.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import attention
from .config import VAEConfig


def _norm(groups: int, channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(groups, channels, eps=1e-6)


class ResnetBlock(nn.Module):
    def __init__(self, cin: int, cout: int, groups: int):
        super().__init__()
        self.norm1 = _norm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = _norm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.nin_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.nin_shortcut(x) + h


class AttnBlock(nn.Module):
    """Single-head self-attention over all pixels, with 1x1 convolutions as projections."""

    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.norm = _norm(groups, channels)
        self.q = nn.Conv2d(channels, channels, 1)
        self.k = nn.Conv2d(channels, channels, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, height, width = x.shape
        h = self.norm(x)
        q = self.q(h).reshape(b, 1, c, height * width).transpose(2, 3)
        k = self.k(h).reshape(b, 1, c, height * width).transpose(2, 3)
        v = self.v(h).reshape(b, 1, c, height * width).transpose(2, 3)
        out = attention(q, k, v).transpose(2, 3).reshape(b, c, height, width)
        return x + self.proj_out(out)


class Mid(nn.Module):
    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.block_1 = ResnetBlock(channels, channels, groups)
        self.attn_1 = AttnBlock(channels, groups)
        self.block_2 = ResnetBlock(channels, channels, groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block_2(self.attn_1(self.block_1(x)))


class Downsample(nn.Module):
    """Stride-2 convolution after asymmetric padding (right and bottom), as ldm does."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, [0, 1, 0, 1]))


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownLevel(nn.Module):
    def __init__(self, cin: int, cout: int, count: int, groups: int, downsample: bool):
        super().__init__()
        self.block = nn.ModuleList([ResnetBlock(cin if i == 0 else cout, cout, groups) for i in range(count)])
        self.downsample = Downsample(cout) if downsample else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.block:
            x = block(x)
        return self.downsample(x)


class UpLevel(nn.Module):
    def __init__(self, cin: int, cout: int, count: int, groups: int, upsample: bool):
        super().__init__()
        self.block = nn.ModuleList([ResnetBlock(cin if i == 0 else cout, cout, groups) for i in range(count)])
        self.upsample = Upsample(cout) if upsample else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.block:
            x = block(x)
        return self.upsample(x)


class Encoder(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        g = cfg.norm_groups
        self.conv_in = nn.Conv2d(cfg.in_channels, cfg.ch, 3, padding=1)
        channels = [cfg.ch] + [cfg.ch * m for m in cfg.ch_mult]
        last = len(cfg.ch_mult) - 1
        self.down = nn.ModuleList([DownLevel(channels[i], channels[i + 1], cfg.num_res_blocks, g, i != last)
                                   for i in range(len(cfg.ch_mult))])
        top = channels[-1]
        self.mid = Mid(top, g)
        self.norm_out = _norm(g, top)
        self.conv_out = nn.Conv2d(top, 2 * cfg.z_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(x)
        for level in self.down:
            h = level(h)
        h = self.mid(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        g = cfg.norm_groups
        top = cfg.ch * cfg.ch_mult[-1]
        self.conv_in = nn.Conv2d(cfg.z_channels, top, 3, padding=1)
        self.mid = Mid(top, g)
        self.up = nn.ModuleDict()
        cin = top
        for level in reversed(range(len(cfg.ch_mult))):
            cout = cfg.ch * cfg.ch_mult[level]
            self.up[str(level)] = UpLevel(cin, cout, cfg.num_res_blocks + 1, g, level != 0)
            cin = cout
        self.norm_out = _norm(g, cin)
        self.conv_out = nn.Conv2d(cin, cfg.out_channels, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.mid(self.conv_in(z))
        for level in self.up.values():
            h = level(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoencoderKL(nn.Module):
    """Holds the four parts under their checkpoint names; the exports wrap the two directions."""

    def __init__(self, cfg: VAEConfig):
        super().__init__()
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(2 * cfg.z_channels, 2 * cfg.embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(cfg.embed_dim, cfg.z_channels, 1)


class VAEDecode(nn.Module):
    """forward(latents already divided by the scaling factor) -> image in [-1, 1], (B, 3, 8h, 8w)."""

    def __init__(self, vae: AutoencoderKL):
        super().__init__()
        self.post_quant_conv = vae.post_quant_conv
        self.decoder = vae.decoder

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.post_quant_conv(latents))


class VAEEncode(nn.Module):
    """forward(image in [-1, 1]) -> moments (B, 2*latent_channels, h, w): mean then log-variance."""

    def __init__(self, vae: AutoencoderKL):
        super().__init__()
        self.encoder = vae.encoder
        self.quant_conv = vae.quant_conv

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.quant_conv(self.encoder(image))
