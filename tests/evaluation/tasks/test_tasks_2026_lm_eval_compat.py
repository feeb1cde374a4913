"""Compat with the 2026 multilingual route: the official lm-eval task YAML (as babylm-org/babylm-eval
writes it, pointed at the generated data) run by lm-eval's HFLM, and by lm-eval over babylm's scorer
(the bridge's `--model babylm`), give per item the same predictions and the same acc / acc_norm as
babylm's own task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from task_data_2026 import write_multilingual

from babylm.evaluation.registry import tasks
from babylm.evaluation.scorers.multiple_choice import normalised, score_choices

# The fields of babylm-eval multilingual/tasks/hellaswag_mubench/default_af.yaml and
# multiblimp/multiblimp_krl.yaml; only the dataset is local.
YAML = {
    "hellaswag_nl_mubench": ("full_eval/hellaswag_mubench/nl.jsonl",
                             "doc_to_text: prompt\ndoc_to_target: label\ndoc_to_choice: choices\n"),
    "multiblimp_nld": ("full_eval/multiblimp/nld.jsonl",
                       "doc_to_text: ''\ndoc_to_target: 0\ndoc_to_choice: '{{[sen, wrong_sen]}}'\n"),
    "zhoblimp": ("full_eval/zhoblimp/classifier_noun_agreement.jsonl",
                 "doc_to_text: ''\ndoc_to_target: 0\ndoc_to_choice: '{{[sentence_good, sentence_bad]}}'\n"),
}


def _write_yaml(out: Path, root: Path, task: str) -> str:
    data, fields = YAML[task]
    name = f"compat_{task}"
    (out / f"{name}.yaml").write_text(
        f"task: {name}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: {json.dumps(str(root / data))}\n"
        "output_type: multiple_choice\ntest_split: test\n" + fields +
        "num_fewshot: 0\nmetric_list:\n- metric: acc\n  aggregation: mean\n  higher_is_better: true\n"
        "- metric: acc_norm\n  aggregation: mean\n  higher_is_better: true\nmetadata:\n  version: 1.0\n",
        encoding="utf-8")
    return name


def _lm_eval(model, yaml_dir: Path, name: str):
    import lm_eval
    from lm_eval.tasks import TaskManager

    res = lm_eval.simple_evaluate(model=model, tasks=[name], task_manager=TaskManager(include_path=str(yaml_dir)),
                                  log_samples=True, batch_size=4, device="cpu")
    samples = sorted(res["samples"][name], key=lambda s: s["doc_id"])
    lls = [[r[0][0] for r in s["resps"]] for s in samples]
    return res["results"][name], lls, [s["acc"] for s in samples], [s["acc_norm"] for s in samples]


def _argmax(xs: list[float]) -> int:
    return max(range(len(xs)), key=lambda i: (xs[i], -i))


def _ours(tiny: Path, root: Path, task: str, compat: str = "official"):
    from babylm.evaluation.scorers.load import make_scorer

    spec = tasks()[task]
    items = list(spec.loader(root, "full"))
    if task == "zhoblimp":
        items = [it for it in items if it.subtask == "classifier_noun_agreement"]
    scores = score_choices(make_scorer(tiny, "causal"), items)
    return items, scores, spec.compute(items, scores, compat)  # type: ignore[arg-type]


def _assert_same(items, scores, res, theirs) -> None:
    their_metrics, their_lls, their_acc, their_norm = theirs
    assert len(their_lls) == len(items)
    for it, mine, ll, acc, norm in zip(items, scores, their_lls, their_acc, their_norm, strict=True):
        assert mine == pytest.approx(ll, abs=1e-4)
        assert _argmax(mine) == _argmax(ll)
        assert float(_argmax(mine) == it.gold) == acc
        assert float(_argmax(normalised(mine, it.extra["norm_len"])) == it.gold) == norm
    got = {r.id: r.correct for r in res.items}
    assert [got[it.id] for it in items] == their_acc
    assert res.details["metrics"]["acc"] == pytest.approx(their_metrics["acc,none"])
    assert res.details["metrics"]["acc_norm"] == pytest.approx(their_metrics["acc_norm,none"])


@pytest.mark.parametrize("task", ["hellaswag_nl_mubench", pytest.param("multiblimp_nld", marks=pytest.mark.slow),
                                  pytest.param("zhoblimp", marks=pytest.mark.slow)])
def test_official_yaml_under_hflm_equals_babylm(tmp_path: Path, tiny_causal_lm: Path, task: str) -> None:
    from lm_eval.models.huggingface import HFLM

    root = write_multilingual(tmp_path / "data")
    (tmp_path / "yaml").mkdir()
    name = _write_yaml(tmp_path / "yaml", root, task)
    hflm = HFLM(pretrained=str(tiny_causal_lm), batch_size=4, device="cpu", dtype="float32")
    theirs = _lm_eval(hflm, tmp_path / "yaml", name)
    _assert_same(*_ours(tiny_causal_lm, root, task), theirs)


def test_official_yaml_through_the_bridge_model(tmp_path: Path, tiny_causal_lm: Path) -> None:
    """The same YAML run by lm-eval with babylm's scorer as the model (`--model babylm`)."""
    from lm_eval.api.registry import get_model

    import babylm.evaluation.lm_eval_bridge  # noqa: F401  registers the babylm model

    root = write_multilingual(tmp_path / "data")
    (tmp_path / "yaml").mkdir()
    name = _write_yaml(tmp_path / "yaml", root, "hellaswag_nl_mubench")
    model = get_model("babylm")(pretrained=str(tiny_causal_lm), backend="causal")
    theirs = _lm_eval(model, tmp_path / "yaml", name)
    _assert_same(*_ours(tiny_causal_lm, root, "hellaswag_nl_mubench"), theirs)
