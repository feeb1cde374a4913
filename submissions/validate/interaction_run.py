"""Validator checks of an interaction bundle's evidence (`files.interaction_run`, see interaction_bundle.py).

- the bundled run re-verifies (`tracks.interaction.verify.verify_run`: episode log = word ledger, hash
  chain, chain head, input budget, generation cap): each failed check is an E_INTERACTION_RUN;
- interaction.json names the submission's track and scale (E_TRACK_MISMATCH, E_SCALE_MISMATCH) and the fact
  sheet's teacher (E_INTERACTION_TEACHER; the allow-list itself is checked on the fact sheet);
- words seen: the word ledger's equal the training ledger's (E_INTERACTION_LEDGER) or, without one, the fact
  sheet's (E_FACT_WORDS) and stay within the exposure cap (E_EXPOSURE_CAP);
- summary.json is a babylm.interaction_summary/1 with {variant: [number or null per round]}
  (E_INTERACTION_SUMMARY); its variants go to the report summary ("interaction") and so to the store;
- without a training ledger (respect, cogen), checkpoints/ holds exactly the milestones the word ledger
  fired, each a reference-game student (student.json + model.safetensors only, readable header; never
  loaded): E_CHECKPOINT_MISSING, E_CHECKPOINT_UNREACHED, E_CHECKPOINT_FILES, E_SAFETENSORS, E_FACT_PARAMS.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from babylm.submissions.findings import error
from babylm.tracks.interaction.accounting.formats import InteractionSummary

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest
    from babylm.submissions.validate.context import Context




def check_interaction_run(c: Context, m: SubmissionManifest) -> None:
    """Run the checks above; `c` is the validate Context (findings, track, ledger, fact sheet, report)."""
    rel = m.files.interaction_run
    folder = c.root / rel
    if not folder.is_dir():
        c.F.add(error("E_INTERACTION_RUN", f"{rel}/ (interaction_run) is listed in submission.json but missing",
                      "bundle the run with `babylm submission init RUN`", rel))
        return
    _verify(c, rel)
    ident = c.json(f"{rel}/interaction.json", "E_INTERACTION_RUN")
    wl = c.json(f"{rel}/word_ledger.json", "E_INTERACTION_LEDGER")
    if isinstance(ident, dict):
        _identity(c, m, rel, ident)
    if isinstance(wl, dict):
        _words(c, m, rel, wl)
    _summary(c, rel)
    if c.rep.submission_id is None:  # no training ledger: the word ledger's chain identifies the run
        from babylm.submissions.formats import ledger_head, submission_id

        c.rep.submission_id = submission_id(m, ledger_head(folder / "word_ledger.jsonl"))
    if m.files.ledger is None and isinstance(wl, dict):
        _refgame_checkpoints(c, m, wl)


def _verify(c: Any, rel: str) -> None:
    from babylm.errors import BabyLMError
    from babylm.tracks.interaction.accounting.verify import verify_run

    try:
        rep = verify_run(c.root / rel)
    except BabyLMError as exc:
        c.F.add(error("E_INTERACTION_RUN", f"{rel}/: {exc}", exc.hint or "bundle the unmodified run folder", rel))
        return
    except Exception as exc:  # corrupt evidence of any shape is a finding, never a crash of the validator
        c.F.add(error("E_INTERACTION_RUN", f"{rel}/: unreadable ({type(exc).__name__}: {str(exc)[:200]})",
                      "bundle the unmodified run folder", rel))
        return
    for chk in rep.checks:
        if not chk.ok:
            c.F.add(error("E_INTERACTION_RUN", f"{rel}/: {chk.name}: {chk.detail}",
                          "bundle the unmodified run folder (`babylm interact verify RUN` must pass)", rel))
    c.rep.summary["interaction_verify"] = {"ok": rep.ok, "turns": rep.turns, "counts": rep.counts}


def _identity(c: Any, m: Any, rel: str, ident: dict[str, Any]) -> None:
    from babylm.tracks.rules import UnknownTrackError, get_track

    where = f"{rel}/interaction.json"
    try:
        t = get_track(str(ident.get("track")))
        if (t.edition, t.name) != (c.track.edition, c.track.name):
            c.F.add(error("E_TRACK_MISMATCH", f"{where}: run on {t.key} but submission.json says {c.track.key}",
                          "submit under the track you ran", where))
    except UnknownTrackError as exc:
        c.F.add(error("E_TRACK_MISMATCH", f"{where}: {exc}", "bundle the unmodified run folder", where))
    try:
        same = Fraction(str(ident.get("scale", "1"))) == Fraction(m.scale)
    except (ValueError, ZeroDivisionError):
        same = False
    if not same:
        c.F.add(error("E_SCALE_MISMATCH", f"{where}: scale {ident.get('scale')!r} but submission.json says {m.scale}",
                      "copy the scale from interaction.json", where))
    teacher = ident.get("teacher")
    claimed = c.fact.teacher.model_id if c.fact is not None and c.fact.teacher is not None else None
    if c.fact is not None and teacher != claimed:
        c.F.add(error("E_INTERACTION_TEACHER", f"{where}: the run's teacher is {teacher!r}, the fact sheet says "
                      f"{claimed!r}", "copy the teacher from interaction.json", m.files.fact_sheet))
    c.rep.summary.setdefault("interaction", {}).update(
        {k: ident.get(k) for k in ("protocol", "run_id", "variant", "teacher", "seed")})


def _words(c: Any, m: Any, rel: str, wl: dict[str, Any]) -> None:
    where = f"{rel}/word_ledger.json"
    seen, counts = wl.get("words_seen"), wl.get("counts")
    if not isinstance(seen, int) or not isinstance(counts, dict):
        c.F.add(error("E_INTERACTION_LEDGER", f"{where}: no words_seen / counts", "bundle the unmodified run", where))
        return
    if c.ledger is not None:
        if c.ledger.words != seen:
            c.F.add(error("E_INTERACTION_LEDGER", f"{where}: {seen:,} words seen but the training ledger counts "
                          f"{c.ledger.words:,}", "bundle ledger and word ledger of the same run", where))
    else:
        if c.fact is not None and c.fact.words_seen != seen:
            c.F.add(error("E_FACT_WORDS", f"{m.files.fact_sheet}: words_seen {c.fact.words_seen:,} but the word "
                          f"ledger counts {seen:,}", "copy the word ledger's figure", m.files.fact_sheet))
        if seen > c.track.exposure_cap:
            c.F.add(error("E_EXPOSURE_CAP", f"{where}: {seen:,} words seen, over the exposure cap of "
                          f"{c.track.exposure_cap:,}", "submit a run that stopped at the cap", where))
    srcs = ["corpus"] + (["teacher_visible"] if c.track.teacher_words_count else []) + (
        ["reward"] if wl.get("rewards_as_words") else [])
    def n(src: str) -> int:  # verify_run has judged the counts; odd values here only must not crash
        v = counts.get(src)
        return v if isinstance(v, int) else 0

    budgets = c.rep.summary.setdefault("budgets", {})
    budgets.update({"words_used": sum(n(s) for s in srcs), "words_seen": seen, "student_words": n("student_generated")})


def _summary(c: Any, rel: str) -> None:
    where = f"{rel}/summary.json"
    summary = c.model(where, "E_INTERACTION_SUMMARY", InteractionSummary, "bundle the run's summary.json")
    if summary is None:
        return
    c.rep.summary.setdefault("interaction", {}).update(
        {"metric": summary.metric, "rounds": summary.rounds, "variants": summary.variants})


def _refgame_checkpoints(c: Any, m: Any, wl: dict[str, Any]) -> None:
    from babylm.submissions.interaction_bundle import REFGAME_FILES
    from babylm.submissions.safe_load import count_params

    loc = m.model_location
    if loc.kind != "local":
        return
    base = c.root / loc.path
    raw = wl.get("checkpoints_fired")
    fired = [str(n) for n in raw] if isinstance(raw, list) else []
    present = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    c.rep.summary["interaction_checkpoints"] = [n for n in fired if n in present]
    for name in fired:
        if name not in present:
            c.F.add(error("E_CHECKPOINT_MISSING", f"checkpoint {name} (fired by the word ledger) is missing from "
                          f"{loc.path}/", "bundle every checkpoint the run saved", f"{loc.path}/{name}"))
    for name in present:
        where = f"{loc.path}/{name}"
        if name not in fired:
            c.F.add(error("E_CHECKPOINT_UNREACHED", f"{where}: the word ledger never fired this checkpoint",
                          "bundle checkpoints and ledger of the same run", where))
            continue
        names = {p.name for p in (base / name).iterdir()}
        if names != REFGAME_FILES:
            c.F.add(error("E_CHECKPOINT_FILES", f"{where}: holds {', '.join(sorted(names)) or 'nothing'}; a "
                          f"reference-game student is exactly {', '.join(sorted(REFGAME_FILES))}",
                          "bundle the checkpoint as the run saved it", where))
            continue
        try:
            n = count_params(base / name)
        except Exception as exc:  # a corrupt header is a finding
            c.F.add(error("E_SAFETENSORS", f"{where}/model.safetensors: unreadable header ({exc})",
                          "bundle the checkpoint as the run saved it", where))
            continue
        if name == fired[-1] and c.fact is not None and n and abs(n - c.fact.n_params) / n > 0.01:
            c.F.add(error("E_FACT_PARAMS", f"fact sheet says {c.fact.n_params:,} parameters, the final checkpoint "
                          f"holds {n:,}", "copy the figure from the weights", m.files.fact_sheet))
