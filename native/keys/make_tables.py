"""Writes the key/shape tables of SD single files and diffusers folders (native/keys/*.tsv).

Written from the published architecture descriptions, independently of torchsd_export's modules:
ldm's configs (configs/stable-diffusion/v1-inference.yaml, v2-inference.yaml, v2-inference-v.yaml:
model_channels 320, channel_mult 1,2,4,4, num_res_blocks 2, attention_resolutions 4,2,1, num_heads 8
(SD 1) / num_head_channels 64 + use_linear_in_transformer (SD 2), context_dim 768/1024; the VAE's
ch 128, ch_mult 1,2,4,4, z_channels 4), Stability's generative-models configs for SDXL
(configs/inference/sd_xl_base.yaml, sd_xl_refiner.yaml: see SDXL and SDXL_REFINER below), CLIP ViT-L/14's
text model (width 768, 12 layers, MLP 3072), OpenCLIP ViT-H/14's text tower (width 1024, 24 layers, MLP
4096) and ViT-bigG/14's (width 1280, 32 layers, MLP 5120), and diffusers' block naming
(down_blocks/mid_block/up_blocks of resnets/attentions/downsamplers/upsamplers, add_embedding). The tests
check these tables against the published parameter counts and build random checkpoints from them.

    python3 native/keys/make_tables.py native/keys        (re)writes the tables
Each row: key, shape (comma-separated), and for diffusers tables the ldm key it corresponds to.
"""
import sys
from dataclasses import dataclass, replace
from typing import List, Tuple

Row = Tuple[str, Tuple[int, ...], str]


@dataclass
class Arch:
    text_width: int = 768
    text_layers: int = 12
    text_mlp: int = 3072
    vocab: int = 49408
    tokens: int = 77
    openclip: bool = False
    mc: int = 320
    mult: Tuple[int, ...] = (1, 2, 4, 4)
    res: int = 2
    attn_levels: Tuple[int, ...] = (0, 1, 2)
    context: int = 768
    linear: bool = False
    vae_ch: int = 128
    vae_mult: Tuple[int, ...] = (1, 2, 4, 4)
    vae_res: int = 2
    z: int = 4
    unet_in: int = 4  # 9 for inpainting U-Nets: latents, mask, masked-image latents
    # SDXL (Stability's generative-models layout: conditioner.embedders.*, label_emb). The base's text_* are CLIP-L's
    # and text2_* OpenCLIP bigG's; the refiner has bigG only, as text_* with openclip and text2_width 0.
    sdxl: bool = False
    text2_width: int = 0
    text2_layers: int = 0
    text2_mlp: int = 0
    depth: Tuple[int, ...] = ()  # transformer blocks per level (where attn_levels has attention); () = 1
    mid_depth: int = 1
    adm: int = 0  # label_emb's input width: pooled text embedding + 256 per time id


SD15 = Arch()
SD21 = Arch(text_width=1024, text_layers=24, text_mlp=4096, openclip=True, context=1024, linear=True)
# sd_xl_base.yaml: model_channels 320, channel_mult 1,2,4, attention_resolutions 4,2 (levels 1, 2), transformer_depth
# 1,2,10 (middle: the last, 10), context_dim 2048, adm_in_channels 2816; CLIP ViT-L/14 + OpenCLIP ViT-bigG/14 (width
# 1280, 32 layers, MLP 5120).
SDXL = Arch(sdxl=True, text2_width=1280, text2_layers=32, text2_mlp=5120, mult=(1, 2, 4), attn_levels=(1, 2),
            depth=(1, 2, 10), mid_depth=10, context=2048, linear=True, adm=2816)
# sd_xl_refiner.yaml: model_channels 384, channel_mult 1,2,4,4, attention_resolutions 4,2, transformer_depth 4,
# context_dim 1280, adm_in_channels 2560; OpenCLIP ViT-bigG/14 only.
SDXL_REFINER = Arch(sdxl=True, text_width=1280, text_layers=32, text_mlp=5120, openclip=True, mc=384,
                    attn_levels=(1, 2), depth=(4, 4, 4, 4), mid_depth=4, context=1280, linear=True, adm=2560)


