"""Runner: tasks x checkpoints, cache and resume, failures recorded, result files, special task kinds."""

from __future__ import annotations

import json
import time

import pytest
from blimp_pairs import PAIRS, blimp_root, run_folder

from babylm.errors import BabyLMError
from babylm.evaluation.api import TASKS, Item, ScoreRequest, TaskResult, TaskSpec, register_task
from babylm.evaluation.cache import ResultCache
from babylm.evaluation.results import load_results, read_official_predictions
from babylm.evaluation.runner import evaluate_run


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_folder(tmp_path_factory.mktemp("run"), n=2)


@pytest.fixture()
def data(tmp_path):
    return blimp_root(tmp_path / "data")


def test_results_and_official_files(run, data, tmp_path):
    res = evaluate_run(run, tasks="blimp,demo", data_root=data, out_dir=tmp_path / "out",
                       cache_dir=tmp_path / "cache", progress=False)
    assert list(res["checkpoints"]) == ["chck_1M", "chck_2M"]
    blimp = res["checkpoints"]["chck_2M"]["tasks"]["blimp"]
    assert blimp["status"] == "ok" and blimp["n_items"] == 2 * len(PAIRS)
    assert blimp["tie_rate"] == pytest.approx(2 / 12)  # the identical pair in each sub-task
    assert blimp["ci95"][0] <= blimp["score"] <= blimp["ci95"][1]
    assert set(blimp["subtasks"]) == {"agr_1", "agr_2"}
    row = blimp["items"][2]
    assert row["id"] == "agr_1_2" and row["tie"] and row["correct"] == 0.5 and len(row["scores"]) == 2
    assert res["checkpoints"]["chck_1M"]["words_seen"] == 1_000_000
    assert len(res["checkpoints"]["chck_1M"]["content_hash"]) == 64
    assert res["checkpoints"]["chck_1M"]["tasks"]["demo"]["n_items"] == 200
    loaded = load_results(tmp_path / "out" / "results.json")
    assert loaded["checkpoints"]["chck_2M"]["tasks"]["blimp"]["score"] == blimp["score"]
    off = read_official_predictions(tmp_path / "out" / "all_full_preds_and_fast_scores_causal.json")
    preds = off["blimp"]["agr_1"]["predictions"]
    assert preds[0]["id"] == "agr_1_0" and preds[0]["pred"] in PAIRS[0]
    assert len(off["fast_eval_results"]["blimp"]) == 2  # one entry per checkpoint
    assert "demo" not in off  # no official key


def test_second_run_reads_the_cache_and_resumes(run, data, tmp_path):
    kw = dict(tasks="blimp,demo", data_root=data, cache_dir=tmp_path / "cache", progress=False)
    first = evaluate_run(run, checkpoints="chck_1M", **kw)  # an "interrupted" run: one checkpoint done
    assert first["checkpoints"]["chck_1M"]["tasks"]["blimp"]["cached"] is False
    resumed = evaluate_run(run, **kw)
    flags = {(c, t): r["cached"] for c, ck in resumed["checkpoints"].items() for t, r in ck["tasks"].items()}
    assert flags == {("chck_1M", "blimp"): True, ("chck_1M", "demo"): True,
                     ("chck_2M", "blimp"): False, ("chck_2M", "demo"): False}
    again = evaluate_run(run, **kw)
    assert all(r["cached"] for ck in again["checkpoints"].values() for r in ck["tasks"].values())
    assert again["checkpoints"]["chck_2M"]["tasks"]["blimp"]["items"] == \
        resumed["checkpoints"]["chck_2M"]["tasks"]["blimp"]["items"]
    # a different compat mode is a different cache entry
    off = evaluate_run(run, compat="official", **kw)
    assert not off["checkpoints"]["chck_1M"]["tasks"]["blimp"]["cached"]


def test_content_hash_follows_the_weights(run, tmp_path):
    cache = ResultCache(tmp_path / "c")
    h1 = cache.content_hash(run / "chck_1M")
    assert cache.content_hash(run / "chck_1M") == h1 != cache.content_hash(run / "chck_2M")
    meta = run / "chck_1M" / "babylm_checkpoint.json"
    meta.write_text(json.dumps({"words_seen": 1234}))  # metadata is not model content
    assert ResultCache(tmp_path / "d").content_hash(run / "chck_1M") == h1
    meta.unlink()


