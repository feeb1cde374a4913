"""Generated image-text data: coloured shapes drawn with PIL and captions that describe them.

Used by the tests, the demo and the bench; nothing is downloaded. `write_eval_data` writes
Winoground and VQA task folders in the official 2025 row format (images in `images/` named as
`multimodal.data` expects); `write_caption_corpus` writes image-caption training pairs.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from babylm.io import atomic_write_text

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30), "blue": (30, 60, 220), "green": (30, 170, 60), "yellow": (235, 215, 40),
}
SHAPES = ("circle", "square", "triangle")
SIZE = 32


def _draw(draw: Any, shape: str, colour: str, box: tuple[int, int, int, int]) -> None:
    fill = COLOURS[colour]
    x0, y0, x1, y1 = box
    if shape == "circle":
        draw.ellipse(box, fill=fill)
    elif shape == "square":
        draw.rectangle(box, fill=fill)
    elif shape == "triangle":
        draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=fill)
    else:
        raise ValueError(f"unknown shape {shape!r}")


def shape_image(shape: str, colour: str, size: int = SIZE) -> Any:
    """One shape in one colour on white."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (size, size), (255, 255, 255))
    m = size // 8
    _draw(ImageDraw.Draw(im), shape, colour, (m, m, size - m, size - m))
    return im


