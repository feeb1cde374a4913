"""Episode logs: one JSON line per turn, fsync'd, tolerant of a truncated last line."""

from __future__ import annotations

import json

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.interaction.accounting.episodes import EpisodeLog, Feedback, Turn, read_episodes, recount


def test_append_read_recount(tmp_path):
    p = tmp_path / "episodes.jsonl"
    with EpisodeLog(p, run="r1") as log:
        log.append(Turn(run="r1", round=0, episode=0, turn=0, role="student", inputs="ctx", outputs="a b",
                        logprob=-1.5, policy_id="p0", teacher="A b", feedback=Feedback("rule", "positive", "yes"),
                        ledger={"corpus": 1, "student_generated": 2}, seed=3))
        log.append({"run": None, "round": 0, "episode": 1, "turn": 0, "role": "student", "ledger": {"corpus": 4}})
    turns = read_episodes(p)
    assert len(turns) == 2
    assert turns[0]["feedback"] == {"decoder": "rule", "label": "positive", "raw": "yes"}
    assert turns[1]["run"] == "r1" and turns[0]["format"] == "babylm.episode/1"
    assert recount(turns) == {"corpus": 5, "student_generated": 2}


def test_missing_required_fields(tmp_path):
    with EpisodeLog(tmp_path / "e.jsonl") as log, pytest.raises(ValueError, match="role"):
        log.append({"run": "r", "round": 0, "episode": 0, "turn": 0})


def test_truncated_last_line_dropped_with_warning(tmp_path):
    p = tmp_path / "e.jsonl"
    with EpisodeLog(p, run="r") as log:
        for i in range(3):
            log.append({"round": 0, "episode": i, "turn": 0, "role": "student"})
    raw = p.read_bytes()
    p.write_bytes(raw[:-10])  # crash mid-write of the last line
    with pytest.warns(UserWarning, match="truncated"):
        turns = read_episodes(p)
    assert [t["episode"] for t in turns] == [0, 1]


def test_broken_middle_line_is_an_error(tmp_path):
    p = tmp_path / "e.jsonl"
    good = json.dumps({"format": "babylm.episode/1", "run": "r", "round": 0, "episode": 0, "turn": 0, "role": "s"})
    p.write_text(good + "\n{oops\n" + good + "\n")
    with pytest.raises(BabyLMError, match="line 2"):
        read_episodes(p)
    p.write_text(json.dumps({"format": "other/1"}) + "\n")
    with pytest.raises(BabyLMError, match="format"):
        read_episodes(p)


def test_truncate_rolls_back(tmp_path):
    p = tmp_path / "e.jsonl"
    log = EpisodeLog(p, run="r")
    log.append({"round": 0, "episode": 0, "turn": 0, "role": "student"})
    size = log.size()
    log.append({"round": 0, "episode": 1, "turn": 0, "role": "student"})
    log.truncate(size)
    log.append({"round": 0, "episode": 2, "turn": 0, "role": "student"})
    log.close()
    assert [t["episode"] for t in read_episodes(p)] == [0, 2]
