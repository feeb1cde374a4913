"""`babylm interact`: JSON report, resume by re-running, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babylm.cli import app
from babylm.errors import BabyLMError
from babylm.tracks.interaction.accounting.episodes import read_episodes
from babylm.tracks.interaction.cli import parse_options, run_interaction

BABYLM = [sys.executable, "-m", "babylm.cli"]
FAST = ["--scale", "1/10000", "--option", "windows_per_round=3", "--option", "corpus_words=1200",
        "--option", "lm_epochs=1"]


def test_interact_group_shows_its_commands():
    res = CliRunner().invoke(app, ["interact"])
    assert "run" in res.output and "verify" in res.output
    helptext = CliRunner().invoke(app, ["interact", "run", "--help"]).output
    flat = "".join(helptext.split())  # the choices may wrap inside the help table
    assert all(p in flat for p in ("cogen", "reinforce", "respect", "simpo", "cpu|cuda", "--edition", "--scale"))


def test_old_command_names_are_gone():
    for old in (["interact", "--protocol", "simpo"], ["interact-verify", "x"]):
        assert CliRunner().invoke(app, old).exit_code == 2


def test_parse_options():
    assert parse_options(["a=1", "b=0.5", "c=text", "d=[1,2]", "e=true"]) == {
        "a": 1, "b": 0.5, "c": "text", "d": [1, 2], "e": True}
    with pytest.raises(BabyLMError, match="KEY=VALUE"):
        parse_options(["oops"])


def test_simpo_json_and_resume(tmp_path):
    out = tmp_path / "run"
    args = ["interact", "run", "--protocol", "simpo", "--out", str(out), "--rounds", "2", *FAST, "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["protocol"] == "simpo" and report["rounds"] == 2 and report["track"] == "2025/interaction"
    assert report["metric"] == "heldout_token_prob" and len(report["variants"]["default"]) == 2
    assert all(0 < x < 1 for x in report["variants"]["default"])
    assert report["ledger"]["input"] == report["ledger"]["corpus"] + report["ledger"]["teacher_visible"]
    n = len(read_episodes(Path(report["episodes"])))
    assert n == 6
    assert report["plot"] is None or Path(report["plot"]).read_bytes()[:4] == b"\x89PNG"
    # re-running the finished command resumes: nothing is redone, same report
    again = json.loads(CliRunner().invoke(app, args).stdout)
    assert again["variants"] == report["variants"] and len(read_episodes(Path(report["episodes"]))) == n
    # a third round extends the run
    more = CliRunner().invoke(app, [*args[:7], "3", *args[8:]])
    assert more.exit_code == 0, more.output
    assert len(json.loads(more.stdout)["variants"]["default"]) == 3


def test_reinforce_human_output(tmp_path):
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "reinforce", "--out", str(tmp_path / "r"),
                                   "--rounds", "1", "--scale", "1/10000", "--option", "episodes_per_round=3",
                                   "--option", "corpus_words=1200"])
    assert res.exit_code == 0, res.output
    assert "mean_reward" in res.output and "SCALED RUN" in res.output and "words: input" in res.output


def _cli(*args, cwd=None):
    return subprocess.run([*BABYLM, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_user_errors_exit_2_one_line(tmp_path):
    res = _cli("interact", "run", "--protocol", "nope", "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "'nope'" in res.stderr
    assert "Traceback" not in res.stderr and "simpo" in res.stderr  # the choices are listed
    assert not (tmp_path / "x").exists()
    res = _cli("interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "z"), "--track", "2025/strict")
    assert res.returncode == 2 and "2025/strict" in res.stderr and "Traceback" not in res.stderr
    res = _cli("interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "y"), "--teacher", "http://127.0.0.1:9",
               "--teacher-model", "gpt-4")
    assert res.returncode == 2 and "not allowed" in res.stderr and "Traceback" not in res.stderr


def test_bad_protocol_option_and_scale(tmp_path):
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "o"),
                                   "--option", "windowz=3"])
    assert isinstance(res.exception, BabyLMError) and "windowz" in str(res.exception)
    assert not (tmp_path / "o").exists()  # the corrected command can start clean
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "o2"), "--scale", "2"])
    assert isinstance(res.exception, BabyLMError) and "(0, 1]" in str(res.exception)
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "o3"),
                                   "--track", "strict-small"])
    assert isinstance(res.exception, BabyLMError) and "does not allow a teacher" in str(res.exception)


def test_bad_device_is_a_user_error(tmp_path):
    import torch

    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "d"), "--device", "tpu9"])
    assert res.exit_code == 2 and "tpu9" in res.output and "cuda" in res.output  # a choice: cpu or cuda
    with pytest.raises(BabyLMError, match="not a torch device"):
        run_interaction("simpo", tmp_path / "d", device="tpu9")
    if not torch.cuda.is_available():
        res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "d"),
                                       "--device", "cuda"])
        assert isinstance(res.exception, BabyLMError) and "no CUDA GPU" in str(res.exception)


def test_budget_stop_is_a_user_error_with_log_kept(tmp_path):
    out = tmp_path / "b"
    # 1/1000000 of the interaction track: an input budget of 100 words, crossed in round 1 or 2
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(out), "--rounds", "5",
                                   "--scale", "1/1000000", "--option", "windows_per_round=4",
                                   "--option", "corpus_words=1500", "--option", "lm_epochs=1"])
    # babylm.cli.main turns a BabyLMError into one line on stderr and exit code 2
    assert isinstance(res.exception, BabyLMError) and "input budget" in str(res.exception)
    state = json.loads((out / "state.json").read_text())
    assert state["stopped"]["cap"] == "input_budget"
    assert read_episodes(out / "episodes.jsonl")


def test_demo_stage_fast(tmp_path, monkeypatch):
    from babylm.demo import DemoContext
    from babylm.tracks.interaction import demo
    from babylm.tracks.rules import get_track

    monkeypatch.setattr(demo, "REFGAME_PROTOCOLS", ())  # simpo alone here; respect and cogen have their own tests
    ctx = DemoContext(workdir=tmp_path, track=get_track("strict-small"), scale=1, fast=True)
    demo.stage_interaction(ctx)
    root = Path(ctx.state["interaction_dir"])
    summary = json.loads((root / "summary.json").read_text())
    assert list(summary["variants"]) == ["simpo"] and len(summary["variants"]["simpo"]) == 2
    assert (root / "simpo" / "episodes.jsonl").is_file() and (root / "teacher" / "config.json").is_file()


def test_http_teacher_end_to_end(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body["model"])
            payload = json.dumps({"choices": [{"message": {"content": "the dog sleeps on the big chair"}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
        res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(tmp_path / "h"), "--rounds", "1",
                                       "--teacher", url, "--teacher-model", "meta-llama/Llama-3.1-8B-Instruct",
                                       "--chat", *FAST, "--json"])
    finally:
        srv.shutdown()
        srv.server_close()
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["teacher"] == "meta-llama/Llama-3.1-8B-Instruct" and seen == ["meta-llama/Llama-3.1-8B-Instruct"] * 3
    turns = read_episodes(Path(report["episodes"]))
    # the winner is the teacher's text cut to the student's length (in student tokens)
    assert all(t["teacher"].strip() and "the dog sleeps on the big chair".startswith(t["teacher"].strip())
               for t in turns)


@pytest.mark.slow
def test_sigkill_mid_run_then_resume(tmp_path):
    """A real crash (SIGKILL) part-way through, then the same command: a consistent, complete run."""
    import os
    import signal
    import time

    from babylm.tracks.interaction.accounting.word_ledger import verify_chain

    out = tmp_path / "k"
    args = ["interact", "run", "--protocol", "simpo", "--out", str(out), "--rounds", "6", *FAST, "--json"]
    proc = subprocess.Popen([*BABYLM, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        try:
            last = json.loads((out / "state.json").read_text())["last"]
        except (OSError, ValueError):
            last = None
        if last and (last[0], last[1]) >= (1, "deploy"):
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = json.loads((out / "state.json").read_text())["last"]
    assert killed_at != [5, "evaluate"]  # the crash really came part-way through
    res = _cli(*args)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["rounds"] == 6
    turns = read_episodes(out / "episodes.jsonl")
    assert [sum(t["round"] == r for t in turns) for r in range(6)] == [3] * 6
    counts = json.loads((out / "word_ledger.json").read_text())["counts"]
    assert counts["corpus"] == sum(len(t["inputs"]["context"].split()) for t in turns)
    assert counts["teacher_visible"] == sum(len(t["teacher"].split()) for t in turns)
    assert counts["student_generated"] == sum(len(t["outputs"].split()) for t in turns)
    assert verify_chain(out / "word_ledger.jsonl")[0]
    from babylm.tracks.ledger import verify_ledger

    rep = verify_ledger(out)
    assert rep.ok and rep.complete, rep.errors
    assert rep.words == json.loads((out / "word_ledger.json").read_text())["words_seen"]


def test_interact_verify(tmp_path):
    out = tmp_path / "v"
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "reinforce", "--out", str(out), "--rounds", "1",
                                   "--scale", "1/10000", "--option", "episodes_per_round=3",
                                   "--option", "corpus_words=1200", "--json"])
    assert res.exit_code == 0, res.output
    ok = CliRunner().invoke(app, ["interact", "verify", str(out), "--json"])
    assert ok.exit_code == 0, ok.output
    rep = json.loads(ok.stdout)
    assert rep["ok"] and rep["turns"] == 3 and {c["name"] for c in rep["checks"]} >= {"log = ledger", "chain", "training ledger",
                                                                   "words seen agree"}
    # a ledger edited after the fact no longer matches the log nor the chain
    led = json.loads((out / "word_ledger.json").read_text())
    led["counts"]["corpus"] -= 1
    (out / "word_ledger.json").write_text(json.dumps(led))
    bad = CliRunner().invoke(app, ["interact", "verify", str(out)])
    assert bad.exit_code == 1 and "FAIL" in bad.output and "log = ledger" in bad.output
    missing = CliRunner().invoke(app, ["interact", "verify", str(tmp_path)])
    assert isinstance(missing.exception, BabyLMError)


def test_interact_options_lists_a_protocols_settings():
    import json

    res = CliRunner().invoke(app, ["interact", "options", "simpo", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.output)}
    assert rows["window"]["default"] == 32 and "corpus" in rows  # its own and the shared student options


def test_bad_protocol_option_is_a_clear_error_and_leaves_no_run(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "simpo", "--out", str(out), "--scale", "1/1000",
                                   "--option", "context=40", "--option", "window=32"])
    assert isinstance(res.exception, BabyLMError)
    assert "context (40) must be between 0 and window (32)" in str(res.exception)
    assert not out.exists()
    res = CliRunner().invoke(app, ["interact", "run", "--protocol", "cogen", "--out", str(out), "--scale", "1/1000",
                                   "--option", "gamez=3"])
    assert isinstance(res.exception, BabyLMError) and "gamez" in str(res.exception)
    assert "interact options cogen" in (res.exception.hint or "")
