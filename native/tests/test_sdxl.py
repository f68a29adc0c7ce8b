"""SDXL exports against diffusers' formulas written out on the same weights (diffusers is not installed here):
CLIP-L's hidden_states[-2] (Hugging Face CLIPTextModel), OpenCLIP bigG's hidden_states[-2] and pooled
text_embeds (open_clip's encode_text), and UNet2DConditionModel with addition_embed_type "text_time", computed
in diffusers' block layout from the diffusers names of the same tensors (native/keys' tables map them)."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch
import torch.nn.functional as F

from torchsd_export import config as configs
from torchsd_export import lora_keymap
from torchsd_export.checkpoint import CheckpointError
from torchsd_export.components import builders, shapes
from torchsd_export.from_checkpoint import export_checkpoint
from torchsd_export.outdir import prepare_out_dir

sys.path.insert(0, os.path.dirname(__file__))
import fake_checkpoints as fc  # noqa: E402 (importable only after the sys.path line)
from tests.test_lora_keymap import diffusers_table  # noqa: E402

NATIVE = os.path.join(os.path.dirname(__file__), "..")
CLIP_L, BIGG, REFINER_BIGG = "conditioner.embedders.0.transformer.text_model.", "conditioner.embedders.1.model.", \
    "conditioner.embedders.0.model."
UNET = "model.diffusion_model."


def strip(sd, prefix):
    return {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}


def causal_attention(x, q, k, v, out, heads):
    """Multi-head causal self-attention with separate projections (Hugging Face CLIPAttention)."""
    b, n, c = x.shape
    d = c // heads

    def split(t):
        return t.reshape(b, n, heads, d).transpose(1, 2)
    scores = split(q(x)) @ split(k(x)).transpose(-1, -2) / math.sqrt(d)
    scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    return out((scores.softmax(-1) @ split(v(x))).transpose(1, 2).reshape(b, n, c))


def clip_hidden_states(p, ids, heads):
    """Hugging Face CLIPTextModel(output_hidden_states=True).hidden_states: embeddings, then after each layer."""
    def lin(name):
        return lambda t: F.linear(t, p[name + ".weight"], p[name + ".bias"])

    def ln(t, name):
        return F.layer_norm(t, t.shape[-1:], p[name + ".weight"], p[name + ".bias"])
    x = p["embeddings.token_embedding.weight"][ids] + p["embeddings.position_embedding.weight"][:ids.shape[1]]
    states = [x]
    layers = len({k.split(".")[2] for k in p if k.startswith("encoder.layers.")})
    for i in range(layers):
        r = f"encoder.layers.{i}."
        a = r + "self_attn."
        x = x + causal_attention(ln(x, r + "layer_norm1"), lin(a + "q_proj"), lin(a + "k_proj"), lin(a + "v_proj"),
                                 lin(a + "out_proj"), heads)
        h = lin(r + "mlp.fc1")(ln(x, r + "layer_norm2"))
        x = x + lin(r + "mlp.fc2")(h * torch.sigmoid(1.702 * h))  # quick_gelu
        states.append(x)
    return states


def openclip_hidden_states(p, ids, heads):
    """open_clip's text transformer: nn.MultiheadAttention with the fused in_proj, GELU MLP."""
    w = p["token_embedding.weight"].shape[1]
    x = p["token_embedding.weight"][ids] + p["positional_embedding"]
    mask = torch.full((ids.shape[1], ids.shape[1]), float("-inf")).triu(1)
    states = [x]
    layers = len({k.split(".")[2] for k in p if k.startswith("transformer.resblocks.")})
    for i in range(layers):
        r = f"transformer.resblocks.{i}."
        attn = torch.nn.MultiheadAttention(w, heads, batch_first=True)
        attn.load_state_dict({n: p[r + "attn." + n] for n in ("in_proj_weight", "in_proj_bias", "out_proj.weight",
                                                              "out_proj.bias")})
        h = F.layer_norm(x, (w,), p[r + "ln_1.weight"], p[r + "ln_1.bias"])
        x = x + attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        h = F.layer_norm(x, (w,), p[r + "ln_2.weight"], p[r + "ln_2.bias"])
        h = F.gelu(h @ p[r + "mlp.c_fc.weight"].T + p[r + "mlp.c_fc.bias"])
        x = x + h @ p[r + "mlp.c_proj.weight"].T + p[r + "mlp.c_proj.bias"]
        states.append(x)
    return states


