"""Track definitions per edition: rules are data, kept in one registry keyed by (edition, track)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from babylm.errors import BabyLMError

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

    `linguistic` and `human_likeness` are required: a missing one is a validation finding and counts 0
    on the board. `optional` tasks are shown, and join the macro only when every ranked entry has them.
    A task that no track names is still evaluated and stored when asked for, never required.
    """

    linguistic: tuple[str, ...]
    human_likeness: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return self.linguistic + self.human_likeness

    @property
    def all(self) -> tuple[str, ...]:
        return self.linguistic + self.optional + self.human_likeness


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
    # Byte premium per language (multilingual): word counts are scaled by it. Uncertain: configurable.
    byte_premium: tuple[tuple[str, float], ...] = field(default=())
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
            byte_premium=self.byte_premium,
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
            notes="teacher feedback and image-text data allowed", tasks=MULTIMODAL_TASKS,
        )
    )
register(
    Track(
        2026, "multilingual", 100 * M, 1000 * M, _schedule(1000 * M),
        languages=("en", "nl", "zh"),
        notes="word counts adjusted by each language's byte premium",
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
