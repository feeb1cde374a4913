"""Interaction runs as submissions: init -> validate -> score -> the leaderboard's submission page chart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babylm.cli import app
from babylm.errors import BabyLMError

SCALE = "1/1000"
APP = str(Path(__file__).resolve().parents[2] / "leaderboard" / "app.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny simpo run (HF student, no checkpoint reached), tiny respect and cogen runs (refgame checkpoints)."""
    import torch

    from babylm.tracks.interaction.cli import run_interaction

    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("iruns")
    run_interaction("simpo", base / "simpo", rounds=2, scale=SCALE, progress=False,
                    options={"windows_per_round": 3, "corpus_words": 1200, "lm_epochs": 1})
    run_interaction("respect", base / "respect", rounds=2, scale=SCALE, progress=False,
                    options={"games": 5, "seed_games": 6, "epochs": 2})
    run_interaction("cogen", base / "cogen", rounds=2, scale=SCALE, progress=False,
                    options={"games": 4, "seed_examples": 10, "epochs": 1, "n_candidates": 3})
    return {"simpo": base / "simpo", "respect": base / "respect", "cogen": base / "cogen"}


def _cli(*args: str) -> dict:
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _init(run: Path, out: Path, model: str) -> Path:
    _cli("submission", "init", str(run), "--team", "Team I", "--model", model, "--out", str(out))
    return out


def _validate(bundle: Path) -> dict:
    res = CliRunner().invoke(app, ["submission", "validate", str(bundle), "--allow-scaled", "--json"])
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


def _codes(rep: dict) -> set[str]:
    return {f["code"] for f in rep["findings"] if f["severity"] == "error"}


def _chart_series(monkeypatch: pytest.MonkeyPatch, url: str, sid: str) -> tuple[dict[str, list[float]], dict]:
    """The submission page's interaction chart data as {variant: [value per round]}, and its fact sheet."""
    import pyarrow as pa
    from streamlit.testing.v1 import AppTest

    from babylm.leaderboard.app_data import STORE_ENV

    monkeypatch.setenv(STORE_ENV, url)
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"page": "submission", "edition": "2025", "track": "interaction", "id": sid}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    assert "Interaction: success per round" in [h.value for h in at.subheader]
    specs = [c for c in at.get("vega_lite_chart") if '"variant"' in c.proto.spec]
    assert len(specs) == 1
    frame = pa.ipc.open_stream(specs[0].proto.datasets[0].data.data).read_all().to_pandas()
    series: dict[str, list[float]] = {}
    for row in frame.sort_values(["variant", "round"]).itertuples():
        series.setdefault(row.variant, []).append(row.success)
    table = at.dataframe[0].value  # the first table on the page is the fact sheet
    facts = dict(zip(table["field"], table["value"], strict=True))
    return series, facts


@pytest.mark.parametrize("protocol", ["simpo", "respect", "cogen"])
def test_interaction_run_goes_from_bundle_to_the_leaderboard_chart(runs, tmp_path, monkeypatch, protocol) -> None:
    run = runs[protocol]
    bundle = _init(run, tmp_path / "bundle", f"{protocol}-tiny")
    manifest = json.loads((bundle / "submission.json").read_text())
    assert manifest["track"] == "interaction" and manifest["scale"] == SCALE
    assert manifest["files"]["interaction_run"] == "interaction"
    for name in ("word_ledger.json", "word_ledger.jsonl", "episodes.jsonl", "summary.json", "summary.png"):
        assert (bundle / "interaction" / name).is_file(), name
    fact = json.loads((bundle / "fact_sheet.json").read_text())
    wl = json.loads((run / "word_ledger.json").read_text())
    assert fact["teacher"]["words"] == wl["counts"]["teacher_visible"] > 0
    assert fact["student_generated_words"] == wl["counts"]["student_generated"]
    if protocol != "simpo":  # refgame student: no training ledger, its checkpoints kept as evidence
        assert manifest["files"]["ledger"] is None and not (bundle / "ledger.jsonl").exists()
        assert sorted(p.name for p in (bundle / "checkpoints").iterdir()) == sorted(wl["checkpoints_fired"])
        assert fact["words_seen"] == wl["words_seen"] and fact["train_flops"] == 0
    else:
        assert (bundle / "ledger.jsonl").is_file() and fact["words_seen"] == wl["words_seen"]

    rep = _validate(bundle)
    assert rep["ok"], rep["findings"]
    assert {f["code"] for f in rep["findings"]} >= {"W_SCALED"}
    summary = json.loads((run / "summary.json").read_text())
    assert rep["summary"]["interaction"]["variants"] == summary["variants"]

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    scored = _cli("submission", "score", str(bundle), "--store", url, "--allow-scaled")
    assert scored["valid"] and scored["submission_id"] == rep["submission_id"]
    from babylm.leaderboard.store import Store

    s = Store(url)
    meta = s.submission(rep["submission_id"])["meta"]
    s.close()
    assert meta["interaction"] == summary["variants"]
    assert meta["teacher"] == fact["teacher"] and "teacher" not in meta["interaction"]
    series, facts = _chart_series(monkeypatch, url, rep["submission_id"])
    assert series.keys() == summary["variants"].keys()
    for v, vals in summary["variants"].items():
        assert series[v] == pytest.approx(vals)
    assert facts["teacher"] == fact["teacher"]["model_id"]
    assert facts["teacher words"] == f"{fact['teacher']['words']:,}"


