"""The procedural captioned dataset: one colored shape on a (possibly textured) background.

Scenes live on a 16x16 grid of cells; an image is 64x64 pixels, every cell a 4x4 block of one
color (the fixed "VAE" of pixel_vae.py maps one cell to one latent pixel). A cell's color is the
coverage-weighted mix of shape and background, the coverage measured on 4x4 sample points, so
edges are anti-aliased. Shapes are placed by their area centroid, so a checker can read the
position from the centroid of the shape's cells.

Captions are plain English, every attribute but the shape optional:
"a small red circle on the left, striped blue background". Some color/shape pairs never occur in
training (HELD_OUT_PAIRS); the evaluation asks for them to test composition.
"""
import random
import sys

import numpy as np

GRID = 16          # cells per side (= latent pixels)
CELL = 4           # image pixels per cell side
IMAGE = GRID * CELL

PALETTE = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 220, 40),
    "purple": (150, 60, 190),
    "orange": (245, 140, 30),
    "white": (240, 240, 240),
    "black": (20, 20, 20),
    "gray": (128, 128, 128),
}
SHAPE_COLORS = ["red", "green", "blue", "yellow", "purple", "orange"]
BACKGROUND_COLORS = list(PALETTE)
SHAPES = ["circle", "square", "triangle", "cross"]
SIZES = {"small": 3.0, "large": 4.5}           # radius in cells
POSITIONS = {                                    # centroid in cells (x, y), y down
    "left": (5.0, 8.0), "right": (11.0, 8.0), "top": (8.0, 5.0), "bottom": (8.0, 11.0), "center": (8.0, 8.0),
}
POSITION_PHRASES = {"left": "on the left", "right": "on the right", "top": "at the top",
                    "bottom": "at the bottom", "center": "in the center"}
TEXTURES = ["plain", "striped", "dotted"]
HELD_OUT_PAIRS = {("red", "triangle"), ("green", "cross"), ("blue", "square"), ("yellow", "circle")}


def texture_shade(color):
    """The second color of a striped or dotted background: 30% toward white for dark colors,
    toward black for light ones."""
    r, g, b = color
    target = 255.0 if 0.299 * r + 0.587 * g + 0.114 * b < 100 else 0.0
    return tuple(0.7 * c + 0.3 * target for c in color)


def inside(shape, u, v):
    """Whether unit-shape coordinates (u right, v down; radius 1, area centroid at 0) are inside."""
    if shape == "circle":
        return u * u + v * v <= 1.0
    if shape == "square":
        return (np.abs(u) <= 0.85) & (np.abs(v) <= 0.85)
    if shape == "triangle":
        # upright, base at the bottom; apex at v=-4/3, base at v=+2/3 puts the centroid at 0
        w = (v + 4.0 / 3.0) / 2.0 * 1.15
        return (v >= -4.0 / 3.0) & (v <= 2.0 / 3.0) & (np.abs(u) <= w)
    if shape == "cross":
        return ((np.abs(u) <= 0.35) & (np.abs(v) <= 1.0)) | ((np.abs(v) <= 0.35) & (np.abs(u) <= 1.0))
    raise ValueError(f"unknown shape '{shape}'")


_SUB = (np.arange(GRID * CELL) + 0.5) / CELL   # sample points in cell units


def coverage(shape, cx, cy, radius):
    """(GRID, GRID) fraction of each cell's 4x4 sample points inside the shape."""
    u = (_SUB[None, :] - cx) / radius
    v = (_SUB[:, None] - cy) / radius
    hit = inside(shape, u, v).astype(np.float32)
    return hit.reshape(GRID, CELL, GRID, CELL).mean(axis=(1, 3))


def background(color_name, texture):
    base = np.array(PALETTE[color_name], dtype=np.float32)
    shade = np.array(texture_shade(PALETTE[color_name]), dtype=np.float32)
    img = np.tile(base, (GRID, GRID, 1))
    ys, xs = np.mgrid[0:GRID, 0:GRID]
    if texture == "striped":
        img[(ys % 4) < 2] = shade
    elif texture == "dotted":
        img[((ys % 4) == 1) & ((xs % 4) == 1)] = shade
    return img


def render(scene):
    """(GRID, GRID, 3) float32 colors 0..255 of a scene dict."""
    img = background(scene["background"], scene["texture"])
    cover = coverage(scene["shape"], scene["x"], scene["y"], SIZES[scene["size"]])[..., None]
    color = np.array(PALETTE[scene["color"]], dtype=np.float32)
    return img * (1.0 - cover) + color * cover


def to_image(cells):
    """(GRID, GRID, 3) cells -> (IMAGE, IMAGE, 3) uint8 pixels, each cell a CELL x CELL block."""
    return np.clip(np.repeat(np.repeat(cells, CELL, axis=0), CELL, axis=1) + 0.5, 0, 255).astype(np.uint8)


def random_scene(rng: random.Random, held_out: bool = False):
    """A scene of a training pair (held_out=False) or of a held-out color/shape pair."""
    while True:
        color, shape = rng.choice(SHAPE_COLORS), rng.choice(SHAPES)
        if ((color, shape) in HELD_OUT_PAIRS) == held_out:
            break
    position = rng.choice(list(POSITIONS))
    px, py = POSITIONS[position]
    return {
        "color": color, "shape": shape, "size": rng.choice(list(SIZES)), "position": position,
        "x": px + rng.uniform(-0.5, 0.5), "y": py + rng.uniform(-0.5, 0.5),
        "background": rng.choice([c for c in BACKGROUND_COLORS if c != color]),
        "texture": rng.choice(TEXTURES),
    }


def article(word):
    return "an" if word[0] in "aeiou" else "a"


def caption(scene, keep=None):
    """The scene in words; keep(attribute) decides which optional attributes are said."""
    keep = keep or (lambda attribute: True)
    words = []
    if keep("size"):
        words.append(scene["size"])
    if keep("color"):
        words.append(scene["color"])
    words.append(scene["shape"])
    text = f"{article(words[0])} {' '.join(words)}"
    if keep("position"):
        text += " " + POSITION_PHRASES[scene["position"]]
    if keep("background"):
        texture = scene["texture"] + " " if scene["texture"] != "plain" and keep("texture") else ""
        text += f", {texture}{scene['background']} background"
    return text


KEEP_PROBABILITY = {"size": 0.5, "color": 0.8, "position": 0.75, "background": 0.6, "texture": 0.7}


def training_caption(scene, rng: random.Random, empty_probability=0.1):
    """A caption with random attributes dropped; the empty caption (for classifier-free guidance)
    with probability empty_probability."""
    if rng.random() < empty_probability:
        return ""
    return caption(scene, lambda a: rng.random() < KEEP_PROBABILITY[a])


def batch(rng: random.Random, size: int, empty_probability=0.1):
    """(images (B, GRID, GRID, 3) float32 0..255, captions) of training pairs."""
    scenes = [random_scene(rng) for _ in range(size)]
    images = np.stack([render(s) for s in scenes])
    return images, [training_caption(s, rng, empty_probability) for s in scenes]


def vocabulary_corpus(count=4000, seed=1):
    """Captions the BPE vocabulary is learned from (all words of the dataset, many times)."""
    rng = random.Random(seed)
    lines = [caption(random_scene(rng, held_out=rng.random() < 0.2), lambda a: True) for _ in range(count)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m train.dataset CORPUS_OUT   (writes the captions the vocabulary is learned from)")
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(vocabulary_corpus())
