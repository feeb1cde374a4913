"""A realistic synthetic field for trying the app: clearly marked synthetic, never mistaken for results.

Every entry has `synthetic=True`, a `synth-` id, and a fact sheet that says it was generated. The first
`baselines` entries are the field's baselines (team "BabyLM baseline", meta {"baseline": true}, paper and
code links in the fact sheet), so the app's baseline marks, baseline lines and link columns have
something to show. Scores
follow saturating learning curves in log words seen from each task's chance level towards an entry-
specific ceiling, with sub-task spread and checkpoint noise, so curves, intervals and ties look real.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from babylm.leaderboard.store import Store

SYNTHETIC_NOTE = "SYNTHETIC entry made by `babylm leaderboard seed-demo`: not a real model or result"


@dataclass(frozen=True)
class SynthTask:
    metric: str
    chance: float
    best: float  # what the strongest synthetic entry approaches
    subtasks: tuple[str, ...] = ()
    every_checkpoint: bool = True  # False: scored once (GLUE on the final model, AoA across checkpoints)


def _names(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}_{i:02d}" for i in range(1, n + 1))


SYNTH_TASKS: dict[str, SynthTask] = {
    "blimp": SynthTask("accuracy", 0.5, 0.86, _names("phenomenon", 12)),
    "blimp_supplement": SynthTask("accuracy", 0.5, 0.75, _names("supplement", 5)),
    "ewok": SynthTask("accuracy", 0.5, 0.62, _names("domain", 11)),
    "entity_tracking": SynthTask("accuracy", 0.3, 0.55, _names("split", 3)),
    "comps": SynthTask("accuracy", 0.5, 0.62, _names("property_set", 4)),
    "glue": SynthTask("accuracy", 0.55, 0.78, ("boolq", "mnli", "mrpc", "multirc", "qqp", "rte", "wsc"),
                      every_checkpoint=False),
    "reading": SynthTask("delta_r2", 0.0, 8.0, ("RTfirstfix", "RTfirstpass", "RTgopast", "RTrightbound")),
    "aoa": SynthTask("aoa_pearson", 0.0, 0.45, every_checkpoint=False),
    "wug_adj": SynthTask("spearman", 0.0, 0.6),
    "wug_past": SynthTask("spearman", 0.0, 0.5),
}

# the BabyLM 2025 call for papers and evaluation pipeline: what a seeded baseline links to
BASELINE_LINKS = {"paper_url": "https://arxiv.org/abs/2502.10645",
                  "code_url": "https://github.com/babylm/evaluation-pipeline-2025"}

_TEAMS = ("Aardvark", "Bonobo", "Capybara", "Dingo", "Echidna", "Fennec", "Gecko", "Heron", "Ibis", "Jackal",
          "Kestrel", "Lemur", "Marmot", "Narwhal", "Ocelot", "Pangolin", "Quokka", "Raven", "Stoat", "Tapir")
_ARCHS = (("gpt2", "causal"), ("llama", "causal"), ("mamba", "causal"), ("bert", "mlm"),
          ("deberta", "mntp"), ("t5", "enc_dec_mask"), ("gpt-bert", "causal"))


def seed_demo(
    store: Store, n: int = 40, *, edition: int = 2025, track: str = "strict-small", seed: int = 0,
    every_task_every_checkpoint: bool = False, with_subtasks: bool = True, subtasks_final_only: bool = False,
    flag_every: int = 13, baselines: int = 2,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write `n` synthetic submissions with every checkpoint of the track's schedule into `store`.

    `every_task_every_checkpoint` scores GLUE and AoA at each checkpoint too (the bench's 10 tasks x
    every checkpoint). `subtasks_final_only` writes sub-task rows for the last checkpoint only (the bench's
    big store: history keeps task-level rows). Returns counts of what was written.
    """
    import numpy as np

    from babylm.leaderboard.store import ScoreRow
    from babylm.tracks.rules import get_track

    tr = get_track(track, edition)
    rng = np.random.default_rng(seed)
    rows_written = 0
    for i in range(n):
        arch, backend = _ARCHS[int(rng.integers(len(_ARCHS)))]
        baseline = i < baselines
        team = "BabyLM baseline" if baseline else \
            f"{_TEAMS[i % len(_TEAMS)]}{'' if i < len(_TEAMS) else f'-{i // len(_TEAMS) + 1}'}"
        n_params = int(10 ** rng.uniform(6.5, 9.2))
        quality = float(rng.beta(2.5, 2.0))  # where between chance and `best` this entry ends
        speed = float(rng.uniform(-0.6, 0.6))  # earlier or later rise of its curves (decades of words)
        sid = f"synth-{edition}-{track}-{i + 1:04d}"
        schedule = list(zip(tr.checkpoint_names, tr.schedule, strict=True))
        overshoot = 1 + float(rng.uniform(0, 0.002))
        last_words = min(int(schedule[-1][1] * overshoot), tr.exposure_cap)
        flops_per_word = 6 * n_params * 1.35
        over = flag_every > 0 and i % flag_every == flag_every - 1
        meta = {
            "synthetic_note": SYNTHETIC_NOTE,
            "fact_sheet": {"architecture": arch, "parameters": n_params, "tokenizer": "BPE 16k",
                           "training data": f"{track} corpus (synthetic entry)", "epochs": 10,
                           "notes": SYNTHETIC_NOTE},
            "budgets": {"words_budget": tr.word_budget, "words_used": int(tr.word_budget * rng.uniform(0.9, 1.0)),
                        "exposure_cap": tr.exposure_cap,
                        "words_seen": int(last_words * (1.05 if over else 1.0))},
            "ledger_summary": {"steps": int(last_words / 4096), "checkpoints": len(schedule),
                               "words_seen": last_words, "train_flops": flops_per_word * last_words,
                               "chain": "verified (synthetic)"},
        }
        if baseline:
            meta["baseline"] = True
            meta["fact_sheet"] |= BASELINE_LINKS
        if tr.student_generation_cap or i % 5 == 0:
            rounds = 8
            meta["interaction"] = {
                v: [round(min(1.0, b + 0.06 * r * quality + float(rng.normal(0, 0.02))), 3) for r in range(rounds)]
                for v, b in (("teacher feedback", 0.3), ("no feedback", 0.25))
            }
        store.upsert_submission(
            submission_id=sid, team=team, model=f"{arch}-{_size_name(n_params)}", edition=edition, track=track,
            backend=backend, n_params=n_params, train_flops=flops_per_word * last_words, words_seen=last_words,
            meta=meta, synthetic=True,
        )
        offsets = {t: rng.normal(0, 0.04, len(st.subtasks)) for t, st in SYNTH_TASKS.items()}
        rows: list[ScoreRow] = []
        ckpts: list[dict] = []
        for k, (name, nominal) in enumerate(schedule):
            words = min(int(nominal * overshoot), tr.exposure_cap)  # a run stops before the cap
            h = f"synth{i:04d}{k:02d}"
            ckpts.append(dict(name=name, words_seen=words, train_flops=flops_per_word * words, content_hash=h))
            final = k == len(schedule) - 1
            x = (math.log10(max(words, 1)) - (math.log10(schedule[0][1]) + 1.0 + speed)) / 0.6
            prog = 1 / (1 + math.exp(-x))
            for task, spec in SYNTH_TASKS.items():
                if not (spec.every_checkpoint or final or every_task_every_checkpoint):
                    continue
                level = spec.chance + (spec.best - spec.chance) * quality * prog
                scale = spec.best - spec.chance
                subs = spec.subtasks if with_subtasks and (final or not subtasks_final_only) else ()
                vals = [level + scale * (o + float(rng.normal(0, 0.02))) for o in offsets[task][: len(subs)]]
                value = float(np.mean(vals)) if vals else level + scale * float(rng.normal(0, 0.03))
                half = scale * 0.04
                common = dict(submission_id=sid, checkpoint=name, content_hash=h, task=task, metric=spec.metric,
                              task_version="1", scorer=f"{backend}/babylm", harness_version="synthetic")
                rows.append(ScoreRow(subtask="", value=value, ci_low=value - half, ci_high=value + half, **common))
                rows.extend(ScoreRow(subtask=s, value=v, **common) for s, v in zip(subs, vals, strict=True))
        store.upsert_checkpoints(sid, ckpts)
        rows_written += store.add_scores(rows)
        store.set_validation_report(sid, _report(sid, over))
        if over:
            store.add_flag(submission_id=sid, reason="words seen over the exposure cap", by="organizer (synthetic)")
        if progress:
            progress(i + 1)
    return {"submissions": n, "checkpoints": n * len(tr.schedule), "scores": rows_written}


def _size_name(n_params: int) -> str:
    return f"{n_params / 1e6:.0f}M" if n_params < 1e9 else f"{n_params / 1e9:.1f}B"


def _report(sid: str, over: bool) -> dict[str, Any]:
    findings = [{"severity": "info", "code": "synthetic", "message": SYNTHETIC_NOTE}]
    if over:
        findings.append({"severity": "error", "code": "exposure_cap",
                         "message": "ledger shows words seen beyond the exposure cap"})
    return {"format": "babylm.validation/1", "submission": sid, "ok": not over, "findings": findings}
