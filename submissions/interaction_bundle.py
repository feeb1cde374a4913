"""Bundles of interaction runs (`babylm submission init RUN` where RUN holds an `interaction.json`).

What such a bundle holds (docs/formats.md, "Interaction bundles"):

    interaction/          the interaction evidence, copied unmodified from the run folder:
      interaction.json, word_ledger.json, word_ledger.jsonl, episodes.jsonl, summary.json,
      metrics.jsonl (when present), summary.png and plots/*.png (when present)
    fact_sheet.json       parameters, FLOPs, words seen, teacher {model_id, n_params, words}, student words
    submission.json       files.interaction_run = "interaction", files.interaction_ledger =
                          "interaction/word_ledger.json"
  simpo / reinforce (an HF causal-LM student with a training ledger), in addition:
    ledger.jsonl, data_manifest.json, run.json, checkpoints/chck_*/ (HF folders; none when the run saw
    fewer words than the first milestone), results.json when --results is given
  respect / cogen (a reference-game student, not an HF model), in addition:
    checkpoints/chck_*/   the reference-game student at each milestone (student.json + model.safetensors):
                          evidence only, never loaded or scored; no training ledger, no data manifest.

The run must pass `babylm interact verify` before it is bundled.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babylm.errors import BabyLMError
from babylm.io import read_json

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.bundle import BundleRequest

INTERACTION_DIR = "interaction"
EVIDENCE = ("interaction.json", "word_ledger.json", "word_ledger.jsonl", "episodes.jsonl", "summary.json",
            "metrics.jsonl", "summary.png")
REQUIRED_EVIDENCE = ("interaction.json", "word_ledger.json", "word_ledger.jsonl", "episodes.jsonl", "summary.json")
REFGAME_FILES = frozenset({"student.json", "model.safetensors"})
REFGAME_FLOPS_METHOD = "not-counted (reference-game student)"


def is_interaction_run(run_dir: Path) -> bool:
    """Whether `run_dir` is the --out folder of `babylm interact`."""
    return (Path(run_dir) / "interaction.json").is_file()


def _copy_evidence(run_dir: Path, dest: Path) -> None:
    dest.mkdir()
    for name in EVIDENCE:
        if (run_dir / name).is_file():
            shutil.copy2(run_dir / name, dest / name)
    plots = sorted((run_dir / "plots").glob("*.png")) if (run_dir / "plots").is_dir() else []
    if plots:
        (dest / "plots").mkdir()
        for p in plots:
            shutil.copy2(p, dest / "plots" / p.name)


def init_interaction_bundle(run_dir: Path, req: BundleRequest) -> Path:
    """Scaffold a bundle from an interaction run folder (layout in the module docstring). Returns `out`.
    The caller (`bundle.init_bundle`) has checked names, backend, teacher and that `out` may be written."""
    from babylm.submissions import formats as bf
    from babylm.submissions.bundle import (
        _harness_version,
        _now,
        checkpoint_dirs,
        copy_results,
        read_run,
        replace_dir,
    )
    from babylm.submissions.safe_load import count_params
    from babylm.tracks.interaction.accounting.verify import verify_run
    from babylm.tracks.rules import UnknownTrackError, get_track

    run_dir = Path(run_dir)
    missing = [n for n in REQUIRED_EVIDENCE if not (run_dir / n).is_file()]
    if missing:
        raise BabyLMError(f"{run_dir} lacks {', '.join(missing)}", "bundle a finished `babylm interact` run folder")
    out, results_dir, backend, teacher = req.out, req.results_dir, req.backend, req.teacher
    rep = verify_run(run_dir)
    if not rep.ok:
        bad = "; ".join(f"{c.name}: {c.detail}" for c in rep.checks if not c.ok)
        raise BabyLMError(f"the interaction run does not verify: {bad}", f"run `babylm interact verify {run_dir}`")
    ident = read_json(run_dir / "interaction.json", what="interaction run")
    wl = read_json(run_dir / "word_ledger.json", what="word ledger")
    try:
        track = get_track(str(ident["track"]))
    except (KeyError, UnknownTrackError) as exc:
        raise BabyLMError(f"{run_dir / 'interaction.json'}: unknown track ({exc})") from None
    counts = wl["counts"]
    lm = (run_dir / "ledger.jsonl").is_file()  # simpo/reinforce: an HF student with a training ledger
    run = read_run(run_dir)
    if teacher is None:
        tid = ident.get("teacher") or (run.get("teacher") or {}).get("model_id")
        if tid:
            n = (run.get("teacher") or {}).get("n_params")
            teacher = {"model_id": tid, "n_params": 0 if n is None and tid == "scripted" else n,
                       "words": int(counts.get("teacher_visible", 0))}

    tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out.parent if out.parent.exists() else None))
    try:
        _copy_evidence(run_dir, tmp / INTERACTION_DIR)
        files: dict[str, Any] = {"interaction_run": INTERACTION_DIR,
                                 "interaction_ledger": f"{INTERACTION_DIR}/word_ledger.json",
                                 "run": None, "ledger": None, "data_manifest": None}
        (tmp / "checkpoints").mkdir()
        if lm:
            from babylm.tracks.ledger import verify_ledger

            lrep = verify_ledger(run_dir / "ledger.jsonl")
            if not lrep.ok:
                raise BabyLMError(f"the run's training ledger does not verify: {'; '.join(map(str, lrep.errors[:3]))}",
                                  "bundle an unmodified run folder")
            for name in ("ledger.jsonl", "data_manifest.json", "run.json"):
                if (run_dir / name).is_file():
                    shutil.copy2(run_dir / name, tmp / name)
                    files[{"ledger.jsonl": "ledger", "data_manifest.json": "data_manifest", "run.json": "run"}[name]] = name
            ckpts = checkpoint_dirs(run_dir)
            for c in ckpts:
                shutil.copytree(c, tmp / "checkpoints" / c.name, symlinks=False)
            if results_dir is not None:
                files |= copy_results(Path(results_dir), backend, tmp)
            seq_len = run.get("seq_len")
            n_params = count_params(ckpts[-1]) if ckpts else int(run.get("n_params") or 0)
            fact = bf.FactSheet(format=bf.FACT_SHEET_FORMAT, n_params=n_params, train_flops=float(lrep.flops),
                             seq_len=int(seq_len) if seq_len else None, tokens_seen=int(lrep.tokens),
                             words_seen=int(lrep.words), steps=int(lrep.steps),
                             teacher=bf.Teacher(**teacher) if teacher else None,
                             student_generated_words=int(counts.get("student_generated", 0)),
                             notes=f"interaction run {ident.get('run_id')} ({ident.get('protocol')})")
        else:
            if results_dir is not None:
                raise BabyLMError(f"a {ident.get('protocol')} run has no language-model checkpoints to evaluate",
                                  "leave out --results for a reference-game run")
            ckpts = checkpoint_dirs(run_dir / "checkpoints")
            for c in ckpts:
                dest = tmp / "checkpoints" / c.name
                dest.mkdir()
                for f in sorted(c.iterdir()):
                    if f.name in REFGAME_FILES:
                        shutil.copy2(f, dest / f.name)
            rounds = sorted((p for p in (run_dir / "rounds").glob("*/policy") if (p / "model.safetensors").is_file()),
                            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else -1)
            last = ckpts[-1] if ckpts else (rounds[-1] if rounds else None)
            if last is None:
                raise BabyLMError(f"no student policy in {run_dir}", "run at least one round")
            seen = int(wl["words_seen"])
            fact = bf.FactSheet(format=bf.FACT_SHEET_FORMAT, n_params=count_params(last), train_flops=0.0,
                             flops_method=REFGAME_FLOPS_METHOD, tokens_seen=seen, words_seen=seen,
                             teacher=bf.Teacher(**teacher) if teacher else None,
                             student_generated_words=int(counts.get("student_generated", 0)),
                             notes=f"interaction run {ident.get('run_id')} ({ident.get('protocol')}): a reference-game "
                                   "student, not a language model; tokens_seen = words seen")
        fact.write(tmp / "fact_sheet.json")
        bf.SubmissionManifest(
            format=bf.SUBMISSION_FORMAT, team=req.team, model=req.model, edition=track.edition, track=track.name,
            backend=backend, scale=str(ident.get("scale", "1")),
            model_location=bf.ModelLocation(kind="local", path="checkpoints"), files=bf.BundleFiles(**files),
            harness_version=_harness_version(), created=_now(),
        ).write(tmp / "submission.json")
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
