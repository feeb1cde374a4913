"""The validator on a good bundle, its report, and the CLI (exit codes, --json)."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from babylm.submissions.validate import validate_bundle


@pytest.fixture(autouse=True)
def _toy_task() -> None:
    """The toy task is known to every test here (conftest unregisters it after each module)."""
    from submission_factory import register_toy_task

    register_toy_task()


@pytest.mark.slow
def test_good_bundle_is_valid_and_loads(built: tuple[Path, Path]) -> None:
    bundle, gold = built
    rep = validate_bundle(bundle, allow_scaled=True, load=True, data_root=gold)
    assert rep.ok, [f.to_dict() for f in rep.findings.errors]
    assert rep.findings.codes() >= {"W_SCALED"}
    s = rep.to_dict()
    assert s["summary"]["required_checkpoints"] == ["chck_1M", "chck_2M", "chck_3M"]
    assert s["summary"]["flops"]["claimed"] == s["summary"]["flops"]["analytic"]
    assert all(v["ok"] for v in s["summary"]["loaded"].values())
    assert rep.submission_id and rep.submission_id.startswith("team-test--tiny-gpt2-") is False
    assert rep.submission_id.startswith("team-test-tiny-gpt2-")


def test_good_bundle_is_valid_statically(built: tuple[Path, Path]) -> None:
    rep = validate_bundle(built[0], allow_scaled=True, load=False, data_root=built[1])
    assert rep.ok, [f.to_dict() for f in rep.findings.errors]
    assert rep.findings.codes() - {"W_TASK_MISSING"} == {"W_SCALED", "I_DATA_FILES_ABSENT", "I_LOAD_SKIPPED"}
    missing = [f for f in rep.findings.items if f.code == "W_TASK_MISSING"]
    assert missing and all(f.severity == "warning" for f in missing)  # a scaled entry: warnings only


def test_scaled_entry_is_an_error_without_the_flag(built: tuple[Path, Path]) -> None:
    rep = validate_bundle(built[0], load=False)
    assert [f.code for f in rep.findings.errors] == ["E_SCALED"]


def test_good_bundle_as_tar_gz(built: tuple[Path, Path], tmp_path: Path) -> None:
    arc = tmp_path / "b.tar.gz"
    with tarfile.open(arc, "w:gz") as tf:
        tf.add(built[0], arcname="mybundle")
    rep = validate_bundle(arc, allow_scaled=True, load=False, workdir=tmp_path / "w")
    assert rep.ok, [f.to_dict() for f in rep.findings.errors]
    assert rep.root == tmp_path / "w" / "bundle" / "mybundle"


def test_cli_json_and_exit_codes(run_cli, built: tuple[Path, Path], tmp_path: Path) -> None:
    r = run_cli("submission", "validate", built[0], "--allow-scaled", "--no-load", "--json")
    assert r.code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["ok"] is True and doc["n_errors"] == 0 and doc["format"] == "babylm.validation/1"
    bad = tmp_path / "bad"
    shutil.copytree(built[0], bad)
    (bad / "fact_sheet.json").write_text("{broken")
    r = run_cli("submission", "validate", bad, "--allow-scaled", "--no-load")
    assert r.code == 1
    assert "E_FACT_SHEET_JSON" in r.stdout and "INVALID" in r.stdout
    r = run_cli("submission", "validate", tmp_path / "missing")
    assert r.code == 2 and "bundle not found" in r.stderr and "Traceback" not in r.output


def test_archive_extraction_folder_is_cleaned_up(built: tuple[Path, Path], tmp_path: Path) -> None:
    arc = tmp_path / "b.tar.gz"
    with tarfile.open(arc, "w:gz") as tf:
        tf.add(built[0], arcname="mybundle")
    rep = validate_bundle(arc, allow_scaled=True, load=False)
    assert rep.ok and rep.tmpdir is not None and rep.root is not None and rep.root.is_dir()
    tmp = rep.tmpdir
    rep.cleanup()
    assert not tmp.exists() and rep.tmpdir is None


def test_interaction_ledger_that_agrees_passes(fresh_bundle: Path) -> None:
    from bad_bundle_corpus import _interaction_ledger

    _interaction_ledger(500)(fresh_bundle, fresh_bundle / "sentinel")
    rep = validate_bundle(fresh_bundle, allow_scaled=True, load=False)
    assert rep.ok, [f.to_dict() for f in rep.findings.errors]
    assert rep.summary["teacher"]["model_id"] == "Qwen/Qwen3-0.6B"


def _entity_result(compat: str = "babylm") -> dict:
    """An entity-tracking result as `babylm eval run` writes it (a mean of means, not the macro mean)."""
    import random

    from babylm.evaluation.api import Item, ScoreRequest
    from babylm.evaluation.results import task_result_to_dict
    from babylm.evaluation.tasks.entity import SPEC

    rng = random.Random(0)
    subs = ["regular_0_ops"] * 3 + ["regular_1_ops"] * 5 + ["ambiref_0_ops"] * 4
    items = [Item(f"e{i}", s, [ScoreRequest("", str(k)) for k in range(5)], 0) for i, s in enumerate(subs)]
    scores = [[rng.choice([-1.0, -2.0, -3.0]) for _ in range(5)] for _ in items]
    return task_result_to_dict(SPEC.compute(items, scores, compat))  # type: ignore[arg-type]


def test_task_scores_are_recomputed_from_their_items(tmp_path: Path) -> None:
    """An honest result passes, with the task's own aggregation (entity tracking: a mean of means, and ties);
    a score, a sub-task score or an item its own scores cannot give is refused."""
    from babylm.submissions.validate import Context, ValidationReport
    from babylm.submissions.validate.recompute import check_task_score

    def codes(t: dict, compat: str = "babylm") -> set[str]:
        c = Context(tmp_path, ValidationReport("b"))
        check_task_score(c, "results.json", "results.json: chck_1M/entity_tracking", "entity_tracking", t,
                         t["items"], compat)
        return {f.code for f in c.F.errors}

    for compat in ("babylm", "official"):
        t = _entity_result(compat)
        assert any(it["tie"] for it in t["items"])
        macro = sum(t["subtasks"].values()) / len(t["subtasks"])
        assert abs(t["score"] - macro) > 1e-3  # the mean of means differs from the macro mean here
        assert codes(t, compat) == set()
    t = _entity_result()
    assert codes(dict(t, score=t["score"] + 0.01)) == {"E_SCORE_MISMATCH"}
    assert codes(dict(t, subtasks=dict(t["subtasks"], regular_0_ops=1.0))) == {"E_SCORE_MISMATCH"}
    bad = [dict(it) for it in t["items"]]
    bad[0]["pred"] = min(range(5), key=lambda i: bad[0]["scores"][i])
    assert codes(dict(t, items=bad)) == {"E_ITEM_INCONSISTENT"}
    assert codes(dict(t, items=[dict(it, correct=None) for it in t["items"]])) == {"E_ITEM_INCONSISTENT"}
    assert codes(dict(t, items=[{k: v for k, v in it.items() if k != "correct"} for it in t["items"]])) == {
        "E_ITEM_INCONSISTENT"}
