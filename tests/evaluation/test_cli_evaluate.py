"""`babylm eval run`: JSON summary, files written, user mistakes as one-line errors (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from blimp_pairs import blimp_root, run_folder
from typer.testing import CliRunner

from babylm.cli import app


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_folder(tmp_path_factory.mktemp("run"), n=2)


def test_evaluate_json_summary_and_files(run, tmp_path):
    data = blimp_root(tmp_path / "data")
    res = CliRunner().invoke(app, ["eval", "run", str(run), "--tasks", "blimp,demo", "--eval-data", str(data),
                                   "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"),
                                   "--threads", "1", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) >= {"results_json", "official_preds_json", "checkpoints", "failures", "unavailable"}
    assert set(doc["checkpoints"]) == {"chck_1M", "chck_2M"}
    assert 0 <= doc["checkpoints"]["chck_2M"]["scores"]["blimp"] <= 1
    assert doc["checkpoints"]["chck_2M"]["tie_rates"]["blimp"] > 0
    assert (tmp_path / "out" / "results.json").is_file()
    assert (tmp_path / "out" / "all_full_preds_and_fast_scores_causal.json").is_file()


def test_evaluate_table_output(run, tmp_path):
    res = CliRunner().invoke(app, ["eval", "run", str(run), "--tasks", "demo", "--checkpoints", "chck_2M",
                                   "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert "chck_2M" in res.stdout and "demo" in res.stdout and "chck_1M" not in res.stdout


@pytest.mark.parametrize("args,msg", [
    (["eval", "run", "/nonexistent/run", "--tasks", "demo"], "model folder not found"),
    (["eval", "run", "RUN", "--tasks", "nope"], "unknown task"),
    (["eval", "run", "RUN", "--tasks", "demo", "--compat", "weird"], "'weird' is not one of"),
    (["eval", "run", "RUN", "--tasks", "demo", "--eval-data", "/nonexistent/data"], "evaluation data folder not found"),
])
def test_user_mistakes_exit_2_in_one_line(run, args, msg):
    args = [str(run) if a == "RUN" else a for a in args]
    proc = subprocess.run([sys.executable, "-m", "babylm.cli", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert msg in proc.stderr and "Traceback" not in proc.stderr


def test_help_shows_the_docstring():
    res = CliRunner().invoke(app, ["eval", "run", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "cached" in res.stdout and "--compat" in res.stdout
    for choices in ("causal|mlm|mntp|enc_dec_mask|enc_dec_prefix|git", "babylm|official", "fast|full",
                    "auto|native|transformers", "--eval-data", "--edition", "--track"):
        assert choices in res.stdout, choices
