"""Hostile model code in the sandbox: each attempt is contained and reported for its checkpoint, the
good checkpoint of the same `babylm eval run` is scored, nothing is written outside the sandbox."""

from __future__ import annotations

import json

import pytest
from blimp_pairs import blimp_root
from sandbox_models import build_hybrid, hostile_copy
from typer.testing import CliRunner

from babylm.evaluation.sandbox import bwrap

pytestmark = pytest.mark.skipif(bwrap.unavailable_reason() is not None,
                                reason=f"sandbox unavailable: {bwrap.unavailable_reason()}")


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_hostile_file_and_network_access_is_contained(tmp_path):
    from babylm.cli import app

    good = build_hybrid(tmp_path / "good", tmp_path / "work")[0]
    store = tmp_path / "store.sqlite"
    store.write_text("SECRET-STORE-CONTENT")
    outside = tmp_path / "outside"
    run = tmp_path / "run"
    snippets = {
        "chck_1M": "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=2)",
        "chck_2M": f"import os\nos.makedirs({str(outside)!r}, exist_ok=True)\n"
                   f"open({str(outside / 'escaped.txt')!r}, 'w').write('x')\n"
                   "open('/checkpoint/pwned.txt', 'w').write('x')",
        "chck_3M": f"print(open({str(good / 'config.json')!r}).read())",
        "chck_4M": f"print(open({str(store)!r}).read())",
        "chck_5M": "import os, sys\nfd = int(sys.argv[sys.argv.index('--fd') + 1])\n"
                   "os.write(fd, b'{\"op\": \"loaded\", \"ok\": true, \"n_params\": -1, \"evil\": 1}\\n')",
    }
    for name, code in snippets.items():
        hostile_copy(good, run / name, code)
    hostile_copy(good, run / "chck_6M", "")
    before = {p.name: _snapshot(p) for p in run.iterdir()}
    data = blimp_root(tmp_path / "data")
    res = CliRunner().invoke(app, ["eval", "run", str(run), "--tasks", "blimp", "--eval-data", str(data),
                                   "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out"),
                                   "--trust-remote-code", "--json"])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), (res.output, res.exception)
    doc = json.loads(res.stdout)  # asked for, not scored: exit 1 after the summary
    errors = {f["checkpoint"]: f["error"] for f in doc["failures"]}
    assert set(errors) == set(snippets), errors
    assert "Network is unreachable" in errors["chck_1M"] or "unreachable" in errors["chck_1M"].lower()
    assert "Read-only file system" in errors["chck_2M"]
    assert "No such file or directory" in errors["chck_3M"] and str(good / "config.json") in errors["chck_3M"]
    assert "No such file or directory" in errors["chck_4M"] and "SECRET" not in res.output
    assert "malformed reply" in errors["chck_5M"]
    assert 0 <= doc["checkpoints"]["chck_6M"]["scores"]["blimp"] <= 1
    assert "modeling_hybrid.py" in doc["checkpoints"]["chck_6M"]["custom_code"]["files"]
    assert not outside.exists()
    assert {p.name: _snapshot(p) for p in run.iterdir() if p.name.startswith("chck_")} == before
    assert "not scored: chck_1M/*: load:" in res.output


def test_hostile_resource_use_is_contained(tmp_path):
    from babylm.evaluation.runner import evaluate_run
    from babylm.evaluation.sandbox import SandboxLimits

    good = build_hybrid(tmp_path / "good", tmp_path / "work")[0]
    run = tmp_path / "run"
    snippets = {
        "chck_1M": "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(3600)\n        os._exit(0)",
        "chck_2M": "blob = bytearray(30 * 1024 ** 3)",
        "chck_3M": "import time\ntime.sleep(10 ** 6)",
        "chck_4M": "import sys\nfor _ in range(1024):\n    sys.stdout.write('x' * 2 ** 20)",
    }
    for name, code in snippets.items():
        hostile_copy(good, run / name, code)
    hostile_copy(good, run / "chck_5M", "")
    limits = SandboxLimits(memory_bytes=6 * 1024**3, nproc=64, load_s=10.0, output_bytes=1024**2)
    res = evaluate_run(run, tasks="blimp", data_root=blimp_root(tmp_path / "data"), cache_dir=tmp_path / "cache",
                       progress=False, trust_remote_code=True, sandbox_limits=limits)
    errors = {f["checkpoint"]: f["error"] for f in res["failures"]}
    assert set(errors) == set(snippets), errors
    assert "process limit" in errors["chck_1M"]
    assert "MemoryError" in errors["chck_2M"] and "memory limit" in errors["chck_2M"]
    assert "took longer than 10 s (wall-clock limit)" in errors["chck_3M"]
    assert "more than 1,048,576 bytes to stdout/stderr" in errors["chck_4M"]
    assert res["checkpoints"]["chck_5M"]["tasks"]["blimp"]["status"] == "ok"
    from babylm.evaluation.sandbox.procs import _pids_base

    base = _pids_base()
    if base is not None:  # every sandbox's pids cgroup is gone, with its processes
        assert not list(base.glob("babylm-sandbox-*"))
