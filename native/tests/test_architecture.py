"""The exporter's architecture: SD 1.5's sizes and key names, and each block against its formula."""
import math
import unittest

import torch
import torch.nn.functional as F

from torchsd_export import config as configs
from torchsd_export.attention import _attention_formula, _causal_attention_formula
from torchsd_export.clip_text import TextModel
from torchsd_export.components import no_init
from torchsd_export.sources import UNET
from torchsd_export.unet import UNet, timestep_embedding, GEGLU
from torchsd_export.vae import AutoencoderKL, ResnetBlock, VAEDecode, VAEEncode


def count(module):
    return sum(p.numel() for p in module.parameters())


class SD15SizesTest(unittest.TestCase):
    """Parameter counts of SD 1.5's components as published (U-Net 859.52M, CLIP text 123.06M, VAE 83.65M)."""

    def test_parameter_counts(self):
        cfg = configs.sd15()
        with no_init():
            self.assertEqual(count(UNet(cfg.unet)), 859_520_964)
            self.assertEqual(count(TextModel(cfg.text)), 123_060_480)
            self.assertEqual(count(AutoencoderKL(cfg.vae)), 83_653_863)

    def test_checkpoint_key_names(self):
        cfg = configs.sd15()
        with no_init():
            unet = set(UNet(cfg.unet).state_dict())
            text = set(TextModel(cfg.text).state_dict())
            vae = set(AutoencoderKL(cfg.vae).state_dict())
        for key in ["time_embed.0.weight", "input_blocks.0.0.weight", "input_blocks.1.1.proj_in.weight",
                    "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight",
                    "input_blocks.1.1.transformer_blocks.0.ff.net.0.proj.weight",
                    "input_blocks.3.0.op.weight", "input_blocks.4.0.skip_connection.weight",
                    "middle_block.1.transformer_blocks.0.norm3.bias", "output_blocks.2.1.conv.weight",
                    "output_blocks.5.2.conv.weight", "output_blocks.11.1.proj_out.bias", "out.2.weight"]:
            self.assertIn(key, unet)
        for key in ["embeddings.token_embedding.weight", "embeddings.position_embedding.weight",
                    "encoder.layers.11.self_attn.out_proj.bias", "encoder.layers.0.mlp.fc1.weight",
                    "final_layer_norm.weight"]:
            self.assertIn(key, text)
        for key in ["encoder.down.0.downsample.conv.weight", "encoder.mid.attn_1.q.weight",
                    "decoder.up.3.upsample.conv.weight", "decoder.up.0.block.2.conv2.weight",
                    "decoder.up.1.block.0.nin_shortcut.weight", "quant_conv.weight", "post_quant_conv.bias"]:
            self.assertIn(key, vae)
        self.assertNotIn("decoder.up.0.upsample.conv.weight", vae)
        self.assertNotIn("encoder.down.3.downsample.conv.weight", vae)
        self.assertEqual(UNET, "model.diffusion_model.")


class BlockFormulaTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_attention_is_softmax_of_scaled_scores(self):
        q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 8)
        expected = torch.zeros(2, 3, 5, 8)
        for b in range(2):
            for h in range(3):
                scores = q[b, h] @ k[b, h].T / math.sqrt(8)
                expected[b, h] = torch.softmax(scores, -1) @ v[b, h]
        torch.testing.assert_close(_attention_formula(q, k, v), expected)

    def test_causal_attention_ignores_later_tokens(self):
        q, k, v = torch.randn(1, 2, 6, 4), torch.randn(1, 2, 6, 4), torch.randn(1, 2, 6, 4)
        out = _causal_attention_formula(q, k, v)
        changed = v.clone()
        changed[:, :, 4:] += 10  # later tokens must not affect earlier outputs
        out2 = _causal_attention_formula(q, k, changed)
        torch.testing.assert_close(out[:, :, :4], out2[:, :, :4])
        torch.testing.assert_close(out[:, :, 0], v[:, :, 0])

    def test_timestep_embedding_is_cos_then_sin(self):
        t = torch.tensor([0.0, 10.0, 981.5])
        emb = timestep_embedding(t, 8)
        for i, step in enumerate(t.tolist()):
            for j in range(4):
                freq = math.exp(-math.log(10000.0) * j / 4)
                self.assertAlmostEqual(emb[i, j].item(), math.cos(step * freq), places=4)
                self.assertAlmostEqual(emb[i, 4 + j].item(), math.sin(step * freq), places=4)

    def test_geglu(self):
        layer = GEGLU(4, 3)
        x = torch.randn(2, 4)
        h = x @ layer.proj.weight.T + layer.proj.bias
        torch.testing.assert_close(layer(x), h[:, :3] * F.gelu(h[:, 3:]))

    def test_group_norm_resnet_block(self):
        block = ResnetBlock(32, 64, 32).eval()
        x = torch.randn(1, 32, 4, 4)

        def group_norm(h, norm):
            g = h.reshape(1, 32, -1)
            g = (g - g.mean(-1, keepdim=True)) / torch.sqrt(g.var(-1, unbiased=False, keepdim=True) + 1e-6)
            return g.reshape(h.shape) * norm.weight[None, :, None, None] + norm.bias[None, :, None, None]

        h = F.conv2d(F.silu(group_norm(x, block.norm1)), block.conv1.weight, block.conv1.bias, padding=1)
        h = F.conv2d(F.silu(group_norm(h, block.norm2)), block.conv2.weight, block.conv2.bias, padding=1)
        expected = F.conv2d(x, block.nin_shortcut.weight, block.nin_shortcut.bias) + h
        torch.testing.assert_close(block(x), expected, rtol=1e-4, atol=1e-4)


class ScriptedExportTest(unittest.TestCase):
    """The scripted exports equal the eager modules and take any batch and any size of multiples of 8."""

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cfg = configs.tiny(vocab_size=100)
        cls.text = TextModel(cfg.text).eval()
        cls.unet = UNet(cfg.unet).eval()
        cls.vae = AutoencoderKL(cfg.vae).eval()

    def test_unet_any_size(self):
        scripted = torch.jit.script(self.unet)
        context = torch.randn(2, 77, 32)
        for h, w in [(8, 8), (6, 10), (5, 3), (16, 8)]:
            x = torch.randn(2, 4, h, w)
            with torch.no_grad():
                eager = self.unet(x, torch.tensor(981.0), context)
                out = scripted(x, torch.tensor([981.0, 10.5]), context)
            self.assertEqual(out.shape, x.shape)
            torch.testing.assert_close(out[0], eager[0], rtol=1e-4, atol=1e-5)

    def test_text_encoder_skip_layers(self):
        scripted = torch.jit.script(self.text)
        ids = torch.randint(0, 100, (2, 77))
        embeds = self.text.embed_ids(ids)
        with torch.no_grad():
            torch.testing.assert_close(scripted(embeds, 0), self.text(embeds, 0))
            self.assertFalse(torch.allclose(scripted(embeds, 1), scripted(embeds, 0)))

    def test_vae_round_trip_shapes(self):
        dec = torch.jit.script(VAEDecode(self.vae))
        enc = torch.jit.script(VAEEncode(self.vae))
        with torch.no_grad():
            img = dec(torch.randn(3, 4, 6, 10))
            self.assertEqual(tuple(img.shape), (3, 3, 48, 80))
            self.assertEqual(tuple(enc(img).shape), (3, 8, 6, 10))


if __name__ == "__main__":
    unittest.main()
