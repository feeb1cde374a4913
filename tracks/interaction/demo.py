"""Demo stage `interaction`: a short simpo run with a tiny local teacher, and short respect and cogen runs.

Writes WORKDIR/interaction/{teacher, simpo, respect, cogen}/ and WORKDIR/interaction/summary.json, whose
"variants" ({"simpo": [...], "respect/<variant>": [...], "cogen/<treatment>/<role>": [...]}) has the shape
of the leaderboard's meta["interaction"]; sets ctx.state["interaction_dir"] and
ctx.state["interaction_summary"] (its "runs" are bundled and scored by the submit stage).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The interaction runs use their own tiny scale so that a few hundred words seen reach checkpoints.
INTERACTION_SCALE = "1/10000"
# The reference-game protocols run after simpo: a few seconds each at their defaults.
REFGAME_PROTOCOLS: tuple[str, ...] = ("respect", "cogen")


def _combined_summary(root: Path, reports: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from babylm.tracks.interaction.accounting.formats import InteractionSummary

    variants: dict[str, list[Any]] = {}
    for name, rep in reports.items():
        for v, vals in rep["variants"].items():
            variants[name if v == "default" else f"{name}/{v}"] = vals
    summary = InteractionSummary.model_validate({
        "protocol": "+".join(reports),
        "metric": {name: rep["metric"] for name, rep in reports.items()},
        "rounds": max(rep["rounds"] for rep in reports.values()),
        "variants": variants,
        "runs": {name: rep["run_dir"] for name, rep in reports.items()},
    })
    summary.write(root / "summary.json")
    return summary.to_dict()


def stage_interaction(ctx: Any) -> None:
    """simpo: 2 rounds, tiny student, tiny local teacher trained here; respect and cogen: 2 rounds each."""
    import torch

    from babylm.output import console
    from babylm.tracks.interaction.cli import run_interaction
    from babylm.tracks.interaction.students.policy import build_tiny_teacher

    root = Path(ctx.workdir) / "interaction"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: far faster single-threaded; restored below
    try:
        teacher_dir = root / "teacher"
        if not (teacher_dir / "config.json").is_file():
            build_tiny_teacher(teacher_dir, n_words=3000 if ctx.fast else 20_000, steps=15 if ctx.fast else 200,
                               seed=ctx.seed)
        opts = ({"windows_per_round": 3, "corpus_words": 1200, "lm_epochs": 1} if ctx.fast
                else {"windows_per_round": 8, "corpus_words": 4000})
        reports = {
            "simpo": run_interaction(
                "simpo", root / "simpo", rounds=2, scale=INTERACTION_SCALE, teacher=f"local:{teacher_dir}",
                seed=ctx.seed, options=opts, progress=not ctx.fast,
            )
        }
        for name in REFGAME_PROTOCOLS:
            reports[name] = run_interaction(name, root / name, rounds=2, scale=INTERACTION_SCALE, seed=ctx.seed,
                                            progress=not ctx.fast)
    finally:
        torch.set_num_threads(threads)
    summary = _combined_summary(root, reports)
    for name, rep in reports.items():
        led = rep["ledger"]
        curves = "; ".join(
            f"{v}: " + " ".join("-" if x is None else f"{x:.3g}" for x in vals) for v, vals in rep["variants"].items()
        )
        console.print(
            f"{name}: {rep['metric']} per round ({curves}); input words {led['input']:,}/{led['word_budget']:,}, "
            f"student generated {led['student_generated']:,}, seen {led['words_seen']:,}, "
            f"checkpoints {len(led['checkpoints'])}"
        )
    ctx.state["interaction_dir"] = str(root)
    ctx.state["interaction_summary"] = summary