def pair_image(left: tuple[str, str], right: tuple[str, str], size: int = SIZE) -> Any:
    """Two (shape, colour) objects side by side: the left one first in the caption."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (size * 2, size), (255, 255, 255))
    d = ImageDraw.Draw(im)
    m = size // 8
    _draw(d, left[0], left[1], (m, m, size - m, size - m))
    _draw(d, right[0], right[1], (size + m, m, 2 * size - m, size - m))
    return im


def caption(shape: str, colour: str) -> str:
    return f"a {colour} {shape}"


def winoground_examples(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` examples: two shapes whose colours swap between the two images (the same words in the
    two captions, in another order)."""
    rng = random.Random(seed)
    combos = [(s1, s2, c1, c2) for s1 in SHAPES for s2 in SHAPES if s1 != s2
              for c1 in COLOURS for c2 in COLOURS if c1 != c2]
    rng.shuffle(combos)
    out = []
    for s1, s2, c1, c2 in (combos * (n // len(combos) + 1))[:n]:
        out.append({"i0": ((s1, c1), (s2, c2)), "i1": ((s1, c2), (s2, c1)),
                    "c0": f"{caption(s1, c1)} and {caption(s2, c2)}", "c1": f"{caption(s1, c2)} and {caption(s2, c1)}"})
    return out


def write_eval_data(root: str | Path, *, n_winoground: int = 12, n_vqa: int = 24, seed: int = 0) -> Path:
    """`root/full_eval/{winoground_filtered,vqa_filtered}/` with official-format rows and their images."""
    root = Path(root)
    wino = root / "full_eval" / "winoground_filtered"
    (wino / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for idx, ex in enumerate(winoground_examples(n_winoground, seed)):
        for key, img, own, other in (("image_0", ex["i0"], ex["c0"], ex["c1"]), ("image_1", ex["i1"], ex["c1"], ex["c0"])):
            pair_image(*img).save(wino / "images" / f"{idx}_{key}.png")
            rows.append({"caption_0": own, "caption_1": other, "image_idx": idx, "image_key": key,
                         "tag": "Object", "secondary_tag": "Colour", "collapsed_tag": "Object"})
    atomic_write_text(wino / "winoground.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    vqa = root / "full_eval" / "vqa_filtered"
    (vqa / "images").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    rows = []
    for idx in range(n_vqa):
        shape, colour = rng.choice(SHAPES), rng.choice(list(COLOURS))
        shape_image(shape, colour).save(vqa / "images" / f"{idx}.png")
        if idx % 2 == 0:
            q, ans, others = "what colour is the shape ?", colour, [c for c in COLOURS if c != colour]
        else:
            q, ans, others = "what shape is it ?", shape, [s for s in SHAPES if s != shape]
        rows.append({"question": q, "target_ans": ans, "distractors": others, "idx_in_hf_dataset": idx})
    atomic_write_text(vqa / "vqa.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    return root


def write_devbench_data(root: str | Path, *, n_trials: int = 6, seed: int = 0) -> Path:
    """`root/full_eval/devbench/{lex-viz_vocab,gram-trog}.jsonl` (babylm's DevBench layout, see
    `tasks.devbench`): a word or a caption, four pictures (the target first) and made-up human
    response proportions for two age bins (children choose less reliably than adults)."""
    root = Path(root)
    d = root / "full_eval" / "devbench"
    (d / "images").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 2)
    combos = [(s, c) for s in SHAPES for c in COLOURS]
    for sub in ("lex-viz_vocab", "gram-trog"):
        lines = []
        for t in range(n_trials):
            picks = rng.sample(combos, 4)
            names = []
            for k, (shape, colour) in enumerate(picks):
                name = f"images/{sub}_{t}_{k}.png"
                shape_image(shape, colour).save(d / name)
                names.append(name)
            text = picks[0][1] if sub == "lex-viz_vocab" else caption(*picks[0])
            child = [0.55, 0.15, 0.15, 0.15] if t % 2 else [0.4, 0.3, 0.2, 0.1]
            lines.append(json.dumps({"text": text, "images": names, "human": {"4": child, "25": [0.94, 0.02, 0.02, 0.02]}})
                         + "\n")
        atomic_write_text(d / f"{sub}.jsonl", "".join(lines))
    return root


def write_things_data(root: str | Path, *, seed: int = 0) -> Path:
    """`root/full_eval/devbench/sem-things/` (babylm's layout, see `multimodal.things`): one image per
    (shape, colour) concept and a made-up human similarity (half for the same colour, half for the
    same shape, plus a little noise)."""
    import numpy as np

    d = Path(root) / "full_eval" / "devbench" / "sem-things"
    (d / "images").mkdir(parents=True, exist_ok=True)
    concepts = [(s, c) for s in SHAPES for c in COLOURS]
    lines = []
    for k, (shape, colour) in enumerate(concepts):
        shape_image(shape, colour).save(d / "images" / f"{k}.png")
        lines.append(json.dumps({"image": f"images/{k}.png", "concept": caption(shape, colour)}) + "\n")
    atomic_write_text(d / "images.jsonl", "".join(lines))
    rng = np.random.default_rng(seed)
    sims = np.array([[0.5 * (a[1] == b[1]) + 0.5 * (a[0] == b[0]) for b in concepts] for a in concepts])
    noise = rng.normal(0, 0.01, sims.shape)
    np.save(d / "human_similarity.npy", sims + (noise + noise.T) / 2)
    return Path(root)


def caption_pairs(n: int, seed: int = 0) -> list[tuple[Any, str]]:
    """`n` (image, caption) training pairs: single shapes, colour-swapped pairs and VQA-style lines."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        shape, colour = rng.choice(SHAPES), rng.choice(list(COLOURS))
        if k % 3 == 0:
            out.append((shape_image(shape, colour), caption(shape, colour)))
        elif k % 3 == 1:
            out.append((shape_image(shape, colour), f"what colour is the shape ? {colour}"))
        else:
            other, oc = rng.choice([s for s in SHAPES if s != shape]), rng.choice([c for c in COLOURS if c != colour])
            out.append((pair_image((shape, colour), (other, oc)), f"{caption(shape, colour)} and {caption(other, oc)}"))
    return out


def write_caption_corpus(folder: str | Path, n: int = 30, seed: int = 0) -> Path:
    """`folder/captions.jsonl` ({"image": "images/<k>.png", "caption": ...} per line) and the images."""
    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for k, (im, text) in enumerate(caption_pairs(n, seed)):
        im.save(folder / "images" / f"{k}.png")
        lines.append(json.dumps({"image": f"images/{k}.png", "caption": text}) + "\n")
    atomic_write_text(folder / "captions.jsonl", "".join(lines))
    return folder


def vocabulary_texts() -> list[str]:
    """Texts covering every word the generated data uses (to train a tokenizer on)."""
    words = [*COLOURS, *SHAPES]
    return [" ".join(words), "a red circle and a blue square", "what colour is the shape ? what shape is it ?",
            *(caption(s, c) for s in SHAPES for c in COLOURS)]
