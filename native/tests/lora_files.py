"""Random LoRA / LyCORIS files with a model's real module names, and an offline merge of such a file
into a copy of a model folder, written independently of the Java side (AUTOMATIC1111's formulas,
einsum for the decompositions, keymaps' own diffusers -> ldm map for the names).

    python3 native/tests/lora_files.py make FORMAT MODEL_DIR OUT.safetensors [--rank R] [--seed S]
    python3 native/tests/lora_files.py merge MODEL_DIR LORA OUT_DIR [--te W] [--unet W]

FORMAT: lora (kohya: attention, ff, proj and the text encoder; one module without alpha), locon (the
ResNet convolutions 3x3 and 1x1, one with lora_mid), loha (with and without hada_t1/t2), lokr (full,
factored and CP forms), peft (diffusers' unet./text_encoder. lora_A/lora_B).
An SDXL base folder (text_encoder and text_encoder_2) gets kohya's lora_te1_/lora_te2_ names and PEFT's
text_encoder./text_encoder_2. prefixes; --te weights both text encoders.
"""
import argparse
import json
import os
import re
import shutil
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from fake_checkpoints import write_safetensors  # noqa: E402
from torchsd_export.keymaps import _unet_name  # noqa: E402

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[e["dtype"]]) if end > begin else torch.zeros(0)
        out[name] = t.reshape(e["shape"]).float()
    return out


KOHYA_PREFIX = {"unet": "lora_unet_", "te": "lora_te_", "te1": "lora_te1_", "te2": "lora_te2_"}
PEFT_PREFIX = {"unet": "unet.", "te": "text_encoder.", "te1": "text_encoder.", "te2": "text_encoder_2."}


def sections(manifest):
    """{part: manifest/keymap section}: SD 1.x/2.x te; SDXL base te1 (CLIP-L) and te2 (bigG)."""
    if "text_encoder_2" in manifest:
        return {"unet": "unet", "te1": "text_encoder", "te2": "text_encoder_2"}
    return {"unet": "unet", "te": "text_encoder"}


def load_modules(model_dir):
    """The manifest and {part: scripted module} of the networks LoRA changes."""
    with open(os.path.join(model_dir, "model.json")) as f:
        manifest = json.load(f)
    modules = {part: torch.jit.load(os.path.join(model_dir, manifest[section]["file"]))
               for part, section in sections(manifest).items()}
    return manifest, modules


def diffusers_paths(model_dir):
    """(part, diffusers module path, export param, shape) of the layers LoRA trainers target."""
    with open(os.path.join(model_dir, "keymap.json")) as f:
        keymap = json.load(f)
    manifest, modules = load_modules(model_dir)
    rows = []
    for part, section in sections(manifest).items():
        shapes = {n: tuple(p.shape) for n, p in modules[part].named_parameters()}
        rows += [(part, k, v, shapes[v]) for k, v in keymap[section].items()]
    return rows


def kohya_name(part, path):
    return KOHYA_PREFIX[part] + path.replace(".", "_")


