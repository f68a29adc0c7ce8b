"""DeepCache's methods of the scripted U-Net (forward_caching, forward_shallow); test_rescript.py tests the tool that
adds them to an existing export."""
import unittest

import torch

from torchsd_export import config as configs
from torchsd_export.unet import no_tome, SDXLUNet, UNet

SD1 = configs.UNetConfig(model_channels=16, channel_mult=(1, 2), num_res_blocks=1, attention_levels=(0, 1),
                         num_heads=2, context_dim=8, norm_groups=8)
SDXL = configs.UNetConfig(model_channels=16, channel_mult=(1, 2, 2), num_res_blocks=1, attention_levels=(1, 2),
                          num_heads=-1, head_channels=8, transformer_depths=(0, 1, 2), context_dim=8, norm_groups=8,
                          linear_projection=True, adm_in_channels=8 + 3 * 4, addition_time_embed_dim=4)


def scripted(cfg):
    torch.manual_seed(0)
    module = (SDXLUNet if cfg.adm_in_channels else UNet)(cfg).eval()
    return module, torch.jit.script(module)


def inputs(cfg, timestep, seed=1):
    g = torch.Generator().manual_seed(seed)
    args = [torch.randn(2, 4, 12, 10, generator=g), torch.tensor([timestep]), torch.randn(2, 5, 8, generator=g)]
    if cfg.adm_in_channels:
        args += [torch.randn(2, 8, generator=g), torch.tensor([[512.0, 512.0, 0.0]] * 2)]
    return args


def shallow_by_hand(module, args, deep, branch):
    """The shallow path written out over the blocks: input blocks 0..branch, the cached feature, the last
    branch + 1 output blocks with their skip connections, the output layers (ldm's UNetModel.forward, cut)."""
    sample, timestep, context = args[:3]
    emb = module.sdxl_emb(*args[:2], *args[3:]) if args[3:] else module.time_emb(timestep, sample)
    h, skips = sample, []
    for block in module.input_blocks[:branch + 1]:
        h = block(h, emb, context, [], no_tome())
        skips.append(h)
    h = deep
    for block in module.output_blocks[len(module.output_blocks) - 1 - branch:]:
        h = torch.cat([h, skips.pop()], dim=1)
        h = block(h, emb, context, list(skips[-1].shape[2:]) if skips else list(h.shape[2:]), no_tome())
    return module.out(h)


class DeepCacheMethodsTest(unittest.TestCase):
    def test_the_caching_call_predicts_what_forward_does(self):
        for cfg in (SD1, SDXL):
            _, unet = scripted(cfg)
            args = inputs(cfg, 500.0)
            with torch.no_grad():
                self.assertTrue(torch.equal(unet.forward_caching(*args, 0)[0], unet(*args)))

    def test_the_shallow_call_on_its_own_steps_feature_is_the_full_prediction_for_every_branch(self):
        for cfg in (SD1, SDXL):
            module, unet = scripted(cfg)
            args = inputs(cfg, 500.0)
            with torch.no_grad():
                full = unet(*args)
                for branch in range(len(module.input_blocks)):
                    _, deep = unet.forward_caching(*args, branch)
                    shallow = unet.forward_shallow(*args, deep, branch)
                    self.assertTrue(torch.allclose(shallow, full, atol=1e-6), f"branch {branch}")

    def test_the_shallow_call_runs_the_split_around_an_earlier_steps_feature(self):
        for cfg in (SD1, SDXL):
            module, unet = scripted(cfg)
            earlier, now = inputs(cfg, 700.0), inputs(cfg, 650.0, seed=2)
            with torch.no_grad():
                for branch in (0, 1, 2):
                    _, deep = unet.forward_caching(*earlier, branch)
                    shallow = unet.forward_shallow(*now, deep, branch)
                    self.assertTrue(torch.allclose(shallow, shallow_by_hand(module, now, deep, branch), atol=1e-6))
                    self.assertFalse(torch.allclose(shallow, unet(*now), atol=1e-3))  # the cache is an approximation

    def test_a_branch_outside_the_input_blocks_is_refused(self):
        module, unet = scripted(SD1)
        args = inputs(SD1, 500.0)
        with self.assertRaisesRegex(Exception, r"DeepCache branch 4: expected 0 to 3"):
            unet.forward_caching(*args, len(module.input_blocks))


if __name__ == "__main__":
    unittest.main()
