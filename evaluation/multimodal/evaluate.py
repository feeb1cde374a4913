"""Score multimodal tasks with an image-text checkpoint, in process: load the checkpoint safely, load
each task's items, score them and compute each task's result. (The `babylm eval` runner scores a
registered backend; until an image-text backend is registered there, this is the way in.)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babylm.evaluation.api import Compat, Split, TaskResult

TASKS = ("winoground", "vqa")


def score_tasks(scorer: Any, tasks: Sequence[str], data_root: str | Path, *, split: Split = "full",
                compat: Compat = "babylm", strict: bool | None = None) -> dict[str, TaskResult]:
    """{task: TaskResult} for `tasks`, scored by `scorer` (`strict=False` accepts non-official sizes)."""
    from babylm.evaluation.registry import get_task
    from babylm.evaluation.runner import score_task_items

    out = {}
    for name in tasks:
        spec = get_task(name)
        items = spec.loader(Path(data_root), split, strict=strict)
        scores = score_task_items(scorer, items)
        out[name] = spec.compute(items, scores, compat)
    return out


def evaluate_checkpoint(path: str | Path, data_root: str | Path, *, tasks: Sequence[str] = TASKS,
                        compat: Compat = "babylm", batch_size: int | None = None,
                        strict: bool | None = None) -> dict[str, TaskResult]:
    """Load `path` (safetensors only, no custom code) and score `tasks` on `data_root`."""
    from babylm.evaluation.multimodal.load import make_image_text_scorer

    scorer = make_image_text_scorer(path, compat=compat, batch_size=batch_size)
    out = score_tasks(scorer, tasks, data_root, compat=compat, strict=strict)
    if "devbench" in out:
        add_things(out["devbench"], scorer, data_root, strict=strict)
    return out


def add_things(devbench: TaskResult, scorer: Any, data_root: str | Path, *, strict: bool | None = None) -> None:
    """DevBench's semantic task (`things`) into the devbench result's details, when its data is there
    (`details["devbench"]["sem-things"]`: the RSA, or why it was not run)."""
    from babylm.evaluation.multimodal.things import things_result
    from babylm.evaluation.tasks.datafiles import DataFileError

    block = devbench.details.setdefault("devbench", {})
    try:
        res = things_result(scorer.model, scorer.image_processor, data_root, strict=strict is not False)
    except DataFileError as exc:
        block["sem-things"] = {"status": "unavailable", "reason": str(exc)}
        return
    block["sem-things"] = {"status": "ok", "rsa": res["rsa"], "n_concepts": res["n_concepts"]}
