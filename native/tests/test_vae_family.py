"""A VAE of another model family is refused by name (torchsd_export/vae_family.py): SD3's and Flux's 16 latent
channels by their shapes, in a checkpoint or given with --vae; SD 1.x/2.x's and SDXL's VAEs (the same shapes)
where a diffusers config.json or the file's modelspec metadata says which they are. A diffusers VAE folder is
accepted for --vae."""
import json
import os
import sys
from dataclasses import replace

import torch

from torchsd_export.checkpoint import CheckpointError

sys.path.insert(0, os.path.dirname(__file__))
import fake_checkpoints as fc  # noqa: E402 (importable only after the sys.path line)
from tests.test_sdxl import Workspace  # noqa: E402

VAE = "first_stage_model."
# SD3's VAE at the reduced widths: 16 latent channels, no quant_conv/post_quant_conv (diffusers' use_quant_conv false)
SD3_LIKE = replace(fc.SDXL_SMALL, z=16)


def ldm_vae(arch, seed=0):
    """{ldm name without first_stage_model.: tensor} of the architecture's VAE."""
    return {k[len(VAE):]: v for k, v in fc.single_file(arch, seed=seed).items() if k.startswith(VAE)}


def sd3_like_vae():
    return {k: v for k, v in ldm_vae(SD3_LIKE).items() if "quant_conv" not in k}


