#!/usr/bin/env python3
"""Learns a small CLIP-format BPE vocabulary (Hugging Face layout: vocab.json + merges.txt).

The layout is CLIP's: the 256 byte symbols, the same 256 with the word-end mark `</w>`, one entry
per merge in rank order, then `<|startoftext|>` and `<|endoftext|>`. Words are split the way CLIP's
tokenizer splits them (letters runs, single digits, runs of other symbols) after lowercasing.
Merges are learned greedily by pair frequency, ties broken by the pair's text, so the result is
the same on every machine.

usage: make_vocab.py CORPUS OUT_DIR [--merges N]
"""
import argparse
import collections
import json
import os
import re

WORD_PATTERN = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+", re.IGNORECASE)


def bytes_to_unicode():
    """CLIP's reversible map from the 256 bytes to printable unicode characters."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, [chr(c) for c in chars]))


def words(text):
    byte_map = bytes_to_unicode()
    for word in WORD_PATTERN.findall(" ".join(text.lower().split())):
        symbols = [byte_map[b] for b in word.encode("utf-8")]
        symbols[-1] += "</w>"
        yield tuple(symbols)


def learn_merges(word_counts, max_merges):
    merges = []
    vocab = dict(word_counts)
    while len(merges) < max_merges:
        pairs = collections.Counter()
        for word, count in vocab.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best_count = max(pairs.values())
        if best_count < 2:
            break
        best = min(p for p, c in pairs.items() if c == best_count)
        merges.append(best)
        merged = {}
        for word, count in vocab.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        vocab = merged
    return merges


def build_vocab(merges):
    base = list(bytes_to_unicode().values())
    tokens = base + [b + "</w>" for b in base] + ["".join(m) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    return {token: i for i, token in enumerate(tokens)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("out_dir")
    parser.add_argument("--merges", type=int, default=2000)
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        counts = collections.Counter(words(f.read()))
    merges = learn_merges(counts, args.merges)
    vocab = build_vocab(merges)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(args.out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2 - torchsd make_vocab.py\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    print(f"{args.out_dir}: {len(vocab)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
