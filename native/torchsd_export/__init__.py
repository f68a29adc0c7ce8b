"""torchsd's exporter: the Stable Diffusion architecture on plain torch, exported to TorchScript.

Parameter names equal the keys of the original single-file checkpoints (without their component
prefixes), so real checkpoints load by name. Runs on Debian's torch 1.13 and on current torch.
"""
