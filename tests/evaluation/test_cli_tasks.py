"""`babylm tasks list` prints the registry; a plugin's task is listed and scored like a built-in."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from plugins import BROKEN, DEMO, plugin_env, use_plugins


@pytest.fixture
def demo_plugin(monkeypatch):
    yield from use_plugins(monkeypatch, DEMO)


def test_json_lists_every_task_with_its_metadata_and_tracks(run_cli):
    r = run_cli("tasks", "list", "--json")
    assert r.code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    blimp = rows["blimp"]
    assert {k: blimp[k] for k in ("category", "metric", "unit", "chance", "higher_is_better", "splits", "version")} \
        == {"category": "linguistic", "metric": "accuracy", "unit": "accuracy", "chance": 0.5,
            "higher_is_better": True, "splits": ["fast", "full"], "version": "1"}
    assert blimp["tracks"]["2025/strict"] == "required" and blimp["description"].startswith("BLiMP")
    assert rows["reading"]["unit"] == "ΔR² ×100" and rows["entity_tracking"]["chance"] == 0.2
    assert rows["demo"]["tracks"] == {} and "board" not in blimp


def test_a_track_shows_its_board_with_required_and_optional(run_cli):
    r = run_cli("tasks", "list", "--edition", "2025", "--track", "multimodal", "--json")
    assert r.code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["blimp"]["board"] == "required" and rows["glue"]["board"] == "optional"
    assert rows["vqa"]["board"] == "required" and rows["vqa"]["registered"] is True
    assert rows["devbench"]["board"] == "optional" and rows["devbench"]["registered"] is True
    assert "demo" not in rows and set(rows["blimp"]["tracks"]) == {"2025/interaction", "2025/multimodal",
                                                                     "2025/strict", "2025/strict-small"}


def test_table_output(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    r = run_cli("tasks", "list", "--track", "strict-small")
    assert r.code == 0, r.output
    assert "evaluation tasks of 2025/strict-small" in r.stdout and "required" in r.stdout
    assert "optional" in r.stdout and "ΔR² ×100" in r.stdout


def test_an_unknown_track_is_a_usage_error(run_cli):
    r = run_cli("tasks", "list", "--track", "nope")
    assert r.code == 2 and "nope" in r.output and "Traceback" not in r.output


def test_the_plugin_task_is_listed_in_a_fresh_process():
    proc = subprocess.run([sys.executable, "-m", "babylm.cli", "tasks", "list", "--json"], capture_output=True,
                          text=True, timeout=180, env=plugin_env(DEMO))
    assert proc.returncode == 0, proc.stderr
    rows = {row["name"]: row for row in json.loads(proc.stdout)}
    assert rows["plugin_agreement"]["description"] == "Plugin: agreement minimal pairs"


def test_a_broken_plugin_fails_in_one_line_naming_it():
    proc = subprocess.run([sys.executable, "-m", "babylm.cli", "tasks", "list"], capture_output=True, text=True,
                          timeout=180, env=plugin_env(BROKEN))
    assert proc.returncode == 2, proc.stderr
    assert "babylm_plugin_broken" in proc.stderr and "broken_task" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_eval_run_scores_the_plugin_task(demo_plugin, run_cli, tiny_causal_lm, tmp_path):
    out = tmp_path / "out"
    r = run_cli("eval", "run", str(tiny_causal_lm), "--tasks", "plugin_agreement", "--out", str(out),
                "--cache-dir", str(tmp_path / "cache"), "--json")
    assert r.code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["failures"] == [] and doc["unavailable"] == {}
    (ckpt,) = doc["checkpoints"].values()
    assert 0.0 <= ckpt["scores"]["plugin_agreement"] <= 1.0
    results = json.loads((out / "results.json").read_text())
    assert next(iter(results["checkpoints"].values()))["tasks"]["plugin_agreement"]["n_items"] == 24