class VaeFamilyTest(Workspace):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sdxl = os.path.join(cls.dir, "sdxl.safetensors")
        fc.write_safetensors(cls.sdxl, fc.single_file(fc.SDXL_SMALL))
        cls.sd1 = os.path.join(cls.dir, "sd1.safetensors")
        fc.write_safetensors(cls.sd1, fc.single_file(fc.SD1_SMALL))

    def file(self, name, tensors, metadata=None):
        path = os.path.join(self.dir, name)
        fc.write_safetensors(path, tensors, metadata)
        return path

    def vae_folder(self, name, config, arch=fc.SDXL_SMALL):
        """A diffusers VAE folder: config.json and diffusion_pytorch_model.safetensors; returns it and its tensors."""
        folder = os.path.join(self.dir, name)
        os.makedirs(folder, exist_ok=True)
        tensors = fc.diffusers_vae(arch, seed=4)
        fc.write_safetensors(os.path.join(folder, "diffusion_pytorch_model.safetensors"), tensors)
        with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f)
        return folder, tensors

    def refused(self, checkpoint, **kw):
        with self.assertRaises(CheckpointError) as ctx:
            self.export(checkpoint, tokenizer=self.tok, **kw)
        return str(ctx.exception)

    def test_a_16_channel_vae_file_names_the_file_the_key_and_the_channels(self):
        vae = self.file("sd3_vae.safetensors", sd3_like_vae())
        message = self.refused(self.sdxl, vae=vae)
        self.assertIn(f"{vae}: decoder.conv_in.weight (shape [32, 16, 3, 3]): expected 4 latent channels "
                      "(SD 1.x/2.x/XL's VAE), found 16 (SD3's and Flux's VAEs have 16)", message)

    def test_a_checkpoint_whose_vae_has_16_channels(self):
        sd = {k: v for k, v in fc.single_file(fc.SDXL_SMALL).items() if not k.startswith(VAE)}
        sd.update({VAE + k: v for k, v in sd3_like_vae().items()})
        path = self.file("xl-with-sd3-vae.safetensors", sd)
        message = self.refused(path)
        self.assertIn(f"{path}: first_stage_model.decoder.conv_in.weight", message)
        self.assertIn("expected 4 latent channels (SD 1.x/2.x/XL's VAE), found 16", message)

    def test_the_encoders_32_moments_alone_are_refused_too(self):
        vae = ldm_vae(fc.SDXL_SMALL)
        vae["encoder.conv_out.weight"] = torch.zeros(32, *vae["encoder.conv_out.weight"].shape[1:])
        path = self.file("encoder16.safetensors", vae)
        message = self.refused(self.sdxl, vae=path)
        self.assertIn("encoder.conv_out.weight (shape [32, 32, 3, 3]): expected 4 latent channels", message)
        self.assertIn("found 16", message)

    def test_a_diffusers_vae_folder_replaces_the_checkpoints(self):
        folder, tensors = self.vae_folder("sdxl-vae-fp16-fix", {"_class_name": "AutoencoderKL", "latent_channels": 4,
                                                                "scaling_factor": 0.13025, "force_upcast": False})
        out, m = self.export(self.sdxl, tokenizer=self.tok, vae=folder)
        self.assertEqual((m["vae"]["scaling_factor"], m["exporter"]["source"]["vae"]), (0.13025, "sdxl-vae-fp16-fix"))
        decoder = dict(torch.jit.load(os.path.join(out, "vae_decoder.pt")).named_parameters())
        torch.testing.assert_close(decoder["decoder.up.0.block.0.conv1.weight"],
                                   tensors["decoder.up_blocks.3.resnets.0.conv1.weight"], rtol=0, atol=0)

    def test_an_sd15_vae_folder_on_an_sdxl_export_and_the_reverse(self):
        folder, _ = self.vae_folder("sd15-vae", {"_class_name": "AutoencoderKL", "scaling_factor": 0.18215})
        message = self.refused(self.sdxl, vae=folder)
        self.assertIn(f"{folder}/config.json: scaling_factor: expected scaling factor 0.13025 (SDXL's VAE, for family "
                      "sdxl), found 0.18215 (SD 1.x/2.x's VAE): a VAE of another model family", message)
        folder, _ = self.vae_folder("sdxl-vae", {"scaling_factor": 0.13025}, fc.SD1_SMALL)
        message = self.refused(self.sd1, vae=folder)
        self.assertIn("scaling_factor: expected scaling factor 0.18215 (SD 1.x/2.x's VAE, for family sd1), found "
                      "0.13025 (SDXL's VAE)", message)

    def test_a_config_of_another_kind_of_vae(self):
        for config, expected in (
                ({"latent_channels": 16, "scaling_factor": 1.5305, "shift_factor": 0.0609},
                 "latent_channels: expected 4 (SD 1.x/2.x/XL's VAE), found 16"),
                ({"latent_channels": 4, "scaling_factor": 0.13025, "shift_factor": 0.1159},
                 "shift_factor: expected none (SD 1.x/2.x/XL's VAE), found 0.1159"),
                ({"_class_name": "AutoencoderTiny"}, "_class_name: expected \"AutoencoderKL\" (SD's VAE), found "
                                                     "'AutoencoderTiny'"),
                ({"scaling_factor": 0.5},
                 "scaling_factor: expected scaling factor 0.13025 (SDXL's VAE, for family sdxl), found 0.5: not a VAE "
                 "torchsd knows for this model")):
            with self.subTest(config):
                folder, _ = self.vae_folder("other", config)
                self.assertIn(f"{folder}/config.json: {expected}", self.refused(self.sdxl, vae=folder))
        empty = os.path.join(self.dir, "no-config")
        os.makedirs(empty, exist_ok=True)
        self.assertIn(f"{empty}: a folder without config.json: not a diffusers VAE folder",
                      self.refused(self.sdxl, vae=empty))

    def test_modelspec_architecture_names_the_family(self):
        vae = ldm_vae(fc.SDXL_SMALL)
        sd1 = self.file("sd1-spec.safetensors", vae, {"modelspec.architecture": "stable-diffusion-v1/vae"})
        self.assertIn(f"{sd1}: __metadata__ modelspec.architecture 'stable-diffusion-v1/vae': expected scaling factor "
                      "0.13025 (SDXL's VAE, for family sdxl), found 0.18215 (SD 1.x/2.x's VAE)",
                      self.refused(self.sdxl, vae=sd1))
        flux = self.file("flux-spec.safetensors", vae, {"modelspec.architecture": "flux-1-dev/vae"})
        self.assertIn("'flux-1-dev/vae': expected an SD 1.x/2.x/XL VAE (4 latent channels), found one of a "
                      "16-latent-channel family", self.refused(self.sdxl, vae=flux))
        for architecture in ("stable-diffusion-xl-v1-base", "my-own-vae"):  # SDXL's, or one this check does not know
            path = self.file(architecture + ".safetensors", vae, {"modelspec.architecture": architecture})
            _, m = self.export(self.sdxl, tokenizer=self.tok, vae=path)
            self.assertEqual(m["exporter"]["source"]["vae"], architecture + ".safetensors")

    def test_a_diffusers_model_folder_with_another_familys_vae_config(self):
        folder = os.path.join(self.dir, "xl-folder")
        fc.diffusers_folder(folder, fc.SDXL_SMALL, self.tok)
        with open(os.path.join(folder, "vae", "config.json"), "w", encoding="utf-8") as f:
            json.dump({"scaling_factor": 0.18215}, f)
        message = self.refused(folder)
        self.assertIn(f"{folder}/vae/config.json: scaling_factor: expected scaling factor 0.13025", message)
