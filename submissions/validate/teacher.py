"""Interaction claims of the fact sheet: the teacher is allowed, teacher and student words fit the
budget and cap, and the interaction word ledger, when bundled, backs them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from babylm.submissions.findings import error, warning
from babylm.submissions.validate.context import Context

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest


def check_teacher(c: Context, m: SubmissionManifest) -> None:
    t, fact = c.track, c.fact
    if fact is None:
        return
    teacher = fact.teacher
    if teacher is None:
        if t.name == "interaction":
            c.F.add(warning("W_NO_TEACHER", "interaction track entry without a teacher in the fact sheet",
                               "add fact_sheet.teacher {model_id, n_params, words}", m.files.fact_sheet))
        return
    c.rep.summary["teacher"] = teacher.model_dump()
    if not t.allows_teacher:
        c.F.add(error("E_TEACHER_NOT_ALLOWED", f"{t.key} does not allow a teacher model",
                         "submit to a track that allows teachers", m.files.fact_sheet))
    elif not t.teacher_allowed(teacher.model_id, teacher.n_params):
        limit = f" or any model under {t.teacher_max_params_any:,} parameters" if t.teacher_max_params_any else ""
        c.F.add(error("E_TEACHER_NOT_ALLOWED", f"teacher {teacher.model_id!r} ({teacher.n_params or '?'} "
                         f"params) is not on the {t.key} allow-list: {', '.join(t.teacher_allowlist)}{limit}",
                         "use an allowed teacher (`babylm tracks list`)", m.files.fact_sheet))
    if t.teacher_words_count:
        data = c.data_words or 0
        if data + teacher.words > t.word_budget:
            c.F.add(error("E_WORDS_OVER_BUDGET", f"{data:,} corpus words + {teacher.words:,} teacher words = "
                             f"{data + teacher.words:,}, over the {t.word_budget:,}-word budget (teacher words "
                             "count on this track)", "read fewer teacher words or less corpus",
                             m.files.fact_sheet))
        if c.ledger is not None and teacher.words > c.ledger.words:
            c.F.add(error("E_TEACHER_WORDS", f"fact sheet says the student read {teacher.words:,} teacher words "
                             f"but the ledger saw only {c.ledger.words:,} words in all",
                             "teacher words must pass through the ledger", m.files.fact_sheet))
    interaction_ledger(c, m, teacher.words, fact.student_generated_words)
    cap = t.student_generation_cap
    gen = fact.student_generated_words
    if cap is not None and gen is not None and gen > cap:
        c.F.add(error("E_STUDENT_GEN_CAP", f"student generated {gen:,} words, over the cap of {cap:,}",
                         "stop generation at the cap", m.files.fact_sheet))


def interaction_ledger(c: Context, m: SubmissionManifest, teacher_words: int, student_words: int | None) -> None:
    """The interaction word ledger (babylm.interaction_ledger/1), when bundled, backs the fact sheet."""
    rel = m.files.interaction_ledger
    if not rel or not (c.root / rel).is_file():
        return
    data = c.json(rel, "E_INTERACTION_LEDGER")
    if not isinstance(data, dict) or data.get("format") != "babylm.interaction_ledger/1" or not isinstance(
            data.get("counts"), dict):
        c.F.add(error("E_INTERACTION_LEDGER", f"{rel}: not a babylm.interaction_ledger/1 file with counts",
                         "bundle the word_ledger.json of the interaction run", rel))
        return
    counts = data["counts"]
    seen = counts.get("teacher_visible")
    if seen != teacher_words:
        c.F.add(error("E_TEACHER_WORDS", f"fact sheet says the student read {teacher_words:,} teacher words; "
                         f"the interaction ledger counted {seen!r}", "copy the ledger's teacher_visible count",
                         rel))
    gen = counts.get("student_generated")
    if student_words is not None and gen != student_words:
        c.F.add(error("E_STUDENT_WORDS", f"fact sheet says the student generated {student_words:,} words; the "
                         f"interaction ledger counted {gen!r}", "copy the ledger's student_generated count", rel))
    t = c.track
    if t.teacher_words_count and isinstance(seen, int) and isinstance(counts.get("corpus"), int):
        total = counts["corpus"] + seen
        if total > t.word_budget:
            c.F.add(error("E_WORDS_OVER_BUDGET", f"{rel}: {counts['corpus']:,} corpus + {seen:,} teacher words "
                             f"= {total:,}, over the {t.word_budget:,}-word budget", "read fewer words", rel))
    cap = t.student_generation_cap
    if cap is not None and isinstance(gen, int) and gen > cap:
        c.F.add(error("E_STUDENT_GEN_CAP", f"{rel}: the student generated {gen:,} words, over the cap of "
                         f"{cap:,}", "stop generation at the cap", rel))
