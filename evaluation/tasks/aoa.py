"""Age of acquisition (AoA): does the model learn words in the order children do?

Per word, the mean log-probability of the word in its contexts (= -surprisal) is taken at every
checkpoint; a sigmoid a/(1+exp(-b(x-c)))+d is fitted against x = log10(words seen + 1), and the
model AoA is its midpoint c (Chang & Bergen 2022). The child AoA is where a logistic fitted to the
Wordbank CDI proportions (16-30 months) crosses 0.5. The score is Pearson's r between model and
child AoA over the words with both (0 when fewer than 3). AoA needs all checkpoints at once: the
runner scores each checkpoint and calls `across_checkpoints`.

Data, and the substitution used when the official file is absent:
- Contexts: the official `full_eval/aoa/cdi_childes.json` ({word: [{"context": left context}, ...]})
  when present. It is not public, so otherwise the contexts are built from training text: every
  occurrence of a CDI word (not sentence-initial) in the BabyLM training sample
  (`babylm_train_sample/**/*.train`, or $BABYLM_AOA_TEXT: a file or folder) gives a context of at
  most 40 words before it; up to 4 (fast) or 16 (full) contexts per word, chosen by a seeded draw.
- Child AoA: the Chang & Bergen Wordbank proportions (`aoa/wordbank_chang_bergen_2022/
  child_american_english_proportions.csv`), else the BabyLM 2023 `aoa/babylm_2023/word_list.csv`
  AoA column. The `aoa/` folder is looked for beside the evaluation data or in $BABYLM_AOA_DIR.
Only single-word CDI items longer than one character are used (as the official loader does).
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.human import aoa_correlation, child_aoa
from babylm.evaluation.tasks.common import check_scores, register, unscored
from babylm.evaluation.tasks.datafiles import DataFile, DataFileError, read_csv, read_text, resolve_root

NAME = "aoa"
VERSION = "1"
CONTEXTS_PER_WORD: dict[Split, int] = {"fast": 4, "full": 16}
MAX_CONTEXT_WORDS = 40
AOA_DIR_ENV = "BABYLM_AOA_DIR"
AOA_TEXT_ENV = "BABYLM_AOA_TEXT"
CB_CSV = "wordbank_chang_bergen_2022/child_american_english_proportions.csv"
WORD_LIST_CSV = "babylm_2023/word_list.csv"
_PUNCT = ".,!?;:\"'()[]{}<>-_*`"
_SPEAKER = re.compile(r"^\*?[A-Z]{1,4}:$")
_WORD = re.compile(r"^[a-z][a-z']*$")


def _search_roots(data_root: Path) -> list[Path]:
    roots = [Path(data_root)]
    with contextlib.suppress(DataFileError):
        roots.append(resolve_root(data_root))
    out: list[Path] = []
    for r in roots:
        for cand in (r, r.parent):
            if cand not in out:
                out.append(cand)
    return out


def find_official_contexts(data_root: Path) -> DataFile | None:
    for root in _search_roots(data_root):
        for rel in ("full_eval/aoa/cdi_childes.json", "full_eval/cdi_childes/cdi_childes.json",
                    "evaluation_data/full_eval/aoa/cdi_childes.json"):
            if (root / rel).is_file():
                return DataFile(root / rel)
    return None


def find_aoa_dir(data_root: Path) -> Path | None:
    env = os.environ.get(AOA_DIR_ENV)
    cands = [Path(env)] if env else []
    cands += [r / "aoa" for r in _search_roots(data_root)]
    return next((c for c in cands if (c / CB_CSV).is_file() or (c / WORD_LIST_CSV).is_file()), None)


def find_text_files(data_root: Path) -> list[Path]:
    env = os.environ.get(AOA_TEXT_ENV)
    if env:
        p = Path(env)
        if p.is_file():
            return [p]
        if p.is_dir():
            return sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in (".train", ".txt"))
        raise DataFileError(f"${AOA_TEXT_ENV} points to {p}, which does not exist")
    for root in _search_roots(data_root):
        folder = root / "babylm_train_sample"
        if folder.is_dir():
            return sorted(f for f in folder.rglob("*.train") if f.is_file())
    return []


def clean_cdi_word(definition: str) -> str | None:
    """The single word a CDI item stands for ("chicken (animal)" -> "chicken"), or None if multi-word."""
    word = re.sub(r"\s*\(.*?\)", "", definition).strip().rstrip("*").split("/")[0].strip().lower()
    if len(word) < 2 or not _WORD.match(word):
        return None
    return word


def read_child_aoa(aoa_dir: Path) -> tuple[dict[str, float], str]:
    """{word: child AoA in months} and which source it came from."""
    cb = aoa_dir / CB_CSV
    if cb.is_file():
        df = DataFile(cb)
        ages: dict[str, list[float]] = {}
        for n, row in enumerate(read_csv(df)):
            word = clean_cdi_word(row.get("definition", ""))
            months = [m for m in range(16, 31) if str(m) in row]
            if len(months) < 3:
                raise DataFileError(f"{df.label} line {n + 2}: no month columns 16..30")
            if word is None:
                continue
            try:
                props = [float(row[str(m)]) if row[str(m)] not in ("", "NA") else math.nan for m in months]
            except ValueError as exc:
                raise DataFileError(f"{df.label} line {n + 2}: bad proportion ({exc})") from exc
            age, _ = child_aoa(months, props)
            if math.isfinite(age):
                ages.setdefault(word, []).append(age)
        return {w: sum(v) / len(v) for w, v in ages.items()}, CB_CSV
    wl = aoa_dir / WORD_LIST_CSV
    df = DataFile(wl)
    ages = {}
    for n, row in enumerate(read_csv(df)):
        word = clean_cdi_word(row.get("word_clean", ""))
        try:
            age = float(row["aoa"])
        except (KeyError, ValueError) as exc:
            raise DataFileError(f"{df.label} line {n + 2}: bad or missing 'aoa' ({exc})") from exc
        if word is not None and math.isfinite(age):
            ages.setdefault(word, []).append(age)
    return {w: sum(v) / len(v) for w, v in ages.items()}, WORD_LIST_CSV


def _segments(text: str) -> Iterable[list[str]]:
    """Sentence-like token runs: split at speaker tags (CHILDES, Switchboard), line ends and . ! ?"""
    for line in text.splitlines():
        seg: list[str] = []
        for tok in line.split():
            if _SPEAKER.match(tok):
                if seg:
                    yield seg
                seg = []
                continue
            seg.append(tok)
            if tok[-1] in ".!?":
                yield seg
                seg = []
        if seg:
            yield seg


def build_contexts(
    words: Iterable[str], texts: Sequence[str], per_word: int, *, seed: int = 0
) -> dict[str, list[tuple[str, str]]]:
    """{word: [(left context, surface form), ...]}: up to `per_word` occurrences drawn reproducibly."""
    targets = set(words)
    found: dict[str, list[tuple[list[str], int, str]]] = {w: [] for w in targets}
    for text in texts:
        for seg in _segments(text):
            for i in range(1, len(seg)):
                tok = seg[i]
                if tok[0] in _PUNCT:
                    continue
                surface = tok.rstrip(_PUNCT)
                low = surface.lower()
                if low in targets:
                    found[low].append((seg, i, surface))
    out: dict[str, list[tuple[str, str]]] = {}
    for word in sorted(found):
        occ = found[word]
        if not occ:
            continue
        rng = random.Random(f"{seed}:{word}")
        picks = sorted(rng.sample(range(len(occ)), min(per_word, len(occ))))
        out[word] = [(" ".join(occ[k][0][max(0, occ[k][1] - MAX_CONTEXT_WORDS): occ[k][1]]), occ[k][2]) for k in picks]
    return out


def _official_contexts(df: DataFile, per_word: int | None) -> dict[str, list[tuple[str, str]]]:
    import json

    try:
        data = json.loads(read_text(df))
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{df.label}: malformed JSON at line {exc.lineno} ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise DataFileError(f"{df.label}: expected an object {{word: [{{'context': ...}}]}}")
    out: dict[str, list[tuple[str, str]]] = {}
    for word, rows in data.items():
        if len(word) <= 1:
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) and "context" in r for r in rows):
            raise DataFileError(f"{df.label}: word {word!r}: expected a list of {{'context': ...}}")
        ctxs = [(str(r["context"]).strip(), word.strip()) for r in rows]
        out[word] = ctxs[:per_word] if per_word else ctxs
    return out


def load(data_root: Path, split: Split, *, contexts_per_word: int | None = None) -> list[Item]:
    """One item per word with a child AoA and at least one context; candidates are its contexts."""
    aoa_dir = find_aoa_dir(data_root)
    if aoa_dir is None:
        raise DataFileError(
            f"{NAME}: child AoA norms not available: no aoa/{CB_CSV} or aoa/{WORD_LIST_CSV} near {data_root}",
            hint=f"put the aoa/ folder beside the evaluation data or set ${AOA_DIR_ENV}",
        )
    child, child_source = read_child_aoa(aoa_dir)
    per_word = contexts_per_word or CONTEXTS_PER_WORD[split]
    official = find_official_contexts(data_root)
    if official is not None:
        contexts = _official_contexts(official, None if split == "full" and not contexts_per_word else per_word)
        source = official.label
    else:
        files = find_text_files(data_root)
        if not files:
            raise DataFileError(
                f"{NAME}: contexts not available: no full_eval/aoa/cdi_childes.json and no training text "
                f"(babylm_train_sample/) near {data_root}",
                hint=f"set ${AOA_TEXT_ENV} to a text file or folder to draw word contexts from",
            )
        texts = [read_text(DataFile(f)) for f in files]
        contexts = build_contexts(child, texts, per_word)
        source = "built from " + ", ".join(f.name for f in files)
    items = []
    for word in sorted(contexts):
        if word not in child or not contexts[word]:
            continue
        cands = [ScoreRequest(ctx, " " + surface) for ctx, surface in contexts[word]]
        items.append(Item(f"{NAME}_{word}", NAME, cands, None,
                          {"word": word, "child_aoa": child[word], "contexts_from": source,
                           "child_aoa_from": child_source}))
    if not items:
        raise DataFileError(f"{NAME}: no word has both a child AoA and a context ({source})")
    return items


def _neg_surprisal(scores: Sequence[float]) -> float:
    return sum(scores) / len(scores)


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    """One checkpoint alone: mean -surprisal per word (the AoA score needs all checkpoints)."""
    check_scores(NAME, items, scores)
    per_word = [_neg_surprisal(sc) for sc in scores]
    mean = sum(per_word) / len(per_word) if per_word else math.nan
    scored = unscored(items, scores)
    return TaskResult(task=NAME, version=VERSION, metric="mean_neg_surprisal", score=mean, subtasks={NAME: mean},
                      n_items=len(items), items=scored)


def across_checkpoints(items: list[Item], per_checkpoint: dict[str, tuple[int, list[list[float]]]]) -> TaskResult:
    """Fit each word's learning curve over the checkpoints and correlate model AoA with child AoA."""
    # A checkpoint with unknown words seen (0, e.g. a bare final model) has no place on the x axis.
    skipped = sorted(name for name, (words, _) in per_checkpoint.items() if not words or words <= 0)
    order = sorted((n for n in per_checkpoint if n not in skipped), key=lambda name: per_checkpoint[name][0])
    if not order:
        raise BabyLMError(f"{NAME}: no checkpoint with a known number of words seen",
                          hint="AoA needs the chck_<N>M checkpoints (or babylm_checkpoint.json words_seen)")
    for name in order:
        check_scores(f"{NAME} ({name})", items, per_checkpoint[name][1])
    x = [math.log10(per_checkpoint[name][0] + 1) for name in order]
    curves = {it.extra["word"]: [_neg_surprisal(per_checkpoint[name][1][i]) for name in order]
              for i, it in enumerate(items)}
    child = {it.extra["word"]: float(it.extra["child_aoa"]) for it in items}
    res = aoa_correlation(x, curves, child)
    reasons: dict[str, int] = {}
    for why in res.reasons.values():
        reasons[why.split(":")[0]] = reasons.get(why.split(":")[0], 0) + 1
    details: dict[str, Any] = {
        "n_valid_words": res.n_valid, "n_words": res.n_words, "checkpoints": order, "log10_words": x,
        "left_out": reasons, "model_aoa_log10_words": res.model_aoa,
        "official_predictions": {NAME: [{"id": w, "pred": a} for w, a in sorted(res.model_aoa.items())]},
    }
    if skipped:
        details["skipped_checkpoints"] = skipped
    if len(order) < 4:
        details["warning"] = f"{len(order)} checkpoints: a 4-parameter sigmoid needs at least 4; scored 0"
    return TaskResult(task=NAME, version=VERSION, metric="aoa_pearson", score=res.score, subtasks={NAME: res.score},
                      n_items=len(items), details=details)


SPEC = register(
    name=NAME, version=VERSION, metric="aoa_pearson", loader=load, compute=compute, expected_counts={},
    category="human_likeness", official_key="aoa", across_checkpoints=across_checkpoints,
    description="Age of acquisition: do words' learning curves over checkpoints follow children's order",
    unit="Pearson r", chance=0.0,
)
