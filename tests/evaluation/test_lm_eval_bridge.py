"""lm-eval bridge: exported YAML runs in lm-eval; per-item log-likelihoods equal lm-eval's HFLM."""

from __future__ import annotations

import json

import pytest

from babylm.errors import BabyLMError
from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.lm_eval_bridge import export_lm_eval

PAIRS = [
    ("the cat sees the dog .", "the cat see the dog ."),
    ("the birds sing .", "the birds sings ."),
    ("a bird sings .", "a bird sings ."),  # identical sentences: lm-eval calls this correct, we say tie
    ("does the cat like milk ?", "does the cat likes milk ?"),
]


def _blimp_root(tmp_path):
    folder = tmp_path / "data" / "fast_eval" / "blimp_fast"
    folder.mkdir(parents=True)
    for uid in ("agr_1", "agr_2"):
        lines = [json.dumps({"sentence_good": g, "sentence_bad": b, "UID": uid, "pair_id": i})
                 for i, (g, b) in enumerate(PAIRS)]
        (folder / f"{uid}.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path / "data"


def _run_lm_eval(model, yaml_dir, task):
    import lm_eval
    from lm_eval.tasks import TaskManager

    res = lm_eval.simple_evaluate(model=model, tasks=[task], task_manager=TaskManager(include_path=str(yaml_dir)),
                                  log_samples=True, batch_size=4, device="cpu")
    per_item = {}
    for samples in res["samples"].values():
        for s in samples:
            doc = s["doc"]
            key = doc.get("sentence_good") or doc["choices"][0]
            per_item[key.strip()] = [r[0][0] for r in s["resps"]]
    return res["results"], per_item


@pytest.mark.parametrize("by_path", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_hflm_on_exported_blimp_equals_our_scores(tmp_path, tiny_causal_lm, by_path):
    from lm_eval.models.huggingface import HFLM

    from babylm.evaluation.scorers.load import make_scorer

    root = _blimp_root(tmp_path)
    report = export_lm_eval(tmp_path / "yaml", root, tasks=["blimp"], by_path=by_path)
    assert report.groups == ["babylm_blimp_fast"] and len(report.tasks) == 2
    hflm = HFLM(pretrained=str(tiny_causal_lm), batch_size=4, device="cpu", dtype="float32")
    results, theirs = _run_lm_eval(hflm, tmp_path / "yaml", "babylm_blimp_fast")
    assert results["babylm_blimp_fast"]["acc,none"] is not None
    ours = make_scorer(tiny_causal_lm, "causal")
    for good, bad in PAIRS:
        mine = ours.score([ScoreRequest("", good), ScoreRequest("", bad)])
        assert mine == pytest.approx(theirs[good], abs=1e-4)


@pytest.mark.slow
def test_our_scorer_as_an_lm_eval_model(tmp_path, tiny_causal_lm):
    from lm_eval.models.huggingface import HFLM

    root = _blimp_root(tmp_path)
    export_lm_eval(tmp_path / "yaml", root, tasks=["blimp"])
    _, via_babylm = _run_lm_eval_by_name(tmp_path, tiny_causal_lm)
    hflm = HFLM(pretrained=str(tiny_causal_lm), batch_size=4, device="cpu", dtype="float32")
    _, via_hflm = _run_lm_eval(hflm, tmp_path / "yaml", "babylm_blimp_fast")
    for key, values in via_hflm.items():
        assert via_babylm[key] == pytest.approx(values, abs=1e-4)


def _run_lm_eval_by_name(tmp_path, model_dir, backend="causal"):
    import lm_eval
    from lm_eval.tasks import TaskManager

    import babylm.evaluation.lm_eval_bridge  # noqa: F401  registers --model babylm

    res = lm_eval.simple_evaluate(model="babylm", model_args=f"pretrained={model_dir},backend={backend}",
                                  tasks=["babylm_blimp_fast"], log_samples=True,
                                  task_manager=TaskManager(include_path=str(tmp_path / "yaml")))
    per_item = {}
    for samples in res["samples"].values():
        for s in samples:
            per_item[s["doc"]["sentence_good"]] = [r[0][0] for r in s["resps"]]
    return res["results"], per_item


@pytest.mark.slow
def test_mlm_scorer_runs_inside_lm_eval(tmp_path):
    from babylm.testing.tinymodels import tiny_checkpoint

    bert = tiny_checkpoint(tmp_path / "bert", "bert", width=32)
    root = _blimp_root(tmp_path)
    export_lm_eval(tmp_path / "yaml", root, tasks=["blimp"])
    results, per_item = _run_lm_eval_by_name(tmp_path, bert, backend="mlm")
    assert 0.0 <= results["babylm_blimp_fast"]["acc,none"] <= 1.0
    assert all(len(v) == 2 and all(x < 0 for x in v) for v in per_item.values())


def test_export_errors(tmp_path):
    with pytest.raises(BabyLMError, match="unknown task"):
        export_lm_eval(tmp_path / "y", _blimp_root(tmp_path), tasks=["nope"])
    with pytest.raises(BabyLMError, match="not found"):
        export_lm_eval(tmp_path / "y", tmp_path / "missing")
    report = export_lm_eval(tmp_path / "z", tmp_path / "data")
    assert "ewok" in report.skipped  # no EWoK data in this root: skipped with a reason, not a crash


@pytest.mark.slow
@pytest.mark.realdata
def test_hflm_equals_ours_on_real_blimp_items(tmp_path, shared_data, tiny_causal_lm):
    """The issue's check: causal per-item log-likelihoods equal lm-eval's HFLM within 1e-4 on BLiMP."""
    from lm_eval.models.huggingface import HFLM

    from babylm.evaluation.scorers.load import make_scorer

    src = shared_data / "babylm_eval_2025" / "fast_eval" / "blimp_fast"
    folder = tmp_path / "data" / "fast_eval" / "blimp_fast"
    folder.mkdir(parents=True)
    for name in ("anaphor_gender_agreement.jsonl", "passive_1.jsonl"):
        lines = (src / name).read_text().splitlines()[:40]
        (folder / name).write_text("\n".join(lines) + "\n")
    export_lm_eval(tmp_path / "yaml", tmp_path / "data", tasks=["blimp"])
    hflm = HFLM(pretrained=str(tiny_causal_lm), batch_size=16, device="cpu", dtype="float32")
    _, theirs = _run_lm_eval(hflm, tmp_path / "yaml", "babylm_blimp_fast")
    ours = make_scorer(tiny_causal_lm, "causal")
    assert len(theirs) >= 70
    for good, values in theirs.items():
        mine = ours.score([ScoreRequest("", good)])[0]
        assert mine == pytest.approx(values[0], abs=1e-4)


def test_export_cli(tmp_path, run_cli):
    root = _blimp_root(tmp_path)
    r = run_cli("eval", "export-lm-eval", tmp_path / "yaml", "--eval-data", root, "--tasks", "blimp", "--json")
    assert r.code == 0, r.output
    out = json.loads(r.stdout)
    assert out["groups"] == ["babylm_blimp_fast"]
    assert (tmp_path / "yaml" / "babylm_blimp_fast__agr_1.yaml").is_file()
    r = run_cli("eval", "export-lm-eval", tmp_path / "y2", "--eval-data", tmp_path / "missing")
    assert r.code == 2 and "not found" in r.stderr and "Traceback" not in r.output
