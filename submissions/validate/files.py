"""Files and hashes: the data manifest and its training files, the checkpoint files the ledger hashed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from babylm.errors import BabyLMError
from babylm.submissions.findings import error, info
from babylm.submissions.validate.context import Context, inside
from babylm.submissions.validate.ledger import ledger_lines
from babylm.tracks.manifest import DataManifest, verify_manifest

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest


def check_data_manifest(c: Context, m: SubmissionManifest) -> None:
    rel = m.files.data_manifest
    if rel is None:  # an interaction bundle whose student is no LM: no training data of its own
        return
    if not (c.root / rel).is_file():
        return
    manifest = c.model(rel, "E_DATA_MANIFEST", DataManifest, "make it with `babylm data count --manifest`")
    if manifest is None:
        return
    listed = sum(f.words for f in manifest.files)
    if listed != manifest.total_words or any(f.words < 0 for f in manifest.files):
        c.F.add(error("E_DATA_MANIFEST_SCHEMA", f"{rel}: its files list {listed:,} words but total_words says "
                      f"{manifest.total_words:,}", "make it with `babylm data count --manifest`", rel))
    total = max(manifest.total_words, listed)
    _manifest_track(c, m, rel, manifest)
    manifest_images(c, rel, manifest)
    c.data_words = total
    c.rep.summary["data_words"] = total
    if total > c.track.word_budget:
        c.F.add(error("E_WORDS_OVER_BUDGET", f"{rel}: {total:,} training words, over the "
                         f"{c.track.word_budget:,}-word budget of {c.track.key}",
                         "remove data until the manifest is within the budget", rel))
    files = [f.model_dump() for f in manifest.files]
    # Only files inside the bundle are read (a manifest may name absolute or '..' paths: never follow them).
    safe = [f for f in files if inside(str(f.get("path", "")))]
    present = [f for f in safe if (c.root / Path(rel).parent / str(f["path"])).is_file()]
    if files and len(present) == len(files):
        try:
            vr = verify_manifest(c.root / rel, check_files=True)
        except BabyLMError as exc:
            c.F.add(error("E_DATA_MANIFEST_SCHEMA", f"{rel}: {exc}", exc.hint or "make it with `babylm data count`",
                             rel))
            return
        if not vr.ok:
            for e in list(vr.errors)[:5]:
                c.F.add(error("E_DATA_FILES", f"{rel}: {e}", "recount with `babylm data count`", rel))
    else:
        c.F.add(info("I_DATA_FILES_ABSENT", "training files not in the bundle; counts taken from the manifest", rel))


def manifest_images(c: Context, rel: str, manifest: DataManifest) -> None:
    """Image-caption data (`tracks.image_data`): images only on a track with images, recorded by hash
    in the manifest and never bundled (only paths inside the bundle are looked at)."""
    images = manifest.images or []
    if images and "image" not in c.track.modalities:
        c.F.add(error("E_IMAGES_NOT_ALLOWED", f"{rel}: lists {len(images)} training image(s), but {c.track.key} "
                      "is text only", "submit to a track with images (2025 multimodal)", rel))
    base = c.root / Path(rel).parent
    bundled = [e.path for e in images if inside(e.path) and (base / e.path).is_file()]
    if bundled:
        c.F.add(error("E_IMAGES_BUNDLED", f"{rel}: {len(bundled)} training image file(s) are in the bundle "
                      f"(first: {bundled[0][:80]})", "leave image data out: the manifest records it by sha256", rel))


def _manifest_track(c: Context, m: SubmissionManifest, rel: str, manifest: DataManifest) -> None:
    """The manifest was counted for the submission's track and scale (its budget is the track's)."""
    from fractions import Fraction

    try:
        same_scale = Fraction(str(manifest.scale)) == Fraction(m.scale)
    except (ValueError, ZeroDivisionError):
        same_scale = False
    name = str(manifest.track).split("/")[-1]
    if name != c.track.name or not same_scale:
        c.F.add(error("E_DATA_MANIFEST_MISMATCH", f"{rel}: counted for track {str(manifest.track)[:40]!r} at scale "
                      f"{str(manifest.scale)[:20]}, the submission is {c.track.key} at {m.scale}",
                      "count the data for the track you submit to (`babylm data count --track`)", rel))
    if manifest.word_budget is not None and manifest.word_budget != c.track.word_budget:
        c.F.add(error("E_DATA_MANIFEST_MISMATCH", f"{rel}: word_budget {manifest.word_budget:,}, the budget of "
                      f"{c.track.key} is {c.track.word_budget:,}", "count the data for the track you submit to", rel))


def files_match(c: Context, where: str, folder: Path, ledger_hash: str) -> None:
    """The checkpoint's files are the ones the ledger hashed when training saved it."""
    from babylm.tracks.ledger import file_sha256

    line = ledger_lines(c).get(folder.name)
    if line is None:
        return
    if ledger_hash != line.get("hash"):
        c.F.add(error("E_CHECKPOINT_META", f"{where}: ledger_hash in babylm_checkpoint.json is not the "
                         "ledger's checkpoint line", "bundle checkpoints and ledger from the same run", where))
    for fname, digest in (line.get("files") or {}).items():
        fp = folder / fname
        if not fp.is_file():
            c.F.add(error("E_CHECKPOINT_FILES", f"{where}/{fname} is listed in the ledger but missing",
                             "bundle the checkpoint as training saved it", where))
        elif not fp.is_symlink() and file_sha256(fp) != digest:
            c.F.add(error("E_CHECKPOINT_FILES", f"{where}/{fname} differs from the file the ledger hashed "
                             "at training time", "bundle the checkpoint as training saved it", where))
