"""docs/operations.md as a script: every ```bash block (not the *site* ones, which name real hosts) runs
in order, with bash -euo pipefail, against the test session's PostgreSQL server; then the results are
checked (the queue scored, the re-scoring added only the new re-evaluations, the restored database
has every row of the edition's). Each command is shown once."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pg_server as pgs
import pytest
from ops_scoring import HERE, SUPPORT, TOY, dump

pg_server, pg_url = pgs.pg_server, pgs.pg_url  # fixtures
DOC = HERE.parents[1] / "docs" / "operations.md"
BLOCK = re.compile(r"^```bash( site)?\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[bool, str]]:
    """(is a site block, its text) of every bash block of the doc, in order."""
    return [(bool(site), body) for site, body in BLOCK.findall(DOC.read_text())]


def commands(text: str) -> list[str]:
    return [ln.split("  #")[0].strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_every_command_is_shown_once() -> None:
    cmds = [c for _site, b in blocks() for c in commands(b)]
    assert len(cmds) >= 8
    assert len(cmds) == len(set(cmds)), [c for c in cmds if cmds.count(c) > 1]
    assert any(site for site, _ in blocks()) and sum(not site for site, _ in blocks()) >= 5


def _wrapper(bin_dir: Path) -> None:
    """`babylm` on PATH: the real CLI, with the test's toy task and scaled bundle allowed when scoring."""
    bin_dir.mkdir()
    w = bin_dir / "babylm"
    w.write_text(f"""#!/bin/sh
if [ "$1" = submission ] && [ "$2" = score ]; then
  shift 2
  exec {sys.executable} -c 'from babylm.cli import main; main()' submission score --allow-scaled --no-load \\
    --plugin {TOY} "$@"
fi
exec {sys.executable} -c 'from babylm.cli import main; main()' "$@"
""")
    w.chmod(w.stat().st_mode | stat.S_IXUSR)


def test_operations_doc_runs_against_postgresql(pg_url: str, built: tuple[Path, Path], tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    createdb = pgs.find_binary("createdb")
    if not (createdb and pgs.find_binary("pg_dump") and pgs.find_binary("pg_restore")):
        pytest.skip("the PostgreSQL client tools (createdb, pg_dump, pg_restore) are not installed")
    bundle, gold = built
    work = tmp_path / "edition"
    (work / "queue").mkdir(parents=True)
    shutil.copytree(bundle, work / "queue" / "team-test")
    _wrapper(tmp_path / "bin")
    u = make_url(pg_url)
    db = f"babylm_ops_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PGHOST": u.host or "127.0.0.1", "PGPORT": str(u.port or 5432), "PGUSER": u.username or "",
           "EDITION_DB": db, "STORE": f"postgresql:///{db}", "EVAL_DATA": str(gold),
           "PATH": os.pathsep.join([str(tmp_path / "bin"), str(Path(createdb).parent), os.environ["PATH"]]),
           "PYTHONPATH": os.pathsep.join([str(HERE), str(SUPPORT), os.environ.get("PYTHONPATH", "")])}
    if u.password:
        env["PGPASSWORD"] = u.password
    try:
        for site, body in blocks():
            if site:
                continue
            r = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=work, env=env, capture_output=True,
                               text=True, timeout=300)
            assert r.returncode == 0, f"{body}\n--- stdout\n{r.stdout[-2000:]}\n--- stderr\n{r.stderr[-3000:]}"
        scored = json.loads((work / "scored.json").read_text())
        assert scored["failures"] == [] and scored["jobs_run"] == scored["jobs_total"] == 5
        rescored = json.loads((work / "rescored.json").read_text())
        assert rescored["jobs_run"] == 1 and rescored["jobs_skipped"] == 5  # only the new re-evaluation
        edition, restored = (u.set(drivername="postgresql", database=d).render_as_string(hide_password=False)
                             for d in (db, f"{db}_restored"))
        assert len(dump(edition)["scores"]) == 6 * 3
        assert dump(restored) == dump(edition)
    finally:
        for d in (db, f"{db}_restored"):
            pgs.drop_database(pg_url, d)
