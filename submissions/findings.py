"""Validator findings: one problem (or caution) in a bundle, with a stable code and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """One check result. `code` is stable (tests and scripts match on it); `fix` tells the user what to do."""

    severity: Severity
    code: str
    message: str
    fix: str = ""
    where: str = ""  # file or checkpoint the finding is about, relative to the bundle

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def error(code: str, message: str, fix: str = "", where: str = "") -> Finding:
    return Finding("error", code, message, fix, where)


def warning(code: str, message: str, fix: str = "", where: str = "") -> Finding:
    return Finding("warning", code, message, fix, where)


def info(code: str, message: str, where: str = "") -> Finding:
    return Finding("info", code, message, "", where)


@dataclass
class Findings:
    """An ordered list of findings with helpers; `ok` is False as soon as one error is present."""

    items: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> Finding:
        self.items.append(finding)
        return finding

    def extend(self, findings: list[Finding]) -> None:
        self.items.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> set[str]:
        return {f.code for f in self.items}
