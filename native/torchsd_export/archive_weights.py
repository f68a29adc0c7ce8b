"""Reads the weights of a TorchScript archive without compiling its code.

A fused-attention export (fuse_attention.py) calls an operator torch 1.13 does not have, and its rewritten zip is
not one torch 1.13's reader opens, so torch.jit.load fails there. Its weights are plain pickled tensors all the
same: this reads data.pkl with Python's zipfile and pickle, the module objects as bare attribute holders (no code
of the archive runs), and collects every tensor attribute under its dotted path, as state_dict() names it.
"""
import pickle
import zipfile

import torch

# What the archive's data.pkl may name besides its own module classes: tensor rebuilding, TorchScript's list
# builders and ordered dicts, by name (torch._utils also holds _import_dotted_name, which imports anything).
ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("collections", "OrderedDict"),
}
ALLOWED_MODULES = ("torch.jit._pickle",)  # build_intlist, build_tensorlist, restore_type_tag, ...: data only


class _Module:
    """One scripted module of the archive: its attributes, as the pickle's state dict gives them."""

    def __setstate__(self, state):
        self.state = state


class _WeightsUnpickler(pickle.Unpickler):
    def __init__(self, archive: zipfile.ZipFile, prefix: str):
        super().__init__(archive.open(f"{prefix}/data.pkl"))
        self.archive, self.prefix, self.classes = archive, prefix, {}

    def find_class(self, module, name):
        if module.startswith("__torch__."):
            return self.classes.setdefault(f"{module}.{name}", type(name, (_Module,), {}))
        if (module, name) in ALLOWED or module in ALLOWED_MODULES or (module == "torch" and name.endswith("Storage")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a TorchScript archive's weights")

    def persistent_load(self, pid):
        _, storage_type, key, _, _ = pid
        return storage_type.from_buffer(self.archive.read(f"{self.prefix}/data/{key}"), "little")


def read_weights(path: str) -> dict:
    """The archive's tensors by dotted name (its state_dict(), without loading it)."""
    with zipfile.ZipFile(path) as archive:
        prefix = archive.namelist()[0].split("/")[0]
        root = _WeightsUnpickler(archive, prefix).load()
    weights = {}

    def collect(module: _Module, path: str):
        for name, value in module.state.items():
            if isinstance(value, torch.Tensor):
                weights[path + name] = value
            elif isinstance(value, _Module):
                collect(value, f"{path}{name}.")

    collect(root, "")
    return weights
