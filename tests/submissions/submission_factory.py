"""Builds a small, valid submission bundle for the tests (a real ledger, tiny GPT-2 checkpoints, a toy
task scored for real), plus the toy task's gold data. Everything is generated; nothing is downloaded."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

SCALE = Fraction(1, 1000)
SEQ_LEN = 32
TOY = "toy_pairs"
WORDS = ("cat", "dog", "boy", "girl", "bird", "child", "teacher", "book", "apple", "song")
VERBS = ("sees", "likes", "finds", "meets", "reads")


def toy_items(seed: int = 0, n_per_sub: int = 6) -> list[dict[str, Any]]:
    """Minimal pairs in two sub-tasks; gold is candidate 0."""
    rng = random.Random(seed)
    rows = []
    for sub in ("agreement", "order"):
        for i in range(n_per_sub):
            a, b = rng.sample(WORDS, 2)
            v = rng.choice(VERBS)
            good = f"the {a} {v} the {b} ."
            bad = f"the {a} {v[:-1]} the {b} ." if sub == "agreement" else f"{b} the {v} {a} the ."
            rows.append({"id": f"{sub}_{i}", "subtask": sub, "good": good, "bad": bad})
    return rows


def write_gold(root: Path, seed: int = 0, n_per_sub: int = 6) -> Path:
    """The organizers' data root for the toy task: ROOT/toy_pairs/fast.jsonl."""
    d = root / TOY
    d.mkdir(parents=True, exist_ok=True)
    for split in ("fast", "full"):
        with open(d / f"{split}.jsonl", "w") as f:
            for r in toy_items(seed, n_per_sub):
                f.write(json.dumps(r) + "\n")
    return root


def register_toy_task() -> None:
    """Register the toy task in babylm.evaluation.api.TASKS (once per process)."""
    from babylm.evaluation.api import TASKS, Item, ScoreRequest, TaskSpec, register_task
    from babylm.evaluation.metrics.accuracy import accuracy_result

    if TOY in TASKS:
        return

    def loader(root: Path, split: str) -> list[Item]:
        p = Path(root) / TOY / f"{split}.jsonl"
        out = []
        for line in p.read_text().splitlines():
            r = json.loads(line)
            out.append(Item(r["id"], r["subtask"], [ScoreRequest("", r["good"]), ScoreRequest("", r["bad"])], 0))
        return out

    def compute(items: list[Item], scores: list[list[float]], compat: str) -> Any:
        return accuracy_result(TOY, "1", items, scores, compat, n_boot=50)  # type: ignore[arg-type]

    register_task(TaskSpec(TOY, "1", "accuracy", loader, compute, expected_counts={}, splits=("fast", "full"),
                           official_key=TOY, on_demand=True))


def _tokenizer() -> Any:
    from babylm.testing.tinymodels import train_tokenizer

    texts = [" ".join(r["good"] for r in toy_items(s)) for s in range(5)]
    return train_tokenizer(texts, "gpt2", vocab_size=120)


def make_run(run_dir: Path, n_checkpoints: int = 3, seed: int = 0, n_layer: int = 1, width: int = 32) -> Path:
    """A training run folder at scale 1/1000 of strict-small with a real ledger and tiny checkpoints."""
    import torch

    from babylm.testing.tinymodels import tiny_model
    from babylm.tracks.compute import train_flops_per_token
    from babylm.tracks.ledger import Ledger
    from babylm.tracks.rules import get_track

    track = get_track("strict-small").scaled(SCALE)
    tok = _tokenizer()
    model = tiny_model("gpt2", tok, n_layer=n_layer, width=width, seed=seed)
    fpt = train_flops_per_token(model.config, SEQ_LEN)
    run_dir.mkdir(parents=True)
    gen = torch.Generator().manual_seed(seed)

    def save(name: str, folder: Path) -> None:
        with torch.no_grad():  # "training": every checkpoint gets different weights
            for p in model.parameters():
                p.add_(torch.randn(p.shape, generator=gen) * 0.02)
        model.save_pretrained(folder, safe_serialization=True)
        tok.save_pretrained(folder)

    led = Ledger(run_dir, track, flops_per_token=fpt, save_fn=save, info={"arch": "gpt2-tiny", "seq_len": SEQ_LEN,
                                                                     "data_manifest_total_words": 1200})
    target = track.schedule[n_checkpoints - 1] + 200
    while led.words < target:
        led.after_step(words=250, tokens=300)
    led.close()
    data_words = 1200
    (run_dir / "data_manifest.json").write_text(json.dumps({
        "format": "babylm.data_manifest/1", "tool_version": "0.1.0", "edition": 2025, "track": "strict-small",
        "scale": str(SCALE), "word_rule": "python-str-split-utf8",
        "files": [{"path": "train/a.txt", "bytes": 6000, "sha256": "0" * 64, "words": data_words}],
        "total_words": data_words, "word_budget": track.word_budget, "within_budget": True,
        "created": "2026-11-27T21:00:00Z"}, indent=2))
    (run_dir / "run.json").write_text(json.dumps({
        "format": "babylm.run/1", "edition": 2025, "track": "strict-small", "scale": str(SCALE),
        "arch": "gpt2-tiny", "seq_len": SEQ_LEN, "seed": seed}, indent=2))
    return run_dir