def linear(name, cin, cout, bias=True):
    return [(f"{name}.weight", (cout, cin))] + ([(f"{name}.bias", (cout,))] if bias else [])


def conv(name, cin, cout, k):
    return [(f"{name}.weight", (cout, cin, k, k)), (f"{name}.bias", (cout,))]


def norm(name, c):
    return [(f"{name}.weight", (c,)), (f"{name}.bias", (c,))]


# ---- ldm single-file layout -------------------------------------------------------------------------

def ldm_resblock(p, cin, cout, emb):
    rows = norm(f"{p}.in_layers.0", cin) + conv(f"{p}.in_layers.2", cin, cout, 3)
    rows += linear(f"{p}.emb_layers.1", emb, cout)
    rows += norm(f"{p}.out_layers.0", cout) + conv(f"{p}.out_layers.3", cout, cout, 3)
    return rows + (conv(f"{p}.skip_connection", cin, cout, 1) if cin != cout else [])


def ldm_transformer(p, c, a: Arch, depth: int = 1):
    proj = (lambda n: linear(n, c, c)) if a.linear else (lambda n: conv(n, c, c, 1))
    rows = norm(f"{p}.norm", c) + proj(f"{p}.proj_in")
    for i in range(depth):
        b = f"{p}.transformer_blocks.{i}"
        for attn, ctx in (("attn1", c), ("attn2", a.context)):
            rows += linear(f"{b}.{attn}.to_q", c, c, False) + linear(f"{b}.{attn}.to_k", ctx, c, False)
            rows += linear(f"{b}.{attn}.to_v", ctx, c, False) + linear(f"{b}.{attn}.to_out.0", c, c)
        rows += linear(f"{b}.ff.net.0.proj", c, 8 * c) + linear(f"{b}.ff.net.2", 4 * c, c)
        rows += norm(f"{b}.norm1", c) + norm(f"{b}.norm2", c) + norm(f"{b}.norm3", c)
    return rows + proj(f"{p}.proj_out")


