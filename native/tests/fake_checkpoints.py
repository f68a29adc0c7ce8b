"""Random-weight checkpoints with exactly the keys and shapes of native/keys' tables (or of reduced
architectures built by the same table code), written as real users' files are: safetensors or
.ckpt single files (fp16/fp32, with EMA and junk keys), diffusers folders, standalone VAEs."""
import json
import os
import struct
import sys
from dataclasses import replace

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "keys"))
import make_tables as tables  # noqa: E402 (importable only after the sys.path line)

VOCAB_TOKENS = 760
SD1_SMALL = replace(tables.SD15, text_width=64, text_layers=2, text_mlp=128, vocab=VOCAB_TOKENS, mc=32, mult=(1, 2),
                    res=1, attn_levels=(0, 1), context=64, vae_ch=32, vae_mult=(1, 1, 1, 1), vae_res=1)
SD2_SMALL = replace(tables.SD21, text_width=64, text_layers=3, text_mlp=128, vocab=VOCAB_TOKENS, mc=64, mult=(1, 2),
                    res=1, attn_levels=(0, 1), context=64, vae_ch=32, vae_mult=(1, 1, 1, 1), vae_res=1)
# SDXL at tiny widths with everything that makes it SDXL: both text towers (bigG with 2 heads and text_projection),
# no attention at level 0, a different transformer depth per level (1, then 2 and 2 in the middle), label_emb with
# SDXL's 256-wide time-id embeddings; the refiner: bigG only, 4 levels, attention at levels 1 and 2.
SDXL_SMALL = replace(tables.SDXL, text_width=64, text_layers=2, text_mlp=128, text2_width=128, text2_layers=3,
                     text2_mlp=256, vocab=VOCAB_TOKENS, mc=32, depth=(1, 1, 2), mid_depth=2, context=64 + 128,
                     adm=128 + 6 * 256, vae_ch=32, vae_mult=(1, 1, 1, 1), vae_res=1)
SDXL_REFINER_SMALL = replace(tables.SDXL_REFINER, text_width=128, text_layers=3, text_mlp=256, vocab=VOCAB_TOKENS,
                             mc=32, depth=(2, 2, 2, 2), mid_depth=2, context=128, adm=128 + 5 * 256, vae_ch=32,
                             vae_mult=(1, 1, 1, 1), vae_res=1)
SD1_SMALL_INPAINT = replace(SD1_SMALL, unet_in=9)
SD15_INPAINT = replace(tables.SD15, unet_in=9)
# What community files carry besides the weights: ldm's noise schedule buffers, the EMA bookkeeping,
# the CLIP position_ids buffer, a training loss module.
JUNK = {"alphas_cumprod": (1000,), "betas": (1000,), "model_ema.decay": (), "model_ema.num_updates": (),
        "cond_stage_model.transformer.text_model.embeddings.position_ids": (1, 77), "loss.logvar": (1000,)}

SAFETENSORS_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64", torch.bfloat16: "BF16"}


