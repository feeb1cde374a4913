"""Reading images for scoring and hashing image files (PIL only: no torchvision)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")


class ImageError(BabyLMError):
    """An image file that is missing or cannot be decoded; the message names it."""


@lru_cache(maxsize=256)
def open_rgb(path: str) -> Any:
    """The image at `path` as an RGB PIL image (cached: a Winoground image is scored with two captions)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except FileNotFoundError as exc:
        raise ImageError(f"image not found: {path}") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(f"{path}: not a readable image ({exc})") from exc


def find_image(folder: Path, stem: str) -> Path | None:
    """`folder/<stem><suffix>` for the first image suffix that exists, else None."""
    for suffix in IMAGE_SUFFIXES:
        p = folder / f"{stem}{suffix}"
        if p.is_file():
            return p
    return None