def ldm_unet(a: Arch) -> List[Row]:
    """(ldm key, shape, diffusers key) for every U-Net parameter."""
    out = []

    def add(rows, diff_prefix, ldm_prefix, rename):
        for k, s in rows:
            out.append((k, s, diff_prefix + rename(k[len(ldm_prefix):])))

    emb, mc = 4 * a.mc, a.mc
    for i, (ours, theirs) in enumerate((("time_embed.0", "time_embedding.linear_1"),
                                        ("time_embed.2", "time_embedding.linear_2"))):
        add(linear(ours, mc if i == 0 else emb, emb), theirs, ours, lambda r: r)
    if a.adm:  # sgm's label_emb = Sequential(Sequential(Linear, SiLU, Linear)); diffusers' add_embedding
        for i, (ours, theirs) in enumerate((("label_emb.0.0", "add_embedding.linear_1"),
                                            ("label_emb.0.2", "add_embedding.linear_2"))):
            add(linear(ours, a.adm if i == 0 else emb, emb), theirs, ours, lambda r: r)
    add(conv("input_blocks.0.0", a.unet_in, mc, 3), "conv_in", "input_blocks.0.0", lambda r: r)
    ch, skips, n = mc, [mc], 1
    for level, m in enumerate(a.mult):
        for j in range(a.res):
            p = f"input_blocks.{n}"
            add(ldm_resblock(f"{p}.0", ch, m * mc, emb), f"down_blocks.{level}.resnets.{j}", f"{p}.0", resnet_rename)
            ch = m * mc
            if level in a.attn_levels:
                add(ldm_transformer(f"{p}.1", ch, a, depth_at(a, level)), f"down_blocks.{level}.attentions.{j}",
                    f"{p}.1", lambda r: r)
            skips.append(ch)
            n += 1
        if level < len(a.mult) - 1:
            add(conv(f"input_blocks.{n}.0.op", ch, ch, 3), f"down_blocks.{level}.downsamplers.0.conv",
                f"input_blocks.{n}.0.op", lambda r: r)
            skips.append(ch)
            n += 1
    add(ldm_resblock("middle_block.0", ch, ch, emb), "mid_block.resnets.0", "middle_block.0", resnet_rename)
    add(ldm_transformer("middle_block.1", ch, a, a.mid_depth), "mid_block.attentions.0", "middle_block.1",
        lambda r: r)
    add(ldm_resblock("middle_block.2", ch, ch, emb), "mid_block.resnets.1", "middle_block.2", resnet_rename)
    n = 0
    for up, level in enumerate(reversed(range(len(a.mult)))):
        m = a.mult[level]
        for j in range(a.res + 1):
            p = f"output_blocks.{n}"
            add(ldm_resblock(f"{p}.0", ch + skips.pop(), m * mc, emb), f"up_blocks.{up}.resnets.{j}", f"{p}.0",
                resnet_rename)
            ch = m * mc
            pos = 1
            if level in a.attn_levels:
                add(ldm_transformer(f"{p}.1", ch, a, depth_at(a, level)), f"up_blocks.{up}.attentions.{j}",
                    f"{p}.1", lambda r: r)
                pos = 2
            if level > 0 and j == a.res:
                add(conv(f"{p}.{pos}.conv", ch, ch, 3), f"up_blocks.{up}.upsamplers.0.conv", f"{p}.{pos}.conv",
                    lambda r: r)
            n += 1
    add(norm("out.0", mc), "conv_norm_out", "out.0", lambda r: r)
    add(conv("out.2", mc, 4, 3), "conv_out", "out.2", lambda r: r)
    return out


def depth_at(a: Arch, level: int) -> int:
    return a.depth[level] if a.depth else 1


def resnet_rename(rest):
    for ldm, diff in (("in_layers.0", "norm1"), ("in_layers.2", "conv1"), ("emb_layers.1", "time_emb_proj"),
                      ("out_layers.0", "norm2"), ("out_layers.3", "conv2"), ("skip_connection", "conv_shortcut")):
        if rest.startswith("." + ldm):
            return "." + diff + rest[len(ldm) + 1:]
    raise ValueError(rest)


def vae_resnet(p, cin, cout):
    rows = norm(f"{p}.norm1", cin) + conv(f"{p}.conv1", cin, cout, 3)
    rows += norm(f"{p}.norm2", cout) + conv(f"{p}.conv2", cout, cout, 3)
    return rows + (conv(f"{p}.nin_shortcut", cin, cout, 1) if cin != cout else [])


def vae_mid(p, dp, c):
    rows = [(k, s, dp + ".resnets.0" + k[len(p + ".block_1"):].replace("nin_shortcut", "conv_shortcut"))
            for k, s in vae_resnet(f"{p}.block_1", c, c)]
    for ldm, diff in (("norm", "group_norm"), ("q", "to_q"), ("k", "to_k"), ("v", "to_v"), ("proj_out", "to_out.0")):
        if ldm == "norm":
            rows += [(k, s, f"{dp}.attentions.0.{diff}.{k.rsplit('.', 1)[1]}") for k, s in norm(f"{p}.attn_1.norm", c)]
        else:  # diffusers >= 0.14 stores these as Linear (c, c); ldm as 1x1 convolutions
            rows += [(k, s, f"{dp}.attentions.0.{diff}.{k.rsplit('.', 1)[1]}")
                     for k, s in conv(f"{p}.attn_1.{ldm}", c, c, 1)]
    rows += [(k, s, dp + ".resnets.1" + k[len(p + ".block_2"):]) for k, s in vae_resnet(f"{p}.block_2", c, c)]
    return rows


