"""submission.json: the schema, the track and scale it names, the files it lists."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from babylm.submissions.findings import error, warning
from babylm.submissions.validate.context import Context

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest
    from babylm.tracks.rules import Track

WHERE = "submission.json"


def check_manifest(c: Context) -> SubmissionManifest | None:
    """The parsed manifest, with `c.track` set; None (after findings) when nothing else can be checked."""
    m = _parse(c)
    if m is None:
        return None
    c.rep.manifest = m.model_dump(mode="json")
    track = _track(c, m)
    if track is None:
        return None
    c.track = track
    c.rep.summary["track"] = track.key
    c.rep.summary["scale"] = m.scale
    c.rep.summary["budgets"] = {"word_budget": track.word_budget, "exposure_cap": track.exposure_cap,
                                "student_generation_cap": track.student_generation_cap}
    _listed_files(c, m)
    return m


def _parse(c: Context) -> SubmissionManifest | None:
    from pydantic import ValidationError

    from babylm.submissions.formats import SubmissionManifest

    raw = c.json(WHERE, "E_MANIFEST")
    if raw is None:
        return None
    try:
        return SubmissionManifest.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors()[:10]:
            loc = ".".join(map(str, e["loc"])) or "(top level)"
            c.F.add(error("E_MANIFEST_SCHEMA", f"submission.json: {loc}: {e['msg']}",
                          "see the 'Submission bundle' section of docs/formats.md", WHERE))
        return None


def _track(c: Context, m: SubmissionManifest) -> Track | None:
    """The track the manifest names, scaled by its scale (a scaled entry is E_SCALED unless allowed)."""
    from babylm.tracks.rules import UnknownTrackError, get_track

    try:
        track = get_track(m.track, m.edition)
    except UnknownTrackError as exc:
        c.F.add(error("E_TRACK", str(exc), "use `babylm tracks list` to list them", WHERE))
        return None
    scale = Fraction(m.scale)
    if scale == 1:
        return track
    msg = f"scaled entry (x{m.scale}): a demo, not a valid challenge entry"
    if c.allow_scaled:
        c.F.add(warning("W_SCALED", msg, "train at full scale for a real entry", WHERE))
    else:
        c.F.add(error("E_SCALED", msg, "train at full scale, or pass --allow-scaled for a demo", WHERE))
    return track.scaled(scale)


def _listed_files(c: Context, m: SubmissionManifest) -> None:
    for key in ("data_manifest", "ledger", "fact_sheet", "results", "predictions", "run"):
        rel = getattr(m.files, key)
        if rel and not (c.root / rel).is_file():
            code = "E_FILE_MISSING" if key != "run" else "W_RUN_MISSING"
            sev = error if key != "run" else warning
            c.F.add(sev(code, f"{rel} ({key}) is listed in submission.json but missing",
                        f"add {rel} or remove it from 'files'", rel))
