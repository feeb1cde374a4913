"""Reading: surprisal requests per word, delta R^2 for eye tracking and self-paced reading."""

from __future__ import annotations

import csv
import math
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from task_scoring import FnScorer, score_items

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.tasks import reading as tasks_reading
from babylm.evaluation.tasks.datafiles import CountMismatchWarning, DataFileError

COLUMNS = ["", "item", "word", "word2", "sentence", "context_length", "sent_id", "item_id", "list", "Subtlex_log10",
           "length", "RTfirstfix", "RTfirstpass", "RTgopast", "RTrightbound", "self_paced_reading_time", "ELAN",
           "LAN", "N400", "P600", "EPNP", "PNP", "prev_word", "prev_item", "prev_length"]


def fake_logprob(req: ScoreRequest) -> float:
    """A deterministic pseudo log-probability of the word given its context."""
    return -1.0 - (zlib.crc32(f"{req.context}|{req.continuation}".encode()) % 1000) / 100.0


def write_csv(path: Path, n_sentences: int = 40, noise: float = 1.0, blank_item_row: bool = False) -> Path:
    rng = np.random.default_rng(0)
    vocab = ["the", "dog", "saw", "a", "cat", "near", "old", "house", "and", "ran", "away", "quickly"]
    rows = []
    for s in range(n_sentences):
        words = [vocab[k] for k in rng.integers(0, len(vocab), 8)]
        words[0] = words[0].capitalize()
        sentence = " ".join(words) + "."
        for i in range(1, len(words)):
            item, word = " ".join(words[:i]), words[i]
            surprisal = -fake_logprob(ScoreRequest(item, " " + word))
            freq = 10.0 - len(word) * 0.3 + rng.normal(0, 1)
            prev_word, prev_item = (words[i - 1], " ".join(words[: i - 1])) if i > 1 else ("", "")
            prev_s = -fake_logprob(ScoreRequest(prev_item, " " + prev_word)) if i > 1 else 0.0
            base = 200 + 5 * len(word) - 4 * freq + 0.2 * i
            rts = [base + k * 3 + 12 * surprisal + rng.normal(0, noise) for k in range(4)]
            spr = base + 10 * surprisal + 6 * prev_s + rng.normal(0, noise)
            rows.append({"": len(rows), "item": item, "word": word, "word2": word.upper(), "sentence": sentence,
                         "context_length": i, "sent_id": s, "item_id": len(rows), "list": 1, "Subtlex_log10": freq,
                         "length": len(word), "RTfirstfix": rts[0], "RTfirstpass": rts[1], "RTgopast": rts[2],
                         "RTrightbound": rts[3], "self_paced_reading_time": spr, "ELAN": 0, "LAN": 0, "N400": 0,
                         "P600": 0, "EPNP": 0, "PNP": 0, "prev_word": prev_word, "prev_item": prev_item,
                         "prev_length": len(prev_word) if prev_word else -1})
    if blank_item_row:
        rows[0]["item"] = ""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def load(root: Path) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        return tasks_reading.load(root, "fast", strict=False)


def test_requests_per_word_and_previous_word(tmp_path: Path) -> None:
    write_csv(tmp_path / "fast_eval" / "reading" / "reading_data.csv", blank_item_row=True)
    items = load(tmp_path)
    assert len(items) == 40 * 7
    first, second = items[0], items[1]
    assert len(first.candidates) == 1  # no previous word with a context
    assert first.candidates[0].context and first.candidates[0].continuation.startswith(" ")
    assert second.candidates[1] == ScoreRequest(first.candidates[0].context, first.candidates[0].continuation)
    assert first.id == "reading_0" and first.gold is None