def random_tensors(rows, dtype=torch.float32, seed=0):
    """Gaussian values scaled as trained weights roughly are (std 1/sqrt(fan-in) for matrices and kernels,
    0.02 for embeddings and biases, norms' weights near 1), so activations stay finite through a full-size
    model, as they do with real weights; every tensor still gets its own distinct values."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for r in rows:
        name, shape = r[0], tuple(r[1])
        t = torch.randn(shape, generator=g)
        if len(shape) >= 2 and "embedding" not in name:
            fan_in = 1
            for d in shape[1:]:
                fan_in *= d
            t = t / fan_in ** 0.5
        elif ("norm" in name or "ln_" in name) and name.endswith("weight"):
            t = 1 + 0.02 * t
        else:
            t = 0.02 * t
        out[name] = t.to(dtype)
    return out


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.reshape(-1).contiguous().view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": SAFETENSORS_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        for b in blobs:
            f.write(b)


def single_file(arch, dtype=torch.float32, ema=False, junk=False, seed=0):
    """{key: tensor} of a single-file checkpoint."""
    sd = random_tensors(tables.single_file(arch), dtype, seed)
    if ema:  # ldm's EMA copy: model_ema.diffusion_model + the U-Net key without dots
        for k, v in list(sd.items()):
            if k.startswith("model.diffusion_model."):
                sd["model_ema.diffusion_model" + k[len("model.diffusion_model."):].replace(".", "")] = v + 1
    if junk:
        for k, s in JUNK.items():
            if arch.sdxl and "position_ids" in k and not arch.text2_width:
                continue  # the refiner has no CLIP-L
            if arch.sdxl:  # SDXL's CLIP-L sits under conditioner.embedders.0.transformer.
                k = k.replace("cond_stage_model.", "conditioner.embedders.0.")
            sd[k] = torch.zeros(s, dtype=torch.int64 if "position_ids" in k else dtype)
    return sd


def diffusers_folder(folder, arch, tokenizer_dir, dtype=torch.float32, seed=0, prediction_type="epsilon"):
    """Writes a diffusers model folder; returns {ldm single-file key: tensor} of the same weights."""
    rows = tables.diffusers_folder(arch)
    values = random_tensors(rows, dtype, seed)
    by_folder, ldm = {}, {}
    for key, shape, ldm_key in rows:
        sub, name = key.split("/", 1)
        value = values[key]
        if sub == "vae" and ".attentions.0.to_" in name and name.endswith(".weight"):
            value = value.reshape(shape[0], shape[1])  # diffusers' Linear, ldm's 1x1 convolution
        by_folder.setdefault(sub, {})[name] = value
        ldm[ldm_key or key] = values[key]
    files = {"unet": "diffusion_pytorch_model.safetensors", "vae": "diffusion_pytorch_model.safetensors",
             "text_encoder": "model.safetensors", "text_encoder_2": "model.safetensors"}
    for sub, tensors in by_folder.items():
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
        write_safetensors(os.path.join(folder, sub, files[sub]), tensors)
    if arch.sdxl:
        _sdxl_configs(folder, arch, tokenizer_dir)
        return ldm
    act = "gelu" if arch.openclip else "quick_gelu"
    _json(os.path.join(folder, "text_encoder", "config.json"), {"hidden_act": act, "num_attention_heads": 1})
    _json(os.path.join(folder, "vae", "config.json"), {"scaling_factor": 0.18215})
    _json(os.path.join(folder, "scheduler", "scheduler_config.json"),
          {"_class_name": "DDIMScheduler" if prediction_type == "v_prediction" else "PNDMScheduler",
           "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
           "steps_offset": 1, "set_alpha_to_one": False, "skip_prk_steps": True, "clip_sample": False,
           "prediction_type": prediction_type})
    _tokenizer(folder, "tokenizer", tokenizer_dir, "!" if arch.openclip else "<|endoftext|>")
    return ldm


def diffusers_vae(arch, seed=0):
    """{diffusers name: tensor} of a standalone diffusers VAE (e.g. the fp16-fix VAE's diffusion_pytorch_model)."""
    rows = [r for r in tables.diffusers_folder(arch) if r[0].startswith("vae/")]
    vae = {k[len("vae/"):]: v for k, v in random_tensors(rows, seed=seed).items()}
    return {k: (v.reshape(v.shape[:2]) if ".attentions.0.to_" in k and v.dim() == 4 else v) for k, v in vae.items()}


def _sdxl_configs(folder, arch, tokenizer_dir):
    """An SDXL folder's configs as diffusers writes them (the fields the exporter reads): CLIP-L in text_encoder/
    and tokenizer/ (pad <|endoftext|>), bigG in text_encoder_2/ and tokenizer_2/ (pad '!'); the refiner has only
    the second pair."""
    bigg_width = arch.text2_width or arch.text_width
    if arch.text2_width:
        _json(os.path.join(folder, "text_encoder", "config.json"),
              {"hidden_act": "quick_gelu", "num_attention_heads": arch.text_width // 64})
        _tokenizer(folder, "tokenizer", tokenizer_dir, "<|endoftext|>")
    _json(os.path.join(folder, "text_encoder_2", "config.json"),
          {"hidden_act": "gelu", "num_attention_heads": bigg_width // 64, "projection_dim": bigg_width})
    _tokenizer(folder, "tokenizer_2", tokenizer_dir, "!")
    _json(os.path.join(folder, "vae", "config.json"), {"scaling_factor": 0.13025, "force_upcast": True})
    _json(os.path.join(folder, "scheduler", "scheduler_config.json"),
          {"_class_name": "EulerDiscreteScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085,
           "beta_end": 0.012, "beta_schedule": "scaled_linear", "steps_offset": 1, "timestep_spacing": "leading",
           "interpolation_type": "linear", "use_karras_sigmas": False, "prediction_type": "epsilon"})


def _tokenizer(folder, sub, tokenizer_dir, pad):
    os.makedirs(os.path.join(folder, sub), exist_ok=True)
    for f in ("vocab.json", "merges.txt"):
        with open(os.path.join(tokenizer_dir, f), "rb") as src, open(os.path.join(folder, sub, f), "wb") as dst:
            dst.write(src.read())
    _json(os.path.join(folder, sub, "special_tokens_map.json"), {"pad_token": pad})


def _json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f)


ARCHS = {"sd1-small": SD1_SMALL, "sd2-small": SD2_SMALL, "sd15": tables.SD15, "sd21": tables.SD21,
         "sd1-small-inpaint": SD1_SMALL_INPAINT, "sd15-inpaint": SD15_INPAINT, "sdxl-small": SDXL_SMALL,
         "sdxl-refiner-small": SDXL_REFINER_SMALL, "sdxl": tables.SDXL, "sdxl-refiner": tables.SDXL_REFINER}

if __name__ == "__main__":
    # fake_checkpoints.py single ARCH OUT.safetensors [fp16] [scaled]
    # fake_checkpoints.py diffusers ARCH DIR TOKENIZER_DIR
    # "scaled" shrinks the weights (not the norms' or the first text layer's) to 0.1x so activations stay within
    # fp16's range, as trained weights do; plain N(0,1) weights overflow fp16 after a few layers.
    kind, arch = sys.argv[1], ARCHS[sys.argv[2]]
    if kind == "single":
        dtype = torch.float16 if "fp16" in sys.argv[4:] else torch.float32
        sd = single_file(arch, dtype, ema=True, junk=True)
        if "scaled" in sys.argv[4:]:
            sd = {k: (v * 0.1 if "norm" not in k and "layers.0" not in k else v) for k, v in sd.items()}
        write_safetensors(sys.argv[3], sd)
    else:
        diffusers_folder(sys.argv[3], arch, sys.argv[4])
