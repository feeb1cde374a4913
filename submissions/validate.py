"""`babylm validate BUNDLE`: every check a participant can run before submitting.

Reads the bundle as data only (JSON, JSONL, safetensors headers); a real model load happens only
after the static checks pass, in a child process with a deadline, safetensors only, no remote code.
Each problem is a Finding with a stable code (E_* error, W_* warning, I_* info) and a fix.
"""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.findings import Findings, error, info, warning
from babylm.submissions.safe_load import DEFAULT_LIMITS, Limits, read_json_file

# Claimed training FLOPs may differ from the analytic formula by this much (relative): padding and
# the last partial batch make the ledger's token count differ slightly from tokens x formula.
FLOPS_TOLERANCE = 0.02
PARAMS_TOLERANCE = 0.01
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")


def _inside(rel: str) -> bool:
    p = Path(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and "\\" not in rel


def registered_tasks() -> dict[str, Any]:
    """The evaluation task registry, with every built-in task module imported."""
    from babylm.evaluation.api import TASKS

    try:
        from babylm.evaluation.runner import import_task_modules
    except ModuleNotFoundError:  # evaluation part not in this build: only tasks registered by plugins
        return TASKS
    import_task_modules()
    return TASKS


@dataclass
class ValidationReport:
    bundle: str
    findings: Findings = field(default_factory=Findings)
    submission_id: str | None = None
    manifest: dict[str, Any] | None = None
    summary: dict[str, Any] = field(default_factory=dict)  # ledger, budgets, checkpoints, fact sheet
    root: Path | None = None  # extracted bundle folder (archives) or the bundle folder
    tmpdir: Path | None = None  # temporary extraction folder made by validate_bundle (see cleanup)

    def cleanup(self) -> None:
        """Remove the temporary folder an archive was extracted into (when no workdir was given)."""
        import shutil

        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    @property
    def ok(self) -> bool:
        return self.findings.ok

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: format, ok, submission_id, n_errors, n_warnings, findings[{severity, code,
        message, fix, where}], summary."""
        return {
            "format": "babylm.validation/1",
            "ok": self.ok,
            "submission_id": self.submission_id,
            "n_errors": len(self.findings.errors),
            "n_warnings": len(self.findings.warnings),
            "findings": [f.to_dict() for f in self.findings.items],
            "summary": self.summary,
        }


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
    from babylm.submissions.safe_load import check_tree, extract_archive

    bundle = Path(bundle)
    rep = ValidationReport(bundle=bundle.name)
    F = rep.findings
    if not bundle.exists():
        raise BabyLMError(f"bundle not found: {bundle}", "pass a bundle folder, .zip or .tar.gz")
    if bundle.is_file():
        if not is_archive(bundle):
            raise BabyLMError(f"{bundle} is neither a folder nor a .zip/.tar.gz", "pass the bundle folder")
        base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="babylm-validate-"))
        if not workdir:
            rep.tmpdir = base
        try:
            root = extract_archive(bundle, base / "bundle", limits)
        except BabyLMError as exc:
            F.add(error("E_ARCHIVE", str(exc), exc.hint or "", bundle.name))
            return rep
    else:
        root = bundle
    rep.root = root
    F.extend(check_tree(root))
    if F.errors:
        return rep  # links may point anywhere: read nothing else

    _Checks(root, rep, allow_scaled=allow_scaled, load=load, data_root=data_root, limits=limits, split=split,
            progress=progress).run()
    return rep


class _Checks:
    def __init__(self, root: Path, rep: ValidationReport, *, allow_scaled: bool, load: bool,
                 data_root: Path | None, limits: Limits, split: str | None, progress: bool = False) -> None:
        self.root, self.rep, self.F = root, rep, rep.findings
        self.allow_scaled, self.load, self.data_root, self.limits = allow_scaled, load, data_root, limits
        self.split = split
        self.progress = progress
        self.track: Any = None
        self.ledger: Any = None
        self.data_words: int | None = None
        self.fact: Any = None
        self.required: list[str] = []

    # --------------------------------------------------------- helpers
    def json(self, rel: str, code: str) -> Any:
        p = self.root / rel
        if not p.is_file():
            self.F.add(error(f"{code}_MISSING", f"{rel} is missing", f"add {rel} (see docs/formats.md)", rel))
            return None
        try:
            return read_json_file(p, self.limits)
        except ValueError as exc:
            nan = "NaN" in str(exc) or "Infinity" in str(exc)
            self.F.add(
                error(
                    "E_NAN" if nan else f"{code}_JSON",
                    f"{rel} {exc}",
                    "write numbers only (no NaN/Infinity): fix the producer" if nan else f"regenerate {rel}",
                    rel,
                )
            )
            return None

    # --------------------------------------------------------- the checks, in order
    def run(self) -> None:
        m = self.manifest()
        if m is None:
            return
        self.data_manifest(m)
        self.ledger_checks(m)
        self.schedule(m)
        self.fact_sheet(m)
        self.results(m)
        self.predictions(m)
        self.interaction(m)
        if m.files.interaction_run:
            from babylm.submissions.validate_interaction import check_interaction_run

            check_interaction_run(self, m)
        self.checkpoints(m)

    def manifest(self) -> Any:
        from pydantic import ValidationError

        from babylm.submissions.bundle import SubmissionManifest
        from babylm.tracks.rules import UnknownTrackError, get_track

        raw = self.json("submission.json", "E_MANIFEST")
        if raw is None:
            return None
        try:
            m = SubmissionManifest.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors()[:10]:
                loc = ".".join(map(str, e["loc"])) or "(top level)"
                self.F.add(
                    error("E_MANIFEST_SCHEMA", f"submission.json: {loc}: {e['msg']}",
                          "see the 'Submission bundle' section of docs/formats.md", "submission.json")
                )
            return None
        self.rep.manifest = m.model_dump(mode="json")
        try:
            track = get_track(m.track, m.edition)
        except UnknownTrackError as exc:
            self.F.add(error("E_TRACK", str(exc), "use `babylm tracks` to list them", "submission.json"))
            return None
        scale = Fraction(m.scale)
        if scale != 1:
            track = track.scaled(scale)
            msg = f"scaled entry (x{m.scale}): a demo, not a valid challenge entry"
            if self.allow_scaled:
                self.F.add(warning("W_SCALED", msg, "train at full scale for a real entry", "submission.json"))
            else:
                self.F.add(error("E_SCALED", msg, "train at full scale, or pass --allow-scaled for a demo",
                                 "submission.json"))
        self.track = track
        self.rep.summary["track"] = track.key
        self.rep.summary["scale"] = m.scale
        self.rep.summary["budgets"] = {"word_budget": track.word_budget, "exposure_cap": track.exposure_cap,
                                       "student_generation_cap": track.student_generation_cap}
        for key in ("data_manifest", "ledger", "fact_sheet", "results", "predictions", "run"):
            rel = getattr(m.files, key)
            if rel and not (self.root / rel).is_file():
                code = "E_FILE_MISSING" if key != "run" else "W_RUN_MISSING"
                sev = error if key != "run" else warning
                self.F.add(sev(code, f"{rel} ({key}) is listed in submission.json but missing",
                               f"add {rel} or remove it from 'files'", rel))
        return m

    def data_manifest(self, m: Any) -> None:
        rel = m.files.data_manifest
        if rel is None:  # an interaction bundle whose student is no LM: no training data of its own
            return
        data = self.json(rel, "E_DATA_MANIFEST") if (self.root / rel).is_file() else None
        if not isinstance(data, dict):
            if data is not None:
                self.F.add(error("E_DATA_MANIFEST_JSON", f"{rel} is not a JSON object", "regenerate it", rel))
            return
        if data.get("format") != "babylm.data_manifest/1":
            self.F.add(error("E_DATA_MANIFEST_FORMAT", f"{rel}: format {data.get('format')!r} is not "
                             "'babylm.data_manifest/1'", "make it with `babylm data count`", rel))
            return
        total = data.get("total_words")
        if not isinstance(total, int) or total < 0:
            self.F.add(error("E_DATA_MANIFEST_SCHEMA", f"{rel}: total_words missing or not a count",
                             "make it with `babylm data count`", rel))
            return
        self.data_words = total
        self.rep.summary["data_words"] = total
        if total > self.track.word_budget:
            self.F.add(error("E_WORDS_OVER_BUDGET", f"{rel}: {total:,} training words, over the "
                             f"{self.track.word_budget:,}-word budget of {self.track.key}",
                             "remove data until the manifest is within the budget", rel))
        files = data.get("files") or []
        # Only files inside the bundle are read (a manifest may name absolute or '..' paths: never follow them).
        inside = [f for f in files if isinstance(f, dict) and _inside(str(f.get("path", "")))]
        present = [f for f in inside if (self.root / Path(rel).parent / str(f["path"])).is_file()]
        if files and len(present) == len(files):
            try:
                from babylm.tracks.manifest import verify_manifest
            except ModuleNotFoundError:
                self.F.add(info("I_DATA_FILES_NOT_CHECKED", "data files present but no verifier in this build", rel))
                return
            try:
                vr = verify_manifest(self.root / rel, check_files=True)
            except BabyLMError as exc:
                self.F.add(error("E_DATA_MANIFEST_SCHEMA", f"{rel}: {exc}", exc.hint or "make it with `babylm data count`",
                                 rel))
                return
            if not vr.ok:
                for e in list(vr.errors)[:5]:
                    self.F.add(error("E_DATA_FILES", f"{rel}: {e}", "recount with `babylm data count`", rel))
        else:
            self.F.add(info("I_DATA_FILES_ABSENT", "training files not in the bundle; counts taken from the manifest", rel))

    def ledger_checks(self, m: Any) -> None:
        from babylm.tracks.ledger import verify_ledger

        rel = m.files.ledger
        if rel is None or not (self.root / rel).is_file():
            return
        try:
            rep = verify_ledger(self.root / rel, check_checkpoints=False)
        except BabyLMError as exc:
            self.F.add(error("E_LEDGER", f"{rel}: {exc}", exc.hint or "bundle the run's unmodified ledger", rel))
            return
        except (UnicodeDecodeError, ValueError, TypeError, AttributeError) as exc:  # binary or odd JSON values
            self.F.add(error("E_LEDGER", f"{rel}: unreadable ({type(exc).__name__}: {str(exc)[:200]})",
                             "bundle the unmodified ledger written by training", rel))
            return
        if not rep.ok:
            for e in list(rep.errors)[:5]:
                text = str(e)
                code = "E_LEDGER_CHAIN" if re.search(r"hash|chain|prev|seq", text, re.I) else "E_LEDGER"
                self.F.add(error(code, f"{rel}: {text}", "bundle the unmodified ledger written by training", rel))
            return
        for w in rep.warnings:
            self.F.add(warning("W_LEDGER", f"{rel}: {w}", "bundle the ledger of a finished run", rel))
        self.ledger = rep
        from babylm.submissions.bundle import ledger_head, submission_id

        self.rep.submission_id = submission_id(m, ledger_head(self.root / rel))
        self.rep.summary["ledger"] = {
            "lines": rep.lines, "words": rep.words, "tokens": rep.tokens, "steps": rep.steps,
            "flops": rep.flops, "checkpoints": dict(rep.checkpoints),
        }
        if rep.cap_exceeded or rep.words > self.track.exposure_cap:
            self.F.add(error("E_EXPOSURE_CAP", f"{rel}: {rep.words:,} words seen, over the exposure cap of "
                             f"{self.track.exposure_cap:,}", "submit the checkpoints before the cap only", rel))
        led_ed = getattr(rep, "edition", None)
        if led_ed is not None and led_ed != m.edition:
            self.F.add(warning("W_EDITION_MISMATCH", f"{rel}: trained under the {led_ed} rules, submitted to "
                               f"{m.edition}", "check the budgets and schedule of the edition you submit to", rel))
        ltrack = getattr(rep, "track", None)
        if ltrack and str(ltrack).split("/")[-1] != self.track.name:
            self.F.add(error("E_TRACK_MISMATCH", f"{rel}: ledger track {ltrack!r} but submission.json says "
                             f"{self.track.key!r}", "submit under the track you trained for", rel))
        lscale = getattr(rep, "scale", None)
        if lscale is not None and Fraction(str(lscale)) != Fraction(m.scale):
            self.F.add(error("E_SCALE_MISMATCH", f"{rel}: ledger scale {lscale} but submission.json says {m.scale}",
                             "copy the scale from run.json", rel))

    def schedule(self, m: Any) -> None:
        if self.ledger is None:
            return
        recorded = self._ledger_start().get("data_manifest_total_words")
        if isinstance(recorded, int) and self.data_words is not None and recorded != self.data_words:
            self.F.add(error("E_DATA_MANIFEST_MISMATCH", f"{m.files.data_manifest} counts {self.data_words:,} words "
                             f"but training recorded a manifest of {recorded:,} (ledger start line)",
                             "bundle the data manifest the run was trained with", m.files.data_manifest))
        words = self.ledger.words
        t = self.track
        self.required = [n for n, w in zip(t.names, t.schedule, strict=True) if w <= words]
        self.rep.summary["required_checkpoints"] = list(self.required)
        claimed = dict(self.ledger.checkpoints)
        for name in self.required:
            if name not in claimed:
                self.F.add(error("E_LEDGER_CHECKPOINT", f"ledger has no checkpoint event for {name}, due at "
                                 f"{t.schedule[t.names.index(name)]:,} words", "save every scheduled checkpoint",
                                 "ledger.jsonl"))
        loc = m.model_location
        if loc.kind == "hub":
            for name in self.required:
                if name not in loc.revisions:
                    self.F.add(error("E_CHECKPOINT_MISSING", f"no Hub revision listed for {name}",
                                     f"push {name} as a branch and list it in model_location.revisions",
                                     "submission.json"))
            return
        base = self.root / loc.path
        present = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        for name in self.required:
            where = f"{loc.path}/{name}"
            if name not in present:
                self.F.add(error("E_CHECKPOINT_MISSING", f"checkpoint {name} is missing from {loc.path}/",
                                 f"add the folder {where} (every checkpoint up to the last one reached)", where))
                continue
            meta = self.json(f"{where}/babylm_checkpoint.json", "E_CHECKPOINT_META")
            if not isinstance(meta, dict):
                continue
            self._files_match(where, base / name, meta)
            ws = meta.get("words_seen")
            if meta.get("name") not in (None, name):
                self.F.add(error("E_CHECKPOINT_META", f"{where}: metadata names {meta.get('name')!r}",
                                 "do not rename checkpoint folders", where))
            if not isinstance(ws, int) or (name in claimed and ws != claimed[name]):
                self.F.add(error("E_CHECKPOINT_WORDS", f"{where}: words_seen {ws!r} in babylm_checkpoint.json "
                                 f"but {claimed.get(name)!r} in the ledger", "bundle checkpoints and ledger from the "
                                 "same run", where))
        extra = [p for p in present if p not in self.required]
        for name in extra:
            if name not in t.names:
                self.F.add(warning("W_EXTRA_CHECKPOINT", f"{loc.path}/{name} is not on the schedule of {t.key}; "
                                   "it will be ignored", "remove it", f"{loc.path}/{name}"))
            else:
                self.F.add(error("E_CHECKPOINT_UNREACHED", f"{loc.path}/{name} is past the words the ledger saw "
                                 f"({words:,})", "bundle checkpoints and ledger from the same run",
                                 f"{loc.path}/{name}"))

    def _ledger_lines(self) -> dict[str, dict[str, Any]]:
        """Checkpoint lines of the (already verified) ledger, by name."""
        import json

        if not hasattr(self, "_ck_lines"):
            self._ck_lines: dict[str, dict[str, Any]] = {}
            rel = self.rep.manifest["files"]["ledger"] if self.rep.manifest else "ledger.jsonl"
            for raw in (self.root / rel).read_text(encoding="utf-8").splitlines():
                obj = json.loads(raw)
                if obj.get("event") == "checkpoint":
                    self._ck_lines[str(obj.get("name"))] = obj
        return self._ck_lines

    def _ledger_start(self) -> dict[str, Any]:
        """The ledger's (verified) start line."""
        import json

        rel = self.rep.manifest["files"]["ledger"] if self.rep.manifest else "ledger.jsonl"
        with open(self.root / rel, encoding="utf-8") as f:
            first = f.readline()
        try:
            obj = json.loads(first)
        except ValueError:
            return {}
        return obj if isinstance(obj, dict) else {}

    def _files_match(self, where: str, folder: Path, meta: dict[str, Any]) -> None:
        """The checkpoint's files are the ones the ledger hashed when training saved it."""
        from babylm.tracks.ledger import file_sha256

        line = self._ledger_lines().get(folder.name)
        if line is None:
            return
        if meta.get("ledger_hash") != line.get("hash"):
            self.F.add(error("E_CHECKPOINT_META", f"{where}: ledger_hash in babylm_checkpoint.json is not the "
                             "ledger's checkpoint line", "bundle checkpoints and ledger from the same run", where))
        for fname, digest in (line.get("files") or {}).items():
            fp = folder / fname
            if not fp.is_file():
                self.F.add(error("E_CHECKPOINT_FILES", f"{where}/{fname} is listed in the ledger but missing",
                                 "bundle the checkpoint as training saved it", where))
            elif not fp.is_symlink() and file_sha256(fp) != digest:
                self.F.add(error("E_CHECKPOINT_FILES", f"{where}/{fname} differs from the file the ledger hashed "
                                 "at training time", "bundle the checkpoint as training saved it", where))

    def fact_sheet(self, m: Any) -> None:
        from pydantic import ValidationError

        from babylm.submissions.bundle import FactSheet

        rel = m.files.fact_sheet
        raw = self.json(rel, "E_FACT_SHEET") if (self.root / rel).is_file() else None
        if raw is None:
            return
        try:
            fact = FactSheet.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors()[:5]:
                self.F.add(error("E_FACT_SHEET_SCHEMA", f"{rel}: {'.'.join(map(str, e['loc']))}: {e['msg']}",
                                 "regenerate it with `babylm submission init`", rel))
            return
        self.fact = fact
        self.rep.summary["fact_sheet"] = fact.model_dump(mode="json")
        led = self.ledger
        if led is None:
            return
        if fact.words_seen != led.words:
            self.F.add(error("E_FACT_WORDS", f"{rel}: words_seen {fact.words_seen:,} but the ledger counts "
                             f"{led.words:,}", "copy the ledger's figure", rel))
        if fact.tokens_seen != led.tokens:
            self.F.add(error("E_FACT_TOKENS", f"{rel}: tokens_seen {fact.tokens_seen:,} but the ledger counts "
                             f"{led.tokens:,}", "copy the ledger's figure", rel))
        self._flops(m, fact)

    def _flops(self, m: Any, fact: Any) -> None:
        from babylm.tracks.compute import train_flops_per_token

        if m.model_location.kind != "local" or not self.required:
            return
        cfg_path = self.root / m.model_location.path / self.required[-1] / "config.json"
        start = self._ledger_start()
        seq_len = start.get("seq_len") or fact.seq_len  # the chain-verified figure first
        if fact.seq_len is not None and start.get("seq_len") and fact.seq_len != start["seq_len"]:
            self.F.add(error("E_FACT_SEQ_LEN", f"fact sheet seq_len {fact.seq_len} but training used "
                             f"{start['seq_len']} (ledger start line)", "copy the ledger's figure", m.files.fact_sheet))
        if seq_len is None and m.files.run and (self.root / m.files.run).is_file():
            run = self.json(m.files.run, "E_RUN")
            seq_len = run.get("seq_len") if isinstance(run, dict) else None
        if not cfg_path.is_file() or not seq_len:
            self.F.add(warning("W_FLOPS_NOT_CHECKED", "cannot recompute FLOPs (no config.json or seq_len)",
                               "put seq_len in fact_sheet.json", m.files.fact_sheet))
            return
        try:
            cfg = read_json_file(cfg_path, self.limits)
            per_token = train_flops_per_token(cfg, int(seq_len))
        except (ValueError, BabyLMError) as exc:
            self.F.add(warning("W_FLOPS_NOT_CHECKED", f"cannot recompute FLOPs: {exc}", "", m.files.fact_sheet))
            return
        led_pt = start.get("flops_per_token")
        if isinstance(led_pt, (int, float)) and per_token > 0 and abs(led_pt - per_token) / per_token > FLOPS_TOLERANCE:
            self.F.add(error("E_FLOPS", f"the ledger counted {led_pt:.4g} FLOPs per token; the analytic formula for "
                             f"the submitted config gives {per_token:.4g}", "train and count with the harness's formula",
                             m.files.ledger))
        analytic = per_token * self.ledger.tokens
        self.rep.summary["flops"] = {"claimed": fact.train_flops, "analytic": analytic,
                                     "tolerance": FLOPS_TOLERANCE, "per_token": per_token}
        if analytic > 0 and abs(fact.train_flops - analytic) / analytic > FLOPS_TOLERANCE:
            self.F.add(error("E_FLOPS", f"fact sheet claims {fact.train_flops:.4g} training FLOPs; the analytic "
                             f"formula gives {analytic:.4g} ({per_token:.4g}/token x {self.ledger.tokens:,} tokens), "
                             f"more than {FLOPS_TOLERANCE:.0%} apart", "use the harness's figure (`babylm flops`)",
                             m.files.fact_sheet))

    # ------------------------------------------------ results and predictions
    def _expected(self, task: str, split: str) -> int | None:
        spec = registered_tasks().get(task)
        return None if spec is None else spec.expected_counts.get(split)  # type: ignore[call-overload]

    def _gold_counts(self, task: str, split: str) -> dict[str, int] | None:
        """Items per sub-task from the organizers' data, when a data root was given."""
        if self.data_root is None:
            return None
        spec = registered_tasks().get(task)
        if spec is None:
            return None
        counts: dict[str, int] = {}
        try:
            for it in spec.loader(Path(self.data_root), split):  # type: ignore[arg-type]
                counts[it.subtask] = counts.get(it.subtask, 0) + 1
        except Exception as exc:  # organizer data problem: say so, do not blame the bundle
            self.F.add(warning("W_GOLD_UNREADABLE", f"cannot read {task}/{split} from {self.data_root}: {exc}", "", ""))
            return None
        return counts

    def results(self, m: Any) -> None:
        TASKS = registered_tasks()
        rel = m.files.results
        if not rel or not (self.root / rel).is_file():
            return
        data = self.json(rel, "E_RESULTS")
        if not isinstance(data, dict):
            return
        if data.get("format") != "babylm.results/1":
            self.F.add(error("E_RESULTS_FORMAT", f"{rel}: format {data.get('format')!r} is not 'babylm.results/1'",
                             "write it with `babylm evaluate`", rel))
            return
        split = self.split or data.get("split") or "fast"
        self.results_split = split
        ckpts = data.get("checkpoints")
        if not isinstance(ckpts, dict) or not ckpts:
            self.F.add(error("E_RESULTS_SCHEMA", f"{rel}: no 'checkpoints'", "write it with `babylm evaluate`", rel))
            return
        for name in self.required:
            if name not in ckpts:
                self.F.add(error("E_RESULTS_CHECKPOINT", f"{rel}: no results for checkpoint {name}",
                                 "evaluate every checkpoint (`babylm evaluate RUN`)", rel))
        seen_tasks: set[str] = set()
        for name, c in ckpts.items():
            self._results_hash(rel, m, name, c)
            if self.required and name not in self.required and name in (self.track.names if self.track else ()):
                self.F.add(error("E_RESULTS_CHECKPOINT", f"{rel}: results for {name}, which the ledger never reached",
                                 "evaluate the bundled checkpoints only", rel))
            tasks = c.get("tasks") if isinstance(c, dict) else None
            if not isinstance(tasks, dict):
                self.F.add(error("E_RESULTS_SCHEMA", f"{rel}: checkpoint {name} has no 'tasks'", "", rel))
                continue
            for tname, t in tasks.items():
                seen_tasks.add(tname)
                self._result_task(rel, name, tname, t, split)
        try:
            from babylm.evaluation.runner import DEMO_TASKS
        except ModuleNotFoundError:
            DEMO_TASKS = ()
        missing = [t for t, s in TASKS.items() if split in s.splits and s.expected_counts.get(split)  # type: ignore[operator]
                   and s.category != "finetune" and t not in seen_tasks and t not in DEMO_TASKS]
        for t in missing:
            sev, code = (warning, "W_TASK_MISSING") if self.track.is_scaled else (error, "E_TASK_MISSING")
            self.F.add(sev(code, f"{rel}: task {t} ({split}) has no results", f"evaluate with --tasks {split}", rel))
        self.rep.summary["results_tasks"] = sorted(seen_tasks)

    def _results_hash(self, rel: str, m: Any, name: str, c: Any) -> None:
        """Results must come from the bundled weights: compare the claimed content hash with the files."""
        from babylm.submissions.bundle import checkpoint_content_hash

        claimed = c.get("content_hash") if isinstance(c, dict) else None
        folder = self.root / (m.model_location.path or "") / name
        if m.model_location.kind != "local" or not claimed or not folder.is_dir() or name not in self.required:
            return
        if checkpoint_content_hash(folder) != claimed:
            self.F.add(error("E_RESULTS_HASH", f"{rel}: results of {name} were computed on other weights (content "
                             "hash differs from the bundled checkpoint)", "re-evaluate the bundled checkpoints", rel))

    def _result_task(self, rel: str, ck: str, tname: str, t: Any, split: str) -> None:
        where = f"{rel}: {ck}/{tname}"
        if not isinstance(t, dict):
            self.F.add(error("E_RESULTS_SCHEMA", f"{where} is not an object", "", rel))
            return
        if t.get("status", "ok") != "ok":
            self.F.add(warning("W_TASK_FAILED", f"{where}: the evaluation failed ({str(t.get('error', ''))[:200]})",
                               "fix the failure and re-evaluate", rel))
            return
        score = t.get("score")
        if not isinstance(score, (int, float)) or isinstance(score, bool) or not math.isfinite(score):
            self.F.add(error("E_NAN", f"{where}: score {score!r} is not a finite number", "re-run the evaluation", rel))
        for sub, v in (t.get("subtasks") or {}).items():
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                self.F.add(error("E_NAN", f"{where}/{sub}: {v!r} is not a finite number", "re-run the evaluation", rel))
        items = t.get("items")
        n = t.get("n_items")
        exp = self._expected(tname, split)
        if isinstance(items, list) and not all(isinstance(i, dict) for i in items):
            self.F.add(error("E_RESULTS_SCHEMA", f"{where}: every item must be an object", "re-run the evaluation", rel))
            return
        if isinstance(items, list):
            if n is not None and n != len(items):
                self.F.add(error("E_ITEM_COUNT", f"{where}: n_items {n} but {len(items)} items", "", rel))
            n = len(items)
            ids = [i.get("id") for i in items if isinstance(i, dict)]
            if len(set(ids)) != len(ids):
                self.F.add(error("E_DUPLICATE_ID", f"{where}: duplicate item ids", "re-run the evaluation", rel))
            for it in items:
                sc = it.get("scores") if isinstance(it, dict) else None
                if isinstance(sc, list) and not all(isinstance(x, (int, float)) and math.isfinite(x) for x in sc):
                    self.F.add(error("E_NAN", f"{where}: item {it.get('id')} has non-finite scores",
                                     "check the model for NaN outputs", rel))
                    break
            gold = self._gold_counts(tname, split)
            if gold is not None:
                have: dict[str, int] = {}
                for it in items:
                    have[it.get("subtask", "")] = have.get(it.get("subtask", ""), 0) + 1
                for sub, k in gold.items():
                    if have.get(sub, 0) != k:
                        self.F.add(error("E_ITEM_COUNT", f"{where}/{sub}: {have.get(sub, 0)} items, expected {k}",
                                         "evaluate on the official data, all items", rel))
        if exp is not None and n is not None and n != exp and not self.track.is_scaled:
            self.F.add(error("E_ITEM_COUNT", f"{where}: {n} items, the official {split} set has {exp}",
                             "evaluate on the official data, all items", rel))

    def predictions(self, m: Any) -> None:
        TASKS = registered_tasks()
        rel = m.files.predictions
        if not rel or not (self.root / rel).is_file():
            return
        if not re.fullmatch(r"all_full_preds_and_fast_scores_[a-z_]+\.json", Path(rel).name):
            self.F.add(warning("W_PREDICTIONS_NAME", f"{rel}: expected all_full_preds_and_fast_scores_<backend>.json",
                               "rename it", rel))
        data = self.json(rel, "E_PREDICTIONS")
        if not isinstance(data, dict):
            return
        by_key = {s.official_key or s.name: s for s in TASKS.values()}
        # The task blocks hold the final model's predictions on the split the results were made on.
        split = self.split or getattr(self, "results_split", None) or "full"
        for key, task in data.items():
            if key == "fast_eval_results":
                self._fast_scores(rel, task)
                continue
            if not isinstance(task, dict):
                self.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {key} is not an object", "", rel))
                continue
            spec = by_key.get(key)
            total = 0
            per_sub: dict[str, int] = {}
            for sub, body in task.items():
                preds = body.get("predictions") if isinstance(body, dict) else None
                if not isinstance(preds, list):
                    self.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {key}/{sub} has no 'predictions' list",
                                     "see RULES.md 'Submission file'", rel))
                    continue
                ids = []
                for p in preds:
                    if not isinstance(p, dict) or "id" not in p or "pred" not in p:
                        self.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {key}/{sub}: an entry lacks id/pred", "", rel))
                        break
                    ids.append(p["id"])
                    for k in ("pred", "prob", "prev_pred"):
                        v = p.get(k)
                        if v is None and k == "pred" or isinstance(v, float) and not math.isfinite(v):
                            self.F.add(error("E_NAN", f"{rel}: {key}/{sub}: {p.get('id')}: {k} is {v!r}",
                                             "check the model for NaN outputs and re-run", rel))
                            break
                if len(set(ids)) != len(ids):
                    self.F.add(error("E_DUPLICATE_ID", f"{rel}: {key}/{sub}: duplicate ids", "", rel))
                per_sub[sub] = len(preds)
                total += len(preds)
            if spec is None:
                self.F.add(warning("W_UNKNOWN_TASK", f"{rel}: unknown task key {key!r}", "", rel))
                continue
            gold = self._gold_counts(spec.name, split)
            if gold is not None:
                for sub, k in gold.items():
                    if per_sub.get(sub, 0) != k:
                        self.F.add(error("E_ITEM_COUNT", f"{rel}: {key}/{sub}: {per_sub.get(sub, 0)} predictions, "
                                         f"expected {k}", "predict every item of the official data", rel))
            exp = spec.expected_counts.get(split)  # type: ignore[call-overload]
            if exp and total != exp and not self.track.is_scaled:
                self.F.add(error("E_ITEM_COUNT", f"{rel}: {key}: {total} predictions, the official {split} set has {exp}",
                                 "predict every item of the official data", rel))

    def _fast_scores(self, rel: str, fast: Any) -> None:
        if not isinstance(fast, dict):
            self.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: fast_eval_results is not an object", "", rel))
            return
        for task, revs in fast.items():
            for i, r in enumerate(revs if isinstance(revs, list) else []):
                for sub, v in (r.items() if isinstance(r, dict) else []):
                    if isinstance(v, float) and not math.isfinite(v):
                        self.F.add(error("E_NAN", f"{rel}: fast_eval_results/{task}[{i}]/{sub} is {v}", "", rel))

    # ------------------------------------------------ interaction
    def interaction(self, m: Any) -> None:
        t, fact = self.track, self.fact
        if fact is None:
            return
        teacher = fact.teacher
        if teacher is None:
            if t.name == "interaction":
                self.F.add(warning("W_NO_TEACHER", "interaction track entry without a teacher in the fact sheet",
                                   "add fact_sheet.teacher {model_id, n_params, words}", m.files.fact_sheet))
            return
        self.rep.summary["teacher"] = teacher.model_dump()
        if not t.allows_teacher:
            self.F.add(error("E_TEACHER_NOT_ALLOWED", f"{t.key} does not allow a teacher model",
                             "submit to a track that allows teachers", m.files.fact_sheet))
        elif not t.teacher_allowed(teacher.model_id, teacher.n_params):
            limit = f" or any model under {t.teacher_max_params_any:,} parameters" if t.teacher_max_params_any else ""
            self.F.add(error("E_TEACHER_NOT_ALLOWED", f"teacher {teacher.model_id!r} ({teacher.n_params or '?'} "
                             f"params) is not on the {t.key} allow-list: {', '.join(t.teacher_allowlist)}{limit}",
                             "use an allowed teacher (`babylm tracks`)", m.files.fact_sheet))
        if t.teacher_words_count:
            data = self.data_words or 0
            if data + teacher.words > t.word_budget:
                self.F.add(error("E_WORDS_OVER_BUDGET", f"{data:,} corpus words + {teacher.words:,} teacher words = "
                                 f"{data + teacher.words:,}, over the {t.word_budget:,}-word budget (teacher words "
                                 "count on this track)", "read fewer teacher words or less corpus",
                                 m.files.fact_sheet))
            if self.ledger is not None and teacher.words > self.ledger.words:
                self.F.add(error("E_TEACHER_WORDS", f"fact sheet says the student read {teacher.words:,} teacher words "
                                 f"but the ledger saw only {self.ledger.words:,} words in all",
                                 "teacher words must pass through the ledger", m.files.fact_sheet))
        self._interaction_ledger(m, teacher.words, fact.student_generated_words)
        cap = t.student_generation_cap
        gen = fact.student_generated_words
        if cap is not None and gen is not None and gen > cap:
            self.F.add(error("E_STUDENT_GEN_CAP", f"student generated {gen:,} words, over the cap of {cap:,}",
                             "stop generation at the cap", m.files.fact_sheet))

    def _interaction_ledger(self, m: Any, teacher_words: int, student_words: int | None) -> None:
        """The interaction word ledger (babylm.interaction_ledger/1), when bundled, backs the fact sheet."""
        rel = m.files.interaction_ledger
        if not rel or not (self.root / rel).is_file():
            return
        data = self.json(rel, "E_INTERACTION_LEDGER")
        if not isinstance(data, dict) or data.get("format") != "babylm.interaction_ledger/1" or not isinstance(
                data.get("counts"), dict):
            self.F.add(error("E_INTERACTION_LEDGER", f"{rel}: not a babylm.interaction_ledger/1 file with counts",
                             "bundle the word_ledger.json of the interaction run", rel))
            return
        counts = data["counts"]
        seen = counts.get("teacher_visible")
        if seen != teacher_words:
            self.F.add(error("E_TEACHER_WORDS", f"fact sheet says the student read {teacher_words:,} teacher words; "
                             f"the interaction ledger counted {seen!r}", "copy the ledger's teacher_visible count",
                             rel))
        gen = counts.get("student_generated")
        if student_words is not None and gen != student_words:
            self.F.add(error("E_STUDENT_WORDS", f"fact sheet says the student generated {student_words:,} words; the "
                             f"interaction ledger counted {gen!r}", "copy the ledger's student_generated count", rel))
        t = self.track
        if t.teacher_words_count and isinstance(seen, int) and isinstance(counts.get("corpus"), int):
            total = counts["corpus"] + seen
            if total > t.word_budget:
                self.F.add(error("E_WORDS_OVER_BUDGET", f"{rel}: {counts['corpus']:,} corpus + {seen:,} teacher words "
                                 f"= {total:,}, over the {t.word_budget:,}-word budget", "read fewer words", rel))
        cap = t.student_generation_cap
        if cap is not None and isinstance(gen, int) and gen > cap:
            self.F.add(error("E_STUDENT_GEN_CAP", f"{rel}: the student generated {gen:,} words, over the cap of "
                             f"{cap:,}", "stop generation at the cap", rel))

    # ------------------------------------------------ checkpoints: static, then loaded
    def checkpoints(self, m: Any) -> None:
        from babylm.submissions.safe_load import (
            check_checkpoint_static,
            count_params,
            load_checkpoints,
            load_findings,
            warn_hub,
        )

        loc = m.model_location
        if loc.kind == "hub":
            self.F.add(warn_hub(loc.repo or ""))
            return
        base = self.root / loc.path
        todo: dict[str, str] = {}
        for name in self.required:
            ck = base / name
            if not ck.is_dir():
                continue
            rel = f"{loc.path}/{name}"
            found = check_checkpoint_static(ck, rel, self.limits)
            self.F.extend(found)
            if not any(f.severity == "error" for f in found):
                todo[str(ck)] = rel
        if self.fact is not None and self.required:
            last = base / self.required[-1]
            if last.is_dir() and str(last) in todo:
                n = count_params(last)
                if n and abs(n - self.fact.n_params) / n > PARAMS_TOLERANCE:
                    self.F.add(error("E_FACT_PARAMS", f"fact sheet says {self.fact.n_params:,} parameters, the final "
                                     f"checkpoint's weights hold {n:,}", "copy the figure from the weights",
                                     m.files.fact_sheet))
        if not self.load or not todo:
            if not self.load:
                self.F.add(info("I_LOAD_SKIPPED", "checkpoints were checked statically, not loaded (--no-load)"))
            return
        if self.F.errors:
            self.F.add(info("I_LOAD_SKIPPED", "checkpoints not loaded because of the errors above"))
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from babylm.output import err_console

        with Progress(TextColumn("loading checkpoints"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console, disable=not self.progress, transient=True) as bar:
            tid = bar.add_task("", total=len(todo))
            res = load_checkpoints(todo.keys(), m.backend, self.limits.load_timeout_s,
                                   on_done=lambda _p: bar.advance(tid))
        self.F.extend(load_findings(res, todo, self.limits.load_timeout_s))
        self.rep.summary["loaded"] = {todo[p]: {k: v for k, v in r.items() if k != "path"} for p, r in res.items()}


def render_report(rep: ValidationReport, console: Any) -> None:
    """Rich report: one table of findings (errors first), then a verdict line."""
    from rich.table import Table

    style = {"error": "bold red", "warning": "yellow", "info": "dim"}
    order = {"error": 0, "warning": 1, "info": 2}
    items = sorted(rep.findings.items, key=lambda f: order[f.severity])
    if items:
        table = Table(title=f"babylm validate: {rep.bundle}", show_lines=False, expand=True)
        for col, kw in (("", {"width": 7}), ("code", {"no_wrap": True}), ("problem", {"ratio": 3}),
                        ("how to fix", {"ratio": 2})):
            table.add_column(col, **kw)
        for f in items:
            table.add_row(f"[{style[f.severity]}]{f.severity}[/]", f.code, f.message, f.fix)
        console.print(table)
    s = rep.summary
    if s.get("ledger"):
        lg = s["ledger"]
        console.print(f"ledger: {lg['words']:,} words, {lg['tokens']:,} tokens, {lg['flops']:.3g} FLOPs; "
                      f"checkpoints required: {len(s.get('required_checkpoints', []))}")
    n_e, n_w = len(rep.findings.errors), len(rep.findings.warnings)
    if rep.ok:
        console.print(f"[bold green]VALID[/] {rep.submission_id or ''} ({n_w} warning(s))")
    else:
        console.print(f"[bold red]INVALID[/]: {n_e} error(s), {n_w} warning(s)")
