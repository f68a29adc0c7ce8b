"""Rewrites an export's attention to torch's fused scaled_dot_product_attention, for runtimes with torch >= 2.0.

    python3 -m torchsd_export.fuse_attention MODEL_DIR

Why: an export scripted by torch 1.13 (Debian's) spells attention out as
softmax(q k^T / sqrt(d)) v, which materialises every score: at 512x512 the U-Net's first level
holds a (2, 8, 4096, 4096) float matrix, 1 GB, several times per step. libtorch 2.x has a fused
kernel that never does (flash attention on CPU). torch 1.13 cannot script a call to an operator it
does not have, so this tool edits the TorchScript source stored in the archives instead: the body
of attention.py's formula functions becomes one call of the fused operator. Nothing else changes
(weights, other code, file names); the manifest's exporter.sdpa becomes true. The result loads
only in torch/libtorch >= 2.0, which is what the Java runtime uses; the torch 1.13 peer keeps
needing the unrewritten export.
"""
import argparse
import json
import os
import re
import shutil
import sys
import zipfile

# The fused call that replaces each formula function's body (same arguments, same result up to rounding).
REPLACEMENTS = {
    "_attention_formula": "  return torch.scaled_dot_product_attention(q, k, v)\n",
    "_causal_attention_formula": "  return torch.scaled_dot_product_attention(q, k, v, None, 0., True)\n",
}
ATTENTION_SOURCE = "code/__torch__/torchsd_export/attention.py"


def rewrite_source(source: str) -> str:
    """Replaces the body of every formula function (the indented lines after its signature)."""
    for name, body in REPLACEMENTS.items():
        pattern = re.compile(r"(^def " + name + r"\([^)]*\) -> Tensor:\n)((?:  .*\n)+)", re.MULTILINE)
        source = pattern.sub(lambda m: m.group(1) + body, source)
    return source


def rewrite_archive(path: str) -> bool:
    """Rewrites one TorchScript archive in place (through a temporary file); False when it has no formula attention."""
    with zipfile.ZipFile(path) as zin:
        names = zin.namelist()
        sources = [n for n in names if n.endswith("/" + ATTENTION_SOURCE)]
        if not sources:
            return False
        old = zin.read(sources[0]).decode("utf-8")
        new = rewrite_source(old)
        if new == old:
            return False
        tmp = path + ".fusing"
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zout:
            for info in zin.infolist():
                if info.filename == sources[0] + ".debug_pkl":
                    continue  # its source ranges point into the old text; libtorch loads without it
                if info.filename == sources[0]:
                    zout.writestr(info, new.encode("utf-8"))
                    continue
                with zin.open(info) as src, zout.open(info, "w", force_zip64=info.file_size > 2**31) as dst:
                    shutil.copyfileobj(src, dst, 16 * 1024 * 1024)
    os.replace(tmp, path)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a torchsd model folder (model.json and the .pt exports)")
    args = parser.parse_args()
    manifest_path = os.path.join(args.model, "model.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    texts = [manifest[section]["file"] for section in ("text_encoder", "text_encoder_2") if section in manifest]
    files = texts + [manifest["unet"]["file"], manifest["vae"]["decoder"], manifest["vae"]["encoder"]]
    changed = []
    for name in files:
        path = os.path.join(args.model, name)
        if os.path.exists(path) and rewrite_archive(path):
            changed.append(name)
    manifest.setdefault("exporter", {})["sdpa"] = True
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"{args.model}: fused attention in {', '.join(changed) if changed else 'no file (already fused)'}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
