"""DevBench's semantic task (THINGS): how alike are the model's and people's similarity structures
over object images?

The model side is the pairwise cosine similarity of the GIT image encoder's mean-pooled output for
each concept image (babylm's choice: the official 2025 pipeline's DevBench code, which writes
`sem-things_pairwise_sims.npy` of shape (1854, 1854), is not in the stored repository). The metric
is DevBench's RSA (`devbench_metrics.rsa`). Not a registered task: it needs image embeddings, which
the scorer protocol (log-likelihoods) does not carry; `evaluate.evaluate_checkpoint` runs it when
the data is there.

Data (babylm's layout): `full_eval/devbench/sem-things/images.jsonl`, one {"image": path relative to
that folder} per concept in matrix order, and `human_similarity.npy` (concepts x concepts, float).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babylm.evaluation.tasks.datafiles import DataFileError

FOLDER = Path("full_eval") / "devbench" / "sem-things"
EXPECTED = 1854


def load_things(data_root: str | Path, *, strict: bool = True) -> tuple[list[str], Any]:
    """(image paths in concept order, human similarity matrix); DataFileError when absent or malformed."""

    import numpy as np

    from babylm.evaluation.tasks.datafiles import resolve_root
    from babylm.io import iter_jsonl

    folder = resolve_root(data_root) / FOLDER
    listing, human = folder / "images.jsonl", folder / "human_similarity.npy"
    if not listing.is_file() or not human.is_file():
        raise DataFileError(f"devbench sem-things: data not available ({listing} / {human} not found)")
    images = []
    for n, row in iter_jsonl(listing):
        rel = row.get("image") if isinstance(row, dict) else None
        path = (folder / str(rel)).resolve()
        if not isinstance(rel, str) or not path.is_relative_to(folder.resolve()) or not path.is_file():
            raise DataFileError(f"{listing} line {n}: image {rel!r} not found in the folder")
        images.append(str(path))
    sims = np.load(human, allow_pickle=False)
    if sims.shape != (len(images), len(images)):
        raise DataFileError(f"{human}: shape {sims.shape}, expected ({len(images)}, {len(images)})")
    if strict and len(images) != EXPECTED:
        raise DataFileError(f"devbench sem-things: {len(images)} concepts, the official set has {EXPECTED}")
    return images, sims


def git_image_embeddings(model: Any, processor: Any, images: Sequence[str], batch_size: int = 32) -> Any:
    """One mean-pooled GIT image-encoder vector per image (float32 numpy, rows in order)."""
    import numpy as np
    import torch

    from babylm.evaluation.multimodal.images import open_rgb

    out = []
    for s in range(0, len(images), batch_size):
        pix = processor(images=[open_rgb(p) for p in images[s: s + batch_size]], return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            hidden = model.git.image_encoder(pix.float()).last_hidden_state
        out.append(hidden.mean(dim=1).float().numpy())
    return np.concatenate(out, axis=0)


def things_result(model: Any, processor: Any, data_root: str | Path, *, strict: bool = True) -> dict[str, Any]:
    """{"rsa": rho, "n_concepts": n, "model_similarity": matrix} for a GIT model on the THINGS data."""
    from babylm.evaluation.multimodal.devbench_metrics import cosine_similarities, rsa

    images, human = load_things(data_root, strict=strict)
    sims = cosine_similarities(git_image_embeddings(model, processor, images))
    return {"rsa": rsa(sims, human), "n_concepts": len(images), "model_similarity": sims}
