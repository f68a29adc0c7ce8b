"""Counts the floating-point operations of one U-Net call, op by op, as torch dispatches them.

    /usr/bin/python3 native/bench/unet_flops.py [--preset sd15] [--size 512] [--batch 2] [--shallow BRANCH]
                                                [--tome RATIO [--tome-max-downsample N]]

Runs torchsd_export's U-Net (the module the exporter scripts) on meta tensors, so nothing is
computed and no weights are allocated, and adds up 2*M*N*K for every matrix product and
convolution that reaches the dispatcher (multiply and add counted as two operations; norms,
activations and other element-wise work are not counted). The Java benchmark's analytic count
(dev.torchsd.bench.UNetFlops) must agree with this one.
"""
import argparse
import math
import sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from torchsd_export import config as configs
from torchsd_export.unet import UNet
from train import model_config

aten = torch.ops.aten


def _numel(shape):
    return math.prod(int(s) for s in shape)


def _conv_flops(args, out):
    weight = args[1]
    cout, cin_per_group, *kernel = weight.shape
    return 2 * _numel(out.shape) * cin_per_group * _numel(kernel)


def _mm_flops(args, out):
    # (.., M, K) x (.., K, N): every output element costs K multiply-adds
    a = args[-2]
    return 2 * _numel(out.shape) * int(a.shape[-1])


COUNTERS = {
    aten.convolution.default: _conv_flops,
    aten.mm.default: _mm_flops,
    aten.addmm.default: _mm_flops,
    aten.bmm.default: _mm_flops,
}


class FlopCounter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.flops = 0
        self.uncounted = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        counter = COUNTERS.get(func)
        if counter is not None:
            self.flops += counter(args, out)
        elif "matmul" in str(func) or "conv" in str(func) or "linear" in str(func):
            self.uncounted.add(str(func))
        return out


def count(cfg: configs.ModelConfig, size: int, batch: int, shallow: int = -1, tome=(0.0, 1)) -> int:
    """shallow >= 0: the FLOPs of DeepCache's shallow call of that branch (forward_shallow) instead of forward's;
    tome (ratio, max_downsample) with a ratio above 0: token merging's call (forward_tome), its similarity products
    included."""
    unet = UNet(cfg.unet).to("meta").eval()
    latent = size // cfg.vae.scale_factor
    sample = torch.empty(batch, cfg.unet.in_channels, latent, latent, device="meta")
    context = torch.empty(batch, cfg.text.max_length, cfg.unet.context_dim, device="meta")
    timestep = torch.tensor([500.0], device="meta")
    counter = FlopCounter()
    with torch.no_grad():
        deep = unet.forward_caching(sample, timestep, context, shallow)[1] if shallow >= 0 else None
        with counter:
            if tome[0] > 0:
                unet.forward_tome(sample, timestep, context, *tome)
            elif deep is None:
                unet(sample, timestep, context)
            else:
                unet.forward_shallow(sample, timestep, context, deep, shallow)
    if counter.uncounted:
        print("not counted: " + ", ".join(sorted(counter.uncounted)), file=sys.stderr)
    return counter.flops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=["sd15", "tiny", "shapes"], default="sd15",
                        help="shapes: the built-in torchsd-shapes (native/train/model_config.py)")
    parser.add_argument("--size", type=int, default=512, help="image width = height in pixels")
    parser.add_argument("--batch", type=int, default=2, help="U-Net batch (2 = one image with guidance)")
    parser.add_argument("--shallow", type=int, default=-1, metavar="BRANCH",
                        help="count DeepCache's shallow call of this skip branch (0: DeepCache's default)")
    parser.add_argument("--tome", type=float, default=0.0, metavar="RATIO", help="count token merging's call")
    parser.add_argument("--tome-max-downsample", type=int, default=1, metavar="N")
    args = parser.parse_args()
    if args.preset == "shapes":
        cfg = model_config.shapes_config(606)
    else:
        cfg = configs.sd15() if args.preset == "sd15" else configs.tiny(1000)
    flops = count(cfg, args.size, args.batch, args.shallow, (args.tome, args.tome_max_downsample))
    call = f"shallow call (branch {args.shallow})" if args.shallow >= 0 else "call"
    if args.tome > 0:
        call = f"call with token merging {args.tome} (max downsample {args.tome_max_downsample})"
    print(f"{args.preset} U-Net {call} at {args.size}x{args.size}, batch {args.batch}: {flops} FLOP"
          f" ({flops / 1e9:.1f} GFLOP)")


if __name__ == "__main__":
    main()
