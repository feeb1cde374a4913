"""Property-based fuzzing of every bundle format: no bundle crashes, fools or hangs the validator or the scorer.

Each strategy starts from a valid bundle (the LM bundle of `submission_factory`, the same with an official
predictions file, an interaction bundle of a tiny `respect` run) and changes one thing in one format:

- JSON files (submission.json, fact_sheet.json, results.json, the predictions file, data_manifest.json,
  run.json, config.json, generation/tokenizer configs, tokenizer.json, babylm_checkpoint.json, the interaction
  files): any field set to a value of another JSON type, a huge or non-finite number, a string with control
  characters, markup or odd path names, a nesting deeper than Python's recursion limit; a key deleted,
  renamed to an odd name or given twice with conflicting values; the whole file replaced by bytes;
- JSONL files (the training ledger, the interaction word ledger chain and episode log): one line mutated as
  above, with the hash chain forged again (so the checks after the chain see the value) or not; lines
  deleted, duplicated or swapped;
- safetensors files: a field of the JSON header mutated, or the header's length prefix;
- archives: the bundle packed as zip / tar / tar.gz with one member renamed (traversal, absolute, backslash,
  NUL, normalisation-equivalent twin, very long), a symlink, hard link, device or fifo member, a duplicate
  member, many members, a member over the size limit, an encrypted or unsupported-method zip member, a bad CRC.

Properties, for every example: `validate_bundle` returns a report (never raises), with no E_INTERNAL
finding (an internal error is a check that crashed, i.e. a bug to fix), within a deadline (SIGALRM, no
hang); nothing is written outside the work folder; and a bundle it rejects makes `babylm submission score`
(`score_bundles`) store nothing (its SQLite store is never created or holds no rows). A bundle it accepts
is scored too, into a shared store, without an exception.

Budget: `derandomize=True` (the same examples on every run) and BABYLM_FUZZ_EXAMPLES examples per strategy
(default 20, 11 strategies: about 15 s of CPU here, 10 s more to build the bundles). Run longer by hand,
e.g. with fresh random examples (BABYLM_FUZZ_RANDOM=1; 400 per strategy took 8 minutes here):

    BABYLM_FUZZ_EXAMPLES=2000 BABYLM_FUZZ_RANDOM=1 .venv/bin/python -m pytest -q -p no:cacheprovider \\
        tests/submissions/test_submission_fuzz_formats.py
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import signal
import sqlite3
import struct
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bad_bundle_corpus import rehash_ledger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from babylm.submissions.safe_load import Limits
from babylm.submissions.validate import validate_bundle


@pytest.fixture(autouse=True)
def _toy_task() -> None:
    """The toy task is known to every test here (conftest unregisters it after each module)."""
    from submission_factory import register_toy_task

    register_toy_task()

N_EXAMPLES = int(os.environ.get("BABYLM_FUZZ_EXAMPLES", "20"))
DEADLINE_S = int(os.environ.get("BABYLM_FUZZ_DEADLINE_S", "60"))  # per example, validate + score together
FUZZ = settings(max_examples=N_EXAMPLES, derandomize=not os.environ.get("BABYLM_FUZZ_RANDOM"), deadline=None,
                database=None, suppress_health_check=list(HealthCheck), print_blob=True)
# Small limits keep "over the limit" examples cheap (a few MB, not gigabytes); the good bundles fit them.
LIMITS = Limits(max_archive_bytes=8 * 1024**2, max_archive_files=400, max_json_bytes=1024**2,
                max_header_bytes=256 * 1024)
DEEP = 5000  # deeper than Python's recursion limit
PRED = "all_full_preds_and_fast_scores_causal.json"

# ------------------------------------------------------------------ hostile JSON values


@dataclass(frozen=True)
class Deep:
    """An array nested `n` levels, written as raw text (no encoder would make it)."""

    n: int = DEEP


@dataclass(frozen=True)
class Raw:
    """A token written as is: numbers no float holds, NaN / Infinity literals."""

    text: str


@dataclass(frozen=True)
class Dup:
    """An object with `key` given twice: its own value first, then `value`."""

    obj: dict[str, Any]
    key: str
    value: Any


ODD = ["", " ", "\x00", "\x1b[2J\x1b]0;owned\x07", "[bold red]ALERT[/]", "[link=http://x]y[/link]", "\u202eevil",
       "e\u0301", "\u00e9", "..", "../../etc/passwd", "/etc/passwd", "C:\\x", "a\\b", "chck_1M", "chck_999M",
       "NaN", "1e999", "x" * 5000, "\ud7ff\uffff", "toy_pairs", "agreement_0", "causal", "strict-small"]
NUMBERS = [0, -1, 1, 2**31, 2**63, -(2**63), 10**18, 10**400, -(10**400), 0.5, -0.0, 1e308, 5e-324, 1e300]
RAW = [Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e999"), Raw("-1e999"), Raw("1" + "0" * 400)]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(NUMBERS), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(RAW), st.text(max_size=20), st.sampled_from(ODD), st.just(Deep()),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6) | st.sampled_from(ODD),
                                                                          inner, max_size=4),
    max_leaves=8,
)


def enc(v: Any) -> str:
    """JSON text of `v`, hostile markers included."""
    if isinstance(v, Deep):
        return "[" * v.n + "]" * v.n
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, Dup):
        pairs = [*v.obj.items(), (v.key, v.value)]
        return "{" + ", ".join(f"{json.dumps(str(k))}: {enc(x)}" for k, x in pairs) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {enc(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(enc(x) for x in v) + "]"
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


def plain(v: Any) -> bool:
    """Whether `v` holds no hostile marker (so a ledger line with it can be re-hashed)."""
    if isinstance(v, (Deep, Raw, Dup)):
        return False
    if isinstance(v, dict):
        return all(plain(x) for x in v.values())
    if isinstance(v, list):
        return all(plain(x) for x in v)
    return not isinstance(v, float) or v == v and abs(v) != float("inf")


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a parsed JSON document (the root included), lists capped at 3 elements."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            yield from paths(v, (*prefix, i))


OPS = ("set", "set", "set", "delete", "dup", "rename", "wrap")


def mutate_doc(doc: Any, path: tuple[Any, ...], op: str, value: Any) -> Any:
    """A copy of `doc` with `op` applied at `path` (the root for an empty path)."""
    doc = copy.deepcopy(doc)
    if not path:
        return value if op != "wrap" else [doc]
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    if op == "delete":
        del parent[key]
    elif op == "wrap":
        parent[key] = [parent[key]]
    elif op in ("dup", "rename") and isinstance(parent, dict):
        old = parent.pop(key)
        if op == "dup":
            parent_dup = Dup(dict(parent, **{key: old}), key, value)
            return _replace(doc, path[:-1], parent_dup)
        parent[str(value) if isinstance(value, str) else f"{key}\x1b[31m"] = old
    else:
        parent[key] = value
    return doc


def _replace(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    parent[path[-1]] = new
    return doc


RAW_BYTES = [b"", b"\xef\xbb\xbf{}", b"\xff\xfe\x00{", b"null", b"[]", b"{", b"{}" * 3, b'{"a": 1} trailing',
             b'"\\ud800"', b"\x00" * 64]


@st.composite
def json_change(draw: Any, doc: Any) -> str | bytes:
    """New text for a JSON document: one field changed (see OPS), or whole-file bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(RAW_BYTES) | st.binary(max_size=64))
    path = draw(st.sampled_from(list(paths(doc))))
    op = draw(st.sampled_from(OPS))
    return enc(mutate_doc(doc, path, op, draw(json_values)))


