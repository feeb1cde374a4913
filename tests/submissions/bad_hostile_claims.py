"""Hostile bad bundles, part 3: claims a cheater keeps consistent everywhere the validator used to look,
so that only a recount or a recomputation catches them: teacher words the episode log shows but nobody
charged, a second interaction ledger with lower counts, task scores that their own items do not give,
a data manifest over the budget whose total agrees with its files."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bundle_edits import edit_each_task, jload, jsave, rehash_ledger

_RUN: dict[str, Path] = {}





def _results(fn: Callable[[dict[str, Any]], Any]) -> Callable[[Path, Path], Path]:
    """Apply `fn` to every task result of results.json."""
    return lambda b, s: edit_each_task(b, fn)


def interaction_bundle(b: Path) -> Path:
    """Replace the bundle copy `b` by the bundle of a tiny respect run (run once per process)."""
    from babylm.submissions.bundle import init_bundle

    if "run" not in _RUN:
        import torch

        from babylm.tracks.interaction.cli import run_interaction

        base = Path(tempfile.mkdtemp(prefix="babylm-bad-respect-"))
        atexit.register(shutil.rmtree, base, True)
        torch.set_num_threads(1)
        run_interaction("respect", base / "run", rounds=2, scale="1/1000", progress=False,
                        options={"games": 4, "seed_games": 5, "epochs": 1})
        _RUN["run"] = base / "run"
    shutil.rmtree(b)
    return init_bundle(_RUN["run"], team="Team Bad", model="respect-bad", out=b)


def _undercharged_teacher(b: Path, s: Path) -> Path:
    """One listener turn charges no teacher words; the word ledger, its chain and the fact sheet agree."""
    interaction_bundle(b)
    ep = b / "interaction" / "episodes.jsonl"
    turns = [json.loads(x) for x in ep.read_text().splitlines() if x.strip()]
    t = next(t for t in turns if t["role"] == "listener" and t["ledger"].get("teacher_visible"))
    k = t["ledger"]["teacher_visible"]
    t["ledger"]["teacher_visible"] = 0
    ep.write_text("".join(json.dumps(x) + "\n" for x in turns))
    wl = jload(b / "interaction" / "word_ledger.json")
    wl["counts"]["teacher_visible"] -= k
    jsave(b / "interaction" / "word_ledger.json", wl)
    chain = b / "interaction" / "word_ledger.jsonl"
    lines = [json.loads(x) for x in chain.read_text().splitlines()]
    lines[-1]["counts"]["teacher_visible"] -= k
    rehash_ledger(chain, lines)
    fact = jload(b / "fact_sheet.json")
    fact["teacher"]["words"] -= k
    jsave(b / "fact_sheet.json", fact)
    return b


def _second_interaction_ledger(b: Path, s: Path) -> Path:
    """files.interaction_ledger names a copy with fewer teacher words, which the fact sheet matches."""
    interaction_bundle(b)
    wl = jload(b / "interaction" / "word_ledger.json")
    wl["counts"]["teacher_visible"] = 10
    jsave(b / "light_ledger.json", wl)
    m = jload(b / "submission.json")
    m["files"]["interaction_ledger"] = "light_ledger.json"
    jsave(b / "submission.json", m)
    fact = jload(b / "fact_sheet.json")
    fact["teacher"]["words"] = 10
    jsave(b / "fact_sheet.json", fact)
    return b


def _interaction_json(key: str, value: Any) -> Callable[[Path, Path], Path]:
    def mutate(b: Path, s: Path) -> Path:
        interaction_bundle(b)
        p = b / "interaction" / "interaction.json"
        jsave(p, dict(jload(p), **{key: value}))
        return b
    return mutate




def _perfect_claim(t: dict[str, Any]) -> None:
    t["score"] = 1.0
    t["subtasks"] = dict.fromkeys(t["subtasks"], 1.0)


def _score_only(t: dict[str, Any]) -> None:
    t["score"] = min(1.0, t["score"] + 0.25)


def _pred_not_argmax(t: dict[str, Any]) -> None:
    it = t["items"][0]
    it["pred"] = min(range(len(it["scores"])), key=lambda i: it["scores"][i])


def _correct_half(t: dict[str, Any]) -> None:
    t["items"][0]["correct"] = 0.5  # no tie: half a point from nowhere


def _manifest_consistent(words: int) -> Callable[[Path, Path], Path]:
    def mutate(b: Path, s: Path) -> Path:
        m = jload(b / "data_manifest.json")
        m["files"][0]["words"] = words
        m["files"] = m["files"][:1]
        m["total_words"] = words
        jsave(b / "data_manifest.json", m)
        return b
    return mutate


# (name, finding code, mutation[, validate_bundle arguments]): bad_bundle_corpus.Bad fields
CLAIM_CASES: list[tuple[Any, ...]] = [
    ("interaction_teacher_words_undercharged", "E_INTERACTION_RECOUNT", _undercharged_teacher),
    ("interaction_ledger_second_copy", "E_INTERACTION_LEDGER", _second_interaction_ledger),
    ("interaction_json_track_is_a_list", "E_INTERACTION_RUN_SCHEMA", _interaction_json("track", ["2025/interaction"])),
    ("task_and_subtask_scores_not_from_items", "E_SCORE_MISMATCH", _results(_perfect_claim)),
    ("task_score_not_from_items", "E_SCORE_MISMATCH", _results(_score_only)),
    ("item_pred_not_the_argmax", "E_ITEM_INCONSISTENT", _results(_pred_not_argmax)),
    ("item_half_point_without_tie", "E_ITEM_INCONSISTENT", _results(_correct_half)),
    ("manifest_100M_words_total_agrees", "E_WORDS_OVER_BUDGET", _manifest_consistent(100_000_000)),
]
