"""Guarded extraction, untrusted JSON, safetensors headers, and real loading with a deadline."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from babylm.errors import BabyLMError
from babylm.submissions.safe_load import (
    Limits,
    check_config,
    extract_archive,
    load_checkpoints,
    load_findings,
    read_json_file,
    read_safetensors_header,
)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    return path


def test_extract_zip_roundtrip_returns_single_top_folder(tmp_path: Path) -> None:
    z = _zip(tmp_path / "b.zip", {"b/submission.json": b"{}", "b/checkpoints/chck_1M/config.json": b"{}"})
    root = extract_archive(z, tmp_path / "out")
    assert root == tmp_path / "out" / "b"
    assert (root / "checkpoints" / "chck_1M" / "config.json").read_bytes() == b"{}"


@pytest.mark.parametrize("name", ["../evil.txt", "/tmp/evil.txt", "a/../../evil.txt", "C:/evil.txt", "a\\..\\evil"])
def test_extract_refuses_unsafe_names_and_leaves_nothing(tmp_path: Path, name: str) -> None:
    z = _zip(tmp_path / "b.zip", {"ok.txt": b"x", name: b"evil"})
    with pytest.raises(BabyLMError, match="unsafe archive member"):
        extract_archive(z, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["b.zip"]  # temp folder cleaned up


def test_extract_byte_limit_counts_real_bytes(tmp_path: Path) -> None:
    z = _zip(tmp_path / "b.zip", {"big.bin": b"\1" * 300_000})
    with pytest.raises(BabyLMError, match="bomb"):
        extract_archive(z, tmp_path / "out", Limits(max_archive_bytes=100_000))


def test_extract_refuses_existing_dest_and_non_archives(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    z = _zip(tmp_path / "b.zip", {"a": b"1"})
    with pytest.raises(BabyLMError, match="already exists"):
        extract_archive(z, tmp_path / "out")
    (tmp_path / "x.zip").write_text("not an archive")
    with pytest.raises(BabyLMError, match="not a zip or tar"):
        extract_archive(tmp_path / "x.zip", tmp_path / "out2")


def test_read_json_refuses_nan_links_and_size(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text('{"x": NaN}')
    with pytest.raises(ValueError, match="NaN"):
        read_json_file(p)
    p.write_text('{"x": 1}')
    (tmp_path / "l.json").symlink_to(p)
    with pytest.raises(ValueError, match="symbolic link"):
        read_json_file(tmp_path / "l.json")
    with pytest.raises(ValueError, match="limit"):
        read_json_file(p, Limits(max_json_bytes=3))
    assert read_json_file(p) == {"x": 1}


def test_safetensors_header_offsets_checked(tmp_path: Path) -> None:
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    good = tmp_path / "good.safetensors"
    good.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 16)
    assert read_safetensors_header(good)["w"]["shape"] == [4]
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 8)  # data truncated
    with pytest.raises(ValueError, match="outside"):
        read_safetensors_header(bad)


def test_check_config_codes() -> None:
    assert {f.code for f in check_config({"model_type": "gpt2", "auto_map": {"AutoModel": "x.Y"}}, "c")} == {"E_AUTO_MAP"}
    assert {f.code for f in check_config({"model_type": "nope"}, "c")} == {"E_MODEL_TYPE"}
    assert {f.code for f in check_config({}, "c")} == {"E_MODEL_TYPE"}
    assert check_config({"model_type": "llama"}, "c") == []


def test_load_real_checkpoints_in_child(built: tuple[Path, Path], tmp_path: Path) -> None:
    """A good checkpoint loads; one whose config does not fit its weights fails with a message."""
    good = built[0] / "checkpoints" / "chck_1M"
    broken = tmp_path / "broken"
    shutil.copytree(good, broken)
    cfg = json.loads((broken / "config.json").read_text())
    cfg["n_embd"] *= 2
    (broken / "config.json").write_text(json.dumps(cfg))
    res = load_checkpoints([good, broken], "causal", timeout_s=120)
    assert res[str(good)]["ok"] and res[str(good)]["finite"] and res[str(good)]["n_params"] > 0
    assert not res[str(broken)]["ok"]
    found = load_findings(res, {str(broken): "broken", str(good): "good"}, 120)
    assert [f.code for f in found] == ["E_LOAD"] and "broken" in found[0].message


def test_load_a_relative_checkpoint_path(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The child runs in another folder: a relative path must not be taken for a Hub repo id."""
    bundle = built[0]
    monkeypatch.chdir(bundle)
    rel = Path("checkpoints") / "chck_1M"
    res = load_checkpoints([rel], "causal", timeout_s=120)
    assert res[str(rel)]["ok"], res


