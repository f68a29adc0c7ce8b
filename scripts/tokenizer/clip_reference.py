#!/usr/bin/python3
"""An independent CLIP BPE tokenizer in Python, written from the algorithm, to produce reference ids
for torchsd's own tokenizer test cases (src/test/resources/dev/torchsd/tokenizer/extra_cases.json).

It follows OpenAI CLIP's reference pipeline with the cleaning torchsd documents in ClipTextCleaner:
ftfy's control-character removal and surrogate repair (ftfy's other fixes are NOT applied, see
docs/tokenizer.md), NFC, html.unescape twice, whitespace collapse, strip, lowercase; then CLIP's split
pattern (Unicode classes, via the `regex` module: apt-get install python3-regex), byte-level mapping
and BPE by merge rank. Data: OpenAI's bpe_simple_vocab_16e6.txt.gz only.

Usage: /usr/bin/python3 scripts/tokenizer/clip_reference.py ../shared/clip/bpe_simple_vocab_16e6.txt.gz \
          < prompts.json > cases.json
prompts.json is a JSON list of strings; the output is a JSON list of {"prompt", "ids"} (ids with BOS and EOS).
"""
import gzip
import html
import json
import os
import sys
import unicodedata

import regex

SPLIT = regex.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+",
                      regex.IGNORECASE)
# ftfy.remove_control_chars: C0 controls but tab/LF/FF/CR, DEL, deprecated format chars, BOM, interlinear annotation.
CONTROL = set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x20)) | {0x7F} | set(range(0x206A, 0x2070)) \
    | {0xFEFF} | set(range(0xFFF9, 0xFFFD))


def byte_alphabet():
    """Byte value -> printable character, in the order CLIP numbers them."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    order, chars, extra = list(printable), [chr(b) for b in printable], 0
    for b in range(256):
        if b not in printable:
            order.append(b)
            chars.append(chr(256 + extra))
            extra += 1
    return order, chars


class Reference:
    """CLIP's BPE over a merge list: ids are the 256 byte characters, the same with </w>, the merges, BOS, EOS."""

    def __init__(self, merges):
        order, chars = byte_alphabet()
        self.byte_char = dict(zip(order, chars))
        tokens = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges] \
            + ["<|startoftext|>", "<|endoftext|>"]
        self.ids = {t: i for i, t in enumerate(tokens)}
        self.rank = {m: i for i, m in enumerate(merges)}

    @classmethod
    def from_openai(cls, gz_path):
        """OpenAI's bpe_simple_vocab_16e6.txt.gz: a header line, then the 48894 merges CLIP uses."""
        with gzip.open(gz_path, "rt", encoding="utf-8") as f:
            lines = f.read().split("\n")
        return cls([tuple(line.split()) for line in lines[1:1 + 48894]])

    @classmethod
    def from_folder(cls, folder):
        """A Hugging Face tokenizer folder (merges.txt after a "#version" line, vocab.json token -> id); the
        vocabulary must be the one the merges define, in CLIP's order."""
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = [line for line in f.read().split("\n") if line and not line.startswith("#version")]
        reference = cls([tuple(line.split()) for line in lines])
        vocab_file = os.path.join(folder, "vocab.json")
        with open(vocab_file, encoding="utf-8") as f:
            vocab = json.load(f)
        if vocab != reference.ids:
            raise ValueError(f"{vocab_file}: not CLIP's layout for {len(lines)} merges (expected {len(reference.ids)}"
                             f" tokens in byte, byte</w>, merge, special order; found {len(vocab)})")
        return reference

    def bpe(self, word):
        symbols = list(word[:-1]) + [word[-1] + "</w>"]
        while len(symbols) > 1:
            pairs = [(self.rank.get((a, b), 1 << 30), a, b) for a, b in zip(symbols, symbols[1:])]
            best, first, second = min(pairs)
            if best == 1 << 30:
                break
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == first and symbols[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return symbols

    @staticmethod
    def clean(text):
        text = "".join("\uFFFD" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text if ord(c) not in CONTROL)
        text = unicodedata.normalize("NFC", text)
        text = html.unescape(html.unescape(text)).strip()
        text = regex.sub(r"\s+", " ", text).strip()
        return text.lower()

    def encode(self, text):
        ids = [self.ids["<|startoftext|>"]]
        for piece in SPLIT.findall(self.clean(text)):
            if piece in ("<|startoftext|>", "<|endoftext|>"):
                ids.append(self.ids[piece])
                continue
            word = "".join(self.byte_char[b] for b in piece.encode("utf-8"))
            ids.extend(self.ids[s] for s in self.bpe(word))
        ids.append(self.ids["<|endoftext|>"])
        return ids


def main():
    reference = Reference.from_openai(sys.argv[1])
    prompts = json.load(sys.stdin)
    cases = [{"prompt": p, "ids": reference.encode(p)} for p in prompts]
    json.dump(cases, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
