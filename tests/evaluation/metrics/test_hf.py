"""The `evaluate` metric modules: loadable by path without the Hub, same numbers as our functions."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from babylm.errors import BabyLMError
from babylm.evaluation import hf_metrics_path
from babylm.evaluation.api import Item, ScoreRequest
from babylm.evaluation.metrics.accuracy import accuracy_result
from babylm.evaluation.metrics.human import aoa_correlation, delta_r2, sigmoid, spearman

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_EVALUATE_OFFLINE": "1"}


@pytest.fixture(scope="module")
def load_metric():
    """evaluate.load by path, with offline mode on and any network connection refused."""
    pytest.importorskip("evaluate")
    import evaluate

    def load(name: str):
        mp = pytest.MonkeyPatch()
        for k, v in OFFLINE.items():
            mp.setenv(k, v)

        def refuse(*args, **kwargs):
            raise OSError("network access attempted while loading a local metric")

        mp.setattr(socket.socket, "connect", refuse)
        try:
            return evaluate.load(hf_metrics_path(name))
        finally:
            mp.undo()

    return load


def test_paths_point_at_the_module_files() -> None:
    for name in ("accuracy_with_ties", "spearman", "delta_r2", "aoa_fit"):
        p = Path(hf_metrics_path(name))
        assert p.is_absolute() and (p / f"{name}.py").is_file()
    with pytest.raises(BabyLMError, match="unknown metric module 'bleu'"):
        hf_metrics_path("bleu")


def test_accuracy_with_ties_matches_the_task_metric(load_metric) -> None:
    rng = np.random.default_rng(0)
    scores = [[float(v) for v in rng.integers(-3, 0, size=rng.integers(2, 5))] for _ in range(300)]
    gold = [int(rng.integers(0, len(s))) for s in scores]
    subs = [f"s{i % 4}" for i in range(300)]
    items = [Item(str(i), subs[i], [ScoreRequest("", "")] * len(s), g) for i, (s, g) in enumerate(zip(scores, gold, strict=True))]
    m = load_metric("accuracy_with_ties")
    for compat in ("babylm", "official"):
        ours = accuracy_result("t", "1", items, scores, compat)
        theirs = m.compute(predictions=scores, references=gold, subtasks=subs, compat=compat)
        assert theirs["accuracy"] == ours.score
        assert theirs["tie_rate"] == ours.tie_rate > 0
        assert theirs["per_subtask"] == ours.subtasks
    assert m.compute(predictions=[[-1.0, -2.0], [-3.0, -3.0]], references=[0, 0])["accuracy"] == 0.75
    with pytest.raises(BabyLMError, match="gold index 2"):
        m.compute(predictions=[[-1.0, -2.0]], references=[2])


def test_spearman_matches(load_metric) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=200), rng.normal(size=200)
    y = x + y
    m = load_metric("spearman")
    assert m.compute(predictions=x, references=y)["spearmanr"] == spearman(x, y)
    assert math.isnan(m.compute(predictions=[1, 1, 1], references=[1, 2, 3])["spearmanr"])
    assert m.compute(predictions=[1, 1, 1], references=[1, 2, 3], undefined_as_zero=True)["spearmanr"] == 0.0


def test_delta_r2_matches(load_metric) -> None:
    rng = np.random.default_rng(2)
    n = 300
    freq, length, surprisal = rng.normal(10, 2, n), rng.integers(1, 10, n).astype(float), rng.gamma(2, 3, n)
    rt = 100 + 3 * length - 2 * freq + 4 * surprisal + rng.normal(0, 5, n)
    rt[:3] = np.nan
    base = {"freq": freq.tolist(), "length": length.tolist()}
    ours = delta_r2(rt, base, surprisal)
    theirs = load_metric("delta_r2").compute(predictions=surprisal, references=rt, baseline=base)
    assert theirs["score"] == ours.score and theirs["delta_r2"] == ours.delta
    assert theirs["r2_base"] == ours.r2_base and theirs["n"] == ours.n == 297


def test_aoa_fit_matches(load_metric) -> None:
    words_seen = [1e5, 1e6, 2e6, 4e6, 8e6, 1.6e7, 3.2e7, 6.4e7, 1e8]
    x = [math.log10(w + 1) for w in words_seen]
    rng = np.random.default_rng(3)
    mids = [6.1, 6.4, 6.8, 7.0, 7.4, 7.6]
    curves = [list(sigmoid(np.array(x), 3.0, 6.0, c, -10.0) + rng.normal(0, 0.02, len(x))) for c in mids]
    child = [17.0, 19.0, 22.0, 23.0, 27.0, 26.0]
    words = [f"w{i}" for i in range(6)]
    ours = aoa_correlation(x, dict(zip(words, curves, strict=True)), dict(zip(words, child, strict=True)))
    theirs = load_metric("aoa_fit").compute(predictions=curves, references=child, words_seen=words_seen, words=words)
    assert theirs["aoa_pearson"] == ours.score > 0.8
    assert theirs["model_aoa"] == ours.model_aoa and theirs["n_valid"] == 6


@pytest.mark.slow
def test_all_modules_load_in_a_fresh_offline_process(tmp_path: Path) -> None:
    code = (
        "import evaluate\n"
        "from babylm.evaluation import hf_metrics_path\n"
        "for n in ('accuracy_with_ties', 'spearman', 'delta_r2', 'aoa_fit'):\n"
        "    evaluate.load(hf_metrics_path(n))\n"
        "m = evaluate.load(hf_metrics_path('accuracy_with_ties'))\n"
        "print(m.compute(predictions=[[-1.0, -2.0], [-3.0, -3.0]], references=[0, 0])['accuracy'])\n"
    )
    env = {**os.environ, **OFFLINE, "HF_HOME": str(tmp_path / "hf")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("0.75")