# ------------------------------------------------------------------ applying a change to a bundle copy


def write(p: Path, data: str | bytes) -> None:
    p.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)


@st.composite
def jsonl_change(draw: Any, lines: list[Any]) -> tuple[str, bool]:
    """New text of a JSONL file: one line changed (hash chain forged again or not), or lines reordered."""
    op = draw(st.sampled_from(("line", "line", "line", "delete", "duplicate", "swap", "raw")))
    i = draw(st.integers(0, len(lines) - 1))
    out: list[Any] = list(lines)
    if op == "line":
        path = draw(st.sampled_from(list(paths(lines[i]))[1:] or [()]))
        out[i] = mutate_doc(lines[i], path, draw(st.sampled_from(OPS)), draw(json_values))
    elif op == "delete":
        del out[i]
    elif op == "duplicate":
        out.insert(i, lines[i])
    elif op == "swap":
        j = draw(st.integers(0, len(lines) - 1))
        out[i], out[j] = out[j], out[i]
    else:
        out[i] = Raw(draw(st.sampled_from([x.decode("latin-1") for x in RAW_BYTES])))
    rehash = draw(st.booleans()) and all(isinstance(x, dict) and plain(x) for x in out)
    return "\n".join(enc(x) for x in out) + "\n", rehash


def apply_jsonl(target: Path, change: tuple[str, bool], chained: bool) -> None:
    text, rehash = change
    if rehash and chained:
        rehash_ledger(target, [json.loads(x) for x in text.splitlines()])
    else:
        write(target, text)


