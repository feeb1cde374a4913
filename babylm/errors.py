"""User-facing errors: the CLI prints these as one clear message, never as a traceback."""

from __future__ import annotations


class BabyLMError(Exception):
    """A mistake in the user's input or environment that the user can fix.

    `hint` says how to fix it; the CLI prints message and hint and exits with code 2.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
