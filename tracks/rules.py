"""Track definitions per edition: rules are data, kept in one registry keyed by (edition, track)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from babylm.errors import BabyLMError
from babylm.tracks.budgets import BYTE_PREMIUMS_2026, ENGLISH_BYTES_PER_WORD, ByteBudget

M = 1_000_000

# Words seen (repeats counted) at which a checkpoint is due: 1M..10M, 20M..100M, 200M..1000M.
FULL_SCHEDULE: tuple[int, ...] = (
    tuple(i * M for i in range(1, 11))
    + tuple(i * 10 * M for i in range(2, 11))
    + tuple(i * 100 * M for i in range(2, 11))
)

TEACHERS_2025: tuple[str, ...] = (
    "meta-llama/Llama-3.1-8B-Instruct",
    "meta-llama/Llama-3.2-3B-Instruct",
    "meta-llama/Llama-3.2-1B-Instruct",
)
TEACHERS_2026: tuple[str, ...] = TEACHERS_2025 + (
    "Qwen/Qwen2.5-*",
    "Qwen/Qwen3-*",
    "Qwen/Qwen3.5-*",
)


class UnknownTrackError(BabyLMError, KeyError):
    """Raised for an (edition, track) pair that is not in the registry (a user error, and a KeyError)."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want a readable message
        return str(self.args[0])


@dataclass(frozen=True)
class TaskSets:
    """Which evaluation tasks a track's board uses (names from the task registry).

    `linguistic`, `human_likeness` and `finetune` are required: a missing one counts 0 on the board and,
    unless `partial`, is a validation finding. `optional` tasks are shown, and join the macro only when
    every ranked entry has them. `partial` (2026 multilingual: "incomplete evaluation is allowed ...
    missing tasks are set to 0") makes a missing required task never a validation finding.
    A name may be a task babylm does not implement yet (`babylm tasks list` says "not registered");
    validation only ever asks for registered tasks (submissions/validate/results.py `missing_tasks`).
    A task that no track names is still evaluated and stored when asked for, never required.
    """

    linguistic: tuple[str, ...]
    human_likeness: tuple[str, ...]
    optional: tuple[str, ...] = ()
    finetune: tuple[str, ...] = ()
    partial: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return self.linguistic + self.human_likeness + self.finetune

    @property
    def all(self) -> tuple[str, ...]:
        return self.linguistic + self.optional + self.human_likeness + self.finetune

    def to_dict(self) -> dict[str, object]:
        return {"linguistic": list(self.linguistic), "human_likeness": list(self.human_likeness),
                "optional": list(self.optional), "finetune": list(self.finetune), "partial": self.partial}


def merge_task_sets(sets: Sequence[TaskSets], *, partial: bool = False) -> TaskSets:
    """One TaskSets holding every name of `sets`, in order, without duplicates."""

    def union(attr: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for s in sets for n in getattr(s, attr)))

    return TaskSets(union("linguistic"), union("human_likeness"), union("optional"), union("finetune"), partial)


TEXT_TASKS = TaskSets(
    linguistic=("blimp", "blimp_supplement", "ewok", "entity_tracking", "comps"),
    human_likeness=("reading", "aoa", "wug_adj", "wug_past"),
    optional=("glue",),
)
MULTIMODAL_TASKS = TaskSets(
    linguistic=TEXT_TASKS.linguistic + ("vqa", "winoground"),
    human_likeness=TEXT_TASKS.human_likeness,
    optional=("glue", "devbench"),
)

SOURCE_EVAL = "babylm-org/babylm-eval README.md, strict/README.md, multilingual/README.md, multilingual/scripts"
SOURCE_DATA = "babylm-org/multilingual-babylm src/pad_utils.py, resources/byte_coefs_20240233.tsv"

# 2026 Strict / Strict-Small (babylm-eval README baseline tables): zero-shot BLiMP, BLiMP supplement,
# EWoK, entity tracking, COMPS, GlobalPIQA; human-likeness reading and AoA; (Super)GLUE fine-tuning as
# babylm's `glue`; WUG (hidden tasks in strict/README.md, dropped from the 2026 baseline table) optional.
STRICT_2026_TASKS = TaskSets(
    linguistic=("blimp", "blimp_supplement", "ewok", "entity_tracking", "comps", "global_piqa"),
    human_likeness=("reading", "aoa"),
    optional=("glue", "wug_adj", "wug_past"),
)