def test_broken_checkpoint_is_recorded_and_others_still_run(tmp_path, data):
    run = run_folder(tmp_path / "run", n=2)
    (run / "chck_1M" / "model.safetensors").write_bytes(b"truncated")
    res = evaluate_run(run, tasks="blimp", data_root=data, cache_dir=tmp_path / "c", progress=False)
    assert res["checkpoints"]["chck_1M"]["tasks"]["blimp"]["status"] == "failed"
    assert res["checkpoints"]["chck_2M"]["tasks"]["blimp"]["status"] == "ok"
    (fail,) = res["failures"]
    assert fail["checkpoint"] == "chck_1M" and "chck_1M" in fail["error"]


def test_missing_data_is_unavailable_not_a_crash(run, tmp_path):
    (tmp_path / "empty" / "fast_eval").mkdir(parents=True)
    res = evaluate_run(run, tasks="fast", data_root=tmp_path / "empty", cache_dir=tmp_path / "c", progress=False)
    assert "blimp" in res["unavailable"] and "ewok" in res["unavailable"]
    assert "demo" not in res["tasks"]  # generated task only when asked
    assert res["failures"] == []


def test_bad_options_are_user_errors(run, tmp_path):
    with pytest.raises(BabyLMError, match="unknown task"):
        evaluate_run(run, tasks="nope", progress=False)
    with pytest.raises(BabyLMError, match="chck_9M"):
        evaluate_run(run, tasks="demo", checkpoints="chck_9M", progress=False)
    with pytest.raises(BabyLMError, match="not found"):
        evaluate_run(tmp_path / "missing", tasks="demo", progress=False)
    with pytest.raises(BabyLMError, match="backend"):
        evaluate_run(run, tasks="demo", backend="gpt", progress=False)


def _toy_loader(root, split):
    return [Item(f"w_{i}", "w", [ScoreRequest("", "the cat"), ScoreRequest("", "the dogs")], gold=None,
                 extra={"target": float(i)}) for i in range(3)]


@pytest.fixture()
def toy_tasks():
    calls = {"compute": 0, "across": 0}

    def compute(items, scores, compat):
        calls["compute"] += 1
        return TaskResult("toy_regression", "1", "mean_logprob", sum(s[0] for s in scores) / len(scores),
                          {"w": 0.0}, len(items))

    def across(items, per_ckpt):
        calls["across"] += 1
        words = [w for w, _ in per_ckpt.values()]
        return TaskResult("toy_across", "1", "n_checkpoints", float(len(per_ckpt)), {}, len(items),
                          details={"words": words})

    specs = [register_task(TaskSpec("toy_regression", "1", "mean_logprob", _toy_loader, compute)),
             register_task(TaskSpec("toy_across", "1", "n", _toy_loader, compute, across_checkpoints=across))]
    yield calls
    for s in specs:
        TASKS.pop(s.name, None)


def test_regression_and_across_checkpoint_tasks(run, data, tmp_path, toy_tasks):
    res = evaluate_run(run, tasks="toy_regression,toy_across", data_root=data, cache_dir=tmp_path / "c",
                       out_dir=tmp_path / "o", progress=False)
    assert res["checkpoints"]["chck_1M"]["tasks"]["toy_regression"]["score"] < 0
    assert res["checkpoints"]["chck_1M"]["tasks"]["toy_across"]["status"] == "scored"
    across = res["across_checkpoints"]["toy_across"]
    assert across["score"] == 2.0 and across["details"]["words"] == [1_000_000, 2_000_000]


def test_cached_rerun_reuses_metrics_and_across_checkpoint_results(data, tmp_path, toy_tasks):
    run = run_folder(tmp_path / "run", n=2)  # its own: the weights change below

    def once(**kw):
        return evaluate_run(run, tasks="toy_regression,toy_across", data_root=data, cache_dir=tmp_path / "c",
                            progress=False, **kw)

    first = once()
    assert toy_tasks == {"compute": 2, "across": 1}  # two checkpoints, one across-checkpoint result
    second = once()
    assert toy_tasks == {"compute": 2, "across": 1}  # nothing recomputed
    assert second["across_checkpoints"] == first["across_checkpoints"]
    for name, ck in first["checkpoints"].items():
        got = second["checkpoints"][name]["tasks"]["toy_regression"]
        assert got["cached"] and {**got, "cached": False} == ck["tasks"]["toy_regression"]
    once(include_items=False)  # a different results shape is a different cache entry
    assert toy_tasks == {"compute": 4, "across": 2}
    from safetensors.torch import load_file, save_file

    weights = load_file(run / "chck_2M" / "model.safetensors")  # new weights: everything for chck_2M again
    save_file({k: v * 1.01 for k, v in weights.items()}, run / "chck_2M" / "model.safetensors",
              metadata={"format": "pt"})
    third = once()
    assert toy_tasks == {"compute": 5, "across": 3}
    assert not third["checkpoints"]["chck_2M"]["tasks"]["toy_regression"]["cached"]


