"""The one `babylm` command tree: each part registers its own commands (thin: parse, call, print)."""

from __future__ import annotations

import sys

import typer

from babylm import __version__
from babylm.errors import BabyLMError

app = typer.Typer(
    name="babylm",
    help="Run a BabyLM-style shared task end to end: count data, train inside the budget, "
    "evaluate every checkpoint, validate and score submissions, publish a leaderboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_PARTS = (
    "babylm.tracks.cli",
    "babylm.tracks.interaction.cli",
    "babylm.evaluation.cli",
    "babylm.submissions.cli",
    "babylm.leaderboard.cli",
    "babylm.demo",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"babylm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """babylm: the BabyLM shared-task harness."""


def _register_parts() -> None:
    import importlib

    for mod in _PARTS:
        importlib.import_module(mod).register(app)


_register_parts()


def main() -> None:
    import os

    # transformers' advisory warnings (e.g. loss_type=None) are noise in our output; errors still show.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        app()  # standalone: click prints usage errors itself
    except BabyLMError as exc:
        from rich.markup import escape

        from babylm.output import err_console, strip_control

        # Messages may quote a bundle or a stored value: no escapes, no markup reach the terminal.
        err_console.print(f"[bold red]error:[/] {escape(strip_control(exc))}", soft_wrap=True)
        if exc.hint:
            err_console.print(f"[dim]hint:[/] {escape(strip_control(exc.hint))}", soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
