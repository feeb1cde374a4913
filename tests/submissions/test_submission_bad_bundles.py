"""The bad-bundle corpus: every bundle is rejected with its specific code, runs no code, writes nothing
outside its work folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_bundle_corpus import CORPUS, Bad, build, tree_snapshot

from babylm.submissions.validate import validate_bundle
from babylm.submissions.validate.report import render_report


@pytest.fixture(autouse=True)
def _toy_task() -> None:
    """The toy task is known to every test here (conftest unregisters it after each module)."""
    from submission_factory import register_toy_task

    register_toy_task()


def test_corpus_is_large_and_names_are_unique() -> None:
    assert len(CORPUS) >= 25
    assert len({b.name for b in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=[b.name for b in CORPUS])
def test_bad_bundle_rejected(bad: Bad, built: tuple[Path, Path], tmp_path: Path) -> None:
    good, gold = built
    work = tmp_path / "work"
    work.mkdir()
    target, sentinel = build(bad, good, work)
    kwargs = {"allow_scaled": True, "load": False, "workdir": work / "extract"}
    kwargs.update({k: v for k, v in bad.kwargs.items() if k != "gold"})
    if bad.kwargs.get("gold"):
        kwargs["data_root"] = gold
    outside_before = tree_snapshot(tmp_path)
    rep = validate_bundle(target, **kwargs)
    codes = {f.code for f in rep.findings.errors}
    assert not rep.ok
    assert bad.code in codes, f"{bad.name}: expected {bad.code}, got {sorted(codes)}"
    msg = next(f for f in rep.findings.errors if f.code == bad.code)
    assert msg.message and len(msg.message) > 15  # a specific message, not just a code
    assert not sentinel.exists(), "bundle code ran"
    # nothing written outside the work folder (extraction stays under work/extract)
    new = {p for p in tree_snapshot(tmp_path) - outside_before}
    assert all(p.startswith("work" + "/") for p in new), new
    assert not (tmp_path.parent / sentinel.name).exists()
    _assert_rendered_inert(rep)


def _assert_rendered_inert(rep: object) -> None:
    """The report as a colour terminal gets it: Rich's own styling only, nothing the bundle wrote."""
    import io

    from rich.console import Console

    buf = io.StringIO()
    render_report(rep, Console(file=buf, width=160, force_terminal=True, color_system="truecolor"))
    out = buf.getvalue()
    assert "\x1b[2J" not in out and "\x1b]" not in out and "\x07" not in out


def test_an_unexpected_exception_in_a_check_is_an_internal_error_finding(built: tuple[Path, Path], tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from babylm.submissions import validate

    def boom(c: object, m: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    boom.__name__ = "check_results"
    monkeypatch.setattr(validate, "CHECKS", (boom, *validate.CHECKS[1:]))
    good, _ = built
    rep = validate_bundle(good, allow_scaled=True, load=False, workdir=tmp_path / "x")
    internal = [f for f in rep.findings.errors if f.code == "E_INTERNAL"]
    assert not rep.ok and len(internal) == 1
    assert "check_results" in internal[0].message and "RecursionError" in internal[0].message
    assert internal[0].where == "results.json"


EVIL = "\x1b[2J\x1b]0;owned\x07[link=http://evil.example]click[/link]"


def test_score_output_and_cli_errors_show_bundle_text_inert(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """What `babylm submission score` prints of flags and failures (they quote task errors, bundle names) and
    the CLI's error line carry no escapes, and Rich markup from a bundle is shown as text, not applied."""
    import io

    from rich.console import Console

    from babylm import cli
    from babylm.errors import BabyLMError
    from babylm.submissions.cli import _render_scores
    from babylm.submissions.score import ScoreSummary

    s = ScoreSummary(submission_id="team-x" + EVIL, store="sqlite:///s.db", valid=True,
                     flags=[{"checkpoint": "chck_1M", "task": "blimp" + EVIL, "reason": "claimed " + EVIL}],
                     failures=[{"checkpoint": "chck_2M", "task": "blimp", "kind": "gold", "error": "Boom" + EVIL}])
    buf = io.StringIO()
    _render_scores([s], Console(file=buf, width=400, force_terminal=True, color_system="truecolor"))
    out = buf.getvalue()
    assert "\x1b[2J" not in out and "\x1b]" not in out and "\x07" not in out
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", out)  # Rich's own colours (it highlights URLs and brackets)
    assert text.count("[link=http://evil.example]click[/link]") == 4  # shown as text, never a link

    def boom() -> None:
        raise BabyLMError("bundle is invalid: E_TRACK: " + EVIL, "hint " + EVIL)

    monkeypatch.setattr(cli, "app", boom)
    with pytest.raises(SystemExit):
        cli.main()
    err = capsys.readouterr().err
    assert "\x1b[2J" not in err and "\x07" not in err and "[link=http://evil.example]click[/link]" in err
