"""Plots of the interaction runs: a metric per round per variant, as PNG (matplotlib Agg, no display).

- `plot_series(series, out_png, ...)`: one line per variant (optional 95 % interval band per point);
- `combine_runs(run_dirs)`: {variant: [metric per round]} from several runs' summary.json, plus their
  metrics.jsonl rows (decoder accuracy etc.);
- `write_summary(out_dir, variants, ...)`: summary.json in the driver's format
  (babylm.interaction_summary/1), whose "variants" is what a submission puts in meta["interaction"].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.io import atomic_write_bytes, iter_jsonl
from babylm.tracks.interaction.accounting.formats import SUMMARY_FORMAT, InteractionSummary

__all__ = ["SUMMARY_FORMAT", "combine_runs", "plot_series", "read_metrics", "read_run", "write_summary"]


def plot_series(
    series: Mapping[str, Sequence[float | None]],
    out_png: Path,
    *,
    title: str,
    ylabel: str = "task success",
    first_round: int = 0,
    intervals: Mapping[str, Sequence[tuple[float, float] | None]] | None = None,
    percent: bool = True,
) -> Path:
    """Draw one line per variant against the round number and write a PNG (atomically)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not series:
        raise BabyLMError("nothing to plot: no variants")
    scale = 100.0 if percent else 1.0
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    try:
        for name, vals in series.items():
            xs = [first_round + i for i, v in enumerate(vals) if v is not None]
            ys = [scale * v for v in vals if v is not None]
            (line,) = ax.plot(xs, ys, marker="o", label=name)
            band = (intervals or {}).get(name)
            if band:
                pts = [(first_round + i, b) for i, b in enumerate(band) if b is not None]
                ax.fill_between([p[0] for p in pts], [scale * p[1][0] for p in pts], [scale * p[1][1] for p in pts],
                                color=line.get_color(), alpha=0.15)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("round")
        ax.set_ylabel(ylabel + (" (%)" if percent else ""))
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        png = io.BytesIO()
        fig.savefig(png, format="png", bbox_inches="tight")
        atomic_write_bytes(out_png, png.getvalue())
    finally:
        plt.close(fig)
    return out_png


def read_run(run_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(summary.json, metrics.jsonl rows) of one interaction run folder."""
    summ = run_dir / "summary.json"
    if not summ.is_file():
        raise BabyLMError(f"no summary.json in {run_dir}", hint="run `babylm interact run` into that folder first")
    return InteractionSummary.read(summ).to_dict(), read_metrics(run_dir)


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    """The rows of RUN/metrics.jsonl (one per evaluated round; none when the file is missing)."""
    path = Path(run_dir) / "metrics.jsonl"
    return [row for _, row in iter_jsonl(path)] if path.is_file() else []


def combine_runs(run_dirs: Mapping[str, Path], metric_key: str | None = None) -> dict[str, list[float | None]]:
    """{name: values per round}: each run's summary variants (renamed `name` when the run has one
    variant), or the per-round `metric_key` read from its metrics.jsonl."""
    out: dict[str, list[float | None]] = {}
    for name, d in run_dirs.items():
        summary, rows = read_run(Path(d))
        if metric_key is not None:
            out[name] = [r.get(metric_key) for r in sorted(rows, key=lambda r: r["round"])]
            continue
        variants = summary["variants"]
        if len(variants) == 1:
            out[name] = list(next(iter(variants.values())))
        else:
            out.update({f"{name}/{k}": list(v) for k, v in variants.items()})
    return out


def write_summary(out_dir: Path, variants: Mapping[str, Sequence[float | None]], *, protocol: str, metric: str,
                  extra: Mapping[str, Any] | None = None) -> Path:
    """summary.json (driver format) for a set of runs: {"variants": {name: [metric per round]}, ...}."""
    data = {
        "protocol": protocol,
        "metric": metric,
        "rounds": max((len(v) for v in variants.values()), default=0),
        "variants": {k: list(v) for k, v in variants.items()},
    } | dict(extra or {})
    return InteractionSummary.model_validate(data).write(out_dir / "summary.json")
