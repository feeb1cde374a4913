"""Data manifests: build, atomic write with relative paths, and verification that catches edits."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.manifest import FORMAT, build_manifest, read_manifest, verify_manifest, write_manifest
from babylm.tracks.rules import get_track


@pytest.fixture()
def corpus(text_corpus) -> Path:
    return text_corpus(a="the cat sat\non the mat\n", b="a\u00a0b — c")


def test_build_and_write_relative_paths(corpus: Path) -> None:
    m = build_manifest([corpus], "strict-small", root=corpus.parent)
    assert m["format"] == FORMAT
    assert (m["edition"], m["track"], m["scale"]) == (2025, "strict-small", "1")
    assert [f["path"] for f in m["files"]] == ["corpus/a.train", "corpus/b.train"]
    assert [f["words"] for f in m["files"]] == [6, 4]
    assert m["files"][0]["sha256"] == hashlib.sha256((corpus / "a.train").read_bytes()).hexdigest()
    assert m["total_words"] == 10 and m["word_budget"] == 10_000_000 and m["within_budget"]
    assert m["tool_version"] and m["word_rule"] == "python-str-split-utf8" and m["created"].endswith("Z")
    out = write_manifest(m, corpus.parent / "data_manifest.json")
    assert json.loads(out.read_text()) == m
    assert not list(corpus.parent.glob(".data_manifest.json.*"))  # temp file renamed away


def test_absolute_paths_become_relative_under_manifest_folder(corpus: Path, tmp_path: Path) -> None:
    m = build_manifest([corpus / "a.train"], "strict-small")
    assert Path(m["files"][0]["path"]).is_absolute()
    out = write_manifest(m, corpus / "m.json")
    assert read_manifest(out).files[0].path == "a.train"
    elsewhere = write_manifest(m, tmp_path / "other" / "m.json")
    assert Path(read_manifest(elsewhere).files[0].path).is_absolute()
    assert verify_manifest(out).ok and verify_manifest(elsewhere).ok


def test_verify_detects_edited_and_missing_files(corpus: Path) -> None:
    out = write_manifest(build_manifest([corpus], "strict-small", root=corpus), corpus / "m.json")
    rep = verify_manifest(out)
    assert rep.ok and [f.status for f in rep.files] == ["ok", "ok"]
    assert rep.actual_total_words == rep.total_words == 10
    (corpus / "a.train").write_text("the cat sat\non the mat!\n", encoding="utf-8")  # same words, new bytes
    (corpus / "b.train").unlink()
    rep = verify_manifest(out)
    assert not rep.ok
    assert [f.status for f in rep.files] == ["changed", "missing"]
    assert "sha256" in rep.files[0].detail and "bytes" in rep.files[0].detail
    assert any("missing" in p for p in rep.problems)
    assert verify_manifest(out, check_files=False).ok  # without files only sums and budget are checked
    d = rep.to_dict()
    assert set(d) >= {"ok", "files", "problems", "total_words", "word_budget", "within_budget"}


def test_verify_detects_tampered_totals_and_budget(corpus: Path) -> None:
    out = write_manifest(build_manifest([corpus], "strict-small", root=corpus), corpus / "m.json")
    data = json.loads(out.read_text())
    data["total_words"] = 1
    data["word_budget"] = 10**12
    out.write_text(json.dumps(data))
    rep = verify_manifest(out, check_files=False)
    assert not rep.ok
    assert any("sum of file words" in p for p in rep.problems)
    assert any("word_budget" in p for p in rep.problems)


def test_scaled_track_and_over_budget(corpus: Path) -> None:
    big = corpus / "big.train"
    big.write_text("w " * 200)
    track = get_track("strict-small").scaled(Fraction(1, 1_000_000))  # budget 10 words
    m = build_manifest([big], track, root=corpus)
    assert m["scale"] == "1/1000000" and m["word_budget"] == 10 and not m["within_budget"]
    out = write_manifest(m, corpus / "m.json")
    rep = verify_manifest(out)
    assert not rep.ok and not rep.within_budget and not rep.problems
    assert len(rep.errors) == 1 and "over the 10-word budget" in rep.errors[0]
    assert build_manifest([big], "strict-small", scale="1/1000000")["word_budget"] == 10


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"format": "babylm.other/1"}', "field 'format'"),
        (json.dumps({"format": FORMAT, "files": "x", "total_words": 1, "track": "strict", "edition": 2025}),
         "'files'"),
        (json.dumps({"format": FORMAT, "files": [{"path": "a"}], "total_words": 1, "track": "strict",
                     "edition": 2025}), r"files\[0\]"),
        (json.dumps({"format": FORMAT, "files": [], "total_words": 0, "track": "nope", "edition": 2025}),
         "unknown track"),
    ],
)
def test_bad_manifests_raise_user_errors(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "m.json"
    p.write_text(content)
    with pytest.raises(BabyLMError, match=message) as info:
        verify_manifest(p)
    assert info.value.hint


def test_verify_a_folder_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BabyLMError, match="is a folder"):
        verify_manifest(tmp_path)
    with pytest.raises(BabyLMError, match="no such manifest"):
        verify_manifest(tmp_path / "nope.json")


def test_bad_track_and_scale(corpus: Path) -> None:
    with pytest.raises(BabyLMError, match="unknown track"):
        build_manifest([corpus], "tiny")
    with pytest.raises(BabyLMError, match=r"must be in \(0, 1\]"):
        build_manifest([corpus], "strict-small", scale="2")
    with pytest.raises(BabyLMError, match="bad --scale"):
        build_manifest([corpus], "strict-small", scale="abc")
    with pytest.raises(BabyLMError, match="is a folder"):
        write_manifest(build_manifest([corpus], "strict-small"), corpus)
