"""The `git` scoring backend for the `babylm eval` runner: a `BackendSpec` whose factory wraps the model
`scorers.load.load_model` loaded (AutoModelForCausalLM gives GitForCausalLM; safetensors only, no
custom code) in a `GitScorer`, with the image processor read from the same local folder. (Idefics is
not an AutoModelForCausalLM: score it with `evaluate.evaluate_checkpoint`.)

Registered with the built-ins (evaluation/scorers/backends.py): `babylm eval run --backend git`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.evaluation.api import BackendSpec, Compat, Scorer


def git_scorer(model: Any, tokenizer: Any, *, compat: Compat = "babylm", batch_size: int | None = None,
               tree: bool = True) -> Scorer:
    """A GitScorer around a loaded GIT model (`tree` is ignored: images come first, no prefix tree)."""
    from babylm.evaluation.multimodal.load import (
        check_image_text_folder,
        image_processor_from,
        scorer_class,
    )
    from babylm.evaluation.scorers.load import CheckpointError

    del tree
    if getattr(model.config, "model_type", None) != "git":
        raise CheckpointError(f"the git backend scores GIT models, not {model.config.model_type!r}",
                              hint="use --backend causal for a text-only model")
    folder = Path(str(getattr(model, "name_or_path", "") or ""))
    if not folder.is_dir():
        raise CheckpointError("the git backend needs a local checkpoint folder (its image processor)")
    check_image_text_folder(folder)
    return scorer_class(model.config.model_type)(model, tokenizer, image_processor_from(folder), compat=compat,
                                                 batch_size=batch_size)


GIT_BACKEND = BackendSpec("git", "GIT-style image-to-text causal LM: log P(continuation | image, context)",
                          "AutoModelForCausalLM", git_scorer, model_types=("git",))