def ldm_vae(a: Arch) -> List[Row]:
    out = []
    chans = [a.vae_ch * m for m in a.vae_mult]
    out += [(k, s, k) for k, s in conv("encoder.conv_in", 3, a.vae_ch, 3)]
    cin = a.vae_ch
    for i, c in enumerate(chans):
        for j in range(a.vae_res):
            out += [(k, s, k.replace(f"encoder.down.{i}.block.{j}", f"encoder.down_blocks.{i}.resnets.{j}")
                     .replace("nin_shortcut", "conv_shortcut"))
                    for k, s in vae_resnet(f"encoder.down.{i}.block.{j}", cin, c)]
            cin = c
        if i < len(chans) - 1:
            out += [(k, s, k.replace(f"encoder.down.{i}.downsample", f"encoder.down_blocks.{i}.downsamplers.0"))
                    for k, s in conv(f"encoder.down.{i}.downsample.conv", c, c, 3)]
    out += vae_mid("encoder.mid", "encoder.mid_block", cin)
    out += [(k, s, k.replace("norm_out", "conv_norm_out")) for k, s in norm("encoder.norm_out", cin)]
    out += [(k, s, k) for k, s in conv("encoder.conv_out", cin, 2 * a.z, 3)]
    out += [(k, s, k) for k, s in conv("quant_conv", 2 * a.z, 2 * a.z, 1)]
    out += [(k, s, k) for k, s in conv("post_quant_conv", a.z, a.z, 1)]
    top = chans[-1]
    out += [(k, s, k) for k, s in conv("decoder.conv_in", a.z, top, 3)]
    out += vae_mid("decoder.mid", "decoder.mid_block", top)
    cin, levels = top, len(chans)
    for i in reversed(range(levels)):
        c = chans[i]
        up = levels - 1 - i
        for j in range(a.vae_res + 1):
            out += [(k, s, k.replace(f"decoder.up.{i}.block.{j}", f"decoder.up_blocks.{up}.resnets.{j}")
                     .replace("nin_shortcut", "conv_shortcut"))
                    for k, s in vae_resnet(f"decoder.up.{i}.block.{j}", cin, c)]
            cin = c
        if i > 0:
            out += [(k, s, k.replace(f"decoder.up.{i}.upsample", f"decoder.up_blocks.{up}.upsamplers.0"))
                    for k, s in conv(f"decoder.up.{i}.upsample.conv", c, c, 3)]
    out += [(k, s, k.replace("norm_out", "conv_norm_out")) for k, s in norm("decoder.norm_out", cin)]
    out += [(k, s, k) for k, s in conv("decoder.conv_out", cin, 3, 3)]
    return out


def clip_text(a: Arch, layers: int) -> List[Tuple[str, Tuple[int, ...]]]:
    """Hugging Face CLIPTextModel names (SD 1.x single files under cond_stage_model.transformer., diffusers)."""
    w = a.text_width
    rows = [("text_model.embeddings.token_embedding.weight", (a.vocab, w)),
            ("text_model.embeddings.position_embedding.weight", (a.tokens, w))]
    for i in range(layers):
        p = f"text_model.encoder.layers.{i}"
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            rows += linear(f"{p}.self_attn.{proj}", w, w)
        rows += norm(f"{p}.layer_norm1", w)
        rows += linear(f"{p}.mlp.fc1", w, a.text_mlp) + linear(f"{p}.mlp.fc2", a.text_mlp, w)
        rows += norm(f"{p}.layer_norm2", w)
    return rows + norm("text_model.final_layer_norm", w)


def openclip_text(a: Arch) -> List[Tuple[str, Tuple[int, ...]]]:
    w = a.text_width
    rows = [("token_embedding.weight", (a.vocab, w)), ("positional_embedding", (a.tokens, w))]
    for i in range(a.text_layers):
        p = f"transformer.resblocks.{i}"
        rows += [(f"{p}.attn.in_proj_weight", (3 * w, w)), (f"{p}.attn.in_proj_bias", (3 * w,))]
        rows += linear(f"{p}.attn.out_proj", w, w) + norm(f"{p}.ln_1", w)
        rows += linear(f"{p}.mlp.c_fc", w, a.text_mlp) + linear(f"{p}.mlp.c_proj", a.text_mlp, w) + norm(f"{p}.ln_2", w)
    return rows + norm("ln_final", w) + [("text_projection", (w, w)), ("logit_scale", ())]


