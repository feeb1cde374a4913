"""The ranking in the terminal (Rich) and as JSON, for `babylm leaderboard table` and the demo."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from babylm.leaderboard.aggregate import Board
    from babylm.leaderboard.store import Store


def load_board(store: Store, edition: int, track: str) -> Board:
    from babylm.leaderboard.aggregate import score_board

    subs = store.submissions_frame(edition, track, with_meta=False)
    return score_board(subs, store.latest_frame(edition=edition, track=track),
                       store.flags_frame(list(subs["submission_id"])), edition=edition, track=track)


def ranking_records(board: Board, limit: int | None = None) -> list[dict[str, Any]]:
    """JSON-ready rows: rank (null when flagged), rank_range, same_as_above, team, model, submission_id,
    synthetic, macro, macro_ci95, human_likeness, tasks {task: score or null}, n_params, train_flops,
    words_seen, flags, missing."""
    rows = []
    f = board.frame if limit is None else board.frame.head(limit)
    for _, r in f.iterrows():
        rows.append({
            "rank": None if math.isnan(r["rank"]) else int(r["rank"]), "rank_range": r["rank_range"],
            "same_as_above": bool(r["same_as_above"]), "team": r["team"], "model": r["model"],
            "submission_id": r["submission_id"], "synthetic": bool(r["synthetic"]),
            "macro": _num(r["macro"]), "macro_ci95": [_num(r["macro_low"]), _num(r["macro_high"])],
            "human_likeness": _num(r["human_likeness"]),
            "tasks": {t: _num(r[t]) for t in board.tasks.all},
            "n_params": _num(r["n_params"]), "train_flops": _num(r["train_flops"]),
            "words_seen": _num(r["words_seen"]), "flags": r["flags"], "missing": r["missing"],
        })
    return rows


def _num(x: Any) -> Any:
    import numbers

    if x is None:
        return None
    if isinstance(x, numbers.Integral):
        return int(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def render_ranking(console: Console, board: Board, title: str, limit: int = 20) -> None:
    from rich.table import Table

    wide = console.width >= 150
    tasks = board.tasks.linguistic if wide else ()
    table = Table(title=title, caption=f"{board.notes[0]}; ≈ = not distinguishable from the entry above")
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("team / model", overflow="fold")
    table.add_column("macro", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    table.add_column("human", justify="right", no_wrap=True)
    for t in tasks:
        table.add_column(t, justify="right", no_wrap=True)
    table.add_column("flags", overflow="fold")
    for rec in ranking_records(board, limit):
        rank = "—" if rec["rank"] is None else f"{rec['rank']}{' ≈' if rec['same_as_above'] else ''}"
        lo, hi = rec["macro_ci95"]
        table.add_row(
            rank, f"{'(synthetic) ' if rec['synthetic'] else ''}{rec['team']} / {rec['model']}",
            f"{rec['macro']:.3f}", f"{lo:.3f}-{hi:.3f}", f"{rec['human_likeness']:.3f}",
            *("—" if rec["tasks"][t] is None else f"{rec['tasks'][t]:.3f}" for t in tasks),
            rec["flags"] or "",
        )
    console.print(table)
    if len(board.frame) > limit:
        console.print(f"[dim]… {len(board.frame) - limit} more entries[/]")
