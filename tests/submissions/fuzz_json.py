"""Hypothesis strategies for the format fuzz suite (tests/submissions/test_submission_fuzz_formats.py):
one change to a JSON document, a JSONL chain or a safetensors header, and how to apply it to a bundle."""

from __future__ import annotations

import copy
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bad_bundle_corpus import rehash_ledger
from hypothesis import strategies as st

DEEP = 5000  # deeper than Python's recursion limit

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