def test_blank_context_is_rebuilt_from_the_sentence(tmp_path: Path) -> None:
    write_csv(tmp_path / "fast_eval" / "reading" / "reading_data.csv", blank_item_row=True)
    items = load(tmp_path)
    rows = list(csv.DictReader((tmp_path / "fast_eval" / "reading" / "reading_data.csv").open()))
    assert rows[0]["item"] == ""
    assert items[0].candidates[0].context == rows[0]["sentence"].split()[0]


def test_planted_surprisal_effect_gives_large_scores(tmp_path: Path) -> None:
    write_csv(tmp_path / "fast_eval" / "reading" / "reading_data.csv")
    items = load(tmp_path)
    res = tasks_reading.compute(items, score_items(FnScorer(fake_logprob), items), "babylm")
    assert res.metric == "delta_r2"
    assert res.subtasks["eye_tracking"] > 90
    assert res.subtasks["self_paced_reading"] > 80
    assert res.score == pytest.approx((res.subtasks["eye_tracking"] + res.subtasks["self_paced_reading"]) / 2)
    assert res.details["self_paced_reading"]["n"] == 40 * 6  # rows without a previous word are left out
    rows = res.details["official_predictions"]["reading"]
    assert rows[0]["id"] == 0 and math.isnan(rows[0]["prev_pred"]) and rows[0]["pred"] > 0


def test_unrelated_surprisal_gives_small_scores(tmp_path: Path) -> None:
    write_csv(tmp_path / "fast_eval" / "reading" / "reading_data.csv")
    items = load(tmp_path)
    rng = np.random.default_rng(5)
    scores = [[-float(rng.uniform(1, 10)) for _ in it.candidates] for it in items]
    res = tasks_reading.compute(items, scores, "babylm")
    assert res.subtasks["eye_tracking"] < 5


def test_bad_files(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "fast_eval" / "reading" / "reading_data.csv", n_sentences=3)
    with pytest.raises(DataFileError, match=r"reading \(fast\): 21 items .*reading_data\.csv, expected 1726"):
        tasks_reading.load(tmp_path, "fast")
    text = p.read_text().replace(",RTgopast,", ",RTgoback,")
    p.write_text(text)
    with pytest.raises(DataFileError, match="missing column.*RTgopast"):
        tasks_reading.load(tmp_path, "fast", strict=False)
    write_csv(p, n_sentences=3)
    lines = p.read_text().splitlines()
    cells = lines[3].split(",")
    cells[10] = "long"  # the length column
    lines[3] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match="line 4: not a number"):
        tasks_reading.load(tmp_path, "fast", strict=False)


@pytest.mark.realdata
def test_real_data_matches_the_official_formulas(shared_data: Path) -> None:
    import pandas as pd
    import statsmodels.formula.api as smf

    items = tasks_reading.load(shared_data, "fast")
    assert len(items) == 1726
    assert items[320].candidates[0] == ScoreRequest("None", " of")  # the context lost by the CSV writer
    rng = np.random.default_rng(0)
    scores = [[-float(rng.gamma(2, 3)) for _ in it.candidates] for it in items]
    res = tasks_reading.compute(items, scores, "babylm")
    df = pd.read_csv(shared_data / "babylm_eval_2025" / "fast_eval" / "reading" / "reading_data.csv")
    df["pred"] = [-s[0] for s in scores]
    base = "Subtlex_log10 + length + context_length + Subtlex_log10:length + Subtlex_log10:context_length + " \
           "length:context_length"
    vals = []
    for dv in tasks_reading.EYE_TRACKING:
        r0 = smf.ols(f"{dv} ~ {base}", data=df[[dv, "Subtlex_log10", "length", "context_length"]].dropna()).fit()
        r1 = smf.ols(f"{dv} ~ {base} + pred", data=df[[dv, "pred", "Subtlex_log10", "length", "context_length"]]
                     .dropna()).fit()
        vals.append((r1.rsquared - r0.rsquared) / (1 - r0.rsquared) * 100)
    assert res.subtasks["eye_tracking"] == pytest.approx(sum(vals) / 4, rel=1e-9)
