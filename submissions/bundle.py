"""The submission bundle (`babylm.submission/1`): its Pydantic schema and `submission init`.

A bundle is a folder (or a .zip / .tar.gz of one):

    submission.json       this manifest: team, model, edition, track, backend, model location, files
    run.json              the training run's settings (arch, seq_len, scale), when the run has one
    data_manifest.json    the data manifest of the training data
    ledger.jsonl          the training ledger (hash chain)
    results.json          harness results (optional if the official predictions are present)
    all_full_preds_and_fast_scores_<backend>.json   official predictions (optional if results.json is)
    fact_sheet.json       parameters, training FLOPs, words seen, teacher
    checkpoints/chck_1M/ ...   the checkpoints (model location kind "local")
    interaction/          an interaction run's evidence (see interaction_bundle.py)
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.io import read_json
from babylm.submissions.formats import (
    FACT_SHEET_FORMAT,
    NAME_RE,
    SUBMISSION_FORMAT,
    BundleFiles,
    FactSheet,
    ModelLocation,
    SubmissionManifest,
    Teacher,
    predictions_name,
)


def read_run(run_dir: Path) -> dict[str, Any]:
    """A run folder's run.json ({} when it has none)."""
    p = Path(run_dir) / "run.json"
    return read_json(p, what="run settings") if p.is_file() else {}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def checkpoint_dirs(folder: Path) -> list[Path]:
    """The chck_XM folders in `folder` (none when it is missing), in milestone order."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir() and re.fullmatch(r"chck_\d+M", p.name)),
                  key=lambda p: int(p.name[5:-1]))


def copy_results(results_dir: Path, backend: str, dest: Path) -> dict[str, str]:
    """Copy results.json (and the backend's predictions file beside it, if any) from `results_dir` (the
    `babylm eval run` output folder or the results.json itself) into `dest`; returns the submission.json
    `files` entries for what was copied."""
    rfile = results_dir if results_dir.is_file() else results_dir / "results.json"
    if not rfile.is_file():
        raise BabyLMError(f"no results.json at {results_dir}", "pass the --out folder of `babylm eval run`")
    shutil.copy2(rfile, dest / "results.json")
    files = {"results": "results.json"}
    preds = rfile.parent / predictions_name(backend)
    if preds.is_file():
        shutil.copy2(preds, dest / preds.name)
        files["predictions"] = preds.name
    return files


def replace_dir(tmp: Path, out: Path) -> None:
    """Move the finished folder `tmp` to `out`, replacing whatever was there."""
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, out)


@dataclass(frozen=True)
class BundleRequest:
    """What `submission init` was asked for (names, backend and teacher already checked)."""

    team: str
    model: str
    out: Path
    results_dir: Path | None = None
    backend: str = "causal"
    teacher: dict[str, Any] | None = None


def init_bundle(
    run_dir: Path,
    *,
    team: str,
    model: str,
    out: Path,
    results_dir: Path | None = None,
    backend: str = "causal",
    teacher: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Scaffold a bundle from a training run folder (and an evaluation output folder). Returns `out`."""
    from babylm.evaluation.registry import get_backend
    from babylm.submissions.interaction_bundle import init_interaction_bundle, is_interaction_run
    from babylm.submissions.safe_load import count_params
    from babylm.tracks.ledger import verify_ledger

    run_dir, out = Path(run_dir), Path(out)
    if not run_dir.is_dir():
        raise BabyLMError(f"run folder not found: {run_dir}", "pass the --out folder of `babylm model train`")
    interactive = is_interaction_run(run_dir)
    for need in () if interactive else ("ledger.jsonl", "data_manifest.json"):
        if not (run_dir / need).is_file():
            raise BabyLMError(f"{run_dir / need} is missing", "is this a `babylm model train` run folder?")
    if out.exists() and not overwrite:
        raise BabyLMError(f"bundle folder already exists: {out}", "choose another --out or pass --overwrite")
    get_backend(backend)  # a user error naming the registry's backends
    for what, v in (("team", team), ("model", model)):
        if not NAME_RE.match(v):
            raise BabyLMError(f"bad {what} name {v!r}", "use 1-100 letters, digits, spaces or ._+- "
                              "(starting with a letter or digit)")
    if teacher is not None:
        try:
            Teacher(**teacher)
        except ValueError as exc:
            raise BabyLMError(f"bad teacher: {exc}", "give --teacher, --teacher-params, --teacher-words") from None
    if interactive:
        return init_interaction_bundle(run_dir, BundleRequest(team, model, out, results_dir, backend, teacher))
    run = read_run(run_dir)
    rep = verify_ledger(run_dir / "ledger.jsonl")
    if not rep.ok:
        raise BabyLMError(
            f"the run's ledger does not verify: {'; '.join(map(str, rep.errors[:3]))}",
            "bundle an unmodified run folder",
        )
    ckpts = checkpoint_dirs(run_dir)
    if not ckpts:
        raise BabyLMError(f"no chck_*M checkpoint folders in {run_dir}", "train past the first milestone")
    edition, track = _edition_track(run, rep)
    scale = str(run.get("scale", getattr(rep, "scale", None) or "1"))

    tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out.parent if out.parent.exists() else None))
    try:
        files: dict[str, Any] = {"run": "run.json" if run else None}
        shutil.copy2(run_dir / "ledger.jsonl", tmp / "ledger.jsonl")
        shutil.copy2(run_dir / "data_manifest.json", tmp / "data_manifest.json")
        if run:
            shutil.copy2(run_dir / "run.json", tmp / "run.json")
        (tmp / "checkpoints").mkdir()
        for c in ckpts:
            shutil.copytree(c, tmp / "checkpoints" / c.name, symlinks=False)
        if results_dir is not None:
            files |= copy_results(Path(results_dir), backend, tmp)
        if not files.get("results") and not files.get("predictions"):
            raise BabyLMError("a bundle needs evaluation results", "pass --results DIR (the `babylm eval run` output)")

        last = ckpts[-1]
        cfg = read_json(last / "config.json", what="model config")
        seq_len = run.get("seq_len") or cfg.get("n_positions") or cfg.get("max_position_embeddings")
        teacher = teacher or run.get("teacher")
        fact = FactSheet(
            format=FACT_SHEET_FORMAT,
            n_params=count_params(last),
            train_flops=float(rep.flops),
            seq_len=int(seq_len) if seq_len else None,
            tokens_seen=int(rep.tokens),
            words_seen=int(rep.words),
            steps=int(rep.steps),
            teacher=Teacher(**teacher) if teacher else None,
        )
        fact.write(tmp / "fact_sheet.json")
        manifest = SubmissionManifest(
            format=SUBMISSION_FORMAT, team=team, model=model, edition=edition, track=track, backend=backend,
            scale=scale, model_location=ModelLocation(kind="local", path="checkpoints"),
            files=BundleFiles(**files), harness_version=_harness_version(), created=_now(),
        )
        manifest.write(tmp / "submission.json")
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _edition_track(run: dict[str, Any], rep: Any) -> tuple[int, str]:
    from babylm.tracks.rules import get_track

    name = run.get("track") or getattr(rep, "track", None)
    if not name:
        raise BabyLMError("the run does not say its track (run.json / ledger start)", "re-run `babylm model train`")
    ed = run.get("edition")
    t = get_track(str(name), int(ed) if ed else None)
    return t.edition, t.name


def _harness_version() -> str:
    from babylm import __version__

    return __version__
