"""Issue 12 item 4: the store itself refuses user strings that break the bundle's name rules or the length
limits (team, model, submission id, track, flag reasons, notes, score rows), on SQLite and PostgreSQL,
with a BabyLMError naming the field, and writes nothing."""

from __future__ import annotations

import pytest

from babylm.errors import BabyLMError
from babylm.leaderboard.store import ScoreRow, Store
from babylm.submissions.formats import NAME_RE

GOOD = dict(submission_id="team-a--tiny-0123456789", team="Team A", model="tiny-gpt2", edition=2025,
            track="strict-small", backend="causal")


def _sub(s: Store, **kw: object) -> None:
    s.upsert_submission(**{**GOOD, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(("field", "value", "says"), [
    ("team", "\x1b[2J\x1b]8;;https://evil.example\x07Evil", "control or format character (U+001B)"),
    ("team", "Evil\u202eenil", "U+202E"),  # bidi override: a name that reads backwards
    ("team", "zero\u200bwidth", "U+200B"),
    ("model", "two\nlines", "U+000A"),
    ("team", "x" * 101, "team is 101 characters long; the results store takes at most 100"),
    ("model", "", "model is empty"),
    ("team", "   ", "team is empty"),
    ("submission_id", "../../etc", "submission_id '../../etc' is not a valid name"),
    ("submission_id", "a b", "is not a valid name"),
    ("submission_id", "a" * 201, "submission_id is 201 characters long"),
    ("track", "strict small", "track 'strict small' is not a valid name"),
    ("backend", "causal;drop", "backend"),
    ("teacher", "t\x00", "U+0000"),
])
def test_a_bad_submission_string_is_refused_and_nothing_is_written(store_url: str, field: str, value: str,
                                                                   says: str) -> None:
    s = Store(store_url)
    with pytest.raises(BabyLMError, match=says.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")) as err:
        _sub(s, **{field: value})
    assert err.value.hint
    assert s.counts()["submissions"] == 0 and s.state_token().endswith("#1")


def test_every_name_the_bundle_allows_is_taken_and_printable_text_too(store_url: str) -> None:
    s = Store(store_url)
    longest = "A" + "b" * 99
    assert NAME_RE.match(longest)
    _sub(s, team=longest, model="m ._+-9")
    # the store is looser than the bundle: printable text (rendered as text by every view) goes in
    _sub(s, submission_id="s2", team="[Official BabyLM baseline](https://evil.example)", model="Modèle ünï 模型")
    assert s.submission("s2")["model"] == "Modèle ünï 模型"
    assert s.submission(GOOD["submission_id"])["team"] == longest


def test_flag_reasons_notes_and_withdraw_reasons_have_limits(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    sid = GOOD["submission_id"]
    with pytest.raises(BabyLMError, match="reason is 501 characters long"):
        s.add_flag(submission_id=sid, reason="r" * 501, by="organizer")
    with pytest.raises(BabyLMError, match="reason holds a control"):
        s.add_flag(submission_id=sid, reason="over \x1b[31mcap", by="organizer")
    with pytest.raises(BabyLMError, match="by is empty"):
        s.add_flag(submission_id=sid, reason="over cap", by="")
    with pytest.raises(BabyLMError, match="note is 2001 characters long; the results store takes at most 2000"):
        s.add_note(sid, "n" * 2001, by="organizer")
    with pytest.raises(BabyLMError, match="reason is empty"):
        s.set_withdrawn(sid, True, by="organizer", reason="")
    assert s.flags_frame().empty and s.notes_frame().empty and s.audit_frame().empty
    # the limits themselves are fine, line breaks and tabs too
    assert s.add_flag(submission_id=sid, reason="r" * 500, by="organizer")
    s.add_note(sid, "line one\n\tline two " + "n" * 1980, by="organizer")
    assert len(s.notes_frame()) == 1 and len(s.audit_frame()) == 2


def test_score_rows_with_bad_strings_are_refused(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    sid = GOOD["submission_id"]
    ok = dict(submission_id=sid, checkpoint="chck_1M", task="blimp", metric="accuracy", value=0.5)
    for bad, says in (({"task": "bl\x1bimp"}, "task"), ({"subtask": "s" * 201}, "subtask"),
                      ({"checkpoint": "c\u2028k"}, "checkpoint")):
        with pytest.raises(BabyLMError, match=f"score row refused by the results store: {says}"):
            s.add_scores([{**ok, **bad}])
    with pytest.raises(BabyLMError, match="checkpoint holds a control"):
        s.upsert_checkpoint(submission_id=sid, name="chck\x1b1M", words_seen=1, train_flops=None, content_hash=None)
    assert s.counts()["scores"] == 0 and s.counts()["checkpoints"] == 0
    assert s.add_scores([ScoreRow(**ok)]) == 1  # type: ignore[arg-type]