def safetensors_parts(p: Path) -> tuple[dict[str, Any], bytes]:
    data = p.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + n]), data[8 + n :]


@st.composite
def safetensors_change(draw: Any, header: dict[str, Any]) -> tuple[bytes | None, int | None]:
    """(new header bytes, new length prefix or None)."""
    if draw(st.integers(0, 5)) == 0:
        return None, draw(st.sampled_from([0, 1, 7, 2**63, 2**64 - 1, 10**9]) | st.integers(0, 2**64 - 1))
    text = draw(json_change(header))
    return (text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text), None


def apply_safetensors(p: Path, change: tuple[bytes | None, int | None]) -> None:
    header, body = safetensors_parts(p)
    raw, length = change
    head = raw if raw is not None else json.dumps(header).encode()
    n = len(head) if length is None else length
    p.write_bytes(struct.pack("<Q", n) + head + body)


# ------------------------------------------------------------------ the properties


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def stored_rows(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        return sum(con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names
                   if n in ("submissions", "checkpoints", "scores", "latest", "flags"))
    finally:
        con.close()


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise Hang(f"no verdict within {seconds} s")

    import time

    old = signal.signal(signal.SIGALRM, fire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)  # an outer alarm (pytest-timeout) is put back after
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 0.001))


def check_mutated(bundles: dict[str, Any], root: Path, edit: Callable[[Path], Any]) -> Any:
    """`check` on a copy of the bundle at `root` after `edit(copy)`."""
    with tempfile.TemporaryDirectory() as d:
        b = Path(d) / "bundle"
        shutil.copytree(root, b, symlinks=True)
        edit(b)
        return check(b, Path(d) / "work", bundles["gold"], bundles["store"])


def check(target: Path, work: Path, gold: Path | None, shared_store: Path, must_reject: bool = False) -> Any:
    """validate + score `target` under the properties of the module docstring; the report."""
    from babylm.submissions.score import score_bundles

    outside = tree(work.parent)
    with deadline(DEADLINE_S):
        rep = validate_bundle(target, allow_scaled=True, load=False, data_root=gold, workdir=work / "x")
        internal = [f for f in rep.findings.items if f.code == "E_INTERNAL"]
        assert not internal, internal
        assert all(f.code and f.message for f in rep.findings.items)
        if must_reject:
            assert not rep.ok, "a hostile archive was accepted"
        db = shared_store if rep.ok else work / "store.db"
        summaries = score_bundles([target], f"sqlite:///{db}", allow_scaled=True, load=False, gold=gold,
                                  sample=0, progress=False, workdir=work / "score")
    assert summaries[0].valid == rep.ok
    if not rep.ok:
        assert stored_rows(db) == 0, "a rejected bundle reached the store"
    new = tree(work.parent) - outside
    assert all(p == work.name or p.startswith(work.name + "/") for p in new), sorted(new)[:5]
    return rep


@pytest.fixture(scope="module", autouse=True)
def _small_limits() -> Iterator[None]:
    """The validator's default limits are LIMITS here, for `validate_bundle` and for the validation that
    `score_bundles` runs itself (which takes no limits argument)."""
    defaults = validate_bundle.__kwdefaults__
    old = defaults["limits"]
    defaults["limits"] = LIMITS
    yield
    defaults["limits"] = old


