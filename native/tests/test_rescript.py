"""torchsd_export.rescript (./cppbuild.sh rescript): an older export's U-Net gains every current method."""
import json
import os
import pickle
import tempfile
import unittest
import zipfile

import torch

from torchsd_export.archive_weights import read_weights
from torchsd_export.fuse_attention import ATTENTION_SOURCE, rewrite_archive
from torchsd_export.model_folder import save_scripted
from torchsd_export.rescript import METHOD_KEYS, add_methods

from tests.test_deepcache import SD1, inputs, scripted


class RescriptTest(unittest.TestCase):
    def test_an_export_without_the_methods_gains_them_with_the_same_weights_and_forward(self):
        module, _ = scripted(SD1)
        with tempfile.TemporaryDirectory() as tmp:
            old, new = os.path.join(tmp, "old"), os.path.join(tmp, "new")
            os.makedirs(old)
            save_scripted(module, os.path.join(old, "unet.pt"))
            with open(os.path.join(old, "vae_decoder.pt"), "w") as f:
                f.write("other file")
            manifest = {"unet": {"file": "unet.pt", "in_channels": 4, "context_dim": 8, "deepcache": True},
                        "exporter": {"sdpa": False, "config": {"unet": vars(SD1)}}}
            with open(os.path.join(old, "model.json"), "w") as f:
                json.dump(manifest, f)
            add_methods(old, new)
            with open(os.path.join(new, "model.json")) as f:
                unet = json.load(f)["unet"]
                self.assertEqual([unet.get(key) for key in METHOD_KEYS], [True, True])
            with open(os.path.join(old, "model.json")) as f:
                self.assertNotIn("tome", json.load(f)["unet"])
            self.assertTrue(os.path.islink(os.path.join(new, "vae_decoder.pt")))
            before, after = torch.jit.load(os.path.join(old, "unet.pt")), torch.jit.load(os.path.join(new, "unet.pt"))
            args = inputs(SD1, 300.0)
            with torch.no_grad():
                self.assertTrue(torch.equal(before(*args), after(*args)))
                self.assertTrue(torch.equal(after.forward_caching(*args, 0)[0], before(*args)))
                self.assertTrue(torch.equal(after.forward_tome(*args, 0.0, 1), before(*args)))
                self.assertFalse(torch.equal(after.forward_tome(*args, 0.5, 1), before(*args)))
            for name, p in before.state_dict().items():
                self.assertTrue(torch.equal(p, after.state_dict()[name]), name)

    def test_a_fused_attention_export_is_re_scripted_from_its_weights_and_fused_again(self):
        module, _ = scripted(SD1)
        with tempfile.TemporaryDirectory() as tmp:
            save_scripted(module, os.path.join(tmp, "unet.pt"))
            self.assertTrue(rewrite_archive(os.path.join(tmp, "unet.pt")))  # torch 1.13 cannot load it now
            manifest = {"unet": {"file": "unet.pt", "in_channels": 4, "context_dim": 8},
                        "exporter": {"sdpa": True, "config": {"unet": vars(SD1)}}}
            with open(os.path.join(tmp, "model.json"), "w") as f:
                json.dump(manifest, f)
            add_methods(tmp, tmp)
            with zipfile.ZipFile(os.path.join(tmp, "unet.pt")) as archive:
                code = [archive.read(n).decode() for n in archive.namelist() if n.endswith("/" + ATTENTION_SOURCE)]
                self.assertIn("scaled_dot_product_attention", code[0])
                self.assertTrue(any(n.endswith("token_merging.py") for n in archive.namelist()))
            after = read_weights(os.path.join(tmp, "unet.pt"))
            self.assertEqual(sorted(after), sorted(module.state_dict()))
            for name, p in module.state_dict().items():
                self.assertTrue(torch.equal(p, after[name]), name)

    def test_a_current_export_is_left_as_it_is(self):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = {"unet": {"file": "unet.pt", "deepcache": True, "tome": True}}
            with open(os.path.join(tmp, "model.json"), "w") as f:
                json.dump(manifest, f)
            add_methods(tmp, tmp)  # no unet.pt: it would fail had it tried to re-script
            self.assertEqual(os.listdir(tmp), ["model.json"])

    def test_an_archive_naming_anything_but_tensors_and_modules_is_refused(self):
        # torch._utils._import_dotted_name would hand the pickle any function (os.system, ...) to call
        class Hostile:
            def __reduce__(self):
                return torch._utils._import_dotted_name, ("os.getcwd",)

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "unet.pt")
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("unet/data.pkl", pickle.dumps(Hostile(), protocol=2))
            with self.assertRaisesRegex(pickle.UnpicklingError, "_import_dotted_name is not allowed"):
                read_weights(path)


if __name__ == "__main__":
    unittest.main()
