"""Plots and summaries of interaction runs."""

from __future__ import annotations

import json

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.interaction.plots import combine_runs, plot_series, read_run, write_summary


def test_plot_series_writes_a_png_with_bands(tmp_path) -> None:
    out = plot_series({"binary-sup": [0.3, 0.5, None, 0.7], "binary-rl": [0.3, 0.4, 0.45, 0.5]},
                      tmp_path / "p" / "s.png", title="t",
                      intervals={"binary-rl": [(0.2, 0.4), None, (0.4, 0.5), (0.45, 0.55)]})
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert not list((tmp_path / "p").glob("*.tmp*"))


def test_empty_plot_is_a_user_error(tmp_path) -> None:
    with pytest.raises(BabyLMError, match="nothing to plot"):
        plot_series({}, tmp_path / "x.png", title="t")


def _fake_run(d, variants, rows):
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({"format": "babylm.interaction_summary/1", "variants": variants}))
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_combine_runs_renames_single_variants_and_reads_metrics(tmp_path) -> None:
    _fake_run(tmp_path / "a", {"default": [0.1, 0.2]}, [{"round": 1, "acc": 0.8}, {"round": 0, "acc": 0.7}])
    _fake_run(tmp_path / "b", {"full/generation": [0.5], "full/comprehension": [0.4]}, [{"round": 0}])
    combined = combine_runs({"sup": tmp_path / "a", "cg": tmp_path / "b"})
    assert combined == {"sup": [0.1, 0.2], "cg/full/generation": [0.5], "cg/full/comprehension": [0.4]}
    assert combine_runs({"sup": tmp_path / "a"}, metric_key="acc") == {"sup": [0.7, 0.8]}


def test_read_run_refuses_missing_or_foreign_files(tmp_path) -> None:
    with pytest.raises(BabyLMError, match="no summary.json"):
        read_run(tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps({"format": "other/1"}))
    with pytest.raises(BabyLMError, match="format"):
        read_run(tmp_path)


def test_write_summary_has_the_leaderboard_shape(tmp_path) -> None:
    path = write_summary(tmp_path, {"binary-sup": [0.3, 0.6]}, protocol="respect", metric="success",
                         extra={"seed": 0})
    data = json.loads(path.read_text())
    assert data["format"] == "babylm.interaction_summary/1" and data["rounds"] == 2
    assert data["variants"] == {"binary-sup": [0.3, 0.6]} and data["seed"] == 0
    from babylm.leaderboard.aggregate import interaction_series

    assert interaction_series({"interaction": data["variants"]}) == {"binary-sup": [0.3, 0.6]}
