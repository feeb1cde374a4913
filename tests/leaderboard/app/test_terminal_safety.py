"""`babylm leaderboard table`: stored strings reach the terminal without escapes or Rich markup, and
SYNTHETIC / SCALED / incomplete entries are marked."""

from __future__ import annotations

import io

from rich.console import Console

from babylm.leaderboard.store import Store
from babylm.leaderboard.terminal import load_board, ranking_records, render_ranking
from babylm.output import strip_control


def test_strip_control_removes_ansi_osc_and_control_characters() -> None:
    nasty = "a\x1b[2J\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x07bell\x9b\x00z"
    assert strip_control(nasty) == "ared link bellz"
    assert strip_control("tab\tnew\nline") == "tab\tnew\nline"


def test_table_prints_stored_strings_as_text(app_store_url: str) -> None:
    s = Store(app_store_url)
    team = "\x1b[2J\x1b]8;;https://evil.example\x07Evil\x1b]8;;\x07 [bold red]shout[/] [link=https://x.example]x[/link]"
    s.upsert_submission(submission_id="e", team="Evil", model="m", edition=2025, track="strict-small", backend="causal",
                        meta={"scale": "1/100"})
    # the store refuses such a name (test_store_limits.py); one written around it (an older babylm, by
    # hand) must still print as text
    with s.engine.begin() as conn:
        conn.execute(s.t["submissions"].update().values(team=team))
    from babylm.leaderboard.store import ScoreRow

    s.add_scores([ScoreRow(submission_id="e", checkpoint="chck_1M", task="blimp", metric="accuracy", value=0.7)])
    board = load_board(s, 2025, "strict-small")
    buf = io.StringIO()
    console = Console(file=buf, width=200, force_terminal=True, color_system="truecolor")
    render_ranking(console, board, "2025/strict-small", limit=5)
    out = buf.getvalue()
    assert "\x1b[2J" not in out and "\x1b]8;;https://evil.example" not in out and "\x07" not in out
    assert "[bold red]shout[/]" in out and "[link=https://x.example]" in out  # shown, not interpreted
    assert "(SCALED)" in out and "1 of 9 tasks" in out
    rec = ranking_records(board)[0]
    assert rec["scaled"] is True and rec["tasks_scored"] == 1 and rec["macro_ci95"] == [None, None]
