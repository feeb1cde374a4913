"""Organizer scoring: store contents, idempotency, flags for claims that do not hold, refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from submission_factory import TOY, copy_bundle_as, dump_store

from babylm.errors import BabyLMError
from babylm.leaderboard.store import Store
from babylm.submissions.score import score_bundle

PLUGIN = ["submission_factory:register_toy_task"]


def _score(bundle: Path, url: str, gold: Path | None, **kw):
    kw.setdefault("load", False)
    return score_bundle(bundle, url, gold=gold, allow_scaled=True, plugins=PLUGIN, progress=False, **kw)


def test_score_writes_rows_and_rerun_changes_nothing(built: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, gold = built
    url = f"sqlite:///{tmp_path / 'store.db'}"
    s = _score(bundle, url, gold, sample=2)
    assert s.failures == [] and s.flags == []
    assert s.jobs_total == 5 and s.jobs_run == 5 and len(s.sampled_checkpoints) == 2
    st = Store(url)
    assert st.counts()["submissions"] == 1 and st.counts()["checkpoints"] == 3
    assert st.counts()["scores"] == 15  # 3 checkpoints x (task + 2 sub-tasks) + 2 re-evaluated x 3
    df = st.scores_frame([s.submission_id], task_level_only=True)
    assert set(df.metric) == {"accuracy", "accuracy:reeval"}
    assert {x.split("/")[0] for x in df.scorer} == {"gold", "reeval"}
    # the organizer's number equals the participant's claim for an honest bundle
    claimed = json.loads((bundle / "results.json").read_text())["checkpoints"]
    for r in df[df.metric == "accuracy"].itertuples():
        assert r.value == pytest.approx(claimed[r.checkpoint]["tasks"][TOY]["score"])
    sub = st.submission(s.submission_id)
    assert sub["meta"]["fact_sheet"]["words_seen"] == 3250 and sub["validation_report"]["ok"] is True
    token, before = st.state_token(), dump_store(url)
    st.close()
    again = _score(bundle, url, gold, sample=2)
    assert again.jobs_run == 0 and again.jobs_skipped == 5 and again.rows_inserted == 0
    st = Store(url)
    assert st.state_token() == token
    assert dump_store(url) == before


def test_inflated_claims_are_flagged(fresh_bundle: Path, gold: Path, tmp_path: Path) -> None:
    res = json.loads((fresh_bundle / "results.json").read_text())
    t = res["checkpoints"]["chck_3M"]["tasks"][TOY]
    for it in t["items"]:  # claim every item right (consistent in itself: the validator cannot tell)
        it["correct"] = 1.0
    t["score"], t["subtasks"] = 1.0, dict.fromkeys(t["subtasks"], 1.0)  # better than the item scores show
    t2 = res["checkpoints"]["chck_2M"]["tasks"][TOY]
    for it in t2["items"]:  # forge item scores so that every item looks right, and claim 1.0
        it.update(scores=[0.0, -10.0], pred=0, correct=1.0, tie=False)
    t2["score"], t2["subtasks"] = 1.0, dict.fromkeys(t2["subtasks"], 1.0)
    (fresh_bundle / "results.json").write_text(json.dumps(res))
    url = f"sqlite:///{tmp_path / 's.db'}"
    s = _score(fresh_bundle, url, gold, sample=3)
    reasons = {(f["checkpoint"], f["reason"].split(" ")[0]) for f in s.flags}
    assert ("chck_3M", "claimed") in reasons  # claim vs the bundle's own item scores
    assert ("chck_2M", "re-evaluation") in reasons  # forged item scores caught by re-evaluating
    fl = Store(url).flags_frame([s.submission_id])
    assert len(fl) == s.flags_added >= 2 and set(fl.by) == {"babylm submission score"}


def test_without_gold_claims_are_stored_as_claimed(built: tuple[Path, Path], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    s = _score(built[0], url, None)
    assert s.sampled_checkpoints == [] and s.jobs_total == 3
    df = Store(url).scores_frame([s.submission_id])
    assert set(df.scorer) == {"claimed/causal/babylm"}


def test_invalid_bundle_writes_nothing(fresh_bundle: Path, gold: Path, tmp_path: Path) -> None:
    (fresh_bundle / "checkpoints" / "chck_1M" / "pytorch_model.bin").write_bytes(b"not loaded")
    url = f"sqlite:///{tmp_path / 's.db'}"
    with pytest.raises(BabyLMError, match="E_PICKLE_WEIGHTS"):
        _score(fresh_bundle, url, gold)
    assert not (tmp_path / "s.db").exists()


def test_score_cli_json(run_cli, built: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, gold = built
    db = tmp_path / "s.db"
    r = run_cli("submission", "score", bundle, "--store", f"sqlite:///{db}", "--eval-data", gold, "--allow-scaled", "--sample", "1",
                "--no-load", "--plugin", "submission_factory:register_toy_task", "--json")
    assert r.code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["valid"] and doc["jobs_run"] == 4 and doc["rows_inserted"] == 12
    r = run_cli("submission", "score", bundle, "--store", f"sqlite:///{db}", "--eval-data", tmp_path / "nope", "--allow-scaled")
    assert r.code == 2 and "evaluation data folder not found" in r.stderr
    r = run_cli("submission", "score", bundle, "--store", f"sqlite:///{db}", "--executor", "dask", "--allow-scaled")
    flat = re.sub(r"[\s│]", "", r.stderr)  # the message may wrap inside the error box
    assert r.code == 2 and "'dask'isnotoneof'inprocess','ray'" in flat


def test_predictions_only_bundle_is_scored_against_gold(fresh_bundle: Path, gold: Path, tmp_path: Path) -> None:
    """No results.json: the final model's official predictions are scored, fast_eval_results stored as claimed."""
    res = json.loads((fresh_bundle / "results.json").read_text())
    items = {json.loads(x)["id"]: json.loads(x) for x in (gold / TOY / "full.jsonl").read_text().splitlines()}
    final = res["checkpoints"]["chck_3M"]["tasks"][TOY]["items"]
    block: dict = {}
    for it in final:  # predictions as candidate texts, like the official files
        text = items[it["id"]]["good"] if it["pred"] == 0 else items[it["id"]]["bad"]
        block.setdefault(it["subtask"], {"predictions": []})["predictions"].append({"id": it["id"], "pred": text})
    fast = [res["checkpoints"][c]["tasks"][TOY]["subtasks"] for c in ("chck_1M", "chck_2M", "chck_3M")]
    name = "all_full_preds_and_fast_scores_causal.json"
    (fresh_bundle / name).write_text(json.dumps({TOY: block, "fast_eval_results": {TOY: fast}}))
    (fresh_bundle / "results.json").unlink()
    m = json.loads((fresh_bundle / "submission.json").read_text())
    m["files"].pop("results")
    m["files"]["predictions"] = name
    (fresh_bundle / "submission.json").write_text(json.dumps(m))
    url = f"sqlite:///{tmp_path / 's.db'}"
    s = _score(fresh_bundle, url, gold, sample=0)
    assert s.failures == [] and s.flags == [] and s.jobs_total == 3
    df = Store(url).scores_frame([s.submission_id], task_level_only=True).set_index("checkpoint")
    assert df.loc["chck_3M", "scorer"] == "gold-preds/causal"
    assert df.loc["chck_3M", "value"] == pytest.approx(res["checkpoints"]["chck_3M"]["tasks"][TOY]["score"])
    assert df.loc["chck_1M", "scorer"].startswith("claimed/")


