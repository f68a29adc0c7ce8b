"""Reads weight files into {name: tensor} without running code from them.

`.safetensors` is parsed here (an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range, then the raw bytes), memory-mapped so a 4 GB file costs
only the pages actually read. `.ckpt`/`.pt`/`.bin` go through torch.load with weights_only=True,
which unpickles tensors and plain containers only: a file that needs any other class refuses to
load, and we say how to convert it instead of executing it.
"""
import json
import mmap
import os
import struct
from typing import Dict, Tuple

import torch


class CheckpointError(Exception):
    """A weight file that cannot be used, with a message naming the file and the problem."""


SAFETENSORS_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}

MAX_HEADER_BYTES = 100 * 1024 * 1024

CKPT_CONVERT_HINT = (
    "convert it where you trust the file, e.g. with diffusers installed:\n"
    "  python -c \"import torch, safetensors.torch as s; sd = torch.load('IN.ckpt', map_location='cpu',"
    " weights_only=False); sd = sd.get('state_dict', sd);"
    " s.save_file({k: v.contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}, 'OUT.safetensors')\"\n"
    "or download the .safetensors version of the model")


def read_safetensors(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """The tensors of a .safetensors file and its `__metadata__` (strings)."""
    size = os.path.getsize(path)
    if size < 8:
        raise CheckpointError(f"{path}: {size} bytes, too short for a safetensors file (truncated?)")
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        if header_len > MAX_HEADER_BYTES or 8 + header_len > size:
            raise CheckpointError(f"{path}: header length {header_len} does not fit a {size}-byte file "
                                  "(truncated, or not a safetensors file)")
        try:
            header = json.loads(f.read(header_len).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{path}: the header is not valid JSON ({e}); not a safetensors file?") from e
        if not isinstance(header, dict):
            raise CheckpointError(f"{path}: the header is not a JSON object")
        metadata = header.pop("__metadata__", None) or {}
        data_start = 8 + header_len
        end_needed = max((entry_end(path, name, e) for name, e in header.items()), default=0)
        if data_start + end_needed > size:
            raise CheckpointError(f"{path}: truncated: the header describes {data_start + end_needed} bytes, "
                                  f"the file has {size}")
        # ACCESS_COPY: a private, writable mapping, so torch.frombuffer does not warn; nothing is written back.
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) if size > 0 else b""
    tensors = {}
    for name, entry in header.items():
        tensors[name] = tensor_from(path, name, entry, mapped, data_start)
    return tensors, metadata


def entry_end(path: str, name: str, entry) -> int:
    try:
        begin, end = entry["data_offsets"]
        if not (0 <= begin <= end):
            raise ValueError
        return end
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{path}: tensor '{name}': data_offsets must be [begin, end], found "
                              f"{entry.get('data_offsets') if isinstance(entry, dict) else entry!r}") from None


def tensor_from(path: str, name: str, entry: dict, buffer, data_start: int) -> torch.Tensor:
    dtype = SAFETENSORS_DTYPES.get(entry.get("dtype"))
    if dtype is None:
        raise CheckpointError(f"{path}: tensor '{name}': dtype {entry.get('dtype')!r} is not one of "
                              f"{', '.join(SAFETENSORS_DTYPES)}")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise CheckpointError(f"{path}: tensor '{name}': shape must be a list of sizes, found {shape!r}")
    begin, end = entry["data_offsets"]
    count = 1
    for d in shape:
        count *= d
    itemsize = torch.tensor([], dtype=dtype).element_size()
    if (end - begin) != count * itemsize:
        raise CheckpointError(f"{path}: tensor '{name}': {end - begin} bytes for shape {shape} of "
                              f"{entry['dtype']} (expected {count * itemsize})")
    if count == 0:
        return torch.zeros(shape, dtype=dtype)
    flat = torch.frombuffer(buffer, dtype=dtype, count=count, offset=data_start + begin)
    return flat.reshape(shape)


def read_pickled(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """A .ckpt/.pt/.bin state dict through torch's weights-only loader, and its global_step as metadata
    (diffusers uses the step to tell SD 2.0-base, trained 875000 steps, from the 768-v models)."""
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises UnpicklingError for forbidden globals, RuntimeError for bad zips
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "weights_only" in str(e) or "Unsupported" in str(e) or "global" in str(e).lower():
            raise CheckpointError(f"{path}: refused: loading it needs code from the file ({message}); "
                                  + CKPT_CONVERT_HINT) from e
        raise CheckpointError(f"{path}: cannot read it as a torch checkpoint ({message}); truncated or not a "
                              "checkpoint?") from e
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        state = loaded["state_dict"]
    elif isinstance(loaded, dict):
        state = loaded
    else:
        raise CheckpointError(f"{path}: holds a {type(loaded).__name__}, expected a dict of tensors")
    tensors = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointError(f"{path}: no tensors found (keys: {', '.join(map(str, list(state)[:10]))})")
    metadata = {}
    step = loaded.get("global_step") if isinstance(loaded, dict) else None
    if isinstance(step, (int, torch.Tensor)):
        metadata["global_step"] = str(int(step))
    return tensors, metadata


def read_weights(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Tensors and metadata of a .safetensors or pickled torch file."""
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: file not found")
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    with open(path, "rb") as f:
        magic = f.read(8)
    if len(magic) == 8 and 0 < struct.unpack("<Q", magic)[0] < MAX_HEADER_BYTES and _looks_like_json(path):
        return read_safetensors(path)  # a safetensors file with another extension
    return read_pickled(path)


def _looks_like_json(path: str) -> bool:
    with open(path, "rb") as f:
        f.seek(8)
        return f.read(1) == b"{"
