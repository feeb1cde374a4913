"""Image-caption training data (the multimodal track): its words and its images in the data manifest.

A caption file is JSONL, one pair per line: `{"image": "<path relative to the file>", "caption": "..."}`
(`text` is read when there is no `caption`). Only words count toward the budget: the captions'
words by the canonical rule (`tracks.words`, str.split), never the JSON keys, the image paths or the
images. `extract_captions` writes the captions as a plain text file, one per line, so the manifest
lists, hashes and verifies it like any text file; the manifest's optional `images` lists every image
file by path, bytes and sha256 (images count no words), and `verify_images` re-checks them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from babylm.errors import BabyLMError
from babylm.io import JSONReadError, atomic_write_text, file_sha256, iter_jsonl

CAPTION_FIELDS = ("caption", "text")
CAPTIONS_SUFFIX = ".captions.txt"


class ManifestImage(BaseModel):
    """One image file of the training data, by hash (it counts no words); text files extend it."""

    model_config = ConfigDict(strict=True, extra="allow")

    path: str
    bytes: int
    sha256: str


def read_pairs(path: str | os.PathLike[str]) -> list[tuple[Path, str]]:
    """(image path, caption) per line of a caption file; user errors name the file and line."""
    p = Path(path)
    folder = p.resolve().parent
    pairs = []
    try:
        rows = list(iter_jsonl(p))
    except JSONReadError as exc:
        raise BabyLMError(f"{p}: cannot read the caption file ({exc})", "one JSON object per line") from None
    for n, row in rows:
        text = next((row[k] for k in CAPTION_FIELDS if isinstance(row, dict) and k in row), None)
        if not isinstance(text, str) or not isinstance(row.get("image"), str):
            raise BabyLMError(f"{p} line {n}: needs a string 'image' and 'caption' (or 'text')",
                              'e.g. {"image": "images/0.png", "caption": "a red circle"}')
        pairs.append((folder / row["image"], text))
    return pairs


def caption_words(path: str | os.PathLike[str]) -> int:
    """The words of a caption file's captions (str.split; images and JSON keys count nothing)."""
    return sum(len(text.split()) for _, text in read_pairs(path))


def extract_captions(path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write the captions as plain text, one per line (line breaks inside a caption become spaces,
    which str.split counts the same), to `out` or `<file>.captions.txt`; the written path."""
    p = Path(path)
    target = Path(out) if out is not None else p.with_name(p.name + CAPTIONS_SUFFIX)
    text = "".join(" ".join(c.split()) + "\n" for _, c in read_pairs(p))
    return atomic_write_text(target, text)


def image_entries(paths: Sequence[str | os.PathLike[str]], base: Path | None = None) -> list[ManifestImage]:
    """One entry per distinct image the caption files name (sorted by path); a missing image is a
    user error. Paths under `base` are stored relative to it."""
    from babylm.tracks.manifest import _store_path  # the manifest's own path rule (it imports this module)

    seen: dict[Path, None] = {}
    for f in paths:
        for image, _ in read_pairs(f):
            if not image.is_file():
                raise BabyLMError(f"{f}: image {image} not found", "every pair's image must exist")
            seen.setdefault(image.resolve(), None)
    out = []
    for image in sorted(seen):
        out.append(ManifestImage(path=_store_path(image, base), bytes=image.stat().st_size, sha256=file_sha256(image)))
    return out


def build_image_text_manifest(caption_files: Sequence[str | os.PathLike[str]], track: Any, root: str | os.PathLike[str],
                              **kwargs: Any) -> dict[str, Any]:
    """A data manifest for image-caption data: the extracted caption text files (their words: the
    captions') plus `images` by hash. `root` is the manifest's folder; `kwargs` go to build_manifest."""
    from babylm.tracks.manifest import build_manifest
    from babylm.tracks.rules import resolve_track

    t = resolve_track(track, kwargs.pop("edition", None), kwargs.pop("scale", None))
    if "image" not in t.modalities:
        raise BabyLMError(f"{t.key} is a text-only track: image data is not allowed",
                          "count it for a track with images, e.g. --track multimodal --edition 2025")
    texts = [extract_captions(f) for f in caption_files]
    manifest = build_manifest(texts, t, root, **kwargs)
    manifest["images"] = [e.model_dump() for e in image_entries(caption_files, Path(root).resolve())]
    return manifest


def verify_images(manifest_path: str | os.PathLike[str]) -> list[str]:
    """Re-hash the manifest's images: one problem line per missing or changed image."""
    from babylm.tracks.manifest import read_manifest

    p = Path(manifest_path)
    m = read_manifest(p)
    folder = p.resolve().parent
    problems = []
    for e in m.images or []:
        fp = Path(e.path) if Path(e.path).is_absolute() else folder / e.path
        if not fp.is_file():
            problems.append(f"{e.path}: missing")
        elif fp.stat().st_size != e.bytes or file_sha256(fp) != e.sha256:
            problems.append(f"{e.path}: changed")
    return problems


