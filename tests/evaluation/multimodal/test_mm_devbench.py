"""DevBench lexical and syntactic tasks: the model-human divergence with a fitted beta, exactly, on
stub scores, and the loader on generated trials."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from babylm.evaluation.api import Item
from babylm.evaluation.multimodal.devbench_metrics import BETA_BOUNDS, fitted_kl, mean_kl, softmax
from babylm.evaluation.multimodal.requests import ImageScoreRequest
from babylm.evaluation.multimodal.synthetic import write_devbench_data
from babylm.evaluation.tasks import devbench
from babylm.evaluation.tasks.datafiles import CountMismatchWarning, DataFileError


def test_kl_softmax_and_the_fitted_beta() -> None:
    assert softmax([[0.0, math.log(3.0)]], 1.0)[0] == pytest.approx([0.25, 0.75])
    # KL([.5,.5] || [.25,.75]) = .5 log 2 + .5 log(2/3); a zero human share adds nothing.
    assert mean_kl([[1, 1]], [[0.25, 0.75]]) == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3))
    assert mean_kl([[1, 0]], [[0.5, 0.5]]) == pytest.approx(math.log(2))
    scores = [[-1.0, -2.0, -3.0, -2.5], [-4.0, -1.0, -2.0, -3.0]]
    human = softmax(scores, 2.5)  # humans answer as the model would at beta 2.5
    kl, beta = fitted_kl(human, scores)
    assert kl == pytest.approx(0.0, abs=1e-9) and beta == pytest.approx(2.5, rel=1e-3)
    right = [[-1.0, -2.0, -3.0, -2.5], [-1.0, -4.0, -2.0, -3.0]]  # the target first in both trials
    kl, beta = fitted_kl([[1, 0, 0, 0]] * 2, right)  # unanimous humans: the sharpest model fits best
    assert beta > 30 and kl == pytest.approx(0.0, abs=1e-12)  # flat to float precision near the bound
    kl, beta = fitted_kl([[1, 0, 0, 0]] * 2, scores)  # trial 2 prefers a foil: the flattest fits best
    assert beta == pytest.approx(BETA_BOUNDS[0], rel=1e-3)


def _item(sub: str, k: int, human: dict[str, list[float]]) -> Item:
    return Item(f"{sub}_{k}", sub, [ImageScoreRequest("", "w", f"/i/{j}.png") for j in range(4)], 0, {"human": human})


def test_compute_scores_each_subtask_by_age_group() -> None:
    scores = [[-1.0, -2.0, -3.0, -2.5], [-4.0, -1.0, -2.0, -3.0]]
    adult, child = softmax(scores, 2.5), softmax(scores, 0.5)
    items = [_item("lex-viz_vocab", k, {"25": adult[k], "4": child[k]}) for k in range(2)]
    items += [_item("gram-trog", 0, {"25": [1, 0, 0, 0]})]
    res = devbench.compute(items, [*scores, [-1.0, -1.0, -5.0, -5.0]], "babylm")
    lex = res.details["devbench"]["lex-viz_vocab"]
    assert lex["by_age"]["25"]["beta"] == pytest.approx(2.5, rel=1e-3)
    assert lex["by_age"]["4"]["beta"] == pytest.approx(0.5, rel=1e-3)
    assert lex["d_kl"] == pytest.approx(0.0, abs=1e-8) and res.subtasks["lex-viz_vocab"] == pytest.approx(1.0)
    assert lex["accuracy"] == 0.5  # trial 0 picks the target, trial 1 another picture
    trog = res.details["devbench"]["gram-trog"]
    # A tie between the target and one foil: at the largest beta the model splits 0.5 / 0.5.
    assert trog["d_kl"] == pytest.approx(math.log(2), abs=1e-6) and trog["accuracy"] == 0.5
    assert res.score == pytest.approx((1.0 + 0.5) / 2, abs=1e-6) and res.metric == "devbench_similarity"


def test_loader_reads_generated_trials(tmp_path: Path) -> None:
    write_devbench_data(tmp_path, n_trials=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        items = devbench.load(tmp_path, "full", strict=False)
    assert [i.id for i in items] == [f"gram-trog_{k}" for k in range(3)] + [f"lex-viz_vocab_{k}" for k in range(3)]
    assert all(len(i.candidates) == 4 and Path(i.candidates[0].image).is_file() for i in items)
    assert set(items[0].extra["human"]) == {"4", "25"}
    with pytest.raises(DataFileError, match="expected 76"):
        devbench.load(tmp_path, "full")  # the official sizes are checked per file
    bad = tmp_path / "full_eval" / "devbench" / "gram-trog.jsonl"
    bad.write_text('{"text": "x", "images": ["images/gram-trog_0_0.png", "images/gram-trog_0_1.png"], '
                   '"human": {"4": [1, 2, 3]}}\n')
    with pytest.raises(DataFileError, match="non-negative proportions"):
        devbench.load(tmp_path, "full", subtasks=["gram-trog"], strict=False)


def test_rsa_is_spearman_over_the_lower_triangle() -> None:
    import numpy as np

    from babylm.evaluation.multimodal.devbench_metrics import cosine_similarities, rsa

    a = np.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.9], [0.5, 0.9, 1.0]])
    assert rsa(a, a ** 3) == pytest.approx(1.0)  # any monotone transform: the same ranks
    assert rsa(a, -a) == pytest.approx(-1.0)
    upper_only = a.copy()
    upper_only[0, 2] = 99.0  # the upper triangle and the diagonal are never read
    np.fill_diagonal(upper_only, -5.0)
    assert rsa(upper_only, a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="square"):
        rsa(a, a[:2])
    assert cosine_similarities([[1, 0], [1, 1], [0, 2]]) == pytest.approx(
        np.array([[1, 2 ** -0.5, 0], [2 ** -0.5, 1, 2 ** -0.5], [0, 2 ** -0.5, 1]]))


def test_things_on_a_tiny_git(tmp_path: Path) -> None:
    from babylm.evaluation.multimodal.synthetic import vocabulary_texts, write_things_data
    from babylm.evaluation.multimodal.things import load_things, things_result
    from babylm.evaluation.multimodal.tiny import tiny_git
    from babylm.testing.tinymodels import train_tokenizer

    (tmp_path / "empty" / "full_eval").mkdir(parents=True)
    with pytest.raises(DataFileError, match="not available"):
        load_things(tmp_path / "empty")
    write_things_data(tmp_path)
    with pytest.raises(DataFileError, match="official set has 1854"):
        load_things(tmp_path)
    images, human = load_things(tmp_path, strict=False)
    assert len(images) == 12 and human.shape == (12, 12)
    model, proc = tiny_git(train_tokenizer(vocabulary_texts(), "bert", 200))
    res = things_result(model, proc, tmp_path, strict=False)
    assert res["n_concepts"] == 12 and -1.0 <= res["rsa"] <= 1.0
    assert res["model_similarity"].diagonal() == pytest.approx([1.0] * 12)