def _multilingual(zero_shot: tuple[str, ...], finetune: tuple[str, ...], lang: str, iso3: str) -> TaskSets:
    """One language's board: lm-eval zero-shot task names (multilingual/README.md tables, group
    zeroshot_{iso3}) and fine-tuning tasks named `{task}_{lang}` as their data files
    (multilingual/finetune/data/multilingual/{lang}/{task}/{task}_{lang}.train.jsonl)."""
    return TaskSets(linguistic=zero_shot, human_likeness=(), optional=(f"global_piqa_{iso3}",),
                    finetune=tuple(f"{t}_{lang}" for t in finetune), partial=True)


# `blimp_eng` is the multilingual suite's English BLiMP (official key "blimp" in zeroshot_eng, a
# different item set and score from the strict track's `blimp`).
MULTILINGUAL_TASKS: tuple[tuple[str, TaskSets], ...] = (
    ("en", _multilingual(
        ("blimp_eng", "multiblimp_eng", "hellaswag_en_mubench", "winogrande_en_mubench", "xstorycloze_en_mubench"),
        ("arc", "belebele", "bmlama", "mnli", "sib200", "truthfulqa", "xnli"), "en", "eng")),
    ("nl", _multilingual(
        ("blimp_nl", "multiblimp_nld", "hellaswag_nl_mubench", "winogrande_nl_mubench", "xcomps_nl",
         "xstorycloze_nl_mubench"),
        ("arc", "belebele", "bmlama", "include", "mnli", "sib200", "truthfulqa"), "nl", "nld")),
    ("zh", _multilingual(
        ("zhoblimp", "hellaswag_zh_mubench", "winogrande_zh_mubench", "xcomps_zh", "xstorycloze_zh_mubench"),
        ("arc", "belebele", "bmlama", "include", "mnli", "sib200", "truthfulqa", "xnli"), "zh", "zho")),
)


