"""The tokenizer folder a model folder ships: CLIP's vocab.json and merges.txt (Hugging Face layout)."""
import json
import os
import shutil

from .checkpoint import CheckpointError

FILES = ("vocab.json", "merges.txt")

WHERE_TO_GET_ONE = (
    "pass --tokenizer DIR, a folder with CLIP's vocab.json and merges.txt - e.g. the tokenizer/ folder of "
    "runwayml/stable-diffusion-v1-5 (SD 1.x) or stabilityai/stable-diffusion-2-1 (SD 2.x) on Hugging Face, or "
    "openai/clip-vit-large-patch14 (both SD families use the same 49408-token CLIP vocabulary)")


def read_vocab(tokenizer_dir: str) -> dict:
    """{token: id} of tokenizer_dir/vocab.json, after checking that both files are there."""
    for name in FILES:
        if not os.path.isfile(os.path.join(tokenizer_dir, name)):
            raise CheckpointError(f"--tokenizer {tokenizer_dir}: {name} not found; " + WHERE_TO_GET_ONE)
    path = os.path.join(tokenizer_dir, "vocab.json")
    try:
        with open(path, encoding="utf-8") as f:
            vocab = json.load(f)
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path}: cannot read ({e})") from e
    if not isinstance(vocab, dict):
        raise CheckpointError(f"{path}: expected a JSON object of token -> id, found a {type(vocab).__name__}")
    return vocab


def check_vocab_size(tokenizer_dir: str, vocab: dict, rows: int, what: str):
    """The text encoder's token table (rows, of what) must have one row per token."""
    if len(vocab) != rows:
        raise CheckpointError(f"{tokenizer_dir}/vocab.json has {len(vocab)} tokens, {what} has {rows} rows: "
                              "not this model's tokenizer")


def copy_tokenizer(tokenizer_dir: str, out_dir: str):
    os.makedirs(out_dir, exist_ok=True)
    for name in FILES:
        shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(out_dir, name))
