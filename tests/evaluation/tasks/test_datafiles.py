"""Data files: locating task folders/zips, reading plain/gz/zip members in memory, clear errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from babylm.errors import BabyLMError
from babylm.evaluation.api import Item, ScoreRequest
from babylm.evaluation.tasks.datafiles import (
    CountMismatchWarning,
    DataFile,
    DataFileError,
    check_count,
    from_dataset,
    read_bytes,
    read_csv,
    read_jsonl,
    resolve_root,
    task_files,
    to_dataset,
    zip_password,
)
from babylm.testing.zipcrypto import write_encrypted_zip

ROWS = [{"a": i, "b": f"row {i}"} for i in range(5)]
JSONL = "".join(json.dumps(r) + "\n" for r in ROWS)


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "evaluation_data"
    plain = root / "fast_eval" / "plain_task"
    plain.mkdir(parents=True)
    (plain / "one.jsonl").write_text(JSONL)
    (plain / "notes.md").write_text("ignored")
    gz = root / "full_eval" / "gz_task"
    gz.mkdir(parents=True)
    with gzip.open(gz / "two.jsonl.gz", "wt") as fh:
        fh.write(JSONL)
    write_encrypted_zip(
        root / "fast_eval" / "zipped.zip",
        {"evaluation_data/fast_eval/zipped/b.jsonl": JSONL, "evaluation_data/fast_eval/zipped/a.jsonl": JSONL},
        b"BabyLM2025",
    )
    return root


def test_root_resolution_accepts_the_tree_or_its_parent(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    assert resolve_root(root) == root
    assert resolve_root(tmp_path) == root
    with pytest.raises(DataFileError, match="not found"):
        resolve_root(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFileError, match="no fast_eval"):
        resolve_root(tmp_path / "empty")


def test_plain_gz_and_zip_files_read_the_same(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    plain = task_files(root, "fast", "plain_task")
    assert [f.name for f in plain] == ["one.jsonl"]
    gz = task_files(root, "full", "gz_task")
    assert gz[0].stem == "two"
    zipped = task_files(root, "fast", "zipped")
    assert [f.stem for f in zipped] == ["a", "b"]
    assert all(f.member and f.path.suffix == ".zip" for f in zipped)
    for df in (plain[0], gz[0], zipped[0]):
        assert [obj for _, obj in read_jsonl(df)] == ROWS


def test_zip_members_are_read_without_writing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_root(tmp_path)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(tmp_path.rglob("*"))
    zipped = task_files(root, "fast", "zipped")
    assert sum(1 for df in zipped for _ in read_jsonl(df)) == 10
    assert sorted(tmp_path.rglob("*")) == before


def test_missing_task_names_both_places_looked(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    with pytest.raises(DataFileError) as err:
        task_files(root, "full", "wug_past_tense", task="wug_past")
    msg = str(err.value)
    assert "wug_past" in msg and "wug_past_tense.zip" in msg and "not available" in msg
    assert isinstance(err.value, BabyLMError) and err.value.hint
    with pytest.raises(DataFileError, match="unknown split"):
        task_files(root, "medium", "plain_task")  # type: ignore[arg-type]


def test_folder_without_data_files_is_an_error(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "fast_eval" / "hollow").mkdir()
    (root / "fast_eval" / "hollow" / "readme.txt").write_text("x")
    with pytest.raises(DataFileError, match="no data files"):
        task_files(root, "fast", "hollow")


def test_malformed_json_line_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"a": 1}\n\n{"a": 2\n')
    with pytest.raises(DataFileError, match=r"bad\.jsonl line 3: malformed JSON"):
        list(read_jsonl(DataFile(p)))
    p.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(DataFileError, match="line 2: expected a JSON object"):
        list(read_jsonl(DataFile(p)))


def test_truncated_gzip_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "x.jsonl.gz"
    with gzip.open(good, "wt") as fh:
        fh.write(JSONL * 50)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataFileError, match=r"cut\.jsonl\.gz"):
        read_bytes(DataFile(cut))
    with pytest.raises(DataFileError, match="not found"):
        read_bytes(DataFile(tmp_path / "missing.jsonl"))


def test_truncated_zip_and_wrong_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    z = write_encrypted_zip(tmp_path / "t.zip", {"d/t/a.jsonl": JSONL * 20}, "secret")
    df = DataFile(z, "d/t/a.jsonl")
    assert read_bytes(df, "secret") == (JSONL * 20).encode()
    with pytest.raises(DataFileError, match="cannot decrypt") as err:
        read_bytes(df, "BabyLM2025-wrong")
    assert "--zip-password" in (err.value.hint or "")
    monkeypatch.setenv("BABYLM_ZIP_PASSWORD", "secret")
    assert zip_password() == b"secret"
    assert read_bytes(df) == (JSONL * 20).encode()
    (tmp_path / "fast_eval").mkdir()
    (tmp_path / "fast_eval" / "cut.zip").write_bytes(z.read_bytes()[:100])
    with pytest.raises(DataFileError, match="cannot open zip"):
        task_files(tmp_path, "fast", "cut")
    with pytest.raises(DataFileError, match="not found in zip"):
        read_bytes(DataFile(z, "d/t/zzz.jsonl"), "secret")
    raw = bytearray(z.read_bytes())
    raw[200] ^= 0xFF  # corrupt one byte of the member's data: its CRC no longer matches
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(raw))
    with pytest.raises(DataFileError, match=r"cannot read .*bad\.zip!d/t/a\.jsonl"):
        read_bytes(DataFile(bad, "d/t/a.jsonl"), "secret")


def test_default_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from babylm.evaluation.tasks.datafiles import use_zip_password

    monkeypatch.setenv("BABYLM_ZIP_PASSWORD", "")  # so that teardown restores the variable's state
    monkeypatch.delenv("BABYLM_ZIP_PASSWORD")
    assert zip_password() == b"BabyLM2025"
    assert zip_password("x") == b"x"
    use_zip_password(None)
    assert zip_password() == b"BabyLM2025"
    use_zip_password("from-cli")
    assert zip_password() == b"from-cli"


def test_csv_reading(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(',item,word\n0,"The cat",sat\n1,"The, dog",ran\n')
    rows = read_csv(DataFile(p))
    assert rows[1]["item"] == "The, dog" and rows[0]["word"] == "sat"
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataFileError, match="empty CSV"):
        read_csv(DataFile(tmp_path / "empty.csv"))


def test_count_check_errors_when_strict_warns_otherwise() -> None:
    check_count("t", "fast", 5, 5, "f.jsonl")
    check_count("t", "fast", 5, None, "f.jsonl")
    with pytest.raises(DataFileError, match=r"t \(fast\): 4 items in f\.jsonl, expected 5"):
        check_count("t", "fast", 4, 5, "f.jsonl")
    with pytest.warns(CountMismatchWarning, match="expected 5"):
        check_count("t", "fast", 4, 5, "f.jsonl", strict=False)


def test_dataset_round_trip() -> None:
    items = [
        Item("x_0", "x", [ScoreRequest("c", " a"), ScoreRequest("c", " b")], 0, {"ratio": 0.5}),
        Item("y_0", "y", [ScoreRequest("", "w")], None, {}),
    ]
    ds = to_dataset(items)
    assert ds.num_rows == 2 and ds[0]["continuations"] == [" a", " b"]
    assert from_dataset(ds) == items


def test_hub_loading_is_refused_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from babylm.evaluation.tasks.datafiles import load_from_hub

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataFileError, match="offline mode is on"):
        load_from_hub("babylm/ewok")


def test_load_dataset_for_checks_task_and_split(tmp_path: Path) -> None:
    from babylm.evaluation.tasks.datafiles import load_dataset_for

    with pytest.raises(DataFileError, match="unknown task 'nope'"):
        load_dataset_for("nope", tmp_path, "fast")
    with pytest.raises(DataFileError, match="no 'fast' split"):
        load_dataset_for("comps", tmp_path, "fast")


@pytest.mark.realdata
def test_every_available_fast_task_loads_with_its_official_count(shared_data: Path) -> None:
    from babylm.evaluation.api import TASKS
    from babylm.evaluation.runner import import_task_modules

    import_task_modules()
    loaded, missing = {}, []
    for name, spec in sorted(TASKS.items()):
        if "fast" not in spec.splits or name == "demo":
            continue
        try:
            items = list(spec.loader(shared_data, "fast"))
        except DataFileError as exc:
            assert "not available" in str(exc), f"{name}: {exc}"
            missing.append(name)
            continue
        expected = spec.expected_counts.get("fast")
        assert expected is None or len(items) == expected, name
        assert len({it.id for it in items}) == len(items), f"{name}: duplicate item ids"
        loaded[name] = len(items)
    assert {"ewok", "entity_tracking", "wug_adj", "reading", "aoa"} <= set(loaded)
    assert loaded["ewok"] == 1100 and loaded["entity_tracking"] == 3152 and loaded["reading"] == 1726
    assert "wug_past" in missing
