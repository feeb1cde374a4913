"""Ledger verification: tampered lines, forged counters and checkpoint folders are found and named."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_support import TRACK, forge, lines, rewrite, run

from babylm.errors import BabyLMError
from babylm.tracks.ledger import (
    Ledger,
    LedgerReport,
    line_hash,
    verify_ledger,
)


def test_an_edited_line_is_named(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    k = next(i for i, o in enumerate(objs) if o["event"] == "step" and i > 3)
    objs[k]["words"] -= 30
    objs[k]["d_words"] -= 30
    rewrite(p, objs)
    rep = verify_ledger(p)
    assert not rep.ok and rep.errors[0].startswith(f"line {k + 1}:") and "edited" in rep.errors[0]


def test_an_edit_with_a_recomputed_hash_breaks_the_next_line(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    objs[2]["words"] -= 1
    objs[2]["hash"] = line_hash(objs[2])
    rewrite(p, objs)
    rep = verify_ledger(p)
    assert not rep.ok and rep.errors[0].startswith("line 3:")  # counters no longer add up


def test_removed_line_and_garbage_are_detected(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    rewrite(p, objs[:4] + objs[5:])
    assert "line 5: seq" in verify_ledger(p).errors[0]
    rewrite(p, objs)
    with open(p, "a") as f:
        f.write("not json\n")
    assert "not valid JSON" in verify_ledger(p).errors[0]
    p.write_text("")
    assert not verify_ledger(p).ok


def test_wrong_format_and_missing_file(tmp_path: Path) -> None:
    p = forge(tmp_path, 2, 0, "format", "babylm.ledger/9")
    assert "unknown format" in verify_ledger(p).errors[0]
    with pytest.raises(BabyLMError, match="no ledger"):
        verify_ledger(tmp_path / "nope")


def test_changed_checkpoint_files_are_detected(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    (tmp_path / "chck_2M" / "model.safetensors").write_bytes(b"swapped weights")
    rep = verify_ledger(tmp_path)
    assert not rep.ok and "chck_2M" in rep.errors[0] and "sha256" in rep.errors[0]
    assert verify_ledger(tmp_path, check_checkpoints=False).ok


def test_a_missing_checkpoint_folder_is_a_warning(tmp_path: Path) -> None:
    import shutil

    run(tmp_path, steps=10)
    shutil.rmtree(tmp_path / "chck_3M")
    rep = verify_ledger(tmp_path)
    assert rep.ok and any("chck_3M" in w for w in rep.warnings)


def test_an_unfinished_ledger_is_reported(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0)
    led.before_step(5, 5)
    led.after_step()
    rep = verify_ledger(tmp_path)
    assert rep.ok and not rep.complete and rep.warnings and rep.words == 5
    led.close()


def test_words_over_the_cap_in_a_forged_ledger_are_flagged(tmp_path: Path) -> None:
    run(tmp_path, steps=2)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    end = objs.pop()
    extra = {"seq": len(objs), "event": "step", "time": end["time"], "prev": objs[-1]["hash"], "words": 20_060,
             "tokens": 80, "steps": 3, "flops": 1e12, "d_words": 20_000, "d_tokens": 0, "d_steps": 1}
    extra["hash"] = line_hash(extra)
    rewrite(p, [*objs, extra])
    rep = verify_ledger(p, check_checkpoints=False)
    assert rep.ok and rep.cap_exceeded


def test_checkpoints_can_be_checked_under_another_root(tmp_path: Path) -> None:
    import shutil

    run(tmp_path / "run", steps=5)
    (tmp_path / "elsewhere").mkdir()
    shutil.move(tmp_path / "run" / "chck_1M", tmp_path / "elsewhere" / "chck_1M")
    rep = verify_ledger(tmp_path / "run", checkpoint_root=tmp_path / "elsewhere")
    assert rep.ok and not any("chck_1M" in w for w in rep.warnings)
    (tmp_path / "elsewhere" / "chck_1M" / "config.json").write_text('{"n_layer": 99}')
    assert not verify_ledger(tmp_path / "run", checkpoint_root=tmp_path / "elsewhere").ok


def test_negative_increments_and_duplicate_checkpoints_are_refused(tmp_path: Path) -> None:
    run(tmp_path, steps=5)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    end = objs.pop()

    def append(extra: dict) -> LedgerReport:
        body = {"seq": len(objs), "time": end["time"], "prev": objs[-1]["hash"], **extra}
        body["hash"] = line_hash(body)
        rewrite(p, [*objs, body])
        return verify_ledger(p, check_checkpoints=False)

    back = append({"event": "step", "words": 120, "tokens": 200, "steps": 6, "flops": 9e9, "d_words": -30,
                   "d_tokens": 0, "d_steps": 1})
    assert not back.ok and "d_words" in back.errors[0]
    dup = next(o for o in objs if o["event"] == "checkpoint")
    again = append({k: v for k, v in dup.items() if k not in ("seq", "prev", "hash", "time")})
    assert not again.ok and "twice" in again.errors[0]


def test_a_forged_resume_line_is_refused(tmp_path: Path) -> None:
    run(tmp_path, steps=5)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    body = {"seq": len(objs), "event": "resume", "time": objs[-1]["time"], "prev": objs[-1]["hash"],
            "from_checkpoint": "chck_1M", "words": 0, "tokens": 0, "steps": 0, "flops": 0.0}
    body["hash"] = line_hash(body)
    rewrite(p, [*objs, body])
    rep = verify_ledger(p, check_checkpoints=False)
    assert not rep.ok and "resume words 0 != checkpoint chck_1M's 120" in rep.errors[0]