@pytest.fixture(scope="module")
def bundles(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """{"lm": good LM bundle, "gold", "preds": the same with an official predictions file, "interaction":
    a respect run's bundle, "store": a shared store for accepted bundles}."""
    import torch

    from babylm.evaluation.results import load_results, write_official_predictions
    from babylm.submissions.bundle import init_bundle
    from babylm.tracks.interaction.cli import run_interaction

    good, gold = built
    base = tmp_path_factory.mktemp("fuzzbase")
    preds = base / "preds"
    shutil.copytree(good, preds, symlinks=True)
    write_official_predictions(load_results(preds / "results.json"), preds / PRED)
    m = json.loads((preds / "submission.json").read_text())
    m["files"]["predictions"] = PRED
    (preds / "submission.json").write_text(json.dumps(m, indent=1))
    torch.set_num_threads(1)
    run_interaction("respect", base / "respect", rounds=2, scale="1/1000", progress=False,
                    options={"games": 4, "seed_games": 5, "epochs": 1})
    inter = init_bundle(base / "respect", team="Team F", model="fuzz-respect", out=base / "interaction")
    for b, g in ((good, gold), (preds, gold), (inter, None)):
        rep = validate_bundle(b, allow_scaled=True, load=False, data_root=g)
        assert rep.ok, [(f.code, f.message) for f in rep.findings.errors]
    return {"lm": good, "gold": gold, "preds": preds, "interaction": inter, "store": base / "accepted.db"}


def _files(root: Path, suffix: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(f"*{suffix}") if p.is_file())


# JSON formats, the bundle ("lm", or "preds": predictions only) and the files holding them (relative to it).
JSON_FILES = {
    "submission": ("lm", ["submission.json"]),
    "fact_sheet": ("lm", ["fact_sheet.json"]),
    "results": ("lm", ["results.json"]),
    "data_manifest": ("lm", ["data_manifest.json", "run.json"]),
    "checkpoint_json": ("lm", ["checkpoints/chck_1M/config.json", "checkpoints/chck_3M/config.json",
                               "checkpoints/chck_2M/babylm_checkpoint.json",
                               "checkpoints/chck_3M/generation_config.json"]),
    "tokenizer": ("lm", ["checkpoints/chck_3M/tokenizer.json", "checkpoints/chck_2M/tokenizer_config.json"]),
    "predictions": ("preds", [PRED]),
}


def _doc(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text())


@pytest.mark.parametrize("fmt", sorted(JSON_FILES))
@FUZZ
@given(data=st.data())
def test_json_fields(fmt: str, bundles: dict[str, Any], data: Any) -> None:
    kind, files = JSON_FILES[fmt]
    root = bundles[kind]
    rel = data.draw(st.sampled_from(files), label="file")
    new = data.draw(json_change(_doc(root, rel)), label="new content")
    check_mutated(bundles, root, lambda b: write(b / rel, new))


@FUZZ
@given(data=st.data())
def test_ledger_lines(bundles: dict[str, Any], data: Any) -> None:
    root = bundles["lm"]
    lines = [json.loads(x) for x in (root / "ledger.jsonl").read_text().splitlines()]
    change = data.draw(jsonl_change(lines), label="ledger")
    check_mutated(bundles, root, lambda b: apply_jsonl(b / "ledger.jsonl", change, chained=True))


@FUZZ
@given(data=st.data())
def test_safetensors_headers(bundles: dict[str, Any], data: Any) -> None:
    root = bundles["lm"]
    rel = data.draw(st.sampled_from(["checkpoints/chck_1M/model.safetensors", "checkpoints/chck_3M/model.safetensors"]))
    header, _ = safetensors_parts(root / rel)
    change = data.draw(safetensors_change(header), label="header")
    check_mutated(bundles, root, lambda b: apply_safetensors(b / rel, change))


@FUZZ
@given(data=st.data())
def test_interaction_files(bundles: dict[str, Any], data: Any) -> None:
    root = bundles["interaction"]
    files = [*_files(root, ".json"), *_files(root, ".jsonl"), *_files(root, ".safetensors")]
    rel = data.draw(st.sampled_from(files), label="file")
    with tempfile.TemporaryDirectory() as d:
        b = Path(d) / "bundle"
        shutil.copytree(root, b, symlinks=True)
        if rel.endswith(".jsonl"):
            lines = [json.loads(x) for x in (root / rel).read_text().splitlines() if x.strip()]
            apply_jsonl(b / rel, data.draw(jsonl_change(lines), label="lines"), chained=rel.endswith("ledger.jsonl"))
        elif rel.endswith(".safetensors"):
            header, _ = safetensors_parts(root / rel)
            apply_safetensors(b / rel, data.draw(safetensors_change(header), label="header"))
        else:
            write(b / rel, data.draw(json_change(_doc(root, rel)), label="new content"))
        check(b, Path(d) / "work", None, bundles["store"])


# ------------------------------------------------------------------ archives

NAMES = ["../evil", "../../evil", "/abs/evil", "a\\..\\evil", "C:/evil", "bundle/\x00x", "", ".", "bundle/../../x",
         "bundle/" + "d/" * 200 + "f", "bundle/" + "x" * 300, "bundle/\x1b[2Jname", "bundle/caf\u00e9.json",
         "bundle/cafe\u0301.json", "bundle/RESULTS.JSON", "bundle/results.json/", "bundle//results.json"]
ARCHIVE_OPS = ("rename", "rename", "symlink", "hardlink", "device", "fifo", "duplicate", "nfc_twin", "many",
               "big", "encrypted", "method", "crc", "plain")
HOSTILE = {"symlink", "hardlink", "device", "fifo", "duplicate", "nfc_twin", "many", "big", "encrypted", "method",
           "crc"}


@dataclass
class Member:
    name: str
    data: bytes = b""
    kind: str = "file"  # file, dir, symlink, hardlink, device, fifo
    link: str = ""


def members_of(root: Path) -> list[Member]:
    out = [Member("bundle", kind="dir")]
    for p in sorted(root.rglob("*")):
        name = f"bundle/{p.relative_to(root)}"
        out.append(Member(name, kind="dir") if p.is_dir() else Member(name, p.read_bytes()))
    return out


def pack(members: list[Member], fmt: str, dest: Path, zip_flags: dict[str, Any]) -> Path:
    if fmt == "zip":
        out = dest.with_suffix(".zip")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for m in members:
                info = zipfile.ZipInfo(m.name + ("/" if m.kind == "dir" and not m.name.endswith("/") else ""))
                if m.kind == "symlink":
                    info.external_attr = (0o120777 << 16)
                    z.writestr(info, m.link)
                elif m.kind == "dir":
                    info.external_attr = (0o40755 << 16) | 0x10
                    z.writestr(info, b"")
                else:
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, m.data)
        _patch_zip(out, zip_flags)
        return out
    out = dest.with_suffix(".tar.gz" if fmt == "tgz" else ".tar")
    with tarfile.open(out, "w:gz" if fmt == "tgz" else "w") as t:
        for m in members:
            ti = tarfile.TarInfo(m.name)
            if m.kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            elif m.kind in ("symlink", "hardlink"):
                ti.type = tarfile.SYMTYPE if m.kind == "symlink" else tarfile.LNKTYPE
                ti.linkname = m.link
                t.addfile(ti)
            elif m.kind in ("device", "fifo"):
                ti.type = tarfile.CHRTYPE if m.kind == "device" else tarfile.FIFOTYPE
                t.addfile(ti)
            else:
                ti.size = len(m.data)
                t.addfile(ti, io.BytesIO(m.data))
    return out


