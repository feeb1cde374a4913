"""The lm-eval bridge: our tasks as lm-eval task YAML, and our scorers as an lm-eval model.

Export (`babylm eval export-lm-eval DIR`): one lm-eval task per sub-task plus one group per task that
macro-averages its sub-tasks (as our accuracy does). BLiMP-style tasks read the official JSONL files
by absolute path with lm-eval's own `json` loader, so the YAML works without babylm installed. Every
other task (e.g. EWoK and entity tracking, which live in password zips) is loaded through our own
loaders by a `custom_dataset` function: items are built in memory, no extracted text is written.

Requests map one to one: an item's candidates are lm-eval's choices, its shared context is the
document text. A context-free candidate (BLiMP) is exported with lm-eval's default " " delimiter, and
lm-eval then scores " " + sentence after the end-of-text token: what our causal scorer does in its
default compat mode, so per-item log-likelihoods agree.

Model (`--model babylm`): importing this module registers `babylm`, an lm-eval `LM` backed by our
scorers (causal, mlm, mntp, enc_dec_*), e.g. `babylm eval lm-eval run --model babylm --model_args
pretrained=DIR,backend=mlm --include_path DIR --tasks babylm_blimp_fast`.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError

PREFIX = "babylm"
PATH_TASKS = {"blimp": "sentence", "blimp_supplement": "sentence"}  # exported by absolute data path
UTILS_MODULE = "babylm_lmeval_utils"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", name)


def task_name(task: str, split: str, subtask: str | None = None) -> str:
    base = f"{PREFIX}_{_safe(task)}_{split}"
    return f"{base}__{_safe(subtask)}" if subtask else base


def item_docs(items: list[Any]) -> list[dict[str, Any]]:
    """lm-eval documents from our items: one shared context, the candidates' continuations as choices."""
    docs = []
    for it in items:
        contexts = {c.context for c in it.candidates}
        if len(contexts) != 1 or it.gold is None:
            raise BabyLMError(
                f"item {it.id}: lm-eval multiple choice needs one shared context and a gold answer",
                hint="this task is not a multiple-choice task; it is not exported",
            )
        docs.append({"id": it.id, "subtask": it.subtask, "context": contexts.pop(),
                     "choices": [c.continuation for c in it.candidates], "gold": int(it.gold)})
    return docs


def load_docs(task: str, split: str, data_root: str, subtask: str | None = None, **_: Any):
    """`custom_dataset` for exported YAML: our loader's items as a `datasets.DatasetDict` (test split)."""
    import datasets

    from babylm.evaluation.api import TASKS
    from babylm.evaluation.runner import import_task_modules

    import_task_modules()
    items = list(TASKS[task].loader(Path(data_root), split))  # type: ignore[arg-type]
    docs = [d for d in item_docs(items) if subtask is None or d["subtask"] == subtask]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


@dataclass
class ExportReport:
    out_dir: str
    groups: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _yaml(obj: dict[str, Any]) -> str:
    """Tiny YAML writer for our flat task configs (JSON scalars are valid YAML)."""
    lines = []
    for key, value in obj.items():
        if key == "custom_dataset":
            lines.append(f"{key}: !function {value}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{key}:")
            for entry in value:
                first = True
                for k, v in entry.items():
                    lines.append(f"  {'- ' if first else '  '}{k}: {json.dumps(v)}")
                    first = False
        elif isinstance(value, dict):
            lines.append(f"{key}:")
            for k, v in value.items():
                lines.append(f"  {k}: {json.dumps(v)}")
        else:
            lines.append(f"{key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"


ACC = [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}]


