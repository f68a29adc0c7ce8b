"""Test fixtures for torchsd's scene checker (dev.torchsd.eval): scenes drawn by the dataset
generator, with their ground truth.

    python3 -m train.checker_fixtures OUT_DIR [--count 60]

Writes OUT_DIR/scene-NN.png (64x64) and OUT_DIR/scenes.json (file -> scene attributes).
"""
import argparse
import json
import os
import random

from PIL import Image

from . import dataset


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--count", type=int, default=60)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = random.Random(7)
    truth = {}
    for i in range(args.count):
        scene = dataset.random_scene(rng, held_out=i % 4 == 0)
        name = f"scene-{i:02d}.png"
        Image.fromarray(dataset.to_image(dataset.render(scene))).save(os.path.join(args.out_dir, name))
        truth[name] = {k: scene[k] for k in ("color", "shape", "size", "position", "background", "texture")}
        truth[name]["caption"] = dataset.caption(scene)
    with open(os.path.join(args.out_dir, "scenes.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    print(f"{args.out_dir}: {args.count} scenes")


if __name__ == "__main__":
    main()
