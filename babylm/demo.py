"""`babylm demo`: the whole task end to end on embedded defaults.

data -> budgeted training -> checkpoints -> evaluation -> validation -> scoring -> leaderboard.
Each part contributes its stages (a function `stage(ctx: DemoContext) -> None`) in its own module;
this file only orders them and keeps the shared context.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import typer

from babylm.cli_options import Edition, TrackName, edition_option, scale_option, track_option
from babylm.tracks.rules import Track, parse_scale, resolve_track

DEFAULT_SCALE = Fraction(1, 100)

# (title, "module:function"); every stage reads and extends ctx.state.
STAGES: tuple[tuple[str, str], ...] = (
    ("data", "babylm.tracks.demo:stage_data"),
    ("train", "babylm.tracks.demo:stage_train"),
    ("evaluate", "babylm.evaluation.demo:stage_evaluate"),
    ("interaction", "babylm.tracks.interaction.demo:stage_interaction"),
    ("submit", "babylm.submissions.demo:stage_submit"),
    ("leaderboard", "babylm.leaderboard.demo:stage_leaderboard"),
)


@dataclass
class DemoContext:
    workdir: Path
    track: Track
    scale: Fraction
    seed: int = 0
    serve: bool = True  # whether the leaderboard stage keeps the app running at the end
    fast: bool = False  # tests: smallest sizes everywhere
    eval_data: Path | None = None  # --eval-data: the official evaluation_data/ folder (else looked up)
    state: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


# Where the demo looks for the official evaluation data, in this order (every place the README and the
# docs name): --eval-data, $BABYLM_EVAL_DATA (the evaluation commands' variable), $BABYLM_SHARED_DATA
# (the shared data folder the tests read; its babylm_eval_2025/), ./evaluation_data, and
# ../shared/data/babylm_eval_2025 beside the working folder and beside the checkout.
EVAL_ENV = "BABYLM_EVAL_DATA"
SHARED_ENV = "BABYLM_SHARED_DATA"
EVAL_SUBDIR = "babylm_eval_2025"


@dataclass(frozen=True)
class DataLookup:
    """Where the demo found the evaluation data (root None: nowhere) and every place it looked."""

    root: Path | None
    source: str  # how root was found: "--eval-data", "$BABYLM_EVAL_DATA", ... ("" when not found)
    tried: tuple[tuple[str, Path], ...]

    def where(self) -> str:
        return " or ".join(str(p) for _, p in self.tried) or "(no place to look)"


def find_eval_data(explicit: Path | str | None = None, *, env: Mapping[str, str] | None = None,
                   cwd: Path | None = None, checkout: Path | None = None) -> DataLookup:
    """The evaluation data folder the demo uses, looked up through every documented place (order above).
    An --eval-data folder that does not exist is a user error; the other places are optional."""
    from babylm.errors import BabyLMError

    env = os.environ if env is None else env
    if explicit is not None:
        root = Path(explicit).expanduser()
        if not root.is_dir():
            raise BabyLMError(f"evaluation data folder not found: {root}",
                              hint="pass the folder holding fast_eval/ and full_eval/ with --eval-data")
        return DataLookup(root, "--eval-data", (("--eval-data", root),))
    cwd = Path.cwd() if cwd is None else cwd
    tried: list[tuple[str, Path]] = []
    if env.get(EVAL_ENV):
        tried.append((f"${EVAL_ENV}", Path(env[EVAL_ENV]).expanduser()))
    if env.get(SHARED_ENV):
        shared = Path(env[SHARED_ENV]).expanduser()
        tried.append((f"${SHARED_ENV}", shared / EVAL_SUBDIR if (shared / EVAL_SUBDIR).is_dir() else shared))
    tried += [("./evaluation_data", cwd / "evaluation_data"),
              ("../shared/data", cwd.parent / "shared" / "data" / EVAL_SUBDIR),
              ("../shared/data", (checkout or Path(__file__).resolve().parents[1]).parent / "shared" / "data"
               / EVAL_SUBDIR)]
    seen: set[Path] = set()
    tried = [(src, p) for src, p in tried if not (p in seen or seen.add(p))]  # each folder once, first name
    for src, p in tried:
        if p.is_dir():
            return DataLookup(p, src, tuple(tried))
    return DataLookup(None, "", tuple(tried))


def blimp_skip_reason(lookup: DataLookup) -> str | None:
    """Why the demo cannot score BLiMP fast with this lookup (None: it can)."""
    from babylm.errors import BabyLMError
    from babylm.evaluation.tasks.datafiles import task_files

    hint = f"set {SHARED_ENV} to the shared data folder, or pass --eval-data"
    if lookup.root is None:
        return f"no evaluation data under {lookup.where()} ({hint})"
    try:
        task_files(lookup.root, "fast", "blimp_fast", task="blimp")
    except BabyLMError:
        return f"no blimp data under {lookup.root} (found through {lookup.source}; {hint})"
    return None


def evaluation_summary(state: Mapping[str, Any]) -> list[str]:
    """What the evaluate stage scored and what it skipped, with the reason: one line each."""
    summary = state.get("eval_summary") or {}
    lines = [f"scored {task}: {what}" for task, what in (summary.get("scored") or {}).items()]
    lines += [f"{task} skipped: {why}" for task, why in (summary.get("skipped") or {}).items()]
    return lines


MARKER = ".babylm-demo"


def _prepare_workdir(workdir: Path, fresh: bool) -> None:
    """A full run starts from an empty folder (a stale run of an older version must not leak in);
    only a folder the demo made itself is ever wiped."""
    import shutil

    from babylm.errors import BabyLMError

    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / MARKER).exists():
            raise BabyLMError(f"{workdir} is not empty and was not made by `babylm demo`",
                              hint="pass another --workdir (nothing was changed)")
        if fresh:
            shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).touch()


def run_demo(ctx: DemoContext, only: list[str] | None = None) -> DemoContext:
    from rich.markup import escape

    from babylm.output import console, scaled_banner

    _prepare_workdir(ctx.workdir, fresh=not only)
    console.rule(f"babylm demo: {ctx.track.key} in {ctx.workdir}")
    console.print(scaled_banner(ctx.scale))
    for title, target in STAGES:
        if only and title not in only:
            continue
        mod_name, fn_name = target.split(":")
        fn = getattr(importlib.import_module(mod_name), fn_name)
        console.rule(f"[bold]{title}")
        t0 = time.perf_counter()
        fn(ctx)
        ctx.timings[title] = time.perf_counter() - t0
        console.print(f"[green]stage {title} done in {ctx.timings[title]:.1f} s[/]")
    console.rule("demo finished")
    for title, secs in ctx.timings.items():
        console.print(f"  {title:<12} {secs:7.1f} s")
    for line in evaluation_summary(ctx.state):
        console.print(f"  {escape(line)}")
    return ctx


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        workdir: Path = typer.Option(Path("demo_run"), help="Folder for everything the demo writes."),
        edition: Edition = edition_option(),
        track: TrackName = track_option("strict-small", help="Track whose rules (scaled) the demo follows."),
        scale: str = scale_option("Scale of budget and schedule, e.g. 1/100.", default=str(DEFAULT_SCALE)),
        seed: int = typer.Option(0, help="Seed for corpus, training and evaluation."),
        serve: bool = typer.Option(
            None, "--serve/--no-serve",
            help="Keep the leaderboard running at the end (Ctrl-C stops it). Default: serve when run from a "
            "terminal, stop after printing the URL when run by a script.",
        ),
        only: list[str] = typer.Option(None, help="Run only these stages (repeatable)."),
        eval_data: Path = typer.Option(
            None, "--eval-data",
            help=f"The official evaluation_data/ folder, for BLiMP fast. Default: ${EVAL_ENV}, then "
            f"${SHARED_ENV}/{EVAL_SUBDIR}, ./evaluation_data, ../shared/data/{EVAL_SUBDIR}."),
    ) -> None:
        """Run the whole task end to end on a generated corpus, at a demo scale."""
        import sys

        from babylm.errors import BabyLMError

        frac = parse_scale(scale)
        if serve is None:
            serve = sys.stdin.isatty() and sys.stdout.isatty()
        known = [t for t, _ in STAGES]
        bad = [s for s in only or [] if s not in known]
        if bad:
            raise BabyLMError(f"unknown stage(s) {', '.join(bad)}", hint=f"stages: {', '.join(known)}")
        # Absolute: later stages hand paths to child processes (loader, Streamlit) that run elsewhere.
        workdir = workdir.resolve()
        tr = resolve_track(track, int(edition), frac)
        if eval_data is not None:
            find_eval_data(eval_data)  # a folder that is not there fails now, not after training
        ctx = DemoContext(workdir=workdir, track=tr, scale=frac, seed=seed, serve=serve,
                          eval_data=eval_data.resolve() if eval_data else None)
        run_demo(ctx, only=only)
