"""Word counting must equal the Python reference exactly, on every input and every chunking."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from babylm.errors import BabyLMError
from babylm.tracks import words as W

ALL_WHITESPACE = [chr(c) for c in range(0x110000) if chr(c).isspace()]
# Words made of: ASCII, 2/3/4-byte characters, a lone em dash, BOM, NUL and other non-space controls.
PIECES = ALL_WHITESPACE + ["\r\n", "a", "Z", "é", "—", "中", "😀", "\ufeff", "\x00", "\x07", "\x1b", "\x7f",
                           "\u200b", "\x08", "\x0e", "\x80", "\ud7ff", "\ue000", "ab", "word"]


def reference(path: Path, errors: str = "strict") -> int:
    with open(path, encoding="utf-8", errors=errors) as f:
        return sum(len(line.split()) for line in f)


@contextlib.contextmanager
def temp_file(data: bytes) -> Iterator[Path]:
    """A temporary .txt file holding `data`, removed afterwards (hypothesis tests cannot take tmp_path)."""
    with tempfile.NamedTemporaryFile(delete=False, suffix=".txt") as fd:
        fd.write(data)
    path = Path(fd.name)
    try:
        yield path
    finally:
        path.unlink()


def test_whitespace_tables_follow_python() -> None:
    assert bytes(c for c in range(128) if chr(c).isspace()) == W.ASCII_SPACE_BYTES
    assert "".join(ALL_WHITESPACE[len(W.ASCII_SPACE_BYTES):]) == W.NON_ASCII_SPACE_CHARS
    assert "\ufeff" not in W.NON_ASCII_SPACE_CHARS and "\u200b" not in W.NON_ASCII_SPACE_CHARS


def test_count_bytes_and_text() -> None:
    data = ("a\u3000b c\n" * 300_000).encode()  # several chunks
    assert W.count_bytes(data) == W.count_text(data.decode()) == 900_000
    with pytest.raises(W.InvalidUTF8) as info:
        W.count_bytes(data + b"\xff")
    assert info.value.offset == len(data) and isinstance(info.value, ValueError)
    assert W.count_bytes(b"x \xff", errors="replace") == 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=80), st.integers(min_value=1, max_value=64))
def test_matches_reference_on_random_unicode(pieces: list[str], chunk: int) -> None:
    text = "".join(pieces)
    with temp_file(text.encode("utf-8")) as path:
        ref = reference(path)
        # The per-line reference equals str.split() of the whole text (every line break is whitespace).
        assert ref == len(text.split()) == W.count_text(text)
        got = W.count_file(path, chunk_bytes=chunk)
        assert got.words == ref
        assert got.bytes == len(text.encode("utf-8"))
        assert got.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert W.count_bytes(text.encode("utf-8")) == ref


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=40))
def test_matches_reference_on_arbitrary_text(text: str, chunk: int) -> None:
    data = text.encode("utf-8", "surrogatepass")
    with temp_file(data) as path:
        try:
            ref = reference(path)
        except UnicodeDecodeError:  # lone surrogates are invalid UTF-8
            start = data.index(b"\xed")
            with pytest.raises(BabyLMError, match=rf"invalid UTF-8 at byte {start} "):
                W.count_file(path, chunk_bytes=chunk)
            return
        assert W.count_file(path, chunk_bytes=chunk).words == ref


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=1, max_value=32))
def test_random_bytes_strict_offset_and_replace(data: bytes, chunk: int) -> None:
    with temp_file(data) as path:
        try:
            data.decode("utf-8")
            first_bad = None
        except UnicodeDecodeError as exc:
            first_bad = exc.start
        if first_bad is None:
            assert W.count_file(path, chunk_bytes=chunk).words == reference(path)
        else:
            with pytest.raises(BabyLMError, match=rf"at byte {first_bad} \("):
                W.count_file(path, chunk_bytes=chunk)
        assert W.count_file(path, errors="replace", chunk_bytes=chunk).words == reference(path, "replace")


# Byte soup built to form (and nearly form) the encodings of non-ASCII whitespace: overlong forms,
# truncated and interrupted sequences, stray continuation bytes, surrogates, 4-byte leads.
SOUP = [b"\xc2", b"\xa0", b"\x85", b"\xe1\x9a", b"\x80", b"\xe2", b"\xe2\x80", b"\xa8", b"\xaf", b"\x8a",
        b"\xe2\x81", b"\x9f", b"\xe3", b"\xe0", b"\x82", b"\xc0", b"\xc1", b"\xed\xa0", b"\xf0\x90",
        b"\xbf", b" ", b"\n", b"a", b"\x1c", b"\x00", "\u3000".encode(), "\u2028".encode(), "\xa0".encode()]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(SOUP), max_size=60), st.integers(min_value=1, max_value=16))
def test_byte_soup_near_whitespace_encodings(pieces: list[bytes], chunk: int) -> None:
    data = b"".join(pieces)
    with temp_file(data) as path:
        assert W.count_file(path, errors="replace", chunk_bytes=chunk).words == reference(path, "replace")
        try:
            ref = reference(path)
        except UnicodeDecodeError:
            with pytest.raises(BabyLMError, match=r"invalid UTF-8"):
                W.count_file(path, chunk_bytes=chunk)
        else:
            assert W.count_file(path, chunk_bytes=chunk).words == ref


MOSTLY_ASCII = SOUP + [b"ab", b" ", b"cd ", b"\n", b"xyz ", b"word", b"  "] * 60


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MOSTLY_ASCII), max_size=400), st.sampled_from([5, 64, 300, 1 << 20]))
def test_sparse_specials_in_ascii_text(pieces: list[bytes], chunk: int) -> None:
    # Long, mostly-ASCII chunks take the sparse paths (compact validation, lead positions).
    data = b"".join(pieces)
    with temp_file(data) as path:
        assert W.count_file(path, errors="replace", chunk_bytes=chunk).words == reference(path, "replace")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            with pytest.raises(BabyLMError, match=rf"at byte {exc.start} \("):
                W.count_file(path, chunk_bytes=chunk)
        else:
            assert W.count_file(path, chunk_bytes=chunk).words == reference(path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", 0),
        (b"   \n\t ", 0),
        (b"one", 1),
        (b"one two\r\nthree\rfour\n", 4),
        (b"no final newline", 3),
        ("a\u00a0b\u3000c\u2028d\x85e".encode(), 5),
        ("\u2014".encode(), 1),  # a lone em dash is a word (LC_ALL=C wc -w misses it)
        ("\ufeffhello world".encode(), 2),  # BOM kept as a character: part of the first word
        ("\ufeff".encode(), 1),
        (b"a\x1cb\x1dc\x1ed\x1fe", 5),  # file/group/record/unit separators are str whitespace
        (b"a\x00b\x07c", 1),  # other controls are not
        (b"a\x0bb\x0cc", 3),
    ],
)
def test_edge_cases(tmp_path: Path, data: bytes, expected: int) -> None:
    p = tmp_path / "f.txt"
    p.write_bytes(data)
    assert reference(p) == expected
    for chunk in (1, 2, 3, 5, W.CHUNK_BYTES):
        assert W.count_file(p, chunk_bytes=chunk).words == expected


def test_multibyte_character_split_across_chunks(tmp_path: Path) -> None:
    # Every chunk size from 1 to 12 cuts some of these 2/3/4-byte characters in the middle.
    text = "x\u00a0é—中😀 y\u3000😀😀z " * 5
    p = tmp_path / "m.txt"
    p.write_text(text, encoding="utf-8")
    for chunk in range(1, 13):
        assert W.count_file(p, chunk_bytes=chunk).words == len(text.split())


def test_invalid_utf8_names_file_and_absolute_offset(tmp_path: Path) -> None:
    p = tmp_path / "bad.txt"
    data = b"good words " * 1000 + b"\xe2\x28\xa1 tail"
    p.write_bytes(data)
    for chunk in (7, 64, 1 << 20):
        with pytest.raises(BabyLMError) as info:
            W.count_file(p, chunk_bytes=chunk)
        assert str(p) in str(info.value)
        assert "at byte 11000" in str(info.value)
        assert "--errors replace" in (info.value.hint or "")
    assert W.count_file(p, errors="replace").words == len(data.decode("utf-8", "replace").split())


def test_truncated_sequence_at_end_of_file(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_bytes(b"ab cd \xe2\x80")
    with pytest.raises(BabyLMError, match="at byte 6 "):
        W.count_file(p, chunk_bytes=3)
    assert W.count_file(p, errors="replace").words == 3


def test_unknown_errors_mode(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(BabyLMError, match="unknown --errors"):
        W.count_words([tmp_path / "a.txt"], errors="ignore")


def test_parallel_ranges_match_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Force the worker path with tiny ranges, so range boundaries fall inside words and characters.
    monkeypatch.setattr(W, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(W, "RANGE_BYTES", 97)
    text = ("alpha be\u00a0ta\u3000gam—ma 😀😀 δέλτα\r\n" * 40) + "end"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text("x " * 500, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    res = W.count_words([tmp_path], workers=2, chunk_bytes=13)
    assert [f.path.name for f in res.files] == ["a.txt", "b.txt", "empty.txt"]
    assert [f.words for f in res.files] == [len(text.split()), 500, 0]
    assert res.files[0].sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert res.total_words == len(text.split()) + 500
    assert res.to_dict()["total_words"] == res.total_words


def test_parallel_reports_first_bad_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(W, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(W, "RANGE_BYTES", 50)
    data = b"word " * 100 + b"\xff" + b" word" * 50 + b"\xc0"
    (tmp_path / "bad.txt").write_bytes(data)
    with pytest.raises(BabyLMError, match="at byte 500 "):
        W.count_words([tmp_path / "bad.txt"], workers=2, chunk_bytes=16)
    res = W.count_words([tmp_path / "bad.txt"], workers=2, errors="replace", chunk_bytes=16)
    assert res.total_words == len(data.decode("utf-8", "replace").split())


def test_resolve_paths_folders_globs_hidden_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "b" / "a.txt").write_text("a")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("x")
    (tmp_path / ".dot.txt").write_text("x")
    got = W.resolve_paths([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in got] == ["a.txt", "b/a.txt", "b/z.txt"]
    got = W.resolve_paths([str(tmp_path / "b" / "*.txt"), tmp_path / "b" / "a.txt"])
    assert [p.name for p in got] == ["a.txt", "z.txt"]  # sorted, duplicates dropped


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: [d / "missing.txt"], "no such file or folder"),
        (lambda d: [d / "empty"], "holds no"),
        (lambda d: [str(d / "*.nothing")], "matches no files"),
        (lambda d: [], "no input paths"),
    ],
)
def test_resolve_paths_errors(tmp_path: Path, make, message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".only_hidden").write_text("x")
    with pytest.raises(BabyLMError, match=message) as info:
        W.resolve_paths(make(tmp_path))
    assert info.value.hint


@pytest.mark.realdata
def test_real_train_sample_matches_reference(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shared_data / "babylm_train_sample"
    files = sorted(folder.rglob("*.train"))
    assert len(files) >= 6
    refs = [reference(f) for f in files]
    for chunk in (W.CHUNK_BYTES, 4099):
        res = W.count_words(files, workers=1, chunk_bytes=chunk)
        assert [f.words for f in res.files] == refs
    monkeypatch.setattr(W, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(W, "RANGE_BYTES", 100_003)
    res = W.count_words([folder], workers=2)
    by_name = {f.path: f.words for f in res.files}
    assert [by_name[f] for f in files] == refs
    assert sum(refs) == 486_789


@pytest.mark.parametrize("parallel", [False, True])
def test_progress_reports_every_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    if parallel:
        monkeypatch.setattr(W, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(W, "RANGE_BYTES", 1000)
    (tmp_path / "a.txt").write_text("word " * 3000)
    (tmp_path / "b.txt").write_text("x")
    seen: list[int] = []
    res = W.count_words([tmp_path], workers=2, progress=seen.append, chunk_bytes=512)
    assert sum(seen) == res.total_bytes == 15001 and len(seen) > 2


def test_memory_stays_constant_on_a_big_file(tmp_path: Path) -> None:
    import tracemalloc

    line = "The cat—sat on the\u00a0mat. “Quoted” café 中文\n".encode()
    block = line * ((1 << 20) // len(line))

    def peak_for(mib: int) -> int:
        p = tmp_path / f"{mib}.txt"
        with open(p, "wb") as f:
            for _ in range(mib):
                f.write(block)
        tracemalloc.start()
        try:
            assert W.count_words([p], workers=1).total_words == mib * len(block.decode().split())
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            p.unlink()

    small, big = peak_for(4), peak_for(40)
    assert big < small + (2 << 20), f"peak {small / 2**20:.1f} MiB for 4 MiB, {big / 2**20:.1f} MiB for 40 MiB"


@pytest.mark.slow
def test_default_parallel_path_on_a_big_file(tmp_path: Path) -> None:
    line = "Some words—and\u00a0more “text” here\r\nnext line 中文\u3000end\n".encode()
    block = line * ((1 << 20) // len(line))
    p = tmp_path / "big.txt"
    with open(p, "wb") as f:
        for _ in range(W.PARALLEL_MIN_BYTES // len(block) + 8):
            f.write(block)
    one = W.count_words([p], workers=1)
    two = W.count_words([p], workers=2)
    assert one.files[0].words == two.files[0].words == reference(p)
    assert one.files[0].sha256 == two.files[0].sha256