def test_nan_scores_fail_the_task_naming_the_item(tmp_path, data):
    import torch
    from safetensors.torch import load_file, save_file

    run = run_folder(tmp_path / "run", n=1)
    path = run / "chck_1M" / "model.safetensors"
    weights = load_file(path)
    weights["transformer.ln_f.weight"] = torch.full_like(weights["transformer.ln_f.weight"], float("nan"))
    save_file(weights, path, metadata={"format": "pt"})
    res = evaluate_run(run, tasks="blimp,demo", data_root=data, cache_dir=tmp_path / "c", progress=False)
    errors = [f["error"] for f in res["failures"]]
    assert any("agr_1_0" in e and "non-finite" in e for e in errors), errors
    assert res["checkpoints"]["chck_1M"]["tasks"]["blimp"]["status"] == "failed"


def test_nineteen_checkpoints_twice_second_run_is_cache_fast(tmp_path, monkeypatch):
    import torch
    from safetensors.torch import load_file, save_file

    from babylm.testing.tinymodels import tiny_checkpoint

    base = tiny_checkpoint(tmp_path / "base", "gpt2", width=32, n_layer=1)
    weights = load_file(base / "model.safetensors")
    run = tmp_path / "run"
    for k, n in enumerate(list(range(1, 11)) + list(range(20, 101, 10))):
        dst = run / f"chck_{n}M"
        dst.mkdir(parents=True)
        for f in base.iterdir():
            (dst / f.name).write_bytes(f.read_bytes())
        torch.manual_seed(k)  # every checkpoint different, as in a real run
        save_file({name: w + 0.01 * torch.randn_like(w) for name, w in weights.items()},
                  dst / "model.safetensors", metadata={"format": "pt"})
    t0 = time.perf_counter()
    first = evaluate_run(run, tasks="demo", split="full", progress=False)  # 800 items per checkpoint
    t1 = time.perf_counter()
    import babylm.evaluation.scorers.load as scorers

    def no_model(*args, **kwargs):
        raise AssertionError("a cached re-run must not load a model")

    monkeypatch.setattr(scorers, "make_scorer", no_model)
    again = []
    for _ in range(2):  # best of two: a load spike on a shared CPU should not decide the test
        t = time.perf_counter()
        second = evaluate_run(run, tasks="demo", split="full", progress=False)
        again.append(time.perf_counter() - t)
    assert len(first["checkpoints"]) == 19
    assert all(ck["tasks"]["demo"]["cached"] for ck in second["checkpoints"].values())
    assert min(again) < 0.05 * (t1 - t0), (t1 - t0, again)


def test_demo_stage_learning_curve(run, tmp_path, capsys):
    from fractions import Fraction

    from babylm.demo import DemoContext
    from babylm.evaluation.demo import stage_evaluate
    from babylm.tracks.rules import get_track

    ctx = DemoContext(workdir=tmp_path / "demo", track=get_track("strict-small").scaled(Fraction(1, 100)),
                      scale=Fraction(1, 100), fast=True)
    ctx.state["checkpoints"] = [str(run / "chck_1M"), str(run / "chck_2M")]
    ctx.state["run_dir"] = str(run)
    stage_evaluate(ctx)
    res = load_results(ctx.state["results_json"])
    assert list(res["checkpoints"]) == ["chck_1M", "chck_2M"]
    assert res["checkpoints"]["chck_2M"]["tasks"]["demo"]["status"] == "ok"
    assert ctx.state["official_preds_json"] == str(tmp_path / "demo" / "eval" /
                                                   "all_full_preds_and_fast_scores_causal.json")
    assert "learning curve" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.realdata
def test_every_available_fast_task_runs_on_every_checkpoint(shared_data, run, tmp_path):
    res = evaluate_run(run, tasks="fast", data_root=shared_data / "babylm_eval_2025", cache_dir=tmp_path / "c",
                       out_dir=tmp_path / "o", progress=False)
    assert res["failures"] == [], res["failures"]
    assert set(res["unavailable"]) <= {"wug_past", "comps"}
    ran = [t for t in res["tasks"] if t not in res["unavailable"]]
    assert {"blimp", "blimp_supplement", "ewok", "entity_tracking", "wug_adj", "reading"} <= set(ran)
    for ck in res["checkpoints"].values():
        assert all(ck["tasks"][t]["status"] in ("ok", "scored") for t in ran)
    assert res["checkpoints"]["chck_1M"]["tasks"]["blimp"]["n_items"] == 13_400
    read_official_predictions(tmp_path / "o" / "all_full_preds_and_fast_scores_causal.json")
