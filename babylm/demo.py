"""`babylm demo`: the whole task end to end on embedded defaults.

data -> budgeted training -> checkpoints -> evaluation -> validation -> scoring -> leaderboard.
Each part contributes its stages (a function `stage(ctx: DemoContext) -> None`) in its own module;
this file only orders them and keeps the shared context.
"""

from __future__ import annotations

import importlib
import time
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
    state: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


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
        ctx = DemoContext(workdir=workdir, track=tr, scale=frac, seed=seed, serve=serve)
        run_demo(ctx, only=only)
