#!/usr/bin/python3
"""Writes src/test/resources/dev/torchsd/tokenizer/reference_cases.json: prompts with the cleaned text,
the words CLIP's split pattern gives and the real-vocabulary ids, all from the independent Python
reference in clip_reference.py. Hand-picked edge cases first, then seeded random strings drawn from
characters where cleaning and splitting are subtle (entities, combining marks, controls, surrogates,
case mappings, digits of all kinds, special tokens).

Run from the project root (needs ../shared and python3-regex):
  /usr/bin/python3 scripts/tokenizer/make_reference_cases.py
"""
import json
import random
import sys

sys.path.insert(0, "scripts/tokenizer")
from clip_reference import Reference, SPLIT  # noqa: E402 (importable only after the sys.path line)

OUT = "src/test/resources/dev/torchsd/tokenizer/reference_cases.json"

HAND_PICKED = [
    "“a cat” in ‘quotes’",                       # curly quotes are kept (ftfy would straighten them)
    "ＡＢＣ full-width １２３ and　ideographic space",  # width forms kept, U+3000 is whitespace
    "ﬁne ligature",
    "fish &amp; chips &amp;amp; &amp;amp;amp; &lt;b&gt;",
    "&notit; &ampx &AMP &#65;&#x42;&#X43 &#128; &#0; &#1; &#xD800; &#99999999; &bogus; &#;",
    "e\u0301 cafe\u0301 NFC",                      # decomposed é composes
    "ΣΑΣ ΟΔΟΣ İstanbul ß",                         # final sigma, dotted I, sharp s
    "it'S they'RE 'ſ' a'ſb",                       # contractions after lowercasing, long s
    "<|endoftext|>cat <|ENDOFTEXT|> !<|startoftext|> <|ſtartoftext|>",
    "²³ Ⅻ ٣٤ ½ 10000",                            # other numbers, one word each
    "tab\there\nnew\rline\x0bvt\x0cff\x85nel\u2028ls\u2029ps\u00a0nbsp",
    "null\x00byte bell\x07 esc\x1b[31m del\x7f bom\ufeff ann\ufff9x fs\x1cgs\x1d",
    "lone \ud800 high and \udc00 low surrogate",
    "emoji 😊🐱👍🏽 flag 🇯🇵 zwj 👨‍👩‍👧",
    "ปี ด ก้ำ हिन्दी",                              # combining marks outside letters
    "寿司を握る猫とても長い文章だけどスペースがない",
    "a" * 300,
    "supercalifragilisticexpialidocious " * 3,
    "masterpiece, best quality, (ultra-detailed:1.2), [[cat]], {dog}, <lora:abc:0.5>",
    "",
    "   \t\n  ",
    "!!!???...---___",
    "'''s''t",
]

POOL = (list("abcdefgz ABCZ0123456789 .,!?'-_:;()[]<>|&#;") + [
    "&amp;", "&lt;", "&#65;", "&#x1F600;", "&ampx",
    "'s", "'ll", "'ſ", "ſ", "e\u0301", "\u0301", "\u0308", "Σ", "ς", "İ", "ß", "ﬁ", "Ａ", "１", "　", "“", "”",
    "\x00", "\x0b", "\x1c", "\x85", "\u2028", "\ufeff", "\ud800", "\udfff", "😊", "🐱", "ป", "ี", "寿", "猫",
    "²", "Ⅻ", "٣", "½", "<|endoftext|>", "<|startoftext|>", "\t", "\n", "é", "ö", "ñ", "Ω", "Я", "я"])


SIGMA_POOL = ["Σ", "Σ", "Σ", "a", "A", "1", "½", "'", ".", ":", "\u0301", "\u00ad", " ", "ˆ", "ǅ", "ª", "ʰ", "·", "’",
              "-"]


def main():
    vocabulary = sys.argv[1] if len(sys.argv) > 1 else "../shared/clip/bpe_simple_vocab_16e6.txt.gz"
    reference = Reference.from_openai(vocabulary)
    rng = random.Random(20260525)
    prompts = list(HAND_PICKED)
    for _ in range(300):
        prompts.append("".join(rng.choice(POOL) for _ in range(rng.randint(1, 24))))
    for _ in range(100):  # the final-sigma rule: cased, case-ignorable and other neighbours
        prompts.append("".join(rng.choice(SIGMA_POOL) for _ in range(rng.randint(1, 8))))
    cases = []
    for prompt in prompts:
        clean = reference.clean(prompt)
        cases.append({"prompt": prompt, "clean": clean, "words": SPLIT.findall(clean),
                      "ids": reference.encode(prompt)})
    with open(OUT, "w", encoding="ascii") as out:
        json.dump(cases, out, ensure_ascii=True, indent=1)
        out.write("\n")
    print("wrote", OUT, len(cases), "cases")


if __name__ == "__main__":
    main()
