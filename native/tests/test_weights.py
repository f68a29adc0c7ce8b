"""--weights fp16: the files hold float16 weights, the manifest says so, and converted to float32 they compute
exactly what the float32 export computes with its weights rounded to float16."""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch

from torchsd_export import cli

NATIVE = os.path.join(os.path.dirname(__file__), "..")
FILES = ("text_encoder.pt", "unet.pt", "vae_decoder.pt", "vae_encoder.pt")


def run_exporter(*args):
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(list(args))


class Fp16WeightsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="torchsd-fp16-")
        tok = os.path.join(cls.dir, "tok")
        subprocess.run([sys.executable, os.path.join(NATIVE, "make_vocab.py"), os.path.join(NATIVE, "vocab_corpus.txt"),
                        tok], check=True, capture_output=True)
        cls.fp32 = os.path.join(cls.dir, "fp32")
        cls.fp16 = os.path.join(cls.dir, "fp16")
        run_exporter("--preset", "tiny", "--tokenizer", tok, "--out", cls.fp32, "--seed", "3")
        run_exporter("--preset", "tiny", "--tokenizer", tok, "--out", cls.fp16, "--seed", "3", "--weights", "fp16")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def weights_dtype(self, folder):
        with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
            return json.load(f)["weights_dtype"]

    def test_manifest_records_the_stored_dtype(self):
        self.assertEqual(self.weights_dtype(self.fp16), "float16")
        self.assertEqual(self.weights_dtype(self.fp32), "float32")

    def test_every_floating_point_tensor_is_half_and_the_rest_unchanged(self):
        for name in FILES:
            half = dict(torch.jit.load(os.path.join(self.fp16, name)).state_dict())
            full = dict(torch.jit.load(os.path.join(self.fp32, name)).state_dict())
            self.assertEqual(half.keys(), full.keys(), name)
            for key, tensor in half.items():
                if full[key].is_floating_point():
                    self.assertEqual(tensor.dtype, torch.float16, f"{name}: {key}")
                else:
                    self.assertTrue(torch.equal(tensor, full[key]), f"{name}: {key} must stay exact")

    def test_files_are_about_half_the_size(self):
        for name in FILES:
            ratio = os.path.getsize(os.path.join(self.fp16, name)) / os.path.getsize(os.path.join(self.fp32, name))
            # the archive's code and pickles do not shrink: 0.52 for the U-Net, 0.57 for the small text encoder
            self.assertLess(ratio, 0.6, name)
            self.assertGreater(ratio, 0.5, name)

    def test_converted_to_float32_it_computes_what_the_rounded_float32_export_does(self):
        half = torch.jit.load(os.path.join(self.fp16, "unet.pt")).float()
        full = torch.jit.load(os.path.join(self.fp32, "unet.pt"))
        with torch.no_grad():
            for p in full.parameters():
                p.copy_(p.half().float())
            g = torch.Generator().manual_seed(0)
            sample, context = torch.randn(2, 4, 8, 8, generator=g), torch.randn(2, 77, 32, generator=g)
            a = half(sample, torch.tensor([500.0]), context)
            b = full(sample, torch.tensor([500.0]), context)
        self.assertEqual(a.dtype, torch.float32)
        self.assertTrue(torch.equal(a, b), f"largest difference {(a - b).abs().max().item()}")
        self.assertEqual({p.dtype for p in half.parameters()}, {torch.float32})


if __name__ == "__main__":
    unittest.main()
