"""A GPT-BERT-style hybrid with its own model code (auto_map), scored in the bubblewrap sandbox: the
scores agree with the same weights scored in this process; without --trust-remote-code it is refused;
where the sandbox cannot start, it is refused with the reason (never run unsandboxed)."""

from __future__ import annotations

import hashlib

import pytest
from blimp_pairs import blimp_root
from sandbox_models import build_hybrid

from babylm.evaluation.sandbox import bwrap

pytestmark = pytest.mark.skipif(bwrap.unavailable_reason() is not None,
                                reason=f"sandbox unavailable: {bwrap.unavailable_reason()}")


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory):
    root = tmp_path_factory.mktemp("hybrid")
    folder, model, tok = build_hybrid(root / "run" / "chck_1M", root / "work")
    return root, folder, model, tok


def test_sandboxed_scores_agree_with_in_process(hybrid):
    from babylm.evaluation.registry import get_task
    from babylm.evaluation.runner import evaluate_run, load_task_items, score_task_items
    from babylm.evaluation.scorers.load import scorer_for

    root, folder, model, tok = hybrid
    data = blimp_root(root / "data")
    res = evaluate_run(root / "run", tasks="blimp", data_root=data, cache_dir=root / "cache", progress=False,
                       trust_remote_code=True)
    assert res["failures"] == [], res["failures"]
    ck = res["checkpoints"]["chck_1M"]
    assert ck["engine"] == "sandbox" and ck["sandbox"]["model_class"] == "HybridForCausalLM"
    sha = hashlib.sha256((folder / "modeling_hybrid.py").read_bytes()).hexdigest()
    assert ck["custom_code"]["files"]["modeling_hybrid.py"] == sha
    assert ck["custom_code"]["auto_map"]["AutoModelForCausalLM"] == "modeling_hybrid.HybridForCausalLM"
    items, _, _ = load_task_items(get_task("blimp"), data, "fast")
    want = score_task_items(scorer_for(model, tok, "causal"), items)
    got = {row["id"]: row["scores"] for row in ck["tasks"]["blimp"]["items"]}
    assert len(got) == len(items) == 12
    for it, w in zip(items, want, strict=True):
        assert got[it.id] == pytest.approx(w, abs=1e-4)
    assert len({round(s, 3) for w in want for s in w}) > 6  # the scores differ: the comparison means something


def test_custom_code_refused_without_trust_remote_code(hybrid, tmp_path):
    from babylm.evaluation.runner import evaluate_run

    root, _, _, _ = hybrid
    res = evaluate_run(root / "run", tasks="demo", cache_dir=tmp_path / "c", progress=False)
    (fail,) = res["failures"]
    assert fail["checkpoint"] == "chck_1M" and "custom model code" in fail["error"]
    assert "--trust-remote-code" in fail["error"] and "modeling_hybrid.py" in fail["error"]


def test_load_model_never_runs_remote_code_in_process(hybrid):
    from babylm.evaluation.scorers.load import CheckpointError, load_model, make_scorer

    _, folder, _, _ = hybrid
    with pytest.raises(CheckpointError, match="outside the sandbox"):
        load_model(folder, "causal", trust_remote_code=True)
    with pytest.raises(CheckpointError, match="auto_map"):
        make_scorer(folder, "causal")


def test_no_sandbox_means_refusal_with_the_reason(hybrid, monkeypatch):
    from babylm.evaluation.sandbox import SandboxScorer, SandboxUnavailable

    _, folder, _, _ = hybrid
    bwrap.unavailable_reason.cache_clear()
    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    try:
        with pytest.raises(SandboxUnavailable, match=r"bubblewrap \(`bwrap`\) is not installed"):
            SandboxScorer(folder, "causal")
    finally:
        monkeypatch.undo()
        bwrap.unavailable_reason.cache_clear()
