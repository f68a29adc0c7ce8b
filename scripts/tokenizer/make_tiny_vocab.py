#!/usr/bin/python3
"""Writes the tiny CLIP-format vocabulary that the always-running tokenizer tests use:
src/test/resources/dev/torchsd/tokenizer/tiny/{vocab.json,merges.txt}.

Its ids follow CLIP's layout, so expected ids can be worked out by hand: the 256 byte symbols (printable
ASCII '!'..'~' are ids 0..93, i.e. ord(c) - 33), the same symbols with '</w>' (+256), one token per merge
(512 + rank), then <|startoftext|> (512 + len(MERGES)) and <|endoftext|> (one more).
Run from the project root: /usr/bin/python3 scripts/tokenizer/make_tiny_vocab.py
"""
import json
import os

# Hand-picked so the tests can reason about ranks: "cat" needs 'a t</w>' before 'c a', "aaaa" shows
# that a merge applies left to right without overlap, "café" exercises a two-byte character.
MERGES = [
    ("a", "t</w>"),   # 0 -> 512
    ("c", "at</w>"),  # 1 -> 513
    ("t", "h"),       # 2 -> 514
    ("th", "e</w>"),  # 3 -> 515
    ("o", "f</w>"),   # 4 -> 516
    ("p", "h"),       # 5 -> 517
    ("o", "t"),       # 6 -> 518
    ("ph", "ot"),     # 7 -> 519
    ("phot", "o</w>"),  # 8 -> 520
    ("d", "o"),       # 9 -> 521
    ("do", "g</w>"),  # 10 -> 522
    ("a", "a"),       # 11 -> 523
    ("aa", "a"),      # 12 -> 524
    ("'", "s</w>"),   # 13 -> 525
    ("Ã", "©</w>"),   # 14 -> 526  (é is bytes C3 A9)
    ("c", "a"),       # 15 -> 527
    ("ca", "f"),      # 16 -> 528
    ("i", "t</w>"),   # 17 -> 529
]
OUT = "src/test/resources/dev/torchsd/tokenizer/tiny"


def byte_symbols():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    symbols = [chr(b) for b in printable]
    symbols += [chr(256 + k) for k in range(256 - len(printable))]
    return symbols


def main():
    base = byte_symbols()
    tokens = base + [s + "</w>" for s in base] + [a + b for a, b in MERGES] + ["<|startoftext|>", "<|endoftext|>"]
    assert len(set(tokens)) == len(tokens)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(tokens)}, f, ensure_ascii=False)
    with open(os.path.join(OUT, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in MERGES:
            f.write(a + " " + b + "\n")
    print("wrote", OUT, len(tokens), "tokens,", len(MERGES), "merges")


if __name__ == "__main__":
    main()
