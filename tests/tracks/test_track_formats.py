"""The tracks part's file formats: each model reads what it writes, keeps key order, refuses bad files."""

from __future__ import annotations

import json
import math
import stat
from pathlib import Path

import pytest
from ledger_support import forge, run

from babylm.errors import BabyLMError
from babylm.tracks.ledger import CHECKPOINT_META, CheckpointMeta, line_hash, verify_ledger
from babylm.tracks.ledger.formats import StepLine, parse_line, seal
from babylm.tracks.manifest import FORMAT, DataManifest, write_manifest
from babylm.tracks.train import RunInfo, TrainState


def test_sealed_lines_parse_back_and_hash_their_text() -> None:
    line, text = seal(3, "step", "0" * 64, {"words": 5, "tokens": 6, "steps": 1, "flops": 6.0, "d_words": 5,
                                            "d_tokens": 6, "d_steps": 1, "loss": float("nan")})
    obj = json.loads(text)
    assert isinstance(line, StepLine) and obj["hash"] == line_hash(obj) == line.hash and math.isnan(obj["loss"])
    assert text.endswith("\n") and list(obj) == sorted(obj) and " " not in text
    assert isinstance(parse_line(obj, 4), StepLine)


def test_a_rehashed_line_with_a_wrong_type_is_named(tmp_path: Path) -> None:
    p = forge(tmp_path, 3, 1, "d_words", "30")
    rep = verify_ledger(p, check_checkpoints=False)
    assert not rep.ok and rep.errors[0].startswith("line 2: bad `step` line (d_words:")


def test_checkpoint_metadata_round_trip_and_a_broken_one(tmp_path: Path) -> None:
    run(tmp_path, steps=5)
    path = tmp_path / "chck_1M" / CHECKPOINT_META
    meta = CheckpointMeta.read(path)
    assert meta.format == "babylm.checkpoint/1" and meta.words_seen == 120
    text = path.read_text()
    assert text.startswith('{\n  "format": "babylm.checkpoint/1",\n  "name": "chck_1M"') and text.endswith("}\n")
    meta.write(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == text
    path.write_text(json.dumps({**json.loads(text), "words_seen": "120"}))
    rep = verify_ledger(tmp_path)
    assert not rep.ok and "unreadable" in rep.errors[0] and "words_seen" in rep.errors[0]


def test_run_info_keeps_key_order_and_writes_a_nan_loss_as_null(tmp_path: Path) -> None:
    info = RunInfo.model_validate({"format": "babylm.run/1", "track": "strict-small", "model_config": {"a": 1},
                                   "lr": 1, "status": "running", "created": "x", "custom": [1]})
    done = info.updated(status="failed", final_loss=float("nan"), resumed_from=["chck_1M"])
    done.write(tmp_path)
    data = json.loads((tmp_path / "run.json").read_text())
    assert list(data) == ["format", "track", "model_config", "lr", "status", "created", "final_loss",
                          "resumed_from", "custom"]
    assert data["final_loss"] is None and data["lr"] == 1 and isinstance(data["lr"], int)
    assert RunInfo.read(tmp_path).to_dict() == data
    with pytest.raises(BabyLMError, match="cannot resume: run.json has no 'epochs'"):
        RunInfo.read(tmp_path).require("track", "epochs")
    (tmp_path / "run.json").write_text('{"format": "babylm.run/9"}')
    with pytest.raises(BabyLMError, match="cannot read"):
        RunInfo.read(tmp_path)


def test_train_state_round_trip_and_missing(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    with pytest.raises(BabyLMError, match="no train_state.pt"):
        TrainState.load(tmp_path)
    TrainState(checkpoint="chck_1M", epoch=1, next_batch=32, optimizer={"state": {}}, scheduler={"k": 1}).save(tmp_path)
    back = TrainState.load(tmp_path)
    assert (back.format, back.checkpoint, back.epoch, back.next_batch) == ("babylm.train_state/1", "chck_1M", 1, 32)


def test_manifest_model_keeps_extra_fields_and_writes_a_private_file(tmp_path: Path) -> None:
    data = {"format": FORMAT, "edition": 2025, "track": "strict-small", "files": [], "total_words": 0, "note": "x"}
    out = write_manifest(data, tmp_path / "m.json")
    assert json.loads(out.read_text()) == data and out.read_text().endswith("}\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    m = DataManifest.read(out)
    assert m.scale == "1" and m.to_dict() == data
    with pytest.raises(BabyLMError, match="field 'edition' is missing or not a int"):
        DataManifest.parse({**data, "edition": "2025"}, "m.json")