@dataclass(frozen=True)
class Track:
    edition: int
    name: str
    word_budget: int
    exposure_cap: int
    schedule: tuple[int, ...]
    modalities: tuple[str, ...] = ("text",)
    teacher_allowlist: tuple[str, ...] = ()
    # Any teacher below this many parameters is allowed too (2025: "any LM under 1B").
    teacher_max_params_any: int | None = None
    # Student-generated words have their own cap (interaction); None = not applicable.
    student_generation_cap: int | None = None
    # Words the student reads from a teacher count toward word_budget.
    teacher_words_count: bool = False
    languages: tuple[str, ...] = ("en",)
    notes: str = ""
    # Multilingual: the budget in UTF-8 bytes (English bytes x each language's byte premium); None = words.
    # word_budget, exposure_cap and schedule are then English-equivalent words (bytes / premium / 5.43).
    byte_budget: ByteBudget | None = None
    # Multilingual: the task sets of each language's board; `tasks` is then their union.
    language_tasks: tuple[tuple[str, TaskSets], ...] = ()
    # Where the rules come from (repository and file), shown by `babylm tracks list --json`.
    source: str = ""
    # 1 for the real rules; a fraction for demos/tests (budgets and schedule shrunk, names kept).
    scale: Fraction = Fraction(1)
    # Checkpoint folder names, one per schedule entry (nominal names survive scaling).
    names: tuple[str, ...] = ()
    # The evaluation tasks of this track's board.
    tasks: TaskSets = TEXT_TASKS

    def __post_init__(self) -> None:
        if not self.names:
            object.__setattr__(self, "names", tuple(checkpoint_name(w) for w in self.schedule))
        if len(self.names) != len(self.schedule):
            raise ValueError("one checkpoint name per schedule entry")

    @property
    def key(self) -> str:
        return f"{self.edition}/{self.name}"

    @property
    def budget_unit(self) -> str:
        """'words' (str.split words) or 'bytes' (UTF-8 bytes per language, byte-premium scaled)."""
        return "words" if self.byte_budget is None else "bytes"

    @property
    def byte_premium(self) -> tuple[tuple[str, float], ...]:
        """(language, premium) pairs of a byte-budget track; () for a word track."""
        if self.byte_budget is None:
            return ()
        return tuple((lang, float(self.byte_budget.premium(lang))) for lang in self.byte_budget.languages)

    def language_byte_budget(self, lang: str) -> int:
        """Bytes of `lang` alone that use the whole budget (a user error on a word track)."""
        if self.byte_budget is None:
            raise BabyLMError(f"{self.key} counts words, not bytes", hint="byte budgets belong to 2026/multilingual")
        return self.byte_budget.language_budget(lang)

    @property
    def epochs_cap(self) -> int:
        """The exposure cap in epochs over the full budget (10 for every track so far)."""
        return self.exposure_cap // max(1, self.word_budget)

    def tasks_for(self, lang: str | None = None) -> TaskSets:
        """The task sets of one language's board (multilingual), or of the track."""
        if lang is None:
            return self.tasks
        for code, sets in self.language_tasks:
            if code == lang:
                return sets
        raise BabyLMError(f"{self.key} has no board for language {lang!r}",
                          hint=f"languages: {', '.join(c for c, _ in self.language_tasks) or 'none (one board)'}")

    @property
    def checkpoint_names(self) -> tuple[str, ...]:
        return self.names

    @property
    def is_scaled(self) -> bool:
        return self.scale != 1

    @property
    def allows_teacher(self) -> bool:
        return bool(self.teacher_allowlist) or self.teacher_max_params_any is not None

    def teacher_allowed(self, model_id: str, n_params: int | None = None) -> bool:
        """Whether a teacher model id (and optional parameter count) is allowed on this track."""
        from fnmatch import fnmatchcase

        if any(fnmatchcase(model_id.lower(), pat.lower()) for pat in self.teacher_allowlist):
            return True
        return (
            self.teacher_max_params_any is not None
            and n_params is not None
            and n_params < self.teacher_max_params_any
        )

    def scaled(self, scale: Fraction | float | str) -> Track:
        """A copy with budget, cap and schedule multiplied by `scale` (demos and tests only)."""
        s = Fraction(scale).limit_denominator(10**9) if not isinstance(scale, Fraction) else scale
        if s <= 0 or s > 1:
            raise ValueError(f"scale must be in (0, 1], got {scale}")

        def mul(x: int) -> int:
            return max(1, int(x * s))

        return Track(
            edition=self.edition,
            name=self.name,
            word_budget=mul(self.word_budget),
            exposure_cap=mul(self.exposure_cap),
            schedule=tuple(mul(w) for w in self.schedule),
            modalities=self.modalities,
            teacher_allowlist=self.teacher_allowlist,
            teacher_max_params_any=self.teacher_max_params_any,
            student_generation_cap=None
            if self.student_generation_cap is None
            else mul(self.student_generation_cap),
            teacher_words_count=self.teacher_words_count,
            languages=self.languages,
            notes=(self.notes + f" SCALED x{s}").strip(),
            byte_budget=None if self.byte_budget is None else self.byte_budget.scaled(s),
            language_tasks=self.language_tasks,
            source=self.source,
            scale=self.scale * s,
            names=self.names,
            tasks=self.tasks,
        )


def checkpoint_name(words: int) -> str:
    """`chck_{N}M` for a number of words seen (whole millions)."""
    if words % M:
        raise ValueError(f"checkpoint at {words} words is not a whole number of millions")
    return f"chck_{words // M}M"


def parse_checkpoint_name(name: str) -> int:
    """Inverse of checkpoint_name: 'chck_7M' -> 7_000_000."""
    if not (name.startswith("chck_") and name.endswith("M") and name[5:-1].isdigit()):
        raise ValueError(f"not a checkpoint name (expected chck_<N>M): {name!r}")
    return int(name[5:-1]) * M


def _schedule(up_to: int) -> tuple[int, ...]:
    return tuple(w for w in FULL_SCHEDULE if w <= up_to)


_REGISTRY: dict[tuple[int, str], Track] = {}


def register(track: Track) -> Track:
    _REGISTRY[(track.edition, track.name)] = track
    return track