def openclip_pooled(p, last, eos):
    """open_clip encode_text: ln_final, the EOS row, @ text_projection (stored (width, embed_dim))."""
    x = F.layer_norm(last, last.shape[-1:], p["ln_final.weight"], p["ln_final.bias"])
    return x[torch.arange(x.shape[0]), eos] @ p["text_projection"]


def sinusoid(t, dim):
    """diffusers' Timesteps(dim, flip_sin_to_cos=True, downscale_freq_shift=0)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class DiffusersUNet:
    """UNet2DConditionModel.forward with addition_embed_type "text_time", on diffusers-named weights."""

    def __init__(self, weights, arch):
        self.p, self.arch = weights, arch

    def lin(self, x, name):
        return F.linear(x, self.p[name + ".weight"], self.p.get(name + ".bias"))

    def conv(self, x, name, stride=1):
        w = self.p[name + ".weight"]
        return F.conv2d(x, w, self.p.get(name + ".bias"), stride, w.shape[-1] // 2)

    def norm(self, x, name, eps):
        return F.group_norm(x, 32, self.p[name + ".weight"], self.p[name + ".bias"], eps)

    def resnet(self, x, emb, name):
        h = self.conv(F.silu(self.norm(x, name + ".norm1", 1e-5)), name + ".conv1")
        h = h + self.lin(F.silu(emb), name + ".time_emb_proj")[:, :, None, None]
        h = self.conv(F.silu(self.norm(h, name + ".norm2", 1e-5)), name + ".conv2")
        return (self.conv(x, name + ".conv_shortcut") if name + ".conv_shortcut.weight" in self.p else x) + h

    def attention(self, x, context, name, heads):
        q, k, v = self.lin(x, name + ".to_q"), self.lin(context, name + ".to_k"), self.lin(context, name + ".to_v")
        b, n, c = q.shape
        q, k, v = (t.reshape(b, -1, heads, c // heads).transpose(1, 2) for t in (q, k, v))
        out = ((q @ k.transpose(-1, -2)) / math.sqrt(c // heads)).softmax(-1) @ v
        return self.lin(out.transpose(1, 2).reshape(b, n, c), name + ".to_out.0")

    def transformer(self, x, context, name):
        b, c, height, width = x.shape
        heads = c // 64  # SDXL: 64-channel heads
        h = self.lin(self.norm(x, name + ".norm", 1e-6).permute(0, 2, 3, 1).reshape(b, height * width, c),
                     name + ".proj_in")
        i = 0
        while f"{name}.transformer_blocks.{i}.norm1.weight" in self.p:
            blk = f"{name}.transformer_blocks.{i}"

            def ln(t, which):
                return F.layer_norm(t, (c,), self.p[f"{blk}.{which}.weight"], self.p[f"{blk}.{which}.bias"])
            n1 = ln(h, "norm1")
            h = h + self.attention(n1, n1, blk + ".attn1", heads)
            h = h + self.attention(ln(h, "norm2"), context, blk + ".attn2", heads)
            a, gate = self.lin(ln(h, "norm3"), blk + ".ff.net.0.proj").chunk(2, dim=-1)
            h = h + self.lin(a * F.gelu(gate), blk + ".ff.net.2")
            i += 1
        return x + self.lin(h, name + ".proj_out").reshape(b, height, width, c).permute(0, 3, 1, 2)

    def __call__(self, sample, timestep, context, text_embeds, time_ids):
        a, p = self.arch, self.p
        emb = self.lin(F.silu(self.lin(sinusoid(timestep, a.mc), "time_embedding.linear_1")), "time_embedding.linear_2")
        time_embeds = sinusoid(time_ids.flatten(), 256).reshape(sample.shape[0], -1)
        added = torch.cat([text_embeds, time_embeds], dim=-1)
        emb = emb + self.lin(F.silu(self.lin(added, "add_embedding.linear_1")), "add_embedding.linear_2")
        h = self.conv(sample, "conv_in")
        skips = [h]
        for level in range(len(a.mult)):
            for j in range(a.res):
                h = self.resnet(h, emb, f"down_blocks.{level}.resnets.{j}")
                if f"down_blocks.{level}.attentions.{j}.norm.weight" in p:
                    h = self.transformer(h, context, f"down_blocks.{level}.attentions.{j}")
                skips.append(h)
            if level < len(a.mult) - 1:
                h = self.conv(h, f"down_blocks.{level}.downsamplers.0.conv", stride=2)
                skips.append(h)
        h = self.resnet(h, emb, "mid_block.resnets.0")
        h = self.transformer(h, context, "mid_block.attentions.0")
        h = self.resnet(h, emb, "mid_block.resnets.1")
        for up in range(len(a.mult)):
            for j in range(a.res + 1):
                h = self.resnet(torch.cat([h, skips.pop()], dim=1), emb, f"up_blocks.{up}.resnets.{j}")
                if f"up_blocks.{up}.attentions.{j}.norm.weight" in p:
                    h = self.transformer(h, context, f"up_blocks.{up}.attentions.{j}")
            if up < len(a.mult) - 1:
                h = self.conv(F.interpolate(h, scale_factor=2.0, mode="nearest"), f"up_blocks.{up}.upsamplers.0.conv")
        return self.conv(F.silu(self.norm(h, "conv_norm_out", 1e-5)), "conv_out")


def diffusers_unet_weights(sd, arch):
    """The single file's U-Net tensors under diffusers' names (the tables' third column)."""
    return {diffusers: sd[UNET + ldm] for ldm, _, diffusers in fc.tables.ldm_unet(arch)}


def assert_close(test, got, expected, what):
    scale = expected.abs().max().item()
    diff = (got - expected).abs().max().item()
    test.assertLess(diff, 1e-4 * scale + 1e-6, f"{what}: largest difference {diff} (values up to {scale})")


class Export(unittest.TestCase):
    """Exports a reduced SDXL-architecture single file once per class and loads the scripted files."""
    arch = fc.SDXL_SMALL

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="torchsd-sdxl-")
        cls.tok = os.path.join(cls.dir, "tok")
        subprocess.run([sys.executable, os.path.join(NATIVE, "make_vocab.py"), os.path.join(NATIVE, "vocab_corpus.txt"),
                        cls.tok], check=True, capture_output=True)
        cls.sd = fc.single_file(cls.arch, ema=True, junk=True, seed=1)
        cls.file = os.path.join(cls.dir, "model.safetensors")
        fc.write_safetensors(cls.file, cls.sd)
        cls.out = os.path.join(cls.dir, "out")
        export_checkpoint(cls.file, cls.out, tokenizer=cls.tok)
        with open(os.path.join(cls.out, "model.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)
        cls.exports = {name: torch.jit.load(os.path.join(cls.out, name)) for name in os.listdir(cls.out)
                       if name.endswith(".pt")}
        g = torch.Generator().manual_seed(5)
        cls.ids = torch.randint(0, fc.VOCAB_TOKENS, (2, 77), generator=g)
        cls.eos = torch.tensor([7, 76])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def embeds(self, file):
        table = dict(self.exports[file].named_parameters())["embeddings.token_embedding.weight"]
        return table[self.ids]

    def bigg_reference(self, prefix):
        p = strip(self.sd, prefix)
        return p, openclip_hidden_states(p, self.ids, self.arch.text2_width // 64 or self.arch.text_width // 64)


class SdxlBaseTest(Export):
    def test_clip_l_returns_hugging_faces_hidden_states_without_the_final_layer_norm(self):
        states = clip_hidden_states(strip(self.sd, CLIP_L), self.ids, 1)
        with torch.no_grad():
            for skip in (0, 1, 2):  # hidden_states[-1], [-2] (SDXL's default), [-3]
                assert_close(self, self.exports["text_encoder.pt"](self.embeds("text_encoder.pt"), skip),
                             states[-(skip + 1)], f"CLIP-L skip {skip}")

    def test_bigg_hidden_states_and_pooled_are_open_clips(self):
        p, states = self.bigg_reference(BIGG)
        te2 = self.exports["text_encoder_2.pt"]
        with torch.no_grad():
            assert_close(self, te2(self.embeds("text_encoder_2.pt"), 1), states[-2], "bigG hidden_states[-2]")
            assert_close(self, te2.pooled(self.embeds("text_encoder_2.pt"), self.eos),
                         openclip_pooled(p, states[-1], self.eos), "bigG pooled")

    def test_unet_is_diffusers_text_time_unet(self):
        g = torch.Generator().manual_seed(2)
        sample = torch.randn(2, 4, 8, 12, generator=g)
        context = torch.randn(2, 77, self.arch.context, generator=g)
        pooled = torch.randn(2, 128, generator=g)
        time_ids = torch.tensor([[1024.0, 1024, 0, 0, 1024, 1024], [768.0, 1344, 16, 32, 832, 1216]])
        timestep = torch.tensor([999.0, 10.5])
        reference = DiffusersUNet(diffusers_unet_weights(self.sd, self.arch), self.arch)
        with torch.no_grad():
            got = self.exports["unet.pt"](sample, timestep, context, pooled, time_ids)
            expected = reference(sample, timestep, context, pooled, time_ids)
            assert_close(self, got, expected, "U-Net")
            other = self.exports["unet.pt"](sample, timestep, context, pooled, time_ids.flip(0))
        self.assertGreater((other - got).abs().max().item(), 1e-3 * got.abs().max().item(), "time_ids must matter")

    def test_manifest(self):
        m = self.manifest
        self.assertEqual((m["family"], m["default_width"], m["vae"]["scaling_factor"]), ("sdxl", 1024, 0.13025))
        self.assertEqual(m["text_encoder"]["output"], "hidden")
        self.assertEqual(m["text_encoder"]["pad_token_id"], fc.VOCAB_TOKENS - 1)  # <|endoftext|>
        self.assertEqual({k: m["text_encoder_2"][k] for k in ("file", "hidden_size", "num_layers", "pad_token_id",
                                                              "output", "projection_dim")},
                         {"file": "text_encoder_2.pt", "hidden_size": 128, "num_layers": 3, "pad_token_id": 0,
                          "output": "hidden", "projection_dim": 128})
        self.assertEqual(m["unet"]["context_dim"], 192)
        self.assertEqual(m["unet"]["extra_inputs"], ["text_embeds", "time_ids"])
        self.assertEqual((m["unet"]["time_ids"], m["unet"]["addition_time_embed_dim"]), (6, 256))
        self.assertEqual(m["exporter"]["config"]["unet"]["transformer_depths"], [0, 1, 2])
        self.assertTrue(m["force_zeros_for_empty_prompt"])
        self.assertTrue(m["vae"]["force_upcast"])
        self.assertEqual((m["scheduler"]["_class_name"], m["scheduler"]["timestep_spacing"],
                          m["scheduler"]["steps_offset"]), ("EulerDiscreteScheduler", "leading", 1))

    def test_every_weight_comes_from_the_file_and_the_keymap_names_both_encoders(self):
        te2 = dict(self.exports["text_encoder_2.pt"].named_parameters())
        torch.testing.assert_close(te2["text_projection.weight"], self.sd[BIGG + "text_projection"].T, rtol=0, atol=0)
        torch.testing.assert_close(te2["encoder.layers.2.self_attn.v_proj.bias"],
                                   self.sd[BIGG + "transformer.resblocks.2.attn.in_proj_bias"][256:], rtol=0, atol=0)
        unet = dict(self.exports["unet.pt"].named_parameters())
        torch.testing.assert_close(unet["label_emb.0.0.weight"], self.sd[UNET + "label_emb.0.0.weight"], rtol=0, atol=0)
        with open(os.path.join(self.out, "keymap.json"), encoding="utf-8") as f:
            keymap = json.load(f)
        self.assertEqual(keymap["unet"]["add_embedding.linear_1"], "label_emb.0.0.weight")
        self.assertEqual(keymap["text_encoder_2"]["text_projection"], "text_projection.weight")
        self.assertEqual(keymap["text_encoder_2"]["text_model.encoder.layers.0.self_attn.q_proj"],
                         "encoder.layers.0.self_attn.q_proj.weight")
        self.assertIn("text_model.encoder.layers.1.mlp.fc2", keymap["text_encoder"])


class SdxlRefinerTest(Export):
    arch = fc.SDXL_REFINER_SMALL

    def test_only_bigg_and_a_five_time_id_unet(self):
        m = self.manifest
        self.assertEqual(m["family"], "sdxl-refiner")
        self.assertNotIn("text_encoder", m)
        self.assertNotIn("text_encoder.pt", self.exports)
        self.assertEqual((m["unet"]["time_ids"], m["unet"]["context_dim"]), (5, 128))
        self.assertFalse(m["force_zeros_for_empty_prompt"])

    def test_bigg_and_unet_are_diffusers(self):
        p, states = self.bigg_reference(REFINER_BIGG)
        te2 = self.exports["text_encoder_2.pt"]
        g = torch.Generator().manual_seed(3)
        sample = torch.randn(1, 4, 16, 8, generator=g)
        time_ids = torch.tensor([[1024.0, 1024, 0, 0, 6.0]])
        with torch.no_grad():
            embeds = self.embeds("text_encoder_2.pt")
            assert_close(self, te2(embeds, 1), states[-2], "bigG hidden_states[-2]")
            pooled = te2.pooled(embeds, self.eos)
            assert_close(self, pooled, openclip_pooled(p, states[-1], self.eos), "bigG pooled")
            context, pooled = te2(embeds, 1)[:1], pooled[:1]
            got = self.exports["unet.pt"](sample, torch.tensor(500.0), context, pooled, time_ids)
            expected = DiffusersUNet(diffusers_unet_weights(self.sd, self.arch), self.arch)(
                sample, torch.tensor([500.0]), context, pooled, time_ids)
        assert_close(self, got, expected, "refiner U-Net")


class SdxlTablesTest(unittest.TestCase):
    """native/keys' SDXL tables hold the published parameter counts, and our full-size modules their keys/shapes."""

    def count(self, table, prefix):
        return sum(math.prod(r[1]) for r in fc.tables.read(os.path.join(NATIVE, "keys", table))
                   if r[0].startswith(prefix))

    def test_published_parameter_counts(self):
        self.assertEqual(self.count("sdxl-single-file.tsv", UNET), 2_567_463_684)
        self.assertEqual(self.count("sdxl-single-file.tsv", CLIP_L), 123_060_480)
        # bigG's text tower: 694,659,840 in Hugging Face's CLIPTextModelWithProjection, + OpenCLIP's logit_scale
        self.assertEqual(self.count("sdxl-single-file.tsv", BIGG), 694_659_841)
        self.assertEqual(self.count("sdxl-diffusers.tsv", "text_encoder_2/"), 694_659_840)
        self.assertEqual(self.count("sdxl-single-file.tsv", "first_stage_model."), 83_653_863)
        self.assertEqual(self.count("sdxl-refiner-single-file.tsv", UNET), 2_259_526_660)
        self.assertEqual(self.count("sdxl-refiner-single-file.tsv", REFINER_BIGG), 694_659_841)

    def test_tables_are_what_the_generator_writes(self):
        for name, rows in (("sdxl-single-file.tsv", fc.tables.single_file(fc.tables.SDXL)),
                           ("sdxl-diffusers.tsv", fc.tables.diffusers_folder(fc.tables.SDXL)),
                           ("sdxl-refiner-single-file.tsv", fc.tables.single_file(fc.tables.SDXL_REFINER)),
                           ("sdxl-refiner-diffusers.tsv", fc.tables.diffusers_folder(fc.tables.SDXL_REFINER))):
            committed = fc.tables.read(os.path.join(NATIVE, "keys", name))
            self.assertEqual([(r[0], tuple(r[1])) for r in committed], [(r[0], tuple(r[1])) for r in rows], name)

    def test_lora_keymap_is_the_diffusers_table(self):
        """keymap.json's U-Net section for the full-size tables: add_embedding, deep transformer stacks."""
        for name in ("sdxl", "sdxl-refiner"):
            expected, ldm_names = diffusers_table(name)
            self.assertEqual(lora_keymap.unet_map(ldm_names, 2), expected, name)
            self.assertEqual(expected["add_embedding.linear_1"], "label_emb.0.0.weight")

    def test_full_size_configs_match_the_tables(self):
        """The U-Nets against the single-file table, the text encoders against Hugging Face's names."""
        for cfg, arch in ((configs.sdxl(), fc.tables.SDXL), (configs.sdxl_refiner(), fc.tables.SDXL_REFINER)):
            networks = {name: shapes(build) for name, build in builders(cfg).items()}  # 14 GB if allocated
            rows = fc.tables.diffusers_folder(arch)
            expected = {"unet": {ldm[len(UNET):]: tuple(s) for _, s, ldm in rows if ldm.startswith(UNET)}}
            for name, folder in (("text", "text_encoder/"), ("text_2", "text_encoder_2/")):
                expected[name] = {k[len(folder):].replace("text_model.", ""): tuple(s) for k, s, _ in rows
                                  if k.startswith(folder)}
            for name, ours in networks.items():
                if name != "vae":  # SD's VAE: test_checkpoint
                    self.assertEqual(ours, expected[name], f"{cfg.name} {name}")
            self.assertEqual("text" in networks, bool(expected["text"]), cfg.name)


class Workspace(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="torchsd-sdxl-")
        cls.tok = os.path.join(cls.dir, "tok")
        subprocess.run([sys.executable, os.path.join(NATIVE, "make_vocab.py"), os.path.join(NATIVE, "vocab_corpus.txt"),
                        cls.tok], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def export(self, checkpoint, **kw):
        out = os.path.join(self.dir, "out-" + os.path.basename(checkpoint))
        prepare_out_dir(out, True)
        export_checkpoint(checkpoint, out, **kw)
        with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
            return out, json.load(f)


class DiffusersSdxlFolderTest(Workspace):
    def check(self, arch, family, files):
        folder = os.path.join(self.dir, family)
        weights = fc.diffusers_folder(folder, arch, self.tok)
        out, m = self.export(folder)
        self.assertEqual((m["family"], m["vae"]["scaling_factor"], m["scheduler"]["_class_name"]),
                         (family, 0.13025, "EulerDiscreteScheduler"))
        self.assertNotIn("tokenizer_2", m)  # the same files as tokenizer/
        self.assertEqual(m["text_encoder_2"]["pad_token_id"], 0)
        self.assertEqual(sorted(f for f in os.listdir(out) if f.endswith(".pt")), files)
        exported = {f: dict(torch.jit.load(os.path.join(out, f)).named_parameters()) for f in files}
        prefixes = {UNET: "unet.pt", "first_stage_model.": None, "conditioner.embedders.0.transformer.text_model.":
                    "text_encoder.pt", "text_encoder_2/text_model.": "text_encoder_2.pt",
                    "text_encoder_2/": "text_encoder_2.pt"}
        count = 0
        for key, value in weights.items():
            prefix = next(p for p in prefixes if key.startswith(p))
            if prefixes[prefix] is None:
                continue  # the VAE: split into the two VAE exports, checked by the SD tests
            torch.testing.assert_close(exported[prefixes[prefix]][key[len(prefix):]], value, rtol=0, atol=0, msg=key)
            count += 1
        self.assertEqual(count, sum(len(p) for f, p in exported.items() if not f.startswith("vae")))
        return m

    def test_base(self):
        m = self.check(fc.SDXL_SMALL, "sdxl", ["text_encoder.pt", "text_encoder_2.pt", "unet.pt", "vae_decoder.pt",
                                               "vae_encoder.pt"])
        self.assertEqual(m["text_encoder"]["pad_token_id"], fc.VOCAB_TOKENS - 1)

    def test_refiner(self):
        m = self.check(fc.SDXL_REFINER_SMALL, "sdxl-refiner", ["text_encoder_2.pt", "unet.pt", "vae_decoder.pt",
                                                               "vae_encoder.pt"])
        self.assertNotIn("text_encoder", m)

    def test_a_different_second_tokenizer_is_kept(self):
        folder = os.path.join(self.dir, "sdxl-tok2")
        fc.diffusers_folder(folder, fc.SDXL_SMALL, self.tok)
        with open(os.path.join(folder, "tokenizer_2", "merges.txt"), "a", encoding="utf-8") as f:
            f.write("x y\n")
        out, m = self.export(folder)
        self.assertEqual(m["tokenizer_2"], "tokenizer_2")
        with open(os.path.join(out, "tokenizer_2", "merges.txt"), encoding="utf-8") as f:
            self.assertTrue(f.read().endswith("x y\n"))

    def test_separate_diffusers_vae_replaces_the_checkpoints(self):
        """The fp16-fix VAE (madebyollin/sdxl-vae-fp16-fix) is a diffusers AutoencoderKL file."""
        sd = fc.single_file(fc.SDXL_SMALL)
        path = os.path.join(self.dir, "xl-vae.safetensors")
        fc.write_safetensors(path, sd)
        vae = fc.diffusers_vae(fc.SDXL_SMALL, seed=9)
        vae_file = os.path.join(self.dir, "sdxl_vae_fp16_fix.safetensors")
        fc.write_safetensors(vae_file, vae)
        out, m = self.export(path, tokenizer=self.tok, vae=vae_file)
        self.assertEqual(m["vae"]["scaling_factor"], 0.13025)
        decoder = dict(torch.jit.load(os.path.join(out, "vae_decoder.pt")).named_parameters())
        torch.testing.assert_close(decoder["decoder.conv_out.weight"], vae["decoder.conv_out.weight"], rtol=0, atol=0)
        torch.testing.assert_close(decoder["decoder.up.0.block.0.conv1.weight"],
                                   vae["decoder.up_blocks.3.resnets.0.conv1.weight"], rtol=0, atol=0)


class SdxlFp16Test(Workspace):
    def test_both_text_encoders_are_stored_in_half_and_compute_in_float32(self):
        path = os.path.join(self.dir, "fp16.safetensors")
        fc.write_safetensors(path, fc.single_file(fc.SDXL_SMALL))
        out, m = self.export(path, tokenizer=self.tok, weights="fp16")
        self.assertEqual(m["weights_dtype"], "float16")
        te2 = torch.jit.load(os.path.join(out, "text_encoder_2.pt"))
        self.assertEqual({p.dtype for p in te2.parameters()}, {torch.float16})
        embeds = torch.randn(1, 77, 128)
        with torch.no_grad():
            self.assertEqual(te2.float().pooled(embeds, torch.tensor([3])).dtype, torch.float32)
            unet = torch.jit.load(os.path.join(out, "unet.pt"))
            self.assertEqual(dict(unet.named_parameters())["label_emb.0.0.weight"].dtype, torch.float16)
            got = unet.float()(torch.randn(1, 4, 8, 8), torch.tensor([10.0]), torch.randn(1, 77, 192),
                               torch.randn(1, 128), torch.tensor([[512.0, 512, 0, 0, 512, 512]]))
        self.assertEqual(got.dtype, torch.float32)


class SdxlBadInputTest(Workspace):
    def write(self, name, arch, mutate=None):
        sd = fc.single_file(arch)
        if mutate:
            mutate(sd)
        path = os.path.join(self.dir, name)
        fc.write_safetensors(path, sd)
        return path

    def refused(self, path, config=None):
        with self.assertRaises(CheckpointError) as ctx:
            self.export(path, tokenizer=self.tok, config=config)
        return str(ctx.exception)

    def test_sd15_config_on_an_sdxl_file_and_the_reverse(self):
        message = self.refused(self.write("xl.safetensors", fc.SDXL_SMALL), "sd15")
        self.assertIn("--config sd15 is an SD 1.x (sd1) variant", message)
        self.assertIn("SDXL base model (sdxl: conditioner.embedders.0.transformer.*", message)
        self.assertIn("expected --config sdxl, or none", message)
        message = self.refused(self.write("sd1.safetensors", fc.SD1_SMALL), "sdxl")
        self.assertIn("--config sdxl is an SDXL base (sdxl) variant", message)
        self.assertIn("SD 1.x model (sd1: cond_stage_model.transformer.* (CLIP))", message)

    def test_refiner_config_on_a_base_file_and_the_reverse(self):
        message = self.refused(self.write("xl2.safetensors", fc.SDXL_SMALL), "sdxl-refiner")
        self.assertIn("SDXL refiner (sdxl-refiner) variant", message)
        message = self.refused(self.write("refiner.safetensors", fc.SDXL_REFINER_SMALL), "sdxl")
        self.assertIn("SDXL refiner model (sdxl-refiner: conditioner.embedders.0.model.* (OpenCLIP bigG only)", message)

    def test_label_emb_of_the_wrong_width(self):
        def widen(sd):
            sd[UNET + "label_emb.0.0.weight"] = torch.zeros(128, 128 + 5 * 256)
        message = self.refused(self.write("adm.safetensors", fc.SDXL_SMALL, widen))
        self.assertIn("label_emb.0.0.weight takes 1408 inputs, expected 1664 for sdxl", message)

    def test_a_base_without_clip_l(self):
        message = self.refused(self.write("nol.safetensors", fc.SDXL_SMALL, lambda sd: [
            sd.pop(k) for k in list(sd) if k.startswith("conditioner.embedders.0.")]))
        self.assertIn("an SDXL base checkpoint (conditioner.embedders.1.model.*) without its CLIP ViT-L/14", message)

    def test_missing_text_projection(self):
        message = self.refused(self.write("noproj.safetensors", fc.SDXL_SMALL,
                                          lambda sd: sd.pop(BIGG + "text_projection")))
        self.assertIn(BIGG + "text_projection is missing", message)

    def test_a_bad_last_component_is_refused_before_anything_is_written(self):
        """An export writes one network at a time; every component's keys and shapes are checked first."""
        path = self.write("novae.safetensors", fc.SDXL_SMALL,
                          lambda sd: sd.pop("first_stage_model.decoder.conv_out.bias"))
        message = self.refused(path)
        self.assertIn("VAE (first_stage_model.*): 1 missing: decoder.conv_out.bias", message)
        self.assertEqual(os.listdir(os.path.join(self.dir, "out-novae.safetensors")), [])

    def test_an_sgm_layout_sd2_file_is_named(self):
        def sgm(sd):
            for k in [k for k in sd if k.startswith("cond_stage_model.model.")]:
                sd["conditioner.embedders.0.model." + k[len("cond_stage_model.model."):]] = sd.pop(k)
        message = self.refused(self.write("sgm.safetensors", fc.SD2_SMALL, sgm))
        self.assertIn("not an SDXL checkpoint torchsd knows", message)


if __name__ == "__main__":
    unittest.main()