def test_tampered_interaction_bundles_are_refused(runs, tmp_path) -> None:
    good = _init(runs["respect"], tmp_path / "good", "respect-tiny")

    def variant(name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(good, dst)
        return dst

    log = variant("log")  # a charged turn removed from the episode log: the log no longer sums to the ledger
    lines = (log / "interaction" / "episodes.jsonl").read_text().splitlines(keepends=True)
    cut = next(i for i, ln in enumerate(lines) if json.loads(ln)["role"] == "listener")
    (log / "interaction" / "episodes.jsonl").write_text("".join(lines[:cut] + lines[cut + 1 :]))
    teacher = variant("teacher")
    fs = json.loads((teacher / "fact_sheet.json").read_text())
    fs["teacher"]["model_id"] = "scripted-v2"
    (teacher / "fact_sheet.json").write_text(json.dumps(fs))
    extra = variant("extra")
    (extra / "checkpoints" / "chck_1M" / "notes.txt").write_text("x")
    gone = variant("gone")
    shutil.rmtree(gone / "checkpoints" / "chck_2M")
    summ = variant("summary")
    (summ / "interaction" / "summary.json").write_text(json.dumps({"format": "x", "variants": {"a": ["high"]}}))
    words = variant("words")
    fs = json.loads((words / "fact_sheet.json").read_text())
    fs["words_seen"] += 1
    (words / "fact_sheet.json").write_text(json.dumps(fs))
    expect = {log: "E_INTERACTION_RUN", teacher: "E_INTERACTION_TEACHER", extra: "E_CHECKPOINT_FILES",
              gone: "E_CHECKPOINT_MISSING", summ: "E_INTERACTION_SUMMARY_SCHEMA", words: "E_FACT_WORDS"}
    for bundle, code in expect.items():
        rep = _validate(bundle)
        assert not rep["ok"] and code in _codes(rep), (bundle.name, rep["findings"])


def test_init_refuses_an_unverified_run_and_results_for_a_refgame_run(runs, tmp_path) -> None:
    from babylm.submissions.bundle import init_bundle

    with pytest.raises(BabyLMError, match="no language-model checkpoints"):
        init_bundle(runs["respect"], team="T", model="m", out=tmp_path / "b", results_dir=tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(runs["respect"], broken)
    led = json.loads((broken / "word_ledger.json").read_text())
    led["counts"]["corpus"] -= 1
    (broken / "word_ledger.json").write_text(json.dumps(led))
    with pytest.raises(BabyLMError, match="does not verify"):
        init_bundle(broken, team="T", model="m", out=tmp_path / "b2")
    assert not (tmp_path / "b2").exists()


def test_demo_submit_scores_each_interaction_run_as_an_entry(runs, tmp_path) -> None:
    from babylm.demo import DemoContext
    from babylm.leaderboard.store import Store
    from babylm.submissions.demo import _submit_interaction
    from babylm.tracks.rules import get_track

    ctx = DemoContext(workdir=tmp_path, track=get_track("strict-small"), scale=1, fast=True, serve=False)
    ctx.state["interaction_summary"] = {"runs": {k: str(v) for k, v in runs.items()}}
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    _submit_interaction(ctx, url)
    pages = ctx.state["interaction_pages"]
    assert set(pages) == {"simpo", "respect", "cogen"}
    assert all(q.startswith("edition=2025&track=interaction&id=") for q in pages.values())
    s = Store(url)
    subs = s.submissions_frame()
    assert sorted(subs["model"]) == ["cogen-demo", "respect-demo", "simpo-demo"] and set(subs["track"]) == {"interaction"}
    for row in subs.itertuples():
        want = json.loads((runs[row.model.split("-")[0]] / "summary.json").read_text())["variants"]
        assert s.submission(row.submission_id)["meta"]["interaction"] == want
    token = s.state_token()
    _submit_interaction(ctx, url)  # idempotent
    assert s.state_token() == token
    s.close()


@pytest.mark.filterwarnings("ignore:.*dropped a truncated last line")
def test_corrupt_interaction_evidence_is_a_finding_never_a_crash(runs, tmp_path) -> None:
    import random

    from babylm.submissions.validate import validate_bundle

    good = _init(runs["respect"], tmp_path / "good", "respect-tiny")
    targets = [p.relative_to(good) for p in sorted((good / "interaction").rglob("*")) if p.is_file()]
    targets += [Path("fact_sheet.json"), Path("checkpoints/chck_1M/model.safetensors")]
    rng = random.Random(0)
    odd = [b"", b"\xff\xfe\x00", b"[]", b'{"counts": "x", "words_seen": [1]}', b'{"checkpoints_fired": 3}',
           b'{"format": "babylm.episode/1", "ledger": {"corpus": "many"}}\n']
    for i, rel in enumerate(targets * 2):
        b = tmp_path / f"b{i}"
        shutil.copytree(good, b)
        data = (b / rel).read_bytes()
        (b / rel).write_bytes(rng.choice(odd) if i % 2 else data[: rng.randrange(max(1, len(data)))])
        rep = validate_bundle(b, allow_scaled=True, load=False)  # must not raise
        if rel.suffix != ".png" and rel.name != "metrics.jsonl":  # plots and per-round metrics are not evidence
            assert not rep.ok, (rel, i)
        shutil.rmtree(b)
