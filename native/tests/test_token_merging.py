"""Token merging (ToMe for SD) in the scripted U-Net (forward_tome), against tomesd's algorithm (bipartite soft
matching, sx = sy = 2, use_rand False, merging for attn1 only) written out here again token by token."""
import unittest

import torch

from tests.test_deepcache import SD1, SDXL, inputs, scripted
from torchsd_export import config as configs
from torchsd_export.unet import TransformerBlock

# attention at level 1 only, as the built-in model and SDXL: nothing is merged at max_downsample 1
DEEP_ONLY = configs.UNetConfig(model_channels=16, channel_mult=(1, 2), num_res_blocks=1, attention_levels=(1,),
                               num_heads=2, context_dim=8, norm_groups=8)


def groups_by_hand(metric, height, width, r):
    """One batch row's merged tokens, each the list of the map's tokens it averages: tomesd's destinations are the
    top-left token of each whole 2x2 block, its sources the rest; each source's match is its most cosine-similar
    destination, and the r sources with the most similar matches join them. Order: the unmerged sources, most
    similar first, then the destinations."""
    dst = [y * width + x for y in range(0, height // 2 * 2, 2) for x in range(0, width // 2 * 2, 2)]
    src = [t for t in range(height * width) if t not in dst]
    unit = metric / metric.norm(dim=-1, keepdim=True)
    matches = []
    for s in src:
        similarity = [float(torch.dot(unit[s], unit[d])) for d in dst]
        best = max(range(len(dst)), key=lambda k: similarity[k])
        matches.append((similarity[best], s, dst[best]))
    matches.sort(key=lambda m: -m[0])
    r = min(r, len(src))
    joined = {d: [d] for d in dst}
    for _, s, d in matches[:r]:
        joined[d].append(s)
    return [[s] for _, s, _ in matches[r:]] + [joined[d] for d in dst]


def block_by_hand(block, x, context, height, width, ratio):
    """TransformerBlock.forward with tomesd's merge before attn1 and unmerge after, row by row."""
    rows = []
    for i in range(x.shape[0]):
        h = block.norm1(x[i])
        groups = groups_by_hand(x[i], height, width, int(x.shape[1] * ratio))
        merged = torch.stack([h[g].mean(dim=0) for g in groups]).unsqueeze(0)
        attended = block.attn1(merged, merged)[0]
        back = torch.empty_like(h)
        for k, g in enumerate(groups):
            back[g] = attended[k]
        y = x[i] + back
        y = y + block.attn2(block.norm2(y).unsqueeze(0), context[i:i + 1])[0]
        rows.append(y + block.ff(block.norm3(y)))
    return torch.stack(rows)


class TokenMergingTest(unittest.TestCase):
    def test_a_transformer_block_merges_for_self_attention_as_tomesd_does(self):
        torch.manual_seed(0)
        block = TransformerBlock(16, 8, 2, 8).eval()
        scripted_block = torch.jit.script(block)
        for height, width in ((6, 6), (6, 5), (5, 7)):  # odd sizes: the last row or column has sources only
            x, context = torch.randn(2, height * width, 16), torch.randn(2, 4, 8)
            with torch.no_grad():
                for ratio in (0.1, 0.3, 0.5, 0.9):  # 0.9: more than the sources, all of them merged
                    ours = scripted_block(x, context, height, width, ratio)
                    self.assertTrue(torch.allclose(ours, block_by_hand(block, x, context, height, width, ratio),
                                                   atol=1e-5), f"{height}x{width}, ratio {ratio}")
                    self.assertFalse(torch.allclose(ours, block(x, context, height, width, 0.0), atol=1e-4))
        x = torch.randn(2, 7, 16)  # one row: no 2x2 block, no destination, nothing merged
        with torch.no_grad():
            self.assertTrue(torch.equal(scripted_block(x, context, 1, 7, 0.5), scripted_block(x, context, 1, 7, 0.0)))

    def test_ratio_zero_is_forward_bit_for_bit(self):
        for cfg in (SD1, SDXL):
            _, unet = scripted(cfg)
            args = inputs(cfg, 500.0)
            with torch.no_grad():
                for max_downsample in (1, 2, 8):
                    self.assertTrue(torch.equal(unet.forward_tome(*args, 0.0, max_downsample), unet(*args)))

    def test_only_levels_down_sampled_at_most_max_downsample_merge(self):
        for cfg, unmerged in ((SD1, ()), (DEEP_ONLY, (1,)), (SDXL, (1,))):
            module, unet = scripted(cfg)
            args = inputs(cfg, 500.0)
            with torch.no_grad():
                exact = unet(*args)
                for max_downsample in (1, 2, 4):
                    merged = unet.forward_tome(*args, 0.5, max_downsample)
                    self.assertEqual(torch.equal(merged, exact), max_downsample in unmerged, (cfg, max_downsample))
                    # the scripted method computes what the Python module does
                    self.assertTrue(torch.allclose(merged, module.forward_tome(*args, 0.5, max_downsample),
                                                   atol=1e-6))
                self.assertFalse(torch.equal(unet.forward_tome(*args, 0.3, 2), unet.forward_tome(*args, 0.5, 2)))

    def test_a_ratio_outside_0_to_1_or_a_max_downsample_below_1_is_refused(self):
        _, unet = scripted(SD1)
        args = inputs(SD1, 500.0)
        for ratio in (1.0, -0.1, float("nan")):
            with self.assertRaisesRegex(Exception, r"token merging ratio .*: expected 0 <= ratio < 1"):
                unet.forward_tome(*args, ratio, 1)
        with self.assertRaisesRegex(Exception, r"token merging max_downsample 0: expected 1 or more"):
            unet.forward_tome(*args, 0.5, 0)


if __name__ == "__main__":
    unittest.main()
