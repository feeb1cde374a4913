"""The ranking in the terminal (Rich) and as JSON, for `babylm leaderboard table` and the demo."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from babylm.output import inert

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from babylm.leaderboard.aggregate import Board
    from babylm.leaderboard.store import Store


def load_board(store: Store, edition: int, track: str) -> Board:
    from babylm.leaderboard.aggregate import score_board
    from babylm.leaderboard.board_tasks import split_board
    from babylm.leaderboard.views import entry_columns

    stored, _lang = split_board(track)  # 'multilingual@nl': the track's entries on the Dutch board
    subs = entry_columns(store.submissions_frame(edition, stored, with_meta=True))  # scaled, baseline, links
    return score_board(subs, store.latest_frame(edition=edition, track=stored),
                       store.flags_frame(list(subs["submission_id"])), edition=edition, track=track)


def ranking_records(board: Board, limit: int | None = None) -> list[dict[str, Any]]:
    """JSON-ready rows: rank (null when flagged or unscored), rank_range, same_as_above, team, model,
    submission_id, synthetic, scaled, unscored, tasks_scored, macro (null when unscored), macro_ci95 ([null,
    null] when there is no interval), human_likeness, tasks {task: score or null}, n_params, train_flops,
    words_seen, flags, missing."""
    rows = []
    f = board.frame if limit is None else board.frame.head(limit)
    for _, r in f.iterrows():
        unscored = bool(r["unscored"])
        no_ci = unscored or r["macro_low"] == r["macro_high"]  # held fixed by the bootstrap: no interval
        rows.append({
            "rank": None if math.isnan(r["rank"]) else int(r["rank"]), "rank_range": r["rank_range"],
            "same_as_above": bool(r["same_as_above"]), "team": r["team"], "model": r["model"],
            "submission_id": r["submission_id"], "synthetic": bool(r["synthetic"]), "scaled": bool(r["scaled"]),
            "unscored": unscored, "tasks_scored": int(r["n_scored"]),
            "macro": None if unscored else _num(r["macro"]),
            "macro_ci95": [None, None] if no_ci else [_num(r["macro_low"]), _num(r["macro_high"])],
            "human_likeness": None if unscored else _num(r["human_likeness"]),
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


def _name(rec: dict[str, Any], n_required: int) -> str:
    """team / model, with what sets the entry apart: (synthetic), (SCALED), k of n tasks."""
    pre = "".join(m for m, on in (("(synthetic) ", rec["synthetic"]), ("(SCALED) ", rec["scaled"])) if on)
    post = " [no task scores]" if rec["unscored"] else (
        f" [{rec['tasks_scored']} of {n_required} tasks]" if rec["missing"] else "")
    return pre + inert(f"{rec['team']} / {rec['model']}") + escape(post)


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def render_ranking(console: Console, board: Board, title: str, limit: int = 20) -> None:
    from rich.table import Table

    wide = console.width >= 150
    tasks = board.tasks.linguistic if wide else ()
    n_req = len(board.tasks.required)
    table = Table(title=inert(title), caption=f"{board.notes[0]}, a missing task counting 0 (such entries rank after "
                  "complete ones); ≈ = not distinguishable from the entry above; — = no score or no interval")
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
            rank, _name(rec, n_req),
            _score(rec["macro"]), "—" if lo is None or lo == hi else f"{lo:.3f}-{hi:.3f}",
            _score(rec["human_likeness"]), *(_score(rec["tasks"][t]) for t in tasks), inert(rec["flags"] or ""),
        )
    console.print(table)
    if len(board.frame) > limit:
        console.print(f"[dim]… {len(board.frame) - limit} more entries[/]")
