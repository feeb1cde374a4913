"""What the store accepts as a user string, checked on every write (whatever wrote it: the scorer, a
script, the organizer console), so a hostile or broken name never reaches a page or a terminal.

Ids and tracks follow the bundle's rules (submissions/formats.py). Team and model names: the bundle's
rule is stricter (NAME_RE: letters, digits, spaces and ._+-); the store takes any printable text of
1-100 characters, so every name a bundle may carry fits, and refuses control and format characters
(ANSI/OSC escapes, bidi overrides, zero-width characters, line breaks). Flag reasons and notes may hold
line breaks and tabs, nothing else that is not printable.
"""

from __future__ import annotations

import re

from babylm.errors import BabyLMError

# field -> most characters (each at most its column's width)
MAX_LEN = {
    "submission_id": 200, "team": 100, "model": 100, "track": 64, "backend": 50, "teacher": 200,
    "reason": 500, "note": 2000, "by": 200, "checkpoint": 100, "task": 100,
}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")  # the bundle's ids are slug + hash
TRACK_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")  # formats._TRACK
BACKEND_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
MULTILINE_OK = {"\n", "\t"}
HINT = "see the name rules in docs/formats.md (submission.json) and docs/operations.md (organizer console)"


def _too_long(field: str, value: str) -> None:
    limit = MAX_LEN[field]
    if len(value) > limit:
        raise BabyLMError(f"{field} is {len(value)} characters long; the results store takes at most {limit}", HINT)


def _unprintable(value: str, *, multiline: bool) -> str | None:
    """The first character that is not printable (line breaks and tabs allowed when `multiline`)."""
    for ch in value:
        if not ch.isprintable() and not (multiline and ch in MULTILINE_OK):
            return ch
    return None


def check_text(field: str, value: object, *, multiline: bool = False, optional: bool = False) -> str | None:
    """`value` if it is a string the store takes for `field`, else a BabyLMError naming the field."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise BabyLMError(f"{field} must be text, not {type(value).__name__}", HINT)
    if not value.strip():
        raise BabyLMError(f"{field} is empty", HINT)
    _too_long(field, value)
    bad = _unprintable(value, multiline=multiline)
    if bad is not None:
        raise BabyLMError(f"{field} holds a control or format character (U+{ord(bad):04X}); the results store "
                          "takes printable text only", HINT)
    return value


def check_token(field: str, value: object, pattern: re.Pattern[str]) -> str:
    """An id-like string: `pattern` and the field's length limit."""
    if not isinstance(value, str) or not pattern.match(value):
        raise BabyLMError(f"{field} {value!r} is not a valid name for the results store",
                          f"a {field} starts with a letter or digit and holds letters, digits and "
                          f"{'._/-' if pattern is TRACK_RE else '._+-'} only")
    _too_long(field, value)
    return value


def check_submission_id(value: object) -> str:
    return check_token("submission_id", value, ID_RE)


def check_submission(*, submission_id: str, team: str, model: str, track: str, backend: str,
                     teacher: str | None) -> None:
    """The user strings of a submission row."""
    check_submission_id(submission_id)
    check_text("team", team)
    check_text("model", model)
    check_token("track", track, TRACK_RE)
    check_token("backend", backend, BACKEND_RE)
    check_text("teacher", teacher, optional=True)


def check_flag(*, reason: str, by: str, checkpoint: str | None, task: str | None) -> None:
    check_text("reason", reason, multiline=True)
    check_text("by", by)
    check_text("checkpoint", checkpoint or None, optional=True)
    check_text("task", task or None, optional=True)
