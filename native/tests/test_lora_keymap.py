"""keymap.json: the diffusers module path of every exported weight (torchsd_export.lora_keymap)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch

from torchsd_export import lora_keymap
from tests.test_weights import run_exporter

NATIVE = os.path.join(os.path.dirname(__file__), "..")
BUILTIN = os.path.join(NATIVE, "..", "src", "main", "resources", "dev", "torchsd", "builtin", "shapes")


def diffusers_table(name):
    """(diffusers module -> ldm weight) of the U-Net rows of native/keys/NAME-diffusers.tsv."""
    with open(os.path.join(NATIVE, "keys", name + "-diffusers.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    prefix = "model.diffusion_model."
    unet = [r for r in rows if r[0].startswith("unet/")]
    table = {r[0][len("unet/"):-len(".weight")]: r[2][len(prefix):] for r in unet if r[0].endswith(".weight")}
    return table, [r[2][len(prefix):] for r in unet]


class KeymapTest(unittest.TestCase):
    def test_unet_map_is_the_diffusers_table_of_sd15_and_sd21(self):
        for name in ("sd15", "sd21"):
            expected, ldm_names = diffusers_table(name)
            self.assertEqual(lora_keymap.unet_map(ldm_names, 2), expected, name)
            self.assertEqual(len(expected), 391)

    def test_builtin_model_keymap_is_the_one_its_exports_give(self):
        with open(os.path.join(BUILTIN, "keymap.json")) as f:
            stored = json.load(f)
        unet = torch.jit.load(os.path.join(BUILTIN, "unet.pt"))
        text = torch.jit.load(os.path.join(BUILTIN, "text_encoder.pt"))
        self.assertEqual(stored, lora_keymap.keymap([n for n, _ in unet.named_parameters()],
                                                    [n for n, _ in text.named_parameters()], 1))
        self.assertEqual(stored["text_encoder"]["text_model.encoder.layers.0.self_attn.q_proj"],
                         "encoder.layers.0.self_attn.q_proj.weight")

    def test_an_export_writes_its_keymap(self):
        out = tempfile.mkdtemp(prefix="torchsd-keymap-")
        try:
            tok = os.path.join(out, "tok")
            corpus = os.path.join(NATIVE, "vocab_corpus.txt")
            subprocess.run([sys.executable, os.path.join(NATIVE, "make_vocab.py"), corpus, tok], check=True,
                           capture_output=True)
            run_exporter("--preset", "tiny", "--tokenizer", tok, "--out", os.path.join(out, "m"), "--seed", "1")
            with open(os.path.join(out, "m", "keymap.json")) as f:
                keymap = json.load(f)
            unet = torch.jit.load(os.path.join(out, "m", "unet.pt"))
            weights = {n for n, _ in unet.named_parameters() if n.endswith(".weight")}
            self.assertEqual(set(keymap["unet"].values()), weights)
            self.assertIn("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", keymap["unet"])
        finally:
            shutil.rmtree(out)

    def test_a_name_that_does_not_map_back_is_refused(self):
        with self.assertRaises(ValueError):
            lora_keymap.unet_map(["input_blocks.1.7.weird.weight"], 1)


if __name__ == "__main__":
    unittest.main()
