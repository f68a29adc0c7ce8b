"""More blocks against direct formulas: up/down sampling, the U-Net's ResBlock with its time embedding,
and SD 2.x's linear projections equal SD 1.x's 1x1 convolutions given the same weights."""
import unittest

import torch
import torch.nn.functional as F

from torchsd_export import unet as U
from torchsd_export import vae as V
from torchsd_export.config import UNetConfig


class SamplingTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_vae_downsample_pads_right_and_bottom_then_strides(self):
        block = V.Downsample(2)
        x = torch.randn(1, 2, 5, 6)
        padded = torch.zeros(1, 2, 6, 7)
        padded[:, :, :5, :6] = x
        w, b = block.conv.weight, block.conv.bias
        expected = torch.zeros(1, 2, 2, 3)
        for i in range(2):
            for j in range(3):
                patch = padded[0, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
                expected[0, :, i, j] = (w * patch).sum(dim=(1, 2, 3)) + b
        torch.testing.assert_close(block(x), expected, rtol=1e-5, atol=1e-5)

    def test_upsample_repeats_each_pixel_twice_then_convolves(self):
        block = V.Upsample(3)
        x = torch.randn(1, 3, 2, 3)
        doubled = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
        torch.testing.assert_close(block(x), F.conv2d(doubled, block.conv.weight, block.conv.bias, padding=1))
        unet_up = U.Upsample(3)
        torch.testing.assert_close(unet_up(x, x, x, [4, 6], U.no_tome()),
                                   F.conv2d(doubled, unet_up.conv.weight, unet_up.conv.bias, padding=1))


class UNetBlocksTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_resblock_adds_the_projected_time_embedding_between_convolutions(self):
        block = U.ResBlock(32, 64, 16, 32).eval()
        x, emb = torch.randn(2, 32, 4, 4), torch.randn(2, 16)
        n1, c1 = block.in_layers[0], block.in_layers[2]
        n2, c2 = block.out_layers[0], block.out_layers[3]
        lin = block.emb_layers[1]
        h = F.conv2d(F.silu(F.group_norm(x, 32, n1.weight, n1.bias, 1e-5)), c1.weight, c1.bias, padding=1)
        h = h + (F.silu(emb) @ lin.weight.T + lin.bias)[:, :, None, None]
        h = F.conv2d(F.silu(F.group_norm(h, 32, n2.weight, n2.bias, 1e-5)), c2.weight, c2.bias, padding=1)
        skip = F.conv2d(x, block.skip_connection.weight, block.skip_connection.bias)
        torch.testing.assert_close(block(x, emb, emb, [], U.no_tome()), skip + h, rtol=1e-4, atol=1e-4)

    def test_linear_projection_equals_1x1_convolution(self):
        conv_cfg = UNetConfig(context_dim=8, num_heads=-1, head_channels=16, norm_groups=8)
        lin_cfg = UNetConfig(context_dim=8, num_heads=-1, head_channels=16, norm_groups=8, linear_projection=True)
        conv_block, lin_block = U.SpatialTransformer(32, conv_cfg).eval(), U.SpatialTransformer(32, lin_cfg).eval()
        state = {k: (v.reshape(v.shape[0], v.shape[1]) if k.startswith("proj_") and v.dim() == 4 else v)
                 for k, v in conv_block.state_dict().items()}
        lin_block.load_state_dict(state)
        self.assertEqual(lin_block.transformer_blocks[0].attn1.heads, 2)  # 32 channels / 16-channel heads
        x, ctx = torch.randn(1, 32, 3, 5), torch.randn(1, 7, 8)
        torch.testing.assert_close(lin_block(x, x, ctx, [], U.no_tome()), conv_block(x, x, ctx, [], U.no_tome()),
                                   rtol=1e-4, atol=1e-4)


if __name__ == "__main__":
    unittest.main()