def export_lm_eval(
    out_dir: Path, data_root: Path, *, tasks: list[str] | None = None, split: str = "fast", by_path: bool = True
) -> ExportReport:
    """Write lm-eval task YAML for our multiple-choice tasks whose data exists under `data_root`.

    `by_path=False` loads BLiMP-style tasks through our loaders too (no absolute data paths).
    """
    from babylm.evaluation.api import TASKS
    from babylm.evaluation.runner import import_task_modules
    from babylm.evaluation.tasks.datafiles import resolve_root

    import_task_modules()
    root = resolve_root(data_root).resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(tasks or []) - set(TASKS))
    if unknown:
        raise BabyLMError(f"unknown task(s): {', '.join(unknown)}", hint=f"known: {', '.join(sorted(TASKS))}")
    (out_dir / f"{UTILS_MODULE}.py").write_text(
        '"""Loaders for babylm-exported lm-eval tasks (items built in memory by babylm)."""\n'
        "from babylm.evaluation.lm_eval_bridge import load_docs  # noqa: F401  (also registers --model babylm)\n",
        encoding="utf-8",
    )
    report = ExportReport(str(out_dir))
    for name in sorted(tasks or TASKS):
        spec = TASKS[name]
        if spec.category == "finetune" or split not in spec.splits:
            report.skipped[name] = f"no {split} split" if split not in spec.splits else "fine-tuned task"
            continue
        try:
            items = list(spec.loader(root, split))  # type: ignore[arg-type]
            item_docs(items[:50])
        except BabyLMError as exc:
            report.skipped[name] = str(exc)
            continue
        subtasks = sorted({it.subtask for it in items})
        context_free = all(c.context == "" for c in items[0].candidates) if items else False
        members = []
        for sub in subtasks:
            tname = task_name(name, split, sub)
            cfg: dict[str, Any] = {"task": tname, "tag": [f"{PREFIX}_{split}"]}
            if by_path and name in PATH_TASKS:
                files = _subtask_files(root, split, name, sub)
                cfg.update({"dataset_path": "json", "dataset_kwargs": {"data_files": {"test": files}},
                            "test_split": "test", "output_type": "multiple_choice", "doc_to_text": "",
                            "doc_to_choice": "{{[sentence_good, sentence_bad]}}", "doc_to_target": 0})
            else:
                cfg.update({"custom_dataset": f"{UTILS_MODULE}.load_docs",
                            "dataset_kwargs": {"task": name, "split": split, "data_root": str(root), "subtask": sub},
                            "test_split": "test", "output_type": "multiple_choice",
                            "doc_to_text": "{{context}}", "doc_to_choice": "{{choices}}",
                            "doc_to_target": "{{gold}}"})
                if not context_free:
                    cfg["target_delimiter"] = ""
            cfg.update({"num_fewshot": 0, "metric_list": ACC, "metadata": {"version": float(spec.version)}})
            (out_dir / f"{tname}.yaml").write_text(_yaml(cfg), encoding="utf-8")
            members.append(tname)
        group = task_name(name, split)
        (out_dir / f"{group}.yaml").write_text(
            _yaml({"group": group, "task": members,
                   "aggregate_metric_list": [{"metric": "acc", "aggregation": "mean", "weight_by_size": False}],
                   "metadata": {"version": float(spec.version)}}),
            encoding="utf-8",
        )
        report.groups.append(group)
        report.tasks.extend(members)
    return report


def _subtask_files(root: Path, split: str, task: str, subtask: str) -> list[str]:
    from babylm.evaluation.tasks.blimp import FOLDERS
    from babylm.evaluation.tasks.datafiles import task_files

    files = [f for f in task_files(root, split, FOLDERS[task][split], task=task) if f.stem == subtask]
    if not files or any(f.member for f in files):
        raise BabyLMError(f"{task}/{subtask}: no plain data file to point lm-eval at")
    return [str(f.path) for f in files]


def _register_model() -> None:
    from lm_eval.api.model import LM
    from lm_eval.api.registry import model_registry, register_model

    if "babylm" in getattr(model_registry, "_objs", {}):
        return

    @register_model("babylm")
    class BabyLMScorerLM(LM):
        """lm-eval model over babylm scorers: loglikelihood requests only (no generation)."""

        def __init__(self, pretrained: str, backend: str = "causal", compat: str = "babylm",
                     batch_size: int | str | None = None, revision: str | None = None, **_: Any) -> None:
            super().__init__()
            from babylm.evaluation.scorers.load import make_scorer

            bs = int(batch_size) if batch_size not in (None, "auto") else None
            self.scorer = make_scorer(pretrained, backend, compat=compat, batch_size=bs,  # type: ignore[arg-type]
                                      revision=revision)

        @classmethod
        def create_from_arg_string(cls, arg_string: str, additional_config: dict | None = None):
            from lm_eval.utils import simple_parse_args_string

            args = simple_parse_args_string(arg_string)
            extra = {k: v for k, v in (additional_config or {}).items() if v is not None and k == "batch_size"}
            return cls(**{**args, **extra})

        def loglikelihood(self, requests, disable_tqdm: bool = False):
            from babylm.evaluation.api import ScoreRequest

            reqs = [ScoreRequest(*r.args) for r in requests]
            return [(lp, False) for lp in self.scorer.score(reqs)]

        def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
            from babylm.evaluation.api import ScoreRequest

            return self.scorer.score([ScoreRequest("", r.args[0]) for r in requests])

        def generate_until(self, requests, disable_tqdm: bool = False):
            raise NotImplementedError("babylm scorers compute log-likelihoods only; use an lm-eval model to generate")


with contextlib.suppress(ImportError):  # lm_eval missing: export still works, the model is not registered
    _register_model()
