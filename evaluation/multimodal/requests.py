"""The image-text request: what a multimodal task asks a scorer for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from babylm.evaluation.api import ScoreRequest


@dataclass(frozen=True)
class ImageScoreRequest(ScoreRequest):
    """log P(continuation | image, context), summed over the continuation's tokens (natural log).

    `image` is the path of an image file ("" = no image: the request is scored as text only). A
    text-only scorer sees a plain `ScoreRequest` and ignores the image.
    """

    image: str = ""


@runtime_checkable
class ImageTextScorer(Protocol):
    """A scorer that conditions on images: one summed log-probability per request, in request order,
    independent of batching; plain `ScoreRequest`s are scored without an image."""

    backend: str

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        ...


def image_of(request: ScoreRequest) -> str:
    """The request's image path, or "" for a text-only request."""
    return getattr(request, "image", "") or ""