register(Track(2025, "strict", 100 * M, 1000 * M, _schedule(1000 * M), notes="text only"))
register(Track(2025, "strict-small", 10 * M, 100 * M, _schedule(100 * M), notes="text only"))
register(
    Track(
        2025, "multimodal", 100 * M, 1000 * M, _schedule(1000 * M), modalities=("text", "image"),
        notes="100M words plus unlimited non-linguistic data", tasks=MULTIMODAL_TASKS,
    )
)
register(
    Track(
        2025, "interaction", 100 * M, 1000 * M, _schedule(1000 * M),
        teacher_allowlist=TEACHERS_2025, teacher_max_params_any=1_000_000_000,
        student_generation_cap=100 * M, teacher_words_count=True,
        notes="teacher words count toward the budget; text only reaches the student",
    )
)
for _name, _budget in (("strict", 100 * M), ("strict-small", 10 * M)):
    register(
        Track(
            2026, _name, _budget, 10 * _budget, _schedule(10 * _budget),
            modalities=("text", "image"), teacher_allowlist=TEACHERS_2026,
            teacher_max_params_any=1_000_000_000, teacher_words_count=True,
            notes="image-text data and teacher feedback allowed; their words count toward the budget",
            tasks=STRICT_2026_TASKS, source=SOURCE_EVAL,
        )
    )
register(
    Track(
        2026, "multilingual", 100 * M, 1000 * M, _schedule(1000 * M),
        languages=tuple(lang for lang, _ in BYTE_PREMIUMS_2026),
        notes="UTF-8 bytes: 543 MB of English, each language x its byte premium; a mixture shares the budget",
        byte_budget=ByteBudget(int(100 * M * ENGLISH_BYTES_PER_WORD), BYTE_PREMIUMS_2026),
        language_tasks=MULTILINGUAL_TASKS, tasks=merge_task_sets([t for _, t in MULTILINGUAL_TASKS], partial=True),
        source=f"{SOURCE_DATA}; {SOURCE_EVAL}",
    )
)

DEFAULT_EDITION = 2025


def get_track(name: str, edition: int | None = None) -> Track:
    """Look up a track; `name` may be 'strict-small' or '2025/strict-small'."""
    if "/" in name:
        ed, name = name.split("/", 1)
        edition = int(ed)
    edition = DEFAULT_EDITION if edition is None else edition
    try:
        return _REGISTRY[(edition, name)]
    except KeyError:
        known = ", ".join(t.key for t in all_tracks())
        raise UnknownTrackError(f"unknown track {edition}/{name}; known tracks: {known}") from None


def all_tracks() -> list[Track]:
    return sorted(_REGISTRY.values(), key=lambda t: (t.edition, t.name))


def editions() -> list[int]:
    return sorted({t.edition for t in _REGISTRY.values()})


def track_names() -> list[str]:
    """Every track name of any edition (the --track choices)."""
    return sorted({t.name for t in _REGISTRY.values()})


def parse_scale(text: str | Fraction | float | int) -> Fraction:
    """A scale in (0, 1] from '1/100', 0.01 or a Fraction; a user error otherwise."""
    try:
        s = Fraction(text).limit_denominator(10**9) if isinstance(text, float) else Fraction(text)
    except (ValueError, ZeroDivisionError, TypeError):
        raise BabyLMError(f"bad --scale {text!r}", hint="a fraction in (0, 1], e.g. 1/100") from None
    if not 0 < s <= 1:
        raise BabyLMError(f"--scale must be in (0, 1], got {text}", hint="a fraction in (0, 1], e.g. 1/100")
    return s


def resolve_track(
    track: Track | str, edition: int | None = None, scale: Fraction | str | float | None = None
) -> Track:
    """The one place a track is looked up from user input: a Track or a name ('strict-small', or the key
    '2025/strict-small'), an edition, and a scale relative to the real rules (it replaces any scale the
    Track had). Unknown tracks and bad scales are user errors."""
    if isinstance(track, str):
        try:
            track = get_track(track, edition)
        except UnknownTrackError as exc:
            raise BabyLMError(str(exc), hint="`babylm tracks list` shows them") from None
    if scale is None:
        return track
    frac = parse_scale(scale)
    base = get_track(track.name, track.edition)
    return base if frac == 1 else base.scaled(frac)