def _patch_zip(path: Path, flags: dict[str, Any]) -> None:
    """Set the encrypted bit / an unknown method / a wrong CRC on the zip member named flags['member']."""
    if not flags:
        return
    raw = bytearray(path.read_bytes())
    name = flags["member"].encode()
    for sig, name_at, flag_at, method_at, crc_at in ((b"PK\x03\x04", 30, 6, 8, 14), (b"PK\x01\x02", 46, 8, 10, 16)):
        i = raw.find(sig)
        while i != -1:
            nlen = struct.unpack_from("<H", raw, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            if raw[i + name_at : i + name_at + nlen] == name:
                if flags["op"] == "encrypted":
                    struct.pack_into("<H", raw, i + flag_at, struct.unpack_from("<H", raw, i + flag_at)[0] | 1)
                elif flags["op"] == "method":
                    struct.pack_into("<H", raw, i + method_at, 99)
                else:
                    struct.pack_into("<I", raw, i + crc_at, struct.unpack_from("<I", raw, i + crc_at)[0] ^ 0xFFFF)
            i = raw.find(sig, i + 4)
    path.write_bytes(bytes(raw))


@st.composite
def archive_change(draw: Any, members: list[Member]) -> tuple[list[Member], str, dict[str, Any], str]:
    """(members, format, zip patch, op)."""
    op = draw(st.sampled_from(ARCHIVE_OPS))
    fmt = draw(st.sampled_from(("zip", "tar", "tgz")))
    if op in ("symlink", "hardlink", "device", "fifo") and fmt == "zip" and op != "symlink":
        fmt = "tar"
    if op in ("encrypted", "method", "crc"):
        fmt = "zip"
    out = [Member(m.name, m.data, m.kind, m.link) for m in members]
    files = [i for i, m in enumerate(out) if m.kind == "file"]
    i = draw(st.sampled_from(files))
    flags: dict[str, Any] = {}
    if op == "rename":
        out[i].name = draw(st.sampled_from(NAMES) | st.text(min_size=1, max_size=30).map(lambda s: f"bundle/{s}"))
    elif op in ("symlink", "hardlink"):
        target = draw(st.sampled_from(["/etc/passwd", "../../../etc/passwd", "bundle/results.json", "results.json"]))
        out.append(Member(out[i].name + ".lnk" if draw(st.booleans()) else out[i].name, kind=op, link=target))
    elif op in ("device", "fifo"):
        out.append(Member("bundle/dev", kind=op))
    elif op == "duplicate":
        out.append(Member(out[i].name, b'{"format": "evil"}'))
    elif op == "nfc_twin":
        out += [Member("bundle/caf\u00e9.json", b"{}"), Member("bundle/cafe\u0301.json", b"[]")]
    elif op == "many":
        out += [Member(f"bundle/pad/{k}.txt", b"x") for k in range(LIMITS.max_archive_files + 10)]
    elif op == "big":
        out.append(Member("bundle/big.bin", os.urandom(1024) * (LIMITS.max_archive_bytes // 1024 + 8)))
    elif op in ("encrypted", "method", "crc"):
        flags = {"op": op, "member": out[i].name}
    return out, fmt, flags, op


@pytest.mark.filterwarnings("ignore:Duplicate name")
@FUZZ
@given(data=st.data())
def test_archive_structure(bundles: dict[str, Any], data: Any) -> None:
    members, fmt, flags, op = data.draw(archive_change(members_of(bundles["lm"])), label="archive")
    with tempfile.TemporaryDirectory() as d:
        archive = pack(members, fmt, Path(d) / "bundle", flags)
        check(archive, Path(d) / "work", bundles["gold"], bundles["store"], must_reject=op in HOSTILE)


def test_a_forged_chain_reaches_the_checks_past_it(bundles: dict[str, Any], tmp_path: Path) -> None:
    """The ledger strategy's re-hashed lines pass the hash chain, so its values meet the checks after it:
    a start line naming another track is E_TRACK_MISMATCH, not a broken chain."""
    b = tmp_path / "b"
    shutil.copytree(bundles["lm"], b, symlinks=True)
    lines = [json.loads(x) for x in (b / "ledger.jsonl").read_text().splitlines()]
    lines[0]["track"] = "2025/strict"
    apply_jsonl(b / "ledger.jsonl", ("\n".join(enc(x) for x in lines) + "\n", True), chained=True)
    rep = check(b, tmp_path / "work", bundles["gold"], bundles["store"])
    codes = {f.code for f in rep.findings.errors}
    assert "E_TRACK_MISMATCH" in codes and "E_LEDGER_CHAIN" not in codes, codes


def test_the_per_example_deadline_fires() -> None:
    import time

    with pytest.raises(Hang), deadline(1):
        time.sleep(5)