def bigg(a: Arch) -> Arch:
    """The SDXL base's second text tower as an Arch of its own."""
    return replace(a, text_width=a.text2_width, text_layers=a.text2_layers, text_mlp=a.text2_mlp, openclip=True)


def single_file(a: Arch) -> List[Tuple[str, Tuple[int, ...]]]:
    rows = [("model.diffusion_model." + k, s) for k, s, _ in ldm_unet(a)]
    rows += [("first_stage_model." + k, s) for k, s, _ in ldm_vae(a)]
    if a.sdxl and a.text2_width:
        rows += [("conditioner.embedders.0.transformer." + k, s) for k, s in clip_text(a, a.text_layers)]
        rows += [("conditioner.embedders.1.model." + k, s) for k, s in openclip_text(bigg(a))]
    elif a.sdxl:
        rows += [("conditioner.embedders.0.model." + k, s) for k, s in openclip_text(a)]
    elif a.openclip:
        rows += [("cond_stage_model.model." + k, s) for k, s in openclip_text(a)]
    else:
        rows += [("cond_stage_model.transformer." + k, s) for k, s in clip_text(a, a.text_layers)]
    return rows


def diffusers_folder(a: Arch) -> List[Row]:
    """(folder/key, shape, ldm single-file key). SD 2.x's diffusers text encoder has 23 layers (the last dropped).
    SDXL: text_encoder/ is CLIP-L (CLIPTextModel), text_encoder_2/ OpenCLIP bigG as CLIPTextModelWithProjection
    (q/k/v split, text_projection a Linear weight: no single-file key of the same shape); the refiner has only
    text_encoder_2/."""
    rows = [("unet/" + d, s, "model.diffusion_model." + k) for k, s, d in ldm_unet(a)]
    rows += [("vae/" + d, s, "first_stage_model." + k) for k, s, d in ldm_vae(a)]
    if a.sdxl:
        if a.text2_width:
            rows += [("text_encoder/" + k, s, "conditioner.embedders.0.transformer." + k)
                     for k, s in clip_text(a, a.text_layers)]
        g = bigg(a) if a.text2_width else a
        rows += [("text_encoder_2/" + k, s, "") for k, s in clip_text(g, g.text_layers)]
        return rows + [("text_encoder_2/text_projection.weight", (g.text_width, g.text_width), "")]
    layers = a.text_layers - 1 if a.openclip else a.text_layers
    rows += [("text_encoder/" + k, s, ("cond_stage_model.transformer." + k) if not a.openclip else "")
             for k, s in clip_text(a, layers)]
    return rows


def shape_text(s):
    return ",".join(map(str, s))


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write("\t".join([r[0], shape_text(r[1])] + list(r[2:])) + "\n")


def read(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            shape = tuple(int(x) for x in parts[1].split(",") if x)
            rows.append((parts[0], shape) + tuple(parts[2:]))
    return rows


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "native/keys"
    write(f"{out}/sd15-single-file.tsv", single_file(SD15))
    write(f"{out}/sd21-single-file.tsv", single_file(SD21))
    write(f"{out}/sd15-diffusers.tsv", diffusers_folder(SD15))
    write(f"{out}/sd21-diffusers.tsv", diffusers_folder(SD21))
    write(f"{out}/sdxl-single-file.tsv", single_file(SDXL))
    write(f"{out}/sdxl-diffusers.tsv", diffusers_folder(SDXL))
    write(f"{out}/sdxl-refiner-single-file.tsv", single_file(SDXL_REFINER))
    write(f"{out}/sdxl-refiner-diffusers.tsv", diffusers_folder(SDXL_REFINER))
