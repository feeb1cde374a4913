"""The functions behind the `evaluate` metric modules in hf_metrics/: the harness's own metrics with
the plain-list signatures `evaluate` passes. Tests check both routes give identical numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError

HF_METRICS = ("accuracy_with_ties", "spearman", "delta_r2", "aoa_fit")


def hf_metrics_path(name: str) -> str:
    """Absolute path of a packaged `evaluate` metric module, for `evaluate.load(path)` (no Hub access)."""
    if name not in HF_METRICS:
        raise BabyLMError(f"unknown metric module {name!r}", hint=f"choose one of {', '.join(HF_METRICS)}")
    path = Path(__file__).resolve().parent / "hf_metrics" / name
    if not (path / f"{name}.py").is_file():
        raise BabyLMError(f"metric module {name} is missing from the installation: {path}",
                          hint="reinstall babylm (the hf_metrics/*/*.py files ship as package data)")
    return str(path)


def info_method(description: str, citation: str, inputs: str, *, predictions: str, references: str,
                sequence: bool = False) -> Any:
    """The `_info` method every metric module's class shares: its texts and feature types
    (`sequence`: one list of `predictions` values per item)."""

    def _info(self: Any) -> Any:
        import datasets
        import evaluate

        pred = datasets.Value(predictions)
        return evaluate.MetricInfo(
            description=description, citation=citation, inputs_description=inputs,
            features=datasets.Features({"predictions": datasets.Sequence(pred) if sequence else pred,
                                        "references": datasets.Value(references)}),
        )

    return _info


def accuracy_with_ties(
    predictions: Sequence[Sequence[float]],
    references: Sequence[int],
    *,
    subtasks: Sequence[str] | None = None,
    compat: str = "babylm",
) -> dict[str, Any]:
    from babylm.evaluation.api import Item, ScoreRequest
    from babylm.evaluation.metrics.accuracy import macro_mean, score_items

    if compat not in ("babylm", "official"):
        raise BabyLMError(f"unknown compat {compat!r}", hint="use 'babylm' or 'official'")
    if len(predictions) != len(references) or (subtasks is not None and len(subtasks) != len(references)):
        raise BabyLMError("accuracy_with_ties: predictions, references and subtasks differ in length")
    names = list(subtasks) if subtasks is not None else ["all"] * len(references)
    items = []
    for n, (sc, gold, sub) in enumerate(zip(predictions, references, names, strict=True)):
        if not 0 <= int(gold) < len(sc):
            raise BabyLMError(f"accuracy_with_ties: item {n}: gold index {gold} but {len(sc)} candidates")
        items.append(Item(str(n), sub, [ScoreRequest("", "")] * len(sc), int(gold)))
    scored = score_items(items, [[float(v) for v in sc] for sc in predictions], compat)  # type: ignore[arg-type]
    per: dict[str, list[float]] = {}
    for s in scored:
        per.setdefault(s.subtask, []).append(s.correct)
    acc, subs = macro_mean(per)
    return {"accuracy": acc, "tie_rate": sum(s.tie for s in scored) / len(scored) if scored else 0.0,
            "per_subtask": subs}


def spearman(predictions: Sequence[float], references: Sequence[float], *, undefined_as_zero: bool = False) -> dict[
    str, float
]:
    from babylm.evaluation.metrics.human import spearman as rho

    r = rho(predictions, references)
    return {"spearmanr": 0.0 if undefined_as_zero and math.isnan(r) else r}


def delta_r2(
    predictions: Sequence[float],
    references: Sequence[float],
    *,
    baseline: Mapping[str, Sequence[float]],
    interactions: bool = True,
) -> dict[str, float]:
    from babylm.evaluation.metrics.human import delta_r2 as fit

    res = fit(_floats(references), {k: _floats(v) for k, v in baseline.items()}, _floats(predictions),
              interactions=interactions)
    return {"delta_r2": res.delta, "score": res.score, "r2_base": res.r2_base, "r2_model": res.r2_model,
            "coef": res.coef, "n": res.n}


def aoa_fit(
    predictions: Sequence[Sequence[float]],
    references: Sequence[float],
    *,
    words_seen: Sequence[float] | None,
    words: Sequence[str] | None = None,
) -> dict[str, Any]:
    from babylm.evaluation.metrics.human import aoa_correlation

    if words_seen is None:
        raise BabyLMError("aoa_fit: pass words_seen (words seen at each checkpoint)")
    names = list(words) if words is not None else [str(i) for i in range(len(references))]
    if len(names) != len(references) or len(predictions) != len(references):
        raise BabyLMError("aoa_fit: predictions, references and words differ in length")
    x = [math.log10(float(w) + 1) for w in words_seen]
    res = aoa_correlation(x, {w: _floats(p) for w, p in zip(names, predictions, strict=True)},
                          {w: float(r) for w, r in zip(names, references, strict=True)})
    return {"aoa_pearson": res.score, "n_valid": res.n_valid, "n_words": res.n_words, "model_aoa": res.model_aoa}


def _floats(values: Sequence[Any]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]
