"""Checkpoints -> components: every tensor of a random checkpoint lands in its parameter (values equal),
nothing is missing or left over, and bad input is refused with the key, file or shape named."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from math import prod

import torch

from torchsd_export import config as configs
from torchsd_export.checkpoint import CheckpointError, read_weights
from torchsd_export.components import Components, no_init
from torchsd_export.convert import build_components, build_config
from torchsd_export.from_checkpoint import export_checkpoint
from torchsd_export.outdir import prepare_out_dir
from torchsd_export.sources import read_diffusers_folder, read_single_file

sys.path.insert(0, os.path.dirname(__file__))
import fake_checkpoints as fc  # noqa: E402 (importable only after the sys.path line)

NATIVE = os.path.join(os.path.dirname(__file__), "..")
# The single-file layout as the tables in native/keys spell it (SD 1.x text encoder with its text_model. level).
PREFIX = {"text": "cond_stage_model.transformer.text_model.", "unet": "model.diffusion_model.",
          "vae": "first_stage_model."}


def params(parts):
    return {"text": parts.text.state_dict(), "unet": parts.unet.state_dict(), "vae": parts.vae.state_dict()}


class Workspace(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="torchsd-ckpt-")
        cls.tok = os.path.join(cls.dir, "tok")
        subprocess.run([sys.executable, os.path.join(NATIVE, "make_vocab.py"), os.path.join(NATIVE, "vocab_corpus.txt"),
                        cls.tok], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def convert(self, path, **kw):
        source = read_single_file(path, kw.get("ema", False)) if os.path.isfile(path) else read_diffusers_folder(path)
        cfg = build_config(source, path, kw.get("config"), 0)
        return source, cfg, build_components(source, cfg, path)

    def export(self, checkpoint, out, **kw):
        prepare_out_dir(out, kw.get("force", False))
        export_checkpoint(checkpoint, out, tokenizer=kw.get("tokenizer", self.tok), vae=kw.get("vae"),
                          config=kw.get("config"), ema=kw.get("ema", False))

    def assertRaisesNaming(self, fn, *fragments):
        with self.assertRaises(CheckpointError) as ctx:
            fn()
        for f in fragments:
            self.assertIn(f, str(ctx.exception))
        return str(ctx.exception)


class TablesTest(unittest.TestCase):
    """The committed tables hold SD's published parameter counts."""

    def count(self, table, prefix):
        return sum(prod(r[1]) for r in fc.tables.read(os.path.join(NATIVE, "keys", table)) if r[0].startswith(prefix))

    def test_sd15(self):
        self.assertEqual(self.count("sd15-single-file.tsv", "model.diffusion_model."), 859_520_964)
        self.assertEqual(self.count("sd15-single-file.tsv", "cond_stage_model."), 123_060_480)
        self.assertEqual(self.count("sd15-single-file.tsv", "first_stage_model."), 83_653_863)

    def test_sd21(self):
        self.assertEqual(self.count("sd21-single-file.tsv", "model.diffusion_model."), 865_910_724)
        self.assertEqual(self.count("sd21-diffusers.tsv", "text_encoder/"), 340_387_840)

    def test_tables_are_what_the_generator_writes(self):
        for name, rows in (("sd15-single-file.tsv", fc.tables.single_file(fc.tables.SD15)),
                           ("sd21-single-file.tsv", fc.tables.single_file(fc.tables.SD21)),
                           ("sd15-diffusers.tsv", fc.tables.diffusers_folder(fc.tables.SD15)),
                           ("sd21-diffusers.tsv", fc.tables.diffusers_folder(fc.tables.SD21))):
            committed = fc.tables.read(os.path.join(NATIVE, "keys", name))
            self.assertEqual([(r[0], tuple(r[1])) for r in committed], [(r[0], tuple(r[1])) for r in rows], name)

    def test_full_size_configs_match_the_tables(self):
        """Our SD 1.5 and SD 2.x modules have exactly the tables' keys and shapes."""
        for cfg, arch in ((configs.sd15(), fc.tables.SD15), (configs.sd2(True), fc.tables.SD21)):
            with no_init():
                parts = Components(cfg)
            ours = {PREFIX[c] + k: tuple(v.shape) for c, p in params(parts).items() for k, v in p.items()
                    if c != "text"}
            theirs = {k: tuple(s) for k, s in fc.tables.single_file(arch) if not k.startswith("cond_stage_model.")}
            self.assertEqual(ours, theirs)


