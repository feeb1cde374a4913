"""The contracts every evaluation piece shares: score requests, the scorer protocol, tasks, backends
and results.

Tasks never touch a model: they turn data into `Item`s (candidates = score requests), a scorer turns
requests into summed log-probabilities, and the task's metric turns per-item scores into a result.
`TASKS`/`register_task` and `BACKENDS`/`register_backend` hold what is registered; read them through
`babylm.evaluation.registry`, which also loads the built-ins and the entry points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

Split = Literal["fast", "full"]
Compat = Literal["babylm", "official"]
SPLITS: tuple[Split, ...] = ("fast", "full")
COMPATS: tuple[Compat, ...] = ("babylm", "official")


@dataclass(frozen=True)
class ScoreRequest:
    """Ask for log P(continuation | context), summed over the continuation's tokens (natural log).

    context == "" means the whole continuation is scored as a sentence (BLiMP). With compat
    "babylm" every token of the continuation is scored (a BOS/EOS token is prepended for causal
    models); with compat "official" the first token of a context-free causal request is unscored.
    """

    context: str
    continuation: str


@runtime_checkable
class Scorer(Protocol):
    backend: str

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        """Summed log-probabilities, one per request, in request order, independent of batching."""
        ...


@dataclass
class Item:
    """One evaluation item: candidate requests, the gold candidate index (None for regression tasks)."""

    id: str
    subtask: str
    candidates: list[ScoreRequest]
    gold: int | None = 0
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. WUG human ratio, reading predictors


@dataclass
class ItemScore:
    id: str
    subtask: str
    scores: list[float]
    pred: int
    correct: float  # 1, 0, or 0.5 for a tie (1 for a tie under compat "official")
    tie: bool


@dataclass
class TaskResult:
    task: str
    version: str
    metric: str  # "accuracy", "spearman", "delta_r2", "aoa_pearson", ...
    score: float  # task score: mean over sub-tasks, as docs/rules.md says per task
    subtasks: dict[str, float]
    n_items: int
    tie_rate: float | None = None
    ci95: tuple[float, float] | None = None
    items: list[ItemScore] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    """A task in ~15 lines: a loader, a metric, a version and the expected item counts."""

    name: str
    version: str
    metric: str
    loader: Callable[[Path, Split], Iterable[Item]]
    compute: Callable[[list[Item], list[list[float]], Compat], TaskResult]
    expected_counts: dict[Split, int] = field(default_factory=dict)
    category: Literal["linguistic", "human_likeness", "finetune"] = "linguistic"
    splits: tuple[Split, ...] = ("fast", "full")
    description: str = ""  # one line, for `babylm tasks list` and the leaderboard
    unit: str = "accuracy"  # what `score` measures, shown beside it
    chance: float | None = None  # the score of a model that guesses
    higher_is_better: bool = True
    board_scale: float = 1.0  # factor onto the board's common scale of accuracies/correlations (reading: 0.01)
    needs_data: bool = True  # False: the loader generates its items (runs without an evaluation data folder)
    on_demand: bool = False  # True: run only when named, never as part of `--tasks fast`/`full`
    official_key: str | None = None  # key in all_full_preds_and_fast_scores_<backend>.json
    # Boards ("2025/strict", or "strict" for that track in every edition) the task joins as an optional
    # task, beside the ones the track declares: a plugin task shows on a board with no edit in tracks/.
    boards: tuple[str, ...] = ()
    # Tasks that need every checkpoint at once (AoA): given {checkpoint: (words_seen, scores)},
    # return one result for the whole run. The runner scores (and caches) each checkpoint first.
    across_checkpoints: (
        Callable[[list[Item], dict[str, tuple[int, list[list[float]]]]], TaskResult] | None
    ) = None


TASKS: dict[str, TaskSpec] = {}


def _register(table: dict[str, Any], spec: Any, kind: str) -> Any:
    if spec.name in table and table[spec.name] is not spec:
        raise ValueError(f"{kind} {spec.name!r} registered twice")
    table[spec.name] = spec
    return spec


def register_task(spec: TaskSpec) -> TaskSpec:
    return _register(TASKS, spec, "task")


@dataclass(frozen=True)
class BackendSpec:
    """A way of scoring a checkpoint: which transformers Auto class loads it and which scorer wraps it.

    `scorer(model, tokenizer, compat=..., batch_size=..., tree=...)` returns a `Scorer`; it is called
    with the model already loaded (float32, eval mode) by `scorers.load`.
    """

    name: str
    description: str
    auto_class: str  # e.g. "AutoModelForCausalLM" (an attribute of the transformers module)
    scorer: Callable[..., Scorer]
    model_types: tuple[str, ...] = ()  # only these config model_types fit (empty: whatever auto_class loads)


BACKENDS: dict[str, BackendSpec] = {}


def register_backend(spec: BackendSpec) -> BackendSpec:
    return _register(BACKENDS, spec, "backend")
