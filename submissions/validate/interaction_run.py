"""Validator checks of an interaction bundle's evidence (`files.interaction_run`, see interaction_bundle.py).

- the bundled run re-verifies (`tracks.interaction.verify.verify_run`: episode log = word ledger, hash
  chain, chain head, input budget, generation cap): each failed check is an E_INTERACTION_RUN;
- interaction.json names the submission's track and scale (E_TRACK_MISMATCH, E_SCALE_MISMATCH) and the fact
  sheet's teacher (E_INTERACTION_TEACHER; the allow-list itself is checked on the fact sheet);
- the episode log shows the words it charged: each turn's ledger delta is at least the words of the texts
  the protocol shows the student as that source (recount_episodes, E_INTERACTION_RECOUNT), and
  files.interaction_ledger, when it names another file than the run's word_ledger.json, holds the same
  counts (E_INTERACTION_LEDGER);
- words seen: the word ledger's equal the training ledger's (E_INTERACTION_LEDGER) or, without one, the fact
  sheet's (E_FACT_WORDS) and stay within the exposure cap (E_EXPOSURE_CAP);
- interaction.json and word_ledger.json are read by their format models, strictly
  (E_INTERACTION_RUN_SCHEMA, E_INTERACTION_LEDGER_SCHEMA);
- summary.json is a babylm.interaction_summary/1 with {variant: [number or null per round]}
  (E_INTERACTION_SUMMARY); its variants go to the report summary ("interaction") and so to the store;
- without a training ledger (respect, cogen), checkpoints/ holds exactly the milestones the word ledger
  fired, each a reference-game student (student.json + model.safetensors only, readable header; never
  loaded): E_CHECKPOINT_MISSING, E_CHECKPOINT_UNREACHED, E_CHECKPOINT_FILES, E_SAFETENSORS, E_FACT_PARAMS.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from babylm.submissions.findings import error, warning
from babylm.tracks.interaction.accounting.formats import InteractionRun, InteractionSummary, WordLedgerState

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
    fix = "bundle the unmodified run folder"
    run = c.model(f"{rel}/interaction.json", "E_INTERACTION_RUN", InteractionRun, fix)  # strict types
    state = c.model(f"{rel}/word_ledger.json", "E_INTERACTION_LEDGER", WordLedgerState, fix)
    ident = run.model_dump() if run is not None else None
    wl = state.model_dump() if state is not None else None
    if isinstance(ident, dict):
        _identity(c, m, rel, ident)
        recount_episodes(c, rel, str(ident.get("protocol")))
    if isinstance(wl, dict):
        _same_ledger(c, m, rel, wl)
        _words(c, m, rel, wl)
    _summary(c, rel)
    if c.rep.submission_id is None:  # no training ledger: the word ledger's chain identifies the run
        from babylm.submissions.formats import ledger_head, submission_id

        c.rep.submission_id = submission_id(m, ledger_head(folder / "word_ledger.jsonl"))
    if m.files.ledger is None and isinstance(wl, dict):
        _refgame_checkpoints(c, m, wl)


def _verify(c: Any, rel: str) -> None:
    import warnings

    from babylm.errors import BabyLMError
    from babylm.tracks.interaction.accounting.verify import verify_run

    try:
        with warnings.catch_warnings():  # a dropped last line is judged below; its warning would quote a path
            warnings.simplefilter("ignore")
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
    from babylm.errors import BabyLMError
    from babylm.tracks.rules import UnknownTrackError, get_track

    where = f"{rel}/interaction.json"
    try:
        t = get_track(str(ident.get("track")))
        if (t.edition, t.name) != (c.track.edition, c.track.name):
            c.F.add(error("E_TRACK_MISMATCH", f"{where}: run on {t.key} but submission.json says {c.track.key}",
                          "submit under the track you ran", where))
    except (UnknownTrackError, BabyLMError, ValueError) as exc:
        c.F.add(error("E_TRACK_MISMATCH", f"{where}: {str(exc)[:200]}", "bundle the unmodified run folder", where))
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


def _texts(v: Any) -> list[str] | None:
    """A text or a list of texts (a context of object lines), or None for anything else."""
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return ["\n".join(v)]
    return None


def _inputs(turn: dict[str, Any], *keys: str) -> list[str] | None:
    inputs = turn.get("inputs")
    if not isinstance(inputs, dict):
        return None
    out: list[str] = []
    for k in keys:
        t = _texts(inputs.get(k))
        if t is None:
            return None
        out += t
    return out


# What each protocol shows the student, by role and ledger source (the charge_turn calls of
# tracks/interaction/protocols): a function of the logged turn giving the texts, None when not readable.
SHOWN: dict[str, dict[tuple[str, str], Any]] = {
    "simpo": {("student", "teacher_visible"): lambda t: _texts(t.get("teacher")),
              ("student", "corpus"): lambda t: _inputs(t, "context")},
    "reinforce": {("student", "corpus"): lambda t: _inputs(t, "prompt")},
    "respect": {("listener", "teacher_visible"): lambda t: _inputs(t, "context", "utterance")},
    "cogen": {("speaker", "teacher_visible"): lambda t: _inputs(t, "context"),
              ("listener", "teacher_visible"): lambda t: _inputs(t, "context", "utterance")},
}
SEED = {("corpus", "corpus"): lambda t: _texts(t.get("inputs"))}  # seed demonstrations (refgame protocols)


def recount_episodes(c: Any, rel: str, protocol: str) -> None:
    """Each turn charged at least the words of what the episode log shows the student (E_INTERACTION_RECOUNT):
    a run whose deltas, word ledger and chain were all lowered together still shows its texts."""
    import warnings

    from babylm.errors import BabyLMError
    from babylm.tracks.interaction.accounting.episodes import read_episodes
    from babylm.tracks.words import count_text

    rules = {**SEED, **SHOWN.get(protocol, {})}
    where = f"{rel}/episodes.jsonl"
    if protocol not in SHOWN:
        c.F.add(warning("W_INTERACTION_NOT_RECOUNTED", f"{where}: protocol {protocol[:60]!r} has no recount rule; "
                        "its per-turn charges are taken as logged", "ask the organizers to add the protocol's "
                        "rule (submissions/validate/interaction_run.py)", where))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            turns = read_episodes(c.root / where)
    except (BabyLMError, OSError, ValueError):
        return  # verify_run has reported the log
    short: dict[str, list[int]] = {}  # source -> [turns short, words shown, words charged]
    first: str | None = None
    for i, t in enumerate(turns):
        led = t.get("ledger") if isinstance(t.get("ledger"), dict) else {}
        for (role, src), shown in rules.items():
            if t.get("role") != role:
                continue
            texts = shown(t)
            if texts is None:
                continue
            n = sum(count_text(x) for x in texts)
            got = led.get(src, 0)
            got = got if isinstance(got, int) and not isinstance(got, bool) else 0
            if got < n:
                acc = short.setdefault(src, [0, 0, 0])
                acc[0] += 1
                acc[1] += n
                acc[2] += got
                first = first or f"line {i + 1} ({role}, {src}: {got:,} charged, {n:,} shown)"
    for src, (k, n, got) in sorted(short.items()):
        c.F.add(error("E_INTERACTION_RECOUNT", f"{where}: {k} turn(s) charge fewer {src} words than they show the "
                      f"student ({got:,} charged, {n:,} shown; first at {first})",
                      "bundle the unmodified run: every word shown to the student is charged", where))


def _same_ledger(c: Any, m: Any, rel: str, wl: dict[str, Any]) -> None:
    """files.interaction_ledger (read by the fact-sheet checks) holds the run's word ledger counts."""
    other = m.files.interaction_ledger
    if not other or other == f"{rel}/word_ledger.json" or not (c.root / other).is_file():
        return
    data = c.json(other, "E_INTERACTION_LEDGER")
    if isinstance(data, dict) and data.get("counts") != wl.get("counts"):
        c.F.add(error("E_INTERACTION_LEDGER", f"{other}: its counts differ from {rel}/word_ledger.json, the run's "
                      "word ledger", f"list {rel}/word_ledger.json as files.interaction_ledger", other))