class SingleFileRoundTripTest(Workspace):
    def check_sd1(self, dtype, ema):
        sd = fc.single_file(fc.SD1_SMALL, dtype, ema=ema, junk=True)
        path = self.path(f"sd1-{dtype}-{ema}.safetensors")
        fc.write_safetensors(path, sd)
        source, cfg, parts = self.convert(path, ema=ema)
        self.assertEqual((cfg.family, cfg.prediction_type, cfg.pad_token_id), ("sd1", "epsilon", 0))
        used = 0
        for component, ps in params(parts).items():
            for name, value in ps.items():
                expected = sd[PREFIX[component] + name]
                if ema and component == "unet":
                    expected = sd["model_ema.diffusion_model" + name.replace(".", "")]
                torch.testing.assert_close(value, expected.float(), rtol=0, atol=0)
                used += 1
        model_keys = [k for k in sd if k.startswith(tuple(PREFIX.values()))]
        self.assertEqual(used, len(model_keys) - 1)  # all but the position_ids buffer
        self.assertTrue(any("model_ema" in n for n in source.notes))
        self.assertTrue(any("alphas_cumprod" in n and "loss.*" in n for n in source.notes), source.notes)

    def test_sd15_fp32(self):
        self.check_sd1(torch.float32, False)

    def test_sd15_fp16_with_ema_weights(self):
        self.check_sd1(torch.float16, True)

    def test_ckpt_through_weights_only_loader(self):
        sd = fc.single_file(fc.SD1_SMALL)
        path = self.path("model.ckpt")
        torch.save({"state_dict": sd, "global_step": 875000}, path)
        tensors, meta = read_weights(path)
        self.assertEqual(meta["global_step"], "875000")
        self.assertEqual(set(tensors), set(sd))
        _, _, parts = self.convert(path)
        torch.testing.assert_close(parts.unet.state_dict()["out.2.weight"], sd["model.diffusion_model.out.2.weight"])

    def test_sd2_openclip_text_matches_a_multihead_attention_reference(self):
        sd = fc.single_file(fc.SD2_SMALL, junk=True)
        path = self.path("sd2.safetensors")
        fc.write_safetensors(path, sd)
        source, cfg, parts = self.convert(path, config="sd2-v")
        self.assertEqual((cfg.family, cfg.prediction_type, cfg.default_size), ("sd2", "v_prediction", 768))
        self.assertEqual((cfg.text.num_layers, cfg.text.hidden_act), (2, "gelu"))
        self.assertTrue(cfg.unet.linear_projection)
        ours = parts.unet.state_dict()
        for k, v in sd.items():
            if k.startswith("model.diffusion_model."):
                torch.testing.assert_close(ours[k[len("model.diffusion_model."):]], v, rtol=0, atol=0)
        # OpenCLIP's text tower, computed directly: nn.MultiheadAttention holds in_proj_weight as OpenCLIP does.
        p = {k[len("cond_stage_model.model."):]: v for k, v in sd.items() if k.startswith("cond_stage_model.model.")}
        ids = torch.randint(0, fc.VOCAB_TOKENS, (2, 77))
        x = p["token_embedding.weight"][ids] + p["positional_embedding"]
        mask = torch.full((77, 77), float("-inf")).triu(1)
        w = 64
        for i in range(2):  # the penultimate of 3 layers
            r = f"transformer.resblocks.{i}."
            attn = torch.nn.MultiheadAttention(w, 1, batch_first=True)
            attn.load_state_dict({name: p[r + "attn." + name] for name in ("in_proj_weight", "in_proj_bias",
                                                                           "out_proj.weight", "out_proj.bias")})
            h = torch.nn.functional.layer_norm(x, (w,), p[r + "ln_1.weight"], p[r + "ln_1.bias"])
            x = x + attn(h, h, h, attn_mask=mask, need_weights=False)[0]
            h = torch.nn.functional.layer_norm(x, (w,), p[r + "ln_2.weight"], p[r + "ln_2.bias"])
            h = torch.nn.functional.gelu(h @ p[r + "mlp.c_fc.weight"].T + p[r + "mlp.c_fc.bias"])
            x = x + h @ p[r + "mlp.c_proj.weight"].T + p[r + "mlp.c_proj.bias"]
        expected = torch.nn.functional.layer_norm(x, (w,), p["ln_final.weight"], p["ln_final.bias"])
        with torch.no_grad():
            got = parts.text(parts.text.embed_ids(ids), 0)
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
        self.assertTrue(any("kept 2 of OpenCLIP's 3 layers" in n for n in source.notes))

    def test_sd2_variant_detection(self):
        sd = fc.single_file(fc.SD2_SMALL)
        for name, meta, expected in (("v2-1_768-ema-pruned.safetensors", None, "v_prediction"),
                                     ("v2-1_512-ema-pruned.safetensors", None, "epsilon"),
                                     ("model.safetensors", {"modelspec.prediction_type": "epsilon"}, "epsilon")):
            fc.write_safetensors(self.path(name), sd, meta)
            source = read_single_file(self.path(name))
            cfg = build_config(source, self.path(name), None, 0)
            self.assertEqual(cfg.prediction_type, expected, name)
            self.assertEqual(configs.scheduler_for(cfg)["prediction_type"], expected)