def test_load_deadline_kills_the_child(built: tuple[Path, Path]) -> None:
    good = built[0] / "checkpoints" / "chck_1M"
    res = load_checkpoints([good], "causal", timeout_s=0.01, startup_grace_s=0.0)
    assert res[str(good)]["timeout"] is True
    assert [f.code for f in load_findings(res, {}, 0.01)] == ["E_LOAD_TIMEOUT"]


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_members_are_a_user_error(tmp_path: Path) -> None:
    z = tmp_path / "dup.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "1")
        zf.writestr("a.txt", "2")
    with pytest.raises(BabyLMError, match="named twice"):
        extract_archive(z, tmp_path / "out")
    assert not (tmp_path / "out").exists()


HERE = str(Path(__file__).parent)


def test_load_memory_limit_is_a_finding(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint that needs more memory than the child's address-space limit: a finding, the child's own
    MemoryError reported as data (a stand-in loader allocates 64 GiB under a 2 GiB limit)."""
    monkeypatch.setenv("PYTHONPATH", HERE)
    good = built[0] / "checkpoints" / "chck_1M"
    res = load_checkpoints([good], "causal", timeout_s=60, max_bytes=2 * 1024**3, loader="bad_loaders:hog_memory")
    assert res[str(good)]["memory"] is True and "MemoryError" in res[str(good)]["error"]
    found = load_findings(res, {str(good): "checkpoints/chck_1M"}, 60, 2 * 1024**3)
    assert [f.code for f in found] == ["E_LOAD_MEMORY"] and "2,147,483,648" in found[0].message


def test_load_child_killed_or_slow_is_a_finding(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that dies (as the kernel kills one over its memory) or hangs: a finding per checkpoint, and
    the next checkpoint gets a fresh child."""
    monkeypatch.setenv("PYTHONPATH", HERE)
    ck1, ck2 = (built[0] / "checkpoints" / n for n in ("chck_1M", "chck_2M"))
    res = load_checkpoints([ck1, ck2], "causal", timeout_s=60, loader="bad_loaders:die")
    assert all("signal 9" in res[str(p)]["error"] for p in (ck1, ck2))
    assert [f.code for f in load_findings(res, {}, 60)] == ["E_LOAD", "E_LOAD"]
    res = load_checkpoints([ck1], "causal", timeout_s=1, startup_grace_s=0.0, loader="bad_loaders:sleep_forever")
    assert res[str(ck1)]["timeout"] is True
    assert [f.code for f in load_findings(res, {}, 1)] == ["E_LOAD_TIMEOUT"]


def test_validate_load_reports_a_memory_overrun(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    """`validate --load` with a checkpoint the loader child cannot hold in its memory limit: E_LOAD_MEMORY in
    the report, no exception."""
    import functools

    from babylm.submissions import safe_load
    from babylm.submissions.validate import validate_bundle

    monkeypatch.setenv("PYTHONPATH", HERE)
    monkeypatch.setattr(safe_load, "load_checkpoints", functools.partial(safe_load.load_checkpoints,
                                                                         loader="bad_loaders:hog_memory"))
    rep = validate_bundle(built[0], allow_scaled=True, load=True, workdir=tmp_path / "x",
                          limits=Limits(load_memory_bytes=2 * 1024**3))
    assert not rep.ok
    assert {f.code for f in rep.findings.errors} == {"E_LOAD_MEMORY"}
    assert len(rep.findings.errors) == 3  # one per checkpoint, all in one child (MemoryError is caught there)
