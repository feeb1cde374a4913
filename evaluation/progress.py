"""The runner's progress bar: items scored, items/s, elapsed time (or nothing when disabled)."""

from __future__ import annotations

from typing import Any


class Bar:
    """What the runner calls: advance by n items, describe the current checkpoint and task."""

    def __init__(self, prog: Any, task_id: Any) -> None:
        self.prog, self.task_id = prog, task_id

    def advance(self, n: int) -> None:
        if self.prog is not None:
            self.prog.advance(self.task_id, n)

    def describe(self, text: str) -> None:
        if self.prog is not None:
            self.prog.update(self.task_id, description=text)


class progress:  # noqa: N801 - used like a function: `with progress(enabled, total) as bar:`
    """Rich progress bar with items/s (or nothing when disabled)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total, self.prog = enabled, total, None

    def __enter__(self) -> Bar:
        if not self.enabled:
            return Bar(None, None)
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(f"{task.speed:,.0f} items/s" if task.speed else "- items/s")

        from babylm.output import err_console

        self.prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                             TimeElapsedColumn(), console=err_console, transient=False)
        self.prog.start()
        return Bar(self.prog, self.prog.add_task("evaluating", total=self.total))

    def __exit__(self, *exc: Any) -> None:
        if self.prog is not None:
            self.prog.stop()
