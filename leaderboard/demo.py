"""Demo stage: rank what the demo scored, then start the leaderboard app on it and print its URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from babylm.demo import DemoContext


def stage_leaderboard(ctx: DemoContext) -> None:
    from babylm.leaderboard.serve import start_app
    from babylm.leaderboard.store import Store, normalize_url
    from babylm.leaderboard.terminal import load_board, render_ranking
    from babylm.output import console

    url = ctx.state.get("store_url")
    if url:
        store = Store(url, create=False)
    else:
        from babylm.leaderboard.seed import seed_demo

        url = normalize_url(ctx.workdir / "leaderboard_demo.sqlite")
        store = Store(url)
        n = 6 if ctx.fast else 24
        console.print(f"no store from the submit stage: seeding {n} SYNTHETIC submissions into {url}")
        seed_demo(store, n, edition=ctx.track.edition, track=ctx.track.name, seed=ctx.seed)
        ctx.state["store_url"] = url
    for edition, track in store.boards():
        render_ranking(console, load_board(store, edition, track), f"{edition}/{track}", limit=10)
    app = start_app(url, log_path=ctx.workdir / "leaderboard_app.log")
    ctx.state["leaderboard_url"] = app.url
    console.print(f"[bold green]leaderboard:[/] {app.url}")
    for name, query in (ctx.state.get("interaction_pages") or {}).items():
        console.print(f"interaction entry ({name}), metric per round: {app.url}?page=submission&{query}")
    if not ctx.serve:
        app.stop()
        return
    console.print("Ctrl-C stops the leaderboard")
    app.serve_until_interrupted("stopping the leaderboard …")
