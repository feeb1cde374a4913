"""Flamingo-style cross-attention scoring (transformers' `IdeficsForVisionText2Text`, its open
re-implementation of Flamingo): the text is read left to right and gated cross-attention layers
look at the image, so the logits are the text's own (no image positions come first).

Every text token may attend to the request's image (`image_attention_mask` of ones; no image
placeholder tokens in the text); a text-only request gets a blank image that no token attends to.
Tokenization and the two compats are `git.GitScorer`'s. Compat "official" does not reproduce the
official pipeline's prompt templates for such models (its `--image_template`, which inserts the
processor's image tokens into the text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.multimodal.git import GitScorer
from babylm.evaluation.multimodal.images import open_rgb
from babylm.evaluation.multimodal.requests import image_of


class IdeficsScorer(GitScorer):
    """Scores (image, context, continuation) requests with an Idefics (Flamingo-style) model."""

    backend = "idefics"

    def text_logits(self, ids: Any, mask: Any, reqs: Sequence[ScoreRequest]) -> Any:
        from PIL import Image

        has_image = bool(image_of(reqs[0]))
        images = [open_rgb(image_of(r)) for r in reqs] if has_image else [Image.new("RGB", (8, 8))] * len(reqs)
        pixels = self.image_processor(images=images, return_tensors="pt")
        pixels = pixels["pixel_values"] if isinstance(pixels, dict) or hasattr(pixels, "keys") else pixels
        attend = mask[:, :, None] if has_image else mask[:, :, None] * 0
        return self.model(input_ids=ids, attention_mask=mask, pixel_values=pixels.float()[:, None],
                          image_attention_mask=attend).logits