class DiffusersFolderTest(Workspace):
    def check(self, arch, prediction_type):
        folder = self.path(f"diffusers-{arch.openclip}")
        ldm = fc.diffusers_folder(folder, arch, self.tok, prediction_type=prediction_type)
        source, cfg, parts = self.convert(folder)
        self.assertEqual(cfg.prediction_type, prediction_type)
        ours = params(parts)
        count = 0
        for key, value in ldm.items():
            if key.startswith("text_encoder/"):  # SD 2.x: no single-file counterpart of the HF names
                component, name = "text", key[len("text_encoder/text_model."):]
            else:
                component = next(c for c, p in PREFIX.items() if key.startswith(p))
                name = key[len(PREFIX[component]):]
            torch.testing.assert_close(ours[component][name], value, rtol=0, atol=0, msg=key)
            count += 1
        self.assertEqual(count, sum(len(p) for p in ours.values()))

    def test_sd15_layout(self):
        self.check(fc.SD1_SMALL, "epsilon")

    def test_sd2_layout(self):
        self.check(fc.SD2_SMALL, "v_prediction")

    def test_export_writes_the_folder_scheduler_and_pad_id(self):
        folder = self.path("diffusers-sd2-export")
        fc.diffusers_folder(folder, fc.SD2_SMALL, self.tok, prediction_type="v_prediction")
        out = self.path("out-diffusers-sd2")
        self.export(folder, out, tokenizer=None)
        with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
            m = json.load(f)
        self.assertEqual((m["family"], m["prediction_type"], m["default_width"]), ("sd2", "v_prediction", 768))
        self.assertEqual(m["scheduler"]["_class_name"], "DDIMScheduler")
        self.assertEqual(m["scheduler"]["prediction_type"], "v_prediction")
        self.assertEqual(m["text_encoder"]["pad_token_id"], 0)
        self.assertEqual(sorted(os.listdir(out)), ["keymap.json", "model.json", "text_encoder.pt", "tokenizer",
                                                   "unet.pt", "vae_decoder.pt", "vae_encoder.pt"])


class SeparateVaeTest(Workspace):
    def test_ldm_and_diffusers_vae_files_replace_the_checkpoints(self):
        sd = fc.single_file(fc.SD1_SMALL)
        fc.write_safetensors(self.path("m.safetensors"), sd)
        vae = {k[len("first_stage_model."):]: v + 3 for k, v in sd.items() if k.startswith("first_stage_model.")}
        torch.save({"state_dict": {**vae, "loss.logvar": torch.zeros(())}}, self.path("vae.ckpt"))
        out = self.path("out-vae")
        self.export(self.path("m.safetensors"), out, vae=self.path("vae.ckpt"))
        scripted = torch.jit.load(os.path.join(out, "vae_decoder.pt"))
        torch.testing.assert_close(dict(scripted.named_parameters())["decoder.conv_out.weight"],
                                   vae["decoder.conv_out.weight"])


