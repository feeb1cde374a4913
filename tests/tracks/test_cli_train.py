"""`babylm model train|resume`, `babylm ledger verify`, `babylm data generate` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TRAIN_KEYS = {"run_dir", "status", "track", "scale", "scaled", "arch", "n_params", "data_words", "words_seen",
              "tokens_seen", "steps", "train_flops", "checkpoints", "wall_time_s", "final_loss", "message", "extra"}
VERIFY_KEYS = {"path", "ok", "errors", "warnings", "lines", "words", "tokens", "steps", "flops", "checkpoints",
               "cap_exceeded", "stopped_at_cap", "complete", "status", "track", "edition", "scale", "exposure_cap",
               "word_budget", "resumes"}
TINY = ["--scale", "1/20000", "--seq-len", "32", "--batch-size", "8", "--vocab-size", "300", "--threads", "1"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from babylm.tracks.demo_corpus import write_corpus

    d = tmp_path_factory.mktemp("corpus")
    write_corpus(d, 400, seed=1)
    return d


@pytest.fixture()
def quiet(monkeypatch):
    monkeypatch.setenv("BABYLM_NO_PROGRESS", "1")


def test_data_generate(run_cli, tmp_path: Path) -> None:
    res = run_cli("data", "generate", tmp_path / "c", "--words", "777", "--seed", "2", "--json")
    assert res.code == 0, res.output
    data = json.loads(res.stdout)
    assert data["words"] == 777 and len(data["files"]) == 2
    assert sum(len(Path(f["path"]).read_text().split()) for f in data["files"]) == 777
    bad = run_cli("data", "generate", tmp_path / "c", "--words", "-3")
    assert bad.code == 2 and "--words" in bad.stderr and "Traceback" not in bad.output


def test_train_json_then_verify(run_cli, corpus: Path, tmp_path: Path, quiet) -> None:
    out = tmp_path / "run"
    res = run_cli("model", "train", "--corpus", corpus, "--out", out, "--epochs", "2", *TINY, "--json")
    assert res.code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) == TRAIN_KEYS
    assert data["scaled"] and data["scale"] == "1/20000" and data["words_seen"] == 800
    assert data["checkpoints"] == [f"chck_{i}M" for i in range(1, 11)]  # 50..500 words; 20M is at 1,000

    ok = run_cli("ledger", "verify", out, "--json")
    assert ok.code == 0, ok.output
    rep = json.loads(ok.stdout)
    assert set(rep) == VERIFY_KEYS and rep["ok"] and rep["words"] == 800 and rep["scale"] == "1/20000"

    human = run_cli("ledger", "verify", out / "ledger.jsonl")
    assert human.code == 0 and "ledger OK" in human.stdout and "SCALED" in human.stdout

    lines = (out / "ledger.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"d_words":', '"d_words":1', 1)
    (out / "ledger.jsonl").write_text("\n".join(lines) + "\n")
    broken = run_cli("ledger", "verify", out, "--json")
    assert broken.code == 1
    assert json.loads(broken.stdout)["errors"][0].startswith("line 4:")


def test_train_human_output_says_scaled(run_cli, corpus: Path, tmp_path: Path, quiet) -> None:
    res = run_cli("model", "train", "--corpus", corpus, "--out", tmp_path / "r", "--epochs", "1", *TINY)
    assert res.code == 0, res.output
    assert "SCALED" in res.stdout and "SCALED" in res.stderr and "chck_8M" in res.stdout


def test_train_past_the_cap_exits_2_and_keeps_the_run(run_cli, corpus: Path, tmp_path: Path, quiet) -> None:
    out = tmp_path / "capped"
    res = run_cli("model", "train", "--corpus", corpus, "--out", out, "--epochs", "13", *TINY)
    assert res.code == 2
    assert "exposure cap of 5,000 words" in res.stderr and "words seen" in res.stderr
    assert "Traceback" not in res.output
    ok = run_cli("ledger", "verify", out, "--json")
    assert ok.code == 0 and json.loads(ok.stdout)["stopped_at_cap"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "2"], "--scale"),
        (["--scale", "x"], "bad --scale"),
        (["--track", "nope"], "Invalid value for '--track'"),
        (["--arch", "bert"], "Invalid value for '--arch'"),
        (["--edition", "1999"], "Invalid value for '--edition'"),
    ],
)
def test_train_user_errors(run_cli, corpus: Path, tmp_path: Path, args: list[str], message: str) -> None:
    res = run_cli("model", "train", "--corpus", corpus, "--out", tmp_path / "x", *args)
    assert res.code == 2 and message in " ".join(res.stderr.split()) and "Traceback" not in res.output


def test_train_refuses_data_over_budget_and_missing_data(run_cli, corpus: Path, tmp_path: Path) -> None:
    over = run_cli("model", "train", "--corpus", corpus, "--out", tmp_path / "x", "--scale", "1/100000")
    assert over.code == 2 and "over the 2025/strict-small word budget of 100" in over.stderr
    assert "SCALED" in over.stderr
    missing = run_cli("model", "train", "--corpus", tmp_path / "none", "--out", tmp_path / "y")
    assert missing.code == 2 and "not found" in missing.stderr


def test_verify_missing_ledger(run_cli, tmp_path: Path) -> None:
    res = run_cli("ledger", "verify", tmp_path)
    assert res.code == 2 and "no ledger" in res.stderr


def test_help_texts(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # choices on one line
    for cmd in (["model", "train"], ["model", "resume"], ["model", "flops"], ["ledger", "verify"],
                ["data", "generate"], ["tracks", "list"]):
        res = run_cli(*cmd, "--help")
        assert res.code == 0 and "--json" in res.stdout
    train_help = run_cli("model", "train", "--help").stdout
    assert "--corpus" in train_help and "gpt2-tiny|gpt2-small|llama-tiny" in train_help
    assert "sdpa|eager" in run_cli("model", "flops", "--help").stdout
    for old in (["train"], ["resume"], ["flops"], ["corpus", "generate"]):
        assert run_cli(*old, "--help").code == 2


def test_tracks_list(run_cli) -> None:
    res = run_cli("tracks", "list", "--edition", "2025", "--json")
    assert res.code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows and {r["edition"] for r in rows} == {2025} and "strict-small" in {r["name"] for r in rows}
    table = run_cli("tracks", "list")
    assert table.code == 0 and "BabyLM tracks" in table.stdout


def test_stop_at_cap_ends_normally(run_cli, corpus: Path, tmp_path: Path, quiet) -> None:
    out = tmp_path / "until"
    res = run_cli("model", "train", "--corpus", corpus, "--out", out, "--epochs", "13", "--stop-at-cap", *TINY,
                  "--json")
    assert res.code == 0, res.output
    data = json.loads(res.stdout)
    assert data["status"] == "stopped_at_cap" and "exposure cap" in data["message"]
    assert 4600 < data["words_seen"] <= 5000
    rep = run_cli("ledger", "verify", out, "--json")
    assert rep.code == 0 and json.loads(rep.stdout)["status"] == "stopped_at_cap"


def test_resume_cli_refuses_a_finished_run(run_cli, corpus: Path, tmp_path: Path, quiet) -> None:
    out = tmp_path / "done"
    assert run_cli("model", "train", "--corpus", corpus, "--out", out, "--epochs", "1", *TINY).code == 0
    res = run_cli("model", "resume", out)
    assert res.code == 2 and "nothing to resume" in res.stderr
    assert run_cli("model", "resume", tmp_path / "nope").code == 2