def test_organizer_compat_wins_over_the_claimed_one(fresh_bundle: Path, gold: Path, tmp_path: Path) -> None:
    res = json.loads((fresh_bundle / "results.json").read_text())
    res["compat"] = "official"  # ties would count as correct
    (fresh_bundle / "results.json").write_text(json.dumps(res))
    url = f"sqlite:///{tmp_path / 's.db'}"
    s = _score(fresh_bundle, url, gold, sample=0)
    assert any("compat 'official'" in f["reason"] for f in s.flags)
    df = Store(url).scores_frame([s.submission_id])
    assert set(df.scorer) == {"gold/causal/babylm"}
    with pytest.raises(BabyLMError, match="unknown compat"):
        _score(fresh_bundle, url, gold, compat="lenient")


def _hub_bundle(bundle: Path) -> None:
    """Turn the local bundle into one whose checkpoints live on the Hub (one branch per checkpoint)."""
    import shutil

    shutil.move(str(bundle / "checkpoints"), str(bundle.parent / "hub_copy"))
    m = json.loads((bundle / "submission.json").read_text())
    m["model_location"] = {"kind": "hub", "repo": "team/tiny", "revisions": {c: c for c in ("chck_1M", "chck_2M", "chck_3M")}}
    (bundle / "submission.json").write_text(json.dumps(m))


def test_hub_checkpoints_are_fetched_checked_and_reevaluated(fresh_bundle: Path, gold: Path, tmp_path: Path,
                                                            monkeypatch) -> None:
    import huggingface_hub

    _hub_bundle(fresh_bundle)
    fetched = []

    def fake_download(repo_id: str, revision: str, allow_patterns: list[str]) -> str:
        fetched.append((repo_id, revision))
        return str(fresh_bundle.parent / "hub_copy" / revision)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    url = f"sqlite:///{tmp_path / 's.db'}"
    s = _score(fresh_bundle, url, gold, sample=1)
    assert s.failures == [] and fetched == [("team/tiny", s.sampled_checkpoints[0])]
    df = Store(url).scores_frame([s.submission_id], task_level_only=True)
    assert (df.metric == "accuracy:reeval").sum() == 1
    # a revision whose files the static checks refuse is a failed job, never loaded
    cfg = fresh_bundle.parent / "hub_copy" / s.sampled_checkpoints[0] / "config.json"
    c = json.loads(cfg.read_text())
    c["auto_map"] = {"AutoModelForCausalLM": "evil.Model"}
    cfg.write_text(json.dumps(c))
    s2 = _score(fresh_bundle, f"sqlite:///{tmp_path / 's2.db'}", gold, sample=1)
    assert [f["kind"] for f in s2.failures] == ["reeval"] and "E_AUTO_MAP" in s2.failures[0]["error"]


def test_several_bundles_share_one_job_pool(run_cli, built: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    bundle, gold = built
    other = copy_bundle_as(bundle, tmp_path / "other", model="second-model")
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken)
    (broken / "ledger.jsonl").write_text("not a ledger\n")
    db = tmp_path / "s.db"
    r = run_cli("submission", "score", bundle, other, broken, "--store", f"sqlite:///{db}", "--eval-data", gold, "--allow-scaled",
                "--sample", "1", "--no-load", "--plugin", "submission_factory:register_toy_task", "--json")
    assert r.code == 1, r.output  # one bundle was invalid
    docs = json.loads(r.stdout)
    assert [d["valid"] for d in docs] == [False, True, True]  # invalid ones first, nothing written for them
    assert "E_LEDGER" in docs[0]["failures"][0]["error"]
    assert all(d["jobs_run"] == 4 for d in docs[1:])
    assert Store(f"sqlite:///{db}").counts()["submissions"] == 2