class BadInputTest(Workspace):
    def small(self, name, mutate):
        sd = fc.single_file(fc.SD1_SMALL)
        mutate(sd)
        path = self.path(name)
        fc.write_safetensors(path, sd)
        return path

    def test_unknown_architecture_lists_the_expected_layout(self):
        path = self.small("unknown.safetensors", lambda sd: [sd.pop(k) for k in list(sd) if k.startswith("model.")])
        self.assertRaisesNaming(lambda: read_single_file(path), "unknown architecture", "model.diffusion_model.",
                                "diffusers folder")

    def test_missing_key_is_named(self):
        path = self.small("missing.safetensors", lambda sd: sd.pop("model.diffusion_model.out.0.bias"))
        self.assertRaisesNaming(lambda: self.convert(path), "1 missing", "out.0.bias")

    def test_a_missing_key_is_named_with_where_its_component_was_read_from(self):
        path = self.small("missing-vae.safetensors", lambda sd: sd.pop("first_stage_model.decoder.conv_out.bias"))
        self.assertRaisesNaming(lambda: self.convert(path), "VAE (first_stage_model.*)", "decoder.conv_out.bias")

    def test_extra_key_inside_a_component_is_named(self):
        path = self.small("extra.safetensors",
                          lambda sd: sd.update({"model.diffusion_model.extra.weight": torch.ones(2)}))
        self.assertRaisesNaming(lambda: self.convert(path), "unexpected", "extra.weight")

    def test_shape_mismatch_names_key_expected_and_found(self):
        def grow(sd):
            sd["model.diffusion_model.time_embed.2.bias"] = torch.zeros(7)
        path = self.small("shape.safetensors", grow)
        self.assertRaisesNaming(lambda: self.convert(path), "time_embed.2.bias: expected [128], found [7]")

    def test_truncated_safetensors(self):
        path = self.small("cut.safetensors", lambda sd: None)
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size - 100)
        self.assertRaisesNaming(lambda: read_weights(path), "truncated", str(size - 100))

    def test_truncated_ckpt(self):
        path = self.path("cut.ckpt")
        torch.save({"state_dict": fc.single_file(fc.SD1_SMALL)}, path)
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
        self.assertRaisesNaming(lambda: read_weights(path), "cut.ckpt", "truncated")

    def test_ckpt_that_needs_code_is_refused_with_a_conversion_hint(self):
        path = self.path("code.ckpt")
        torch.save({"state_dict": fc.single_file(fc.SD1_SMALL), "callbacks": argparse.Namespace(a=1)}, path)
        self.assertRaisesNaming(lambda: read_weights(path), "refused", "needs code", "safetensors")

    def test_out_folder_not_empty_or_not_writable(self):
        out = self.path("full")
        os.makedirs(out)
        open(os.path.join(out, "x"), "w").close()
        self.assertRaisesNaming(lambda: prepare_out_dir(out, False), "not empty", "--force")
        prepare_out_dir(out, True)
        locked = self.path("locked")
        os.makedirs(locked)
        os.chmod(locked, 0o500)
        try:
            if os.access(locked, os.W_OK):
                self.skipTest("running as root: permissions are not enforced")
            self.assertRaisesNaming(lambda: prepare_out_dir(os.path.join(locked, "m"), False), "not writable")
        finally:
            os.chmod(locked, 0o700)

    def test_missing_tokenizer_says_where_to_get_one(self):
        path = self.small("notok.safetensors", lambda sd: None)
        self.assertRaisesNaming(lambda: self.export(path, self.path("out-notok"), tokenizer=None),
                                "--tokenizer", "vocab.json", "stable-diffusion")

    def test_wrong_config_family(self):
        path = self.small("family.safetensors", lambda sd: None)
        self.assertRaisesNaming(lambda: self.convert(path, config="sd2-v"), "sd2", "sd1")


if __name__ == "__main__":
    unittest.main()
