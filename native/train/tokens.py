"""Caption -> token ids the way torchsd's Java ClipTokenizer does it for our captions:
<|startoftext|>, CLIP byte-level BPE of the lowercased words, <|endoftext|>, padded with
<|endoftext|> to 77 (SD 1.x pads with the end token). The empty caption is start + end + padding,
exactly what the pipeline feeds for an empty negative prompt."""
import json
import os

import torch

from make_vocab import WORD_PATTERN, bytes_to_unicode

MAX_LENGTH = 77


class Tokenizer:
    def __init__(self, folder):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = [line.split() for line in f.read().splitlines()[1:] if line.strip()]
        self.ranks = {tuple(pair): i for i, pair in enumerate(lines)}
        self.bytes = bytes_to_unicode()
        self.start, self.end = self.vocab["<|startoftext|>"], self.vocab["<|endoftext|>"]
        self.cache = {}

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        symbols = [self.bytes[b] for b in word.encode("utf-8")]
        symbols[-1] += "</w>"
        while len(symbols) > 1:
            pairs = [(self.ranks.get(p, 1 << 30), i) for i, p in enumerate(zip(symbols, symbols[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            symbols = symbols[:i] + [symbols[i] + symbols[i + 1]] + symbols[i + 2:]
        ids = [self.vocab[s] for s in symbols]
        self.cache[word] = ids
        return ids

    def ids(self, text):
        out = [self.start]
        for word in WORD_PATTERN.findall(" ".join(text.lower().split())):
            out += self.bpe(word)
        out = out[:MAX_LENGTH - 1] + [self.end]
        return out + [self.end] * (MAX_LENGTH - len(out))

    def batch(self, texts):
        return torch.tensor([self.ids(t) for t in texts], dtype=torch.long)
