"""`babylm submission init`: scaffolding a bundle from a run, and its user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from babylm.errors import BabyLMError
from babylm.submissions.bundle import init_bundle
from babylm.submissions.formats import FactSheet, SubmissionManifest


def test_init_writes_a_complete_bundle(built: tuple[Path, Path]) -> None:
    bundle = built[0]
    m = SubmissionManifest.model_validate_json((bundle / "submission.json").read_text())
    assert (m.team, m.model, m.track, m.edition, m.scale) == ("Team Test", "tiny-gpt2", "strict-small", 2025, "1/1000")
    assert m.files.results == "results.json" and m.model_location.path == "checkpoints"
    f = FactSheet.model_validate_json((bundle / "fact_sheet.json").read_text())
    assert f.words_seen == 3250 and f.tokens_seen == 3900 and f.seq_len == 32 and f.n_params > 0
    assert sorted(p.name for p in (bundle / "checkpoints").iterdir()) == ["chck_1M", "chck_2M", "chck_3M"]


def test_init_user_errors(built: tuple[Path, Path], tmp_path: Path) -> None:
    run = built[0].parent / "run"
    res = built[0].parent / "eval"
    with pytest.raises(BabyLMError, match="run folder not found"):
        init_bundle(tmp_path / "nope", team="t", model="m", out=tmp_path / "o", results_dir=res)
    with pytest.raises(BabyLMError, match="already exists"):
        init_bundle(run, team="t", model="m", out=built[0], results_dir=res)
    with pytest.raises(BabyLMError, match="needs evaluation results"):
        init_bundle(run, team="t", model="m", out=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_init_cli_with_teacher(run_cli, built: tuple[Path, Path], tmp_path: Path) -> None:
    run = built[0].parent / "run"
    res = built[0].parent / "eval"
    r = run_cli("submission", "init", run, "--team", "T", "--model", "m", "--out", tmp_path / "b", "--results", res,
                "--teacher", "Qwen/Qwen3-0.6B", "--teacher-params", "600000000", "--teacher-words", "100", "--json")
    assert r.code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["submission"]["format"] == "babylm.submission/1"
    fact = json.loads((tmp_path / "b" / "fact_sheet.json").read_text())
    assert fact["teacher"] == {"model_id": "Qwen/Qwen3-0.6B", "n_params": 600000000, "words": 100}
    r = run_cli("submission", "init", run, "--team", "../x", "--model", "m", "--out", tmp_path / "c", "--results", res)
    assert r.code != 0 and "Traceback" not in r.output
