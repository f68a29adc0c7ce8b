"""Sizes of the built-in model: SD 1.x blocks (CLIP text transformer, U-Net with cross-attention
and self-attention, the VAE interface), widths and depths cut down so it trains on two shared
CPU cores in under an hour (about 0.6 s per training step of batch 64 with OpenBLAS, measured)."""
from torchsd_export import config as configs

from . import pixel_vae

NAME = "torchsd-shapes"
# 1 / std of the unscaled latents over the dataset (measured: 0.577), so scaled latents have unit
# variance as SD's 0.18215 gives its VAE's latents.
SCALING_FACTOR = 1.73


def shapes_config(vocab_size: int) -> configs.ModelConfig:
    cfg = configs.ModelConfig(
        name=NAME,
        family="sd1",
        # hidden 32: the textual-inversion test fixtures (src/test/resources/embeddings) are 32-wide
        text=configs.TextConfig(vocab_size=vocab_size, hidden_size=32, num_layers=2, num_heads=2,
                                intermediate_size=64),
        # levels at 16x16, 8x8 and 4x4 latent pixels; attention at 8x8 and 4x4 (at 16x16 it would
        # double the step time)
        unet=configs.UNetConfig(model_channels=32, channel_mult=(1, 2, 2), num_res_blocks=1,
                                attention_levels=(1, 2), num_heads=2, context_dim=32, norm_groups=8),
        # Only latent_channels, scaling_factor and scale_factor (2 ** (len(ch_mult) - 1) = 4) are
        # used: the VAE itself is pixel_vae's fixed cell encoder/decoder.
        vae=configs.VAEConfig(ch=0, ch_mult=(1, 1, 1), num_res_blocks=0, z_channels=pixel_vae.LATENT_CHANNELS,
                              embed_dim=pixel_vae.LATENT_CHANNELS, scaling_factor=SCALING_FACTOR, norm_groups=0),
        default_size=64,
    )
    cfg.pad_token_id = vocab_size - 1   # <|endoftext|>, as SD 1.x pads
    return cfg
