"""A fixed, exactly invertible "VAE" for the 16x16-cell scenes (the documented stand-in for a
trained AutoencoderKL; nothing here is learned).

encode: 4x4 average pooling (one latent pixel per cell), colors to [-1, 1], then the three color
channels spread over four latent channels by a fixed 4x3 matrix with orthonormal columns (three
columns of a 4x4 Hadamard matrix / 2). decode: the transposed matrix back to RGB, then each latent
pixel repeated as a 4x4 block. decode(encode(x)) == x for every image made of 4x4 blocks (all
dataset images), and encode(decode(z)) keeps z's color part. The modules carry the attribute
names the exporter's VAEDecode/VAEEncode wrap (post_quant_conv, decoder, encoder, quant_conv), so
they are exported by model_folder.write_model_folder like any AutoencoderKL.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SCALE = 4
LATENT_CHANNELS = 4

# Columns 2..4 of the 4x4 Hadamard matrix, divided by 2: orthonormal, each orthogonal to (1,1,1,1).
COLOR_TO_LATENT = torch.tensor([[1.0, 1.0, 1.0],
                                [-1.0, 1.0, -1.0],
                                [1.0, -1.0, -1.0],
                                [-1.0, -1.0, 1.0]]) / 2.0


class CellDecoder(nn.Module):
    """latents (B, 4, h, w) -> image (B, 3, 4h, 4w) in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.scale = float(SCALE)
        self.to_rgb = nn.Conv2d(LATENT_CHANNELS, 3, 1, bias=False)
        with torch.no_grad():
            self.to_rgb.weight.copy_(COLOR_TO_LATENT.t().reshape(3, LATENT_CHANNELS, 1, 1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        rgb = self.to_rgb(z)
        return F.interpolate(rgb, scale_factor=self.scale, mode="nearest")


class CellEncoder(nn.Module):
    """image (B, 3, 4h, 4w) in [-1, 1] -> (B, 8, h, w): latent mean, then a log-variance of -30
    (the encoding is deterministic)."""

    def __init__(self):
        super().__init__()
        self.scale = SCALE
        self.to_latent = nn.Conv2d(3, LATENT_CHANNELS, 1, bias=False)
        with torch.no_grad():
            self.to_latent.weight.copy_(COLOR_TO_LATENT.reshape(LATENT_CHANNELS, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = self.to_latent(F.avg_pool2d(x, self.scale))
        return torch.cat([mean, torch.full_like(mean, -30.0)], dim=1)


def _identity_conv(channels: int) -> nn.Conv2d:
    conv = nn.Conv2d(channels, channels, 1)
    with torch.no_grad():
        conv.weight.copy_(torch.eye(channels).reshape(channels, channels, 1, 1))
        conv.bias.zero_()
    return conv


class PixelVAE(nn.Module):
    """The four parts under AutoencoderKL's attribute names."""

    def __init__(self):
        super().__init__()
        self.encoder = CellEncoder()
        self.decoder = CellDecoder()
        self.quant_conv = _identity_conv(2 * LATENT_CHANNELS)
        self.post_quant_conv = _identity_conv(LATENT_CHANNELS)

    def encode_cells(self, cells: torch.Tensor) -> torch.Tensor:
        """(B, 16, 16, 3) colors 0..255 -> unscaled latents (B, 4, 16, 16); same as the encoder on
        the 64x64 image, without building it."""
        x = cells.permute(0, 3, 1, 2) / 127.5 - 1.0
        return self.encoder.to_latent(x)