def make(fmt, model_dir, out, rank, seed):
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, scale=0.2):
        return torch.randn(*shape, generator=g) * scale

    attention = re.compile(r"(attn[12]\.to_(q|k|v|out\.0)|ff\.net\.(0\.proj|2)|proj_in|proj_out"
                           r"|self_attn\.(q|k|v|out)_proj|mlp\.fc[12])$")
    convs = re.compile(r"resnets\.\d+\.(conv1|conv2|conv_shortcut)$|downsamplers\.0\.conv$|upsamplers\.0\.conv$")
    tensors = {}
    rows = diffusers_paths(model_dir)
    for i, (part, path, _, shape) in enumerate(rows):
        out_ch, in_ch = shape[0], shape[1] if len(shape) > 1 else 0
        kernel = tuple(shape[2:])
        name = kohya_name(part, path)
        if fmt in ("lora", "peft") and attention.search(path):
            down, up = rnd(rank, in_ch, *kernel), rnd(out_ch, rank, *([1] * len(kernel)))
            if fmt == "lora":
                tensors[name + ".lora_down.weight"], tensors[name + ".lora_up.weight"] = down, up
                if i % 5 != 0:  # every fifth without alpha: alpha = rank
                    tensors[name + ".alpha"] = torch.tensor(float(rank) / 2)
            else:
                prefix = PEFT_PREFIX[part] + path
                tensors[prefix + ".lora_A.weight"], tensors[prefix + ".lora_B.weight"] = down, up
        elif fmt == "locon" and convs.search(path):
            if kernel == (3, 3) and i % 2 == 0:  # CP: 1x1 down and up around a 3x3 core
                tensors[name + ".lora_down.weight"] = rnd(rank, in_ch, 1, 1)
                tensors[name + ".lora_mid.weight"] = rnd(rank, rank, 3, 3)
            else:
                tensors[name + ".lora_down.weight"] = rnd(rank, in_ch, *kernel)
            tensors[name + ".lora_up.weight"] = rnd(out_ch, rank, 1, 1)
            tensors[name + ".alpha"] = torch.tensor(float(rank))
        elif fmt == "loha" and (attention.search(path) or convs.search(path)):
            if kernel == (3, 3) and i % 2 == 0:
                for w in ("1", "2"):
                    tensors[f"{name}.hada_w{w}_a"] = rnd(rank, out_ch, scale=0.5)
                    tensors[f"{name}.hada_w{w}_b"] = rnd(rank, in_ch, scale=0.5)
                    tensors[f"{name}.hada_t{w}"] = rnd(rank, rank, 3, 3, scale=0.5)
            else:
                flat_in = in_ch * (9 if kernel == (3, 3) else 1)
                for w in ("1", "2"):
                    tensors[f"{name}.hada_w{w}_a"] = rnd(out_ch, rank, scale=0.5)
                    tensors[f"{name}.hada_w{w}_b"] = rnd(rank, flat_in, scale=0.5)
            tensors[name + ".alpha"] = torch.tensor(float(rank))
        elif fmt == "lokr" and (attention.search(path) or convs.search(path)) and out_ch % 2 == 0 and in_ch % 2 == 0:
            o1, i1 = 2, 2
            o2, i2 = out_ch // 2, in_ch // 2
            form = i % 3
            if form == 0:  # both full
                tensors[name + ".lokr_w1"] = rnd(o1, i1)
                tensors[name + ".lokr_w2"] = rnd(o2, i2, *kernel, scale=0.05)
            elif form == 1 or kernel != (3, 3):  # w2 factored
                tensors[name + ".lokr_w1"] = rnd(o1, i1)
                tensors[name + ".lokr_w2_a"] = rnd(o2, rank)
                tensors[name + ".lokr_w2_b"] = rnd(rank, i2 * (9 if kernel == (3, 3) else 1))
                tensors[name + ".alpha"] = torch.tensor(float(rank) / 2)
            else:  # w1 factored, w2 as CP
                tensors[name + ".lokr_w1_a"] = rnd(o1, rank)
                tensors[name + ".lokr_w1_b"] = rnd(rank, i1)
                tensors[name + ".lokr_w2_a"] = rnd(rank, o2)
                tensors[name + ".lokr_w2_b"] = rnd(rank, i2)
                tensors[name + ".lokr_t2"] = rnd(rank, rank, 3, 3, scale=0.05)
                tensors[name + ".alpha"] = torch.tensor(float(rank))
    write_safetensors(out, tensors, {"ss_network_module": "test." + fmt})


def make_weight_cp(t, wa, wb):
    temp = torch.einsum("i j k l, j r -> i r k l", t, wb)
    return torch.einsum("i j k l, i r -> r j k l", temp, wa)


