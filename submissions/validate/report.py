"""The validation report: findings and summary, as JSON (`babylm.validation/1`) or a rich table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babylm.output import inert
from babylm.submissions.findings import Findings

REPORT_FORMAT = "babylm.validation/1"


@dataclass
class ValidationReport:
    bundle: str
    findings: Findings = field(default_factory=Findings)
    submission_id: str | None = None
    manifest: dict[str, Any] | None = None
    summary: dict[str, Any] = field(default_factory=dict)  # ledger, budgets, checkpoints, fact sheet
    root: Path | None = None  # extracted bundle folder (archives) or the bundle folder
    tmpdir: Path | None = None  # temporary extraction folder made by validate_bundle (see cleanup)

    def cleanup(self) -> None:
        """Remove the temporary folder an archive was extracted into (when no workdir was given)."""
        import shutil

        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    @property
    def ok(self) -> bool:
        return self.findings.ok

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: format, ok, submission_id, n_errors, n_warnings, findings[{severity, code,
        message, fix, where}], summary."""
        return {
            "format": REPORT_FORMAT,
            "ok": self.ok,
            "submission_id": self.submission_id,
            "n_errors": len(self.findings.errors),
            "n_warnings": len(self.findings.warnings),
            "findings": [f.to_dict() for f in self.findings.items],
            "summary": self.summary,
        }


def render_report(rep: ValidationReport, console: Any) -> None:
    """Rich report: one table of findings (errors first), then a verdict line. Every text that may come
    from the bundle (messages, fixes, names, the submission id) goes through `inert`."""
    from rich.table import Table

    style = {"error": "bold red", "warning": "yellow", "info": "dim"}
    order = {"error": 0, "warning": 1, "info": 2}
    items = sorted(rep.findings.items, key=lambda f: order[f.severity])
    if items:
        table = Table(title=f"babylm submission validate: {inert(rep.bundle)}", show_lines=False, expand=True)
        for col, kw in (("", {"width": 7}), ("code", {"no_wrap": True}), ("problem", {"ratio": 3}),
                        ("how to fix", {"ratio": 2})):
            table.add_column(col, **kw)
        for f in items:
            table.add_row(f"[{style[f.severity]}]{f.severity}[/]", inert(f.code), inert(f.message), inert(f.fix))
        console.print(table)
    s = rep.summary
    if s.get("ledger"):
        lg = s["ledger"]
        console.print(f"ledger: {lg['words']:,} words, {lg['tokens']:,} tokens, {lg['flops']:.3g} FLOPs; "
                      f"checkpoints required: {len(s.get('required_checkpoints', []))}")
    n_e, n_w = len(rep.findings.errors), len(rep.findings.warnings)
    if rep.ok:
        console.print(f"[bold green]VALID[/] {inert(rep.submission_id or '')} ({n_w} warning(s))")
    else:
        console.print(f"[bold red]INVALID[/]: {n_e} error(s), {n_w} warning(s)")
