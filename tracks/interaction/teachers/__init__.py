"""Teachers: text in, text out (scripted, local transformers, OpenAI-compatible HTTP).

base (the `Teacher` contract, rubric parsing, the allow-list check), scripted, local, http (one backend
each) and factory (`make_teacher`, the command-line form). The public names are re-exported here.
"""

from babylm.tracks.interaction.teachers.base import (
    CORRECT_PROMPT,
    DEFAULT_RUBRIC,
    RUBRIC_MAX,
    SCORE_PROMPT,
    ScoreResult,
    Teacher,
    check_teacher_allowed,
    parse_rubric_score,
    truncate_words,
)
from babylm.tracks.interaction.teachers.factory import make_teacher
from babylm.tracks.interaction.teachers.http import OpenAICompatTeacher
from babylm.tracks.interaction.teachers.local import LocalHFTeacher
from babylm.tracks.interaction.teachers.scripted import ScriptedTeacher

__all__ = [
    "CORRECT_PROMPT", "DEFAULT_RUBRIC", "RUBRIC_MAX", "SCORE_PROMPT", "LocalHFTeacher", "OpenAICompatTeacher",
    "ScoreResult", "ScriptedTeacher", "Teacher", "check_teacher_allowed", "make_teacher", "parse_rubric_score",
    "truncate_words",
]