def evaluate_toy(run_dir: Path, gold_root: Path, out_dir: Path, backend: str = "causal") -> Path:
    """results.json for every checkpoint of a run, scored for real on the toy task."""
    from babylm.evaluation.api import TASKS
    from babylm.evaluation.scorers.load import make_scorer
    from babylm.submissions.formats import checkpoint_content_hash

    register_toy_task()
    spec = TASKS[TOY]
    items = list(spec.loader(gold_root, "fast"))
    ckpts = {}
    for ck in sorted((p for p in run_dir.glob("chck_*M")), key=lambda p: int(p.name[5:-1])):
        meta = json.loads((ck / "babylm_checkpoint.json").read_text())
        scorer = make_scorer(ck, backend)
        flat = scorer.score([c for it in items for c in it.candidates])  # one batched call
        scores, k = [], 0
        for it in items:
            scores.append(flat[k : k + len(it.candidates)])
            k += len(it.candidates)
        res = spec.compute(items, scores, "babylm")
        ckpts[ck.name] = {"words_seen": meta["words_seen"], "content_hash": checkpoint_content_hash(ck), "tasks": {
            TOY: {"version": res.version, "metric": res.metric, "score": res.score, "ci95": list(res.ci95),
                  "tie_rate": res.tie_rate, "n_items": res.n_items, "subtasks": res.subtasks,
                  "items": [{"id": s.id, "subtask": s.subtask, "scores": s.scores, "pred": s.pred,
                             "correct": s.correct, "tie": s.tie} for s in res.items]}}}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps({
        "format": "babylm.results/1", "harness_version": "0.1.0", "model": str(run_dir), "backend": backend,
        "compat": "babylm", "track": "2025/strict-small", "split": "fast", "checkpoints": ckpts,
        "failures": []}, indent=2))
    return out_dir


def make_bundle(base: Path, n_checkpoints: int = 3, seed: int = 0, n_per_sub: int = 6, n_layer: int = 1,
                width: int = 32) -> tuple[Path, Path]:
    """(bundle folder, gold data root) under `base`."""
    from babylm.submissions.bundle import init_bundle

    gold = write_gold(base / "gold", n_per_sub=n_per_sub)
    run = make_run(base / "run", n_checkpoints, seed, n_layer=n_layer, width=width)
    res = evaluate_toy(run, gold, base / "eval")
    bundle = init_bundle(run, team="Team Test", model="tiny-gpt2", out=base / "bundle", results_dir=res)
    return bundle, gold


def copy_bundle_as(bundle: Path, dest: Path, **manifest: Any) -> Path:
    """A copy of `bundle` at `dest` whose submission.json has the `manifest` fields changed (e.g. model=...)."""
    import shutil

    shutil.copytree(bundle, dest)
    m = json.loads((dest / "submission.json").read_text())
    m.update(manifest)
    (dest / "submission.json").write_text(json.dumps(m))
    return dest


def slow_down() -> None:
    """Plugin for crash tests: registers the toy task and makes every scoring job take a while."""
    import time

    register_toy_task()
    time.sleep(float(__import__("os").environ.get("BABYLM_TEST_JOB_SLEEP", "0.7")))


VOLATILE = {"id", "created", "updated"}


def dump_store(url: str) -> dict[str, list[tuple]]:
    """Every table of a results store as sorted rows, without ids and timestamps (for equality tests)."""
    import sqlalchemy as sa

    eng = sa.create_engine(url)
    out: dict[str, list[tuple]] = {}
    with eng.connect() as conn:
        for name in ("submissions", "checkpoints", "scores", "latest", "flags"):
            res = conn.execute(sa.text(f"SELECT * FROM {name}"))
            cols = [c for c in res.keys() if c not in VOLATILE]  # noqa: SIM118
            rows = [tuple(json.dumps(r[c], sort_keys=True, default=str) if isinstance(r[c], (dict, list)) else r[c]
                          for c in cols) for r in res.mappings()]
            out[name] = sorted(rows, key=repr)
    eng.dispose()
    return out
