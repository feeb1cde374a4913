"""2026 boards: one per track and language for the multilingual track, the official table's per-language
averages (babylm-org/babylm-eval multilingual/README.md), missing tasks counting 0."""

from __future__ import annotations

import pandas as pd
import pytest

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard.board_tasks import expand_boards, language_averages, split_board, tasks_for

NO_FLAGS = pd.DataFrame(columns=["submission_id", "reason", "by", "checkpoint", "task", "created"])

# The README's baseline table: GPT-2 trained on BabyLM-2026-Strict (English), babylm-nld, babylm-zho.
STRICT_EN = {"blimp_eng": 73.43, "hellaswag_en_mubench": 26.49, "multiblimp_eng": 88.57,
             "winogrande_en_mubench": 51.44, "xstorycloze_en_mubench": 49.23,
             "arc_en": 24.79, "belebele_en": 23.30, "bmlama_en": 11.26}
NLD = {"blimp_nl": 84.12, "hellaswag_nl_mubench": 26.79, "multiblimp_nld": 94.72, "winogrande_nl_mubench": 49.88,
       "xcomps_nl": 54.54, "xstorycloze_nl_mubench": 47.60}
ZHO = {"hellaswag_zh_mubench": 27.78, "winogrande_zh_mubench": 51.85, "xcomps_zh": 55.70,
       "xstorycloze_zh_mubench": 50.23, "zhoblimp": 78.79}


def test_one_board_per_language() -> None:
    assert expand_boards([(2026, "multilingual"), (2026, "strict"), (2025, "strict-small")]) == [
        (2026, "multilingual@en"), (2026, "multilingual@nl"), (2026, "multilingual@zh"), (2026, "strict"),
        (2025, "strict-small")]
    assert split_board("multilingual@zh") == ("multilingual", "zh") and split_board("strict") == ("strict", None)
    nl = tasks_for(2026, "multilingual@nl")
    assert nl.partial and "blimp_nl" in nl.linguistic and "zhoblimp" not in nl.linguistic
    assert "mnli_nl" in nl.finetune
    assert "global_piqa" in tasks_for(2026, "strict").linguistic
    assert tasks_for(2026, "multilingual@xx").linguistic == tasks_for(2025, "no-such-track").linguistic


@pytest.mark.parametrize("board,scores,avg", [
    ("multilingual@en", STRICT_EN, 57.83), ("multilingual@nl", NLD, 59.61), ("multilingual@zh", ZHO, 52.87)])
def test_zero_shot_averages_match_the_official_table(board: str, scores: dict, avg: float) -> None:
    got = language_averages(scores, 2026, board)["zero_shot"]
    assert got == pytest.approx(avg, abs=0.005)


def test_missing_fine_tuning_tasks_count_zero_or_are_skipped() -> None:
    # The Strict baseline has only arc, belebele and bmlama of the 7 English fine-tuning tasks: the table
    # prints their mean (19.78); the rule for submissions counts the 4 missing ones as 0.
    skip = language_averages(STRICT_EN, 2026, "multilingual@en", missing="skip")["finetune"]
    zero = language_averages(STRICT_EN, 2026, "multilingual@en")["finetune"]
    assert skip == pytest.approx(19.78, abs=0.005)
    assert zero == pytest.approx((24.79 + 23.30 + 11.26) / 7)
    assert language_averages({}, 2026, "multilingual@zh", missing="skip") == {"zero_shot": None, "finetune": None}


def _frames(entries: dict[str, dict[str, float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = list(entries)
    n = len(ids)
    subs = pd.DataFrame({
        "submission_id": ids, "team": [f"team-{i}" for i in ids], "model": ["m"] * n, "edition": [2026] * n,
        "track": ["multilingual"] * n, "backend": ["causal"] * n, "n_params": [1e7] * n,
        "train_flops": [1e15] * n, "words_seen": [10**8] * n, "synthetic": [False] * n,
        "created": pd.to_datetime(["2026-03-01"] * n, utc=True)})
    latest = pd.DataFrame([dict(submission_id=sid, checkpoint="chck_1000M", task=t, subtask="", metric="accuracy",
                                value=v / 100, ci_low=None, ci_high=None)
                           for sid, scores in entries.items() for t, v in scores.items()])
    return subs, latest


def test_language_board_ranks_on_its_own_tasks_with_missing_as_zero() -> None:
    # "nld" has every Dutch task, "mix" all but one (and Chinese scores, which the Dutch board ignores).
    mix = {**{k: v for k, v in NLD.items() if k != "xcomps_nl"}, **ZHO}
    subs, latest = _frames({"nld": NLD, "mix": mix})
    board = ag.score_board(subs, latest, NO_FLAGS, edition=2026, track="multilingual@nl", n_boot=20)
    f = board.frame.set_index("submission_id")
    assert board.macro_tasks == tasks_for(2026, "multilingual@nl").linguistic
    assert f.loc["nld", "macro"] == pytest.approx(0.5961, abs=5e-5)
    assert f.loc["mix", "macro"] == pytest.approx((sum(NLD.values()) - NLD["xcomps_nl"]) / 600)
    assert "xcomps_nl" in f.loc["mix", "missing"] and "zhoblimp" not in f.columns
    zh = ag.score_board(subs, latest, NO_FLAGS, edition=2026, track="multilingual@zh", n_boot=20)
    g = zh.frame.set_index("submission_id")
    assert g.loc["mix", "macro"] == pytest.approx(0.5287, abs=5e-5) and g.loc["nld", "unscored"]


def test_store_multilingual_entries_show_on_each_language_board(tmp_path) -> None:
    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import Store
    from babylm.leaderboard.terminal import load_board

    s = Store(tmp_path / "ml.sqlite")
    try:
        seed_demo(s, 3, edition=2026, track="multilingual", seed=4, flag_every=0)
        assert expand_boards(s.boards()) == [(2026, f"multilingual@{c}") for c in ("en", "nl", "zh")]
        for lang in ("en", "nl", "zh"):
            board = load_board(s, 2026, f"multilingual@{lang}")
            assert len(board.frame) == 3
            assert board.macro_tasks == tasks_for(2026, f"multilingual@{lang}").linguistic
    finally:
        s.close()


def test_cli_table_of_one_language_board(tmp_path, run_cli) -> None:
    import json

    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import Store

    path = tmp_path / "ml.sqlite"
    s = Store(path)
    seed_demo(s, 2, edition=2026, track="multilingual", seed=5, flag_every=0)
    s.close()
    res = run_cli("leaderboard", "table", "--store", f"sqlite:///{path}", "--edition", "2026", "--track",
                  "multilingual", "--lang", "nld", "--json")
    assert res.code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["macro_tasks"] == list(tasks_for(2026, "multilingual@nl").linguistic)
    assert len(doc["entries"]) == 2
    bad = run_cli("leaderboard", "table", "--store", f"sqlite:///{path}", "--edition", "2026", "--track",
                  "strict", "--lang", "nl")
    assert bad.code == 2 and "one board" in bad.output
