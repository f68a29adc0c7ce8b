"""torchsd's exporter: the Stable Diffusion architecture on plain torch, exported to TorchScript.

Parameter names equal the keys of the original single-file checkpoints (without their component
prefixes), so real checkpoints load by name. Runs on Debian's torch 1.13 and on current torch.

Modules, each importing only modules listed before it (tests/test_imports.py: no import cycle):
  config                        architecture sizes and scheduler configs of SD 1.x/2.x/XL and the tiny model
  attention, clip_text, unet,   the networks; scripted as they are, so their module paths are part of
  vae                           every export (fuse_attention edits attention.py inside the archives)
  components                    the networks of one model: seeded random or uninitialised, all at once or
                                one at a time; their shapes without allocating them
  checkpoint                    weight files -> tensors, without running code from them; CheckpointError
  keymaps, sources              other layouts' names -> ours; single files / diffusers folders -> a Source
                                (sources holds the table of where each component's weights are)
  infer, convert                sizes read off the weights, the SD 2.x variant, loading into components
  tokenizer                     the tokenizer folder: reading vocab.json, copying it into a model folder
  model_folder                  writing a model folder: scripted networks, tokenizer, model.json
  outdir                        the --out folder checks
  from_checkpoint, from_preset  the two ways to a model folder: a user's checkpoint, or random weights
  cli                           the command line of both (./cppbuild.sh export, tiny, sd15)
Separate tools with their own command lines: fuse_attention, verify; system_blas says which BLAS torch uses.
"""
