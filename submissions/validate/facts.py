"""The fact sheet: its schema, and its figures against the ledger and the analytic FLOPs formula."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from babylm.submissions.findings import error, warning
from babylm.submissions.safe_load import read_json_file
from babylm.submissions.validate.context import FLOPS_TOLERANCE, Context
from babylm.submissions.validate.ledger import ledger_start

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest


def check_fact_sheet(c: Context, m: SubmissionManifest) -> None:
    from pydantic import ValidationError

    from babylm.submissions.formats import FactSheet

    rel = m.files.fact_sheet
    raw = c.json(rel, "E_FACT_SHEET") if (c.root / rel).is_file() else None
    if raw is None:
        return
    try:
        fact = FactSheet.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors()[:5]:
            c.F.add(error("E_FACT_SHEET_SCHEMA", f"{rel}: {'.'.join(map(str, e['loc']))}: {e['msg']}",
                             "regenerate it with `babylm submission init`", rel))
        return
    c.fact = fact
    c.rep.summary["fact_sheet"] = fact.model_dump(mode="json")
    led = c.ledger
    if led is None:
        return
    if fact.words_seen != led.words:
        c.F.add(error("E_FACT_WORDS", f"{rel}: words_seen {fact.words_seen:,} but the ledger counts "
                         f"{led.words:,}", "copy the ledger's figure", rel))
    if fact.tokens_seen != led.tokens:
        c.F.add(error("E_FACT_TOKENS", f"{rel}: tokens_seen {fact.tokens_seen:,} but the ledger counts "
                         f"{led.tokens:,}", "copy the ledger's figure", rel))
    check_flops(c, m, fact)


def check_flops(c: Context, m: SubmissionManifest, fact: Any) -> None:
    from babylm.tracks.compute import train_flops_per_token

    if m.model_location.kind != "local" or not c.required:
        return
    cfg_path = c.root / m.model_location.path / c.required[-1] / "config.json"
    start = ledger_start(c)
    seq_len = start.get("seq_len") or fact.seq_len  # the chain-verified figure first
    if fact.seq_len is not None and start.get("seq_len") and fact.seq_len != start["seq_len"]:
        c.F.add(error("E_FACT_SEQ_LEN", f"fact sheet seq_len {fact.seq_len} but training used "
                         f"{start['seq_len']} (ledger start line)", "copy the ledger's figure", m.files.fact_sheet))
    if seq_len is None and m.files.run and (c.root / m.files.run).is_file():
        run = c.json(m.files.run, "E_RUN")
        seq_len = run.get("seq_len") if isinstance(run, dict) else None
    if not cfg_path.is_file() or not seq_len:
        c.F.add(warning("W_FLOPS_NOT_CHECKED", "cannot recompute FLOPs (no config.json or seq_len)",
                           "put seq_len in fact_sheet.json", m.files.fact_sheet))
        return
    try:
        cfg = read_json_file(cfg_path, c.limits)
        per_token = train_flops_per_token(cfg, int(seq_len))
    except Exception as exc:  # noqa: BLE001 - any config shape: the FLOPs are then not checked, never a crash
        c.F.add(warning("W_FLOPS_NOT_CHECKED", f"cannot recompute FLOPs: {exc}", "", m.files.fact_sheet))
        return
    led_pt = start.get("flops_per_token")
    if isinstance(led_pt, (int, float)) and per_token > 0 and abs(led_pt - per_token) / per_token > FLOPS_TOLERANCE:
        c.F.add(error("E_FLOPS", f"the ledger counted {led_pt:.4g} FLOPs per token; the analytic formula for "
                         f"the submitted config gives {per_token:.4g}", "train and count with the harness's formula",
                         m.files.ledger))
    analytic = per_token * c.ledger.tokens
    c.rep.summary["flops"] = {"claimed": fact.train_flops, "analytic": analytic,
                                 "tolerance": FLOPS_TOLERANCE, "per_token": per_token}
    if analytic > 0 and abs(fact.train_flops - analytic) / analytic > FLOPS_TOLERANCE:
        c.F.add(error("E_FLOPS", f"fact sheet claims {fact.train_flops:.4g} training FLOPs; the analytic "
                         f"formula gives {analytic:.4g} ({per_token:.4g}/token x {c.ledger.tokens:,} tokens), "
                         f"more than {FLOPS_TOLERANCE:.0%} apart", "use the harness's figure (`babylm model flops`)",
                         m.files.fact_sheet))
