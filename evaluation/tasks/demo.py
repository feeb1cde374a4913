"""The demo task: agreement minimal pairs the project generates itself from the demo corpus lexicon.

Sub-tasks (the good sentence is candidate 0, the bad one differs in one agreement feature):
- sv_intransitive: "The dog runs." / "The dog run." (and plural subjects with the base form)
- sv_transitive:   "My cat likes the ball." / "My cat like the ball."
- copula:          "The dogs are happy." / "The dogs is happy."
- det_noun:        "These dogs are big." / "This dogs are big."
Deterministic (seeded), no data files needed: it runs wherever the package runs. Named "demo", it is
run only when asked for (`--tasks demo`).
"""

from __future__ import annotations

import random
from pathlib import Path

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.accuracy import accuracy_result
from babylm.evaluation.tasks.common import register

VERSION = "1"
PER_SUBTASK = {"fast": 50, "full": 200}
SEED = 1234


def _pairs(rng: random.Random, lex: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, str]]:
    def pick(key: str) -> tuple[int, str]:
        i = rng.randrange(len(lex[key]))
        return i, lex[key][i]

    plural = rng.random() < 0.5
    subj_key = "animate_pl" if plural else "animate_sg"
    _, subj = pick(subj_key)
    j, v3 = pick("verbs_intrans_3sg")
    vb = lex["verbs_intrans_base"][j]
    det = rng.choice(["The", "My", "Your"])
    good, bad = (vb, v3) if plural else (v3, vb)
    out = {"sv_intransitive": (f"{det} {subj} {good}.", f"{det} {subj} {bad}.")}

    _, subj = pick(subj_key)
    j, t3 = pick("verbs_trans_3sg")
    tb = lex["verbs_trans_base"][j]
    _, obj = pick("nouns_sg")
    good, bad = (tb, t3) if plural else (t3, tb)
    out["sv_transitive"] = (f"{det} {subj} {good} the {obj}.", f"{det} {subj} {bad} the {obj}.")

    _, subj = pick("nouns_pl" if plural else "nouns_sg")
    _, adj = pick("adjectives")
    good, bad = ("are", "is") if plural else ("is", "are")
    out["copula"] = (f"The {subj} {good} {adj}.", f"The {subj} {bad} {adj}.")

    i, noun_sg = pick("nouns_sg")
    noun_pl = lex["nouns_pl"][i]
    near = rng.random() < 0.5
    sg, pl = ("This", "These") if near else ("That", "Those")
    _, adj = pick("adjectives")
    if plural:
        out["det_noun"] = (f"{pl} {noun_pl} are {adj}.", f"{sg} {noun_pl} are {adj}.")
    else:
        out["det_noun"] = (f"{sg} {noun_sg} is {adj}.", f"{pl} {noun_sg} is {adj}.")
    return out


def load_demo(data_root: Path | None = None, split: Split = "fast") -> list[Item]:
    """The generated items (the data root is not used)."""
    from babylm.tracks.demo_corpus import LEXICON

    rng = random.Random(SEED)
    per: dict[str, list[tuple[str, str]]] = {}
    seen: set[tuple[str, str]] = set()
    n = PER_SUBTASK[split]
    for _ in range(200 * n):
        for sub, pair in _pairs(rng, LEXICON).items():
            if len(per.setdefault(sub, [])) < n and pair not in seen:
                seen.add(pair)
                per[sub].append(pair)
        if all(len(v) >= n for v in per.values()):
            break
    return [
        Item(id=f"{sub}_{k}", subtask=sub, gold=0,
             candidates=[ScoreRequest("", good), ScoreRequest("", bad)])
        for sub in sorted(per) for k, (good, bad) in enumerate(per[sub])
    ]


def _compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    return accuracy_result("demo", VERSION, items, scores, compat)


DEMO = register(
    name="demo", version=VERSION, metric="accuracy", loader=lambda root, split: load_demo(root, split),
    compute=_compute, expected_counts={s: 4 * n for s, n in PER_SUBTASK.items()},
    description="Demo: agreement minimal pairs generated from the demo lexicon (no data files; run when named)",
    unit="accuracy", chance=0.5, needs_data=False, on_demand=True,
)
