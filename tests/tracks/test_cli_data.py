"""`babylm data count` / `babylm data verify`: exit codes, --json keys, messages for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babylm.cli import app
from babylm.errors import BabyLMError

runner = CliRunner()

COUNT_KEYS = {"format", "tool_version", "edition", "track", "scale", "word_rule", "errors", "files",
              "total_words", "total_bytes", "word_budget", "within_budget", "created", "manifest_path"}
VERIFY_KEYS = {"manifest", "ok", "track", "scale", "total_words", "actual_total_words", "word_budget",
               "within_budget", "files", "problems"}


@pytest.fixture()
def corpus(text_corpus) -> Path:
    return text_corpus(a="one two three\n", b="four\u3000five")


def test_count_json_writes_manifest_and_verify_passes(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "m" / "dm.json"
    res = runner.invoke(app, ["data", "count", str(corpus), "--track", "strict-small", "--manifest", str(out),
                              "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) == COUNT_KEYS
    assert data["total_words"] == 5 and data["within_budget"] and data["manifest_path"] == str(out)
    assert [f["words"] for f in data["files"]] == [3, 2]
    assert out.is_file()
    res = runner.invoke(app, ["data", "verify", str(out), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert set(rep) == VERIFY_KEYS and rep["ok"] and [f["status"] for f in rep["files"]] == ["ok", "ok"]


def test_count_table_over_budget_exits_1_and_says_scaled(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "dm.json"
    res = runner.invoke(app, ["data", "count", str(corpus), "--scale", "1/10000000", "--manifest", str(out)])
    assert res.exit_code == 1, res.output
    assert "OVER BUDGET" in res.stdout and "SCALED RUN" in res.stdout
    assert f"manifest written to {out}" in res.stdout.replace("\n", "")
    res = runner.invoke(app, ["data", "verify", str(out)])
    assert res.exit_code == 1 and "OVER BUDGET" in res.stdout


def test_count_writes_no_manifest_unless_asked_and_says_so(corpus: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["data", "count", str(corpus / "a.train")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "no manifest written (pass --manifest PATH to write one" in res.stdout
    assert list(tmp_path.rglob("*.json")) == []
    res = runner.invoke(app, ["data", "count", "corpus/*.train", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["manifest_path"] is None
    assert list(tmp_path.rglob("*.json")) == []
    res = runner.invoke(app, ["data", "count", "--help"])
    assert "--no-manifest" not in res.stdout


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--track", "nope"], "strict-small"),
        (["--errors", "ignore"], "replace"),
        (["--edition", "1999"], "2025"),
    ],
)
def test_choices_are_checked_and_named(corpus: Path, args: list[str], shown: str) -> None:
    res = runner.invoke(app, ["data", "count", str(corpus), *args], env={"COLUMNS": "200"})
    assert res.exit_code == 2 and "Invalid value" in res.output and shown in res.output


def test_verify_detects_edited_file_exit_1(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "dm.json"
    assert runner.invoke(app, ["data", "count", str(corpus), "--manifest", str(out)]).exit_code == 0
    (corpus / "a.train").write_text("one two three four\n", encoding="utf-8")
    res = runner.invoke(app, ["data", "verify", str(out), "--json"])
    assert res.exit_code == 1
    rep = json.loads(res.stdout)
    assert not rep["ok"] and rep["files"][0]["status"] == "changed" and rep["files"][0]["actual_words"] == 4
    res = runner.invoke(app, ["data", "verify", str(out)])
    assert res.exit_code == 1 and "FAILED" in res.stdout and "changed" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "count", "MISSING"], "no such file or folder"),
        (["data", "count", "CORPUS", "--scale", "3"], "must be in (0, 1]"),
        (["data", "count", "CORPUS", "--scale", "x"], "bad --scale"),
        (["data", "verify", "CORPUS"], "is a folder"),
    ],
)
def test_user_mistakes_raise_babylm_error(corpus: Path, args: list[str], message: str) -> None:
    args = [str(corpus) if a == "CORPUS" else str(corpus / "missing") if a == "MISSING" else a for a in args]
    res = runner.invoke(app, args)
    assert isinstance(res.exception, BabyLMError), res.output
    assert message in str(res.exception)


def test_invalid_utf8_one_line_error_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine words \xc3\x28 more")
    env = dict(os.environ, COLUMNS="200")
    cmd = [sys.executable, "-m", "babylm.cli", "data", "count", str(bad)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}: invalid UTF-8 at byte 11" in proc.stderr and "--errors replace" in proc.stderr
    proc = subprocess.run(cmd + ["--errors", "replace", "--json"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["total_words"] == 4


def test_help_lists_commands() -> None:
    res = runner.invoke(app, ["data", "--help"])
    assert res.exit_code == 0 and all(c in res.stdout for c in ("count", "verify", "generate"))
    res = runner.invoke(app, ["data", "count", "--help"])
    assert "--errors" in res.stdout and "--manifest" in res.stdout and "strict|replace" in res.stdout


def test_count_skips_its_own_manifest(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    for _ in range(2):  # the second run must not count the first run's data_manifest.json
        res = runner.invoke(app, ["data", "count", ".", "--manifest", "data_manifest.json", "--json"])
        assert res.exit_code == 0, res.output
        data = json.loads(res.stdout)
        assert [f["path"] for f in data["files"]] == ["a.train", "b.train"] and data["total_words"] == 5
    res = runner.invoke(app, ["data", "count", "data_manifest.json", "--manifest", "data_manifest.json"])
    assert isinstance(res.exception, BabyLMError) and "manifest" in str(res.exception)


def test_table_of_many_files_is_shortened(tmp_path: Path) -> None:
    for i in range(60):
        (tmp_path / f"f{i:02d}.txt").write_text("w " * i)
    res = runner.invoke(app, ["data", "count", str(tmp_path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "f44.txt" in res.stdout and "f45.txt" not in res.stdout and "15 more files" in res.stdout
    assert f"{sum(range(60)):,}" in res.stdout
    res = runner.invoke(app, ["data", "count", str(tmp_path), "--json"])
    assert len(json.loads(res.stdout)["files"]) == 60


def test_verify_table_of_many_files_keeps_the_problems(tmp_path: Path) -> None:
    for i in range(60):
        (tmp_path / f"f{i:02d}.txt").write_text("w " * i)
    out = tmp_path / "m.json"
    assert runner.invoke(app, ["data", "count", str(tmp_path), "--manifest", str(out)]).exit_code == 0
    (tmp_path / "f59.txt").write_text("changed")
    res = runner.invoke(app, ["data", "verify", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 1
    assert "f59.txt" in res.stdout and "changed" in res.stdout and "more files" in res.stdout
