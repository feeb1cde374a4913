"""`babylm submission validate BUNDLE`: every check a participant can run before submitting.

Reads the bundle as data only (JSON, JSONL, safetensors headers); a real model load happens only
after the static checks pass, in a child process with a deadline, safetensors only, no remote code.
Each problem is a Finding with a stable code (E_* error, W_* warning, I_* info) and a fix.

One module per concern, each a few functions of a shared `Context`, run in the order of `CHECKS`:
manifest (submission.json), files (data manifest, checkpoint file hashes), ledger (the training
ledger's claims), facts (fact sheet, FLOPs), results, predictions, teacher and interaction_run
(interaction claims and evidence), checkpoints (folders, static checks, loading); report holds the
`ValidationReport` and its rendering.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.findings import error
from babylm.submissions.safe_load import DEFAULT_LIMITS, Limits
from babylm.submissions.validate.checkpoints import check_checkpoint_folders, check_checkpoints
from babylm.submissions.validate.context import FLOPS_TOLERANCE, PARAMS_TOLERANCE, Context
from babylm.submissions.validate.facts import check_fact_sheet
from babylm.submissions.validate.files import check_data_manifest
from babylm.submissions.validate.interaction_run import check_interaction_run
from babylm.submissions.validate.ledger import check_ledger, check_schedule
from babylm.submissions.validate.manifest import check_manifest
from babylm.submissions.validate.predictions import check_predictions
from babylm.submissions.validate.report import REPORT_FORMAT, ValidationReport, render_report
from babylm.submissions.validate.results import check_results, missing_tasks
from babylm.submissions.validate.teacher import check_teacher

__all__ = [
    "ARCHIVE_SUFFIXES", "CHECKS", "FLOPS_TOLERANCE", "PARAMS_TOLERANCE", "REPORT_FORMAT", "Context",
    "ValidationReport", "is_archive", "missing_tasks", "render_report", "validate_bundle",
]

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")


def _interaction_run(c: Context, m: Any) -> None:
    if m.files.interaction_run:
        check_interaction_run(c, m)


# Later checks read what earlier ones established (track, ledger, required checkpoints, fact sheet).
CHECKS: tuple[Callable[[Context, Any], None], ...] = (
    check_data_manifest, check_ledger, check_schedule, check_checkpoint_folders, check_fact_sheet, check_results,
    check_predictions, check_teacher, _interaction_run, check_checkpoints,
)


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def validate_bundle(
    bundle: Path,
    *,
    allow_scaled: bool = False,
    load: bool = True,
    data_root: Path | None = None,
    workdir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    split: str | None = None,
    progress: bool = False,
) -> ValidationReport:
    """Check a bundle folder or archive. Archives are extracted (guarded) under `workdir` first."""
    from babylm.submissions.safe_load import check_tree

    bundle = Path(bundle)
    rep = ValidationReport(bundle=bundle.name)
    root = _bundle_root(bundle, rep, workdir, limits)
    if root is None:
        return rep
    rep.root = root
    c = Context(root, rep, allow_scaled=allow_scaled, load=load, data_root=data_root, limits=limits, split=split,
                progress=progress)
    if not guarded(c, "check_tree", lambda: rep.findings.extend(check_tree(root)), ".") or rep.findings.errors:
        return rep  # links may point anywhere: read nothing else
    box: list[Any] = []
    guarded(c, "check_manifest", lambda: box.append(check_manifest(c)), "submission.json")
    m = box[0] if box else None
    if m is not None:
        for check in CHECKS:
            guarded(c, check.__name__, lambda check=check: check(c, m), _main_file(check, m))
    return rep


# The file each check is mostly about, named by an internal-error finding when the check read no other.
_CHECK_FILES = {"check_data_manifest": "data_manifest", "check_ledger": "ledger", "check_schedule": "ledger",
                "check_fact_sheet": "fact_sheet", "check_results": "results", "check_predictions": "predictions",
                "check_teacher": "fact_sheet", "_interaction_run": "interaction_run"}


def _main_file(check: Callable[..., Any], m: Any) -> str:
    key = _CHECK_FILES.get(check.__name__)
    if key is not None:
        return str(getattr(m.files, key, None) or "")
    return str(m.model_location.path or "")


def guarded(c: Context, name: str, fn: Callable[[], Any], where: str) -> bool:
    """Run one check; an exception it did not expect becomes an E_INTERNAL finding naming the check and the
    file it was reading (the validator never raises on a bundle). False after such a finding."""
    c.reading = None
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - any bundle, however odd, gets a report
        rel = c.reading or where
        c.F.add(error("E_INTERNAL", f"internal error in {name} while checking {rel or 'the bundle'}: "
                      f"{type(exc).__name__}: {str(exc)[:200]}", "the validator could not judge this file; fix "
                      "what it names or report the problem to the organizers with the file", rel))
        return False
    return True


def _bundle_root(bundle: Path, rep: ValidationReport, workdir: Path | None, limits: Limits) -> Path | None:
    """The bundle folder: `bundle` itself, or where its archive was extracted (None after E_ARCHIVE)."""
    from babylm.submissions.safe_load import extract_archive

    if not bundle.exists():
        raise BabyLMError(f"bundle not found: {bundle}", "pass a bundle folder, .zip or .tar.gz")
    if not bundle.is_file():
        return bundle
    if not is_archive(bundle):
        raise BabyLMError(f"{bundle} is neither a folder nor a .zip/.tar.gz", "pass the bundle folder")
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="babylm-validate-"))
    if not workdir:
        rep.tmpdir = base
    try:
        return extract_archive(bundle, base / "bundle", limits)
    except BabyLMError as exc:
        rep.findings.add(error("E_ARCHIVE", str(exc), exc.hint or "", bundle.name))
    except Exception as exc:  # noqa: BLE001 - an archive no reader expected is still refused, not a traceback
        rep.findings.add(error("E_ARCHIVE", f"{bundle.name}: cannot extract ({type(exc).__name__}: "
                               f"{str(exc)[:200]})", "pack the bundle folder again with zip or tar", bundle.name))
    return None
