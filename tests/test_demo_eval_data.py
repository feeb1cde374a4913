"""The demo's evaluation-data lookup (every documented place) and its scored / skipped message, without
running the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from babylm.demo import (
    EVAL_SUBDIR,
    DataLookup,
    blimp_skip_reason,
    evaluation_summary,
    find_eval_data,
)
from babylm.errors import BabyLMError


def _blimp_root(root: Path) -> Path:
    """A folder shaped like the official evaluation_data/ with one BLiMP fast file."""
    d = root / "fast_eval" / "blimp_fast"
    d.mkdir(parents=True)
    (d / "anaphor_agreement.jsonl").write_text(json.dumps({"sentence_good": "a b.", "sentence_bad": "b a."}) + "\n")
    return root


def test_babylm_shared_data_is_followed_to_its_eval_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    _blimp_root(shared / EVAL_SUBDIR)
    found = find_eval_data(env={"BABYLM_SHARED_DATA": str(shared)}, cwd=tmp_path / "elsewhere")
    assert found.root == shared / EVAL_SUBDIR and found.source == "$BABYLM_SHARED_DATA"
    assert blimp_skip_reason(found) is None


def test_the_order_is_flag_then_eval_variable_then_shared_variable(tmp_path: Path) -> None:
    a, b, c = (_blimp_root(tmp_path / n) for n in ("flag", "eval", "shared"))
    env = {"BABYLM_EVAL_DATA": str(b), "BABYLM_SHARED_DATA": str(c)}
    assert find_eval_data(a, env=env, cwd=tmp_path).source == "--eval-data"
    assert find_eval_data(env=env, cwd=tmp_path).root == b
    assert find_eval_data(env={"BABYLM_SHARED_DATA": str(c)}, cwd=tmp_path).root == c  # no babylm_eval_2025/ inside
    (tmp_path / "evaluation_data").mkdir()
    assert find_eval_data(env={}, cwd=tmp_path).source == "./evaluation_data"


def test_a_missing_eval_data_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(BabyLMError, match="not found"):
        find_eval_data(tmp_path / "nope", env={})


def test_nothing_found_says_where_it_looked_and_what_to_set(tmp_path: Path) -> None:
    found = find_eval_data(env={"BABYLM_SHARED_DATA": str(tmp_path / "empty")}, cwd=tmp_path / "w",
                           checkout=tmp_path / "checkout")
    assert found.root is None and len(found.tried) == 3
    why = blimp_skip_reason(found)
    assert why is not None and str(tmp_path / "empty") in why and "BABYLM_SHARED_DATA" in why
    assert "--eval-data" in why


def test_a_data_folder_without_blimp_names_the_folder(tmp_path: Path) -> None:
    (tmp_path / "fast_eval" / "ewok_fast").mkdir(parents=True)
    why = blimp_skip_reason(DataLookup(tmp_path, "$BABYLM_EVAL_DATA", (("$BABYLM_EVAL_DATA", tmp_path),)))
    assert why is not None and why.startswith(f"no blimp data under {tmp_path}") and "$BABYLM_EVAL_DATA" in why


def test_the_summary_lists_what_was_scored_and_what_was_skipped() -> None:
    state = {"eval_summary": {"scored": {"demo": "all 19 checkpoints"},
                              "skipped": {"BLiMP": "no blimp data under /x (set BABYLM_SHARED_DATA ...)"}}}
    assert evaluation_summary(state) == ["scored demo: all 19 checkpoints",
                                         "BLiMP skipped: no blimp data under /x (set BABYLM_SHARED_DATA ...)"]
    assert evaluation_summary({}) == []


def test_the_demo_command_takes_eval_data() -> None:
    from typer.testing import CliRunner

    from babylm.cli import app

    r = CliRunner().invoke(app, ["demo", "--help"])
    assert r.exit_code == 0 and "--eval-data" in r.output
    r = CliRunner().invoke(app, ["demo", "--eval-data", "/no/such/folder", "--no-serve"])
    assert isinstance(r.exception, BabyLMError) and "not found" in str(r.exception)  # before any stage ran