def delta(m, shape):
    """ΔW and its scale, as AUTOMATIC1111's network modules compute them."""
    alpha = m.get("alpha")
    if "lora_down.weight" in m or "lora_A.weight" in m:
        down = m.get("lora_down.weight", m.get("lora_A.weight"))
        up = m.get("lora_up.weight", m.get("lora_B.weight"))
        rank = down.shape[0]
        if "lora_mid.weight" in m:
            w = torch.einsum("n m k l, i n, m j -> i j k l", m["lora_mid.weight"], up.reshape(up.shape[0], -1),
                             down.reshape(rank, -1))
        elif down.dim() == 4 and down.shape[2:] != (1, 1):
            w = torch.nn.functional.conv2d(down.permute(1, 0, 2, 3), up).permute(1, 0, 2, 3)
        else:
            w = up.reshape(up.shape[0], -1) @ down.reshape(rank, -1)
        scale = 1.0 if alpha is None or float(alpha) == 0 else float(alpha) / rank
        return w.reshape(shape), scale
    if "hada_w1_a" in m:
        def part(n):
            a, b = m[f"hada_w{n}_a"], m[f"hada_w{n}_b"]
            if f"hada_t{n}" in m:
                return make_weight_cp(m[f"hada_t{n}"], a, b), b.shape[0]
            return (a @ b).reshape(shape), b.shape[0]
        (w1, rank), (w2, _) = part(1), part(2)
        scale = 1.0 if alpha is None else float(alpha) / rank
        return (w1 * w2).reshape(shape), scale
    w1 = m["lokr_w1"] if "lokr_w1" in m else m["lokr_w1_a"] @ m["lokr_w1_b"]
    if "lokr_w2" in m:
        w2 = m["lokr_w2"]
    elif "lokr_t2" in m:
        w2 = make_weight_cp(m["lokr_t2"], m["lokr_w2_a"], m["lokr_w2_b"])
    else:
        w2 = m["lokr_w2_a"] @ m["lokr_w2_b"]
    dim = m["lokr_w1_b"].shape[0] if "lokr_w1_b" in m else m["lokr_w2_b"].shape[0] if "lokr_w2_b" in m else None
    scale = float(alpha) / dim if alpha is not None and dim else 1.0
    if w2.dim() == 4:
        w1 = w1.unsqueeze(2).unsqueeze(2)
    return torch.kron(w1, w2.contiguous()).reshape(shape), scale


def group(tensors, parts):
    """{(part, diffusers path): {suffix: tensor}} for kohya and PEFT key layouts, for the model's parts."""
    modules = {}
    for key, value in tensors.items():
        peft = [p for p in parts if key.startswith(PEFT_PREFIX[p])]
        if peft:
            part = max(peft, key=lambda p: len(PEFT_PREFIX[p]))  # text_encoder_2. before text_encoder.
            path = key[len(PEFT_PREFIX[part]):]
            m = re.match(r"(.+)\.(lora_[AB]\.weight|alpha)$", path)
            modules.setdefault((part, m.group(1)), {})[m.group(2)] = value
        else:
            name, suffix = key.split(".", 1)
            part = next(p for p in parts if name.startswith(KOHYA_PREFIX[p]))
            modules.setdefault((part, name), {})[suffix] = value
    return modules


def merge(model_dir, lora, out_dir, te_weight, unet_weight):
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    shutil.copytree(model_dir, out_dir)
    manifest, modules = load_modules(model_dir)
    per_level = manifest["exporter"]["config"]["unet"]["num_res_blocks"]
    up_attention = {int(m.group(1)) // (per_level + 1) for n, _ in modules["unet"].named_parameters()
                    for m in [re.match(r"output_blocks\.(\d+)\.1\.transformer_blocks", n)] if m}
    params = {part: dict(module.named_parameters()) for part, module in modules.items()}
    known = {}
    for part, path, export, _ in diffusers_paths(model_dir):
        known[(part, kohya_name(part, path))] = export
        known[(part, path)] = export
    for (part, name), m in group(read_safetensors(lora), list(modules)).items():
        export = known[(part, name)]
        if part == "unet":  # the name through the exporter's own diffusers -> ldm map
            path = next(p for (q, p), e in known.items() if q == part and e == export and "." in p)
            assert _unet_name(path + ".weight", per_level, up_attention) == export, (path, export)
        p = params[part][export]
        w, scale = delta(m, tuple(p.shape))
        with torch.no_grad():
            p.add_(w * ((unet_weight if part == "unet" else te_weight) * scale))
    for part, section in sections(manifest).items():
        modules[part].save(os.path.join(out_dir, manifest[section]["file"]))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    mk = sub.add_parser("make")
    mk.add_argument("format", choices=["lora", "locon", "loha", "lokr", "peft"])
    mk.add_argument("model")
    mk.add_argument("out")
    mk.add_argument("--rank", type=int, default=4)
    mk.add_argument("--seed", type=int, default=1)
    mg = sub.add_parser("merge")
    mg.add_argument("model")
    mg.add_argument("lora")
    mg.add_argument("out")
    mg.add_argument("--te", type=float, default=1.0)
    mg.add_argument("--unet", type=float, default=None)
    args = parser.parse_args()
    if args.command == "make":
        make(args.format, args.model, args.out, args.rank, args.seed)
    else:
        merge(args.model, args.lora, args.out, args.te, args.te if args.unet is None else args.unet)


if __name__ == "__main__":
    main()
