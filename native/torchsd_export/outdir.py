"""The output folder: new or empty, or overwritten only with --force; checked before any heavy work."""
import os
import tempfile

from .checkpoint import CheckpointError


def prepare_out_dir(out: str, force: bool):
    if os.path.exists(out) and not os.path.isdir(out):
        raise CheckpointError(f"--out {out}: exists and is not a folder")
    if os.path.isdir(out) and os.listdir(out) and not force:
        raise CheckpointError(f"--out {out}: the folder is not empty ({len(os.listdir(out))} entries); "
                              "choose a new folder or pass --force to replace its files")
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as e:
        raise CheckpointError(f"--out {out}: not writable ({e.strerror or e})") from e
