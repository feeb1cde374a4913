"""Property-based fuzzing of every bundle format: no bundle crashes, fools or hangs the validator or the scorer.

Each strategy starts from a valid bundle (the LM bundle of `submission_factory`, the same with an official
predictions file, an interaction bundle of a tiny `respect` run) and changes one thing in one format:

- JSON files (submission.json, fact_sheet.json, results.json, the predictions file, data_manifest.json,
  run.json, config.json, generation/tokenizer configs, tokenizer.json, babylm_checkpoint.json, the interaction
  files): any field set to a value of another JSON type, a huge or non-finite number, a string with control
  characters, markup or odd path names, a nesting deeper than Python's recursion limit; a key deleted,
  renamed to an odd name or given twice with conflicting values; the whole file replaced by bytes;
- JSONL files (the training ledger, the interaction word ledger chain and episode log): one line mutated as
  above, with the hash chain forged again (so the checks after the chain see the value) or not; lines
  deleted, duplicated or swapped;
- safetensors files: a field of the JSON header mutated, or the header's length prefix;
- archives: the bundle packed as zip / tar / tar.gz with one member renamed (traversal, absolute, backslash,
  NUL, normalisation-equivalent twin, very long), a symlink, hard link, device or fifo member, a duplicate
  member, many members, a member over the size limit, an encrypted or unsupported-method zip member, a bad CRC.

Properties, for every example: `validate_bundle` returns a report (never raises), with no E_INTERNAL
finding (an internal error is a check that crashed, i.e. a bug to fix), within a deadline (SIGALRM, no
hang); nothing is written outside the work folder; and a bundle it rejects makes `babylm submission score`
(`score_bundles`) store nothing (its SQLite store is never created or holds no rows). A bundle it accepts
is scored too, into a shared store, without an exception.

Budget: `derandomize=True` (the same examples on every run) and BABYLM_FUZZ_EXAMPLES examples per strategy
(default 20, 11 strategies: about 15 s of CPU here, 10 s more to build the bundles). Run longer by hand,
e.g. with fresh random examples (BABYLM_FUZZ_RANDOM=1; 400 per strategy took 8 minutes here):

    BABYLM_FUZZ_EXAMPLES=2000 BABYLM_FUZZ_RANDOM=1 .venv/bin/python -m pytest -q -p no:cacheprovider \\
        tests/submissions/test_submission_fuzz_formats.py
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fuzz_archive import HOSTILE, LIMITS, archive_change, members_of, pack
from fuzz_json import (
    apply_jsonl,
    apply_safetensors,
    enc,
    json_change,
    jsonl_change,
    safetensors_change,
    safetensors_parts,
    write,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from babylm.submissions.validate import validate_bundle


@pytest.fixture(autouse=True)
def _toy_task() -> None:
    """The toy task is known to every test here (conftest unregisters it after each module)."""
    from submission_factory import register_toy_task

    register_toy_task()

N_EXAMPLES = int(os.environ.get("BABYLM_FUZZ_EXAMPLES", "20"))
DEADLINE_S = int(os.environ.get("BABYLM_FUZZ_DEADLINE_S", "60"))  # per example, validate + score together
FUZZ = settings(max_examples=N_EXAMPLES, derandomize=not os.environ.get("BABYLM_FUZZ_RANDOM"), deadline=None,
                database=None, suppress_health_check=list(HealthCheck), print_blob=True)
# Small limits keep "over the limit" examples cheap (a few MB, not gigabytes); the good bundles fit them.
PRED = "all_full_preds_and_fast_scores_causal.json"
def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def stored_rows(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        return sum(con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names
                   if n in ("submissions", "checkpoints", "scores", "latest", "flags"))
    finally:
        con.close()


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise Hang(f"no verdict within {seconds} s")

    import time

    old = signal.signal(signal.SIGALRM, fire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)  # an outer alarm (pytest-timeout) is put back after
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 0.001))


def check_mutated(bundles: dict[str, Any], root: Path, edit: Callable[[Path], Any]) -> Any:
    """`check` on a copy of the bundle at `root` after `edit(copy)`."""
    with tempfile.TemporaryDirectory() as d:
        b = Path(d) / "bundle"
        shutil.copytree(root, b, symlinks=True)
        edit(b)
        return check(b, Path(d) / "work", bundles["gold"], bundles["store"])


def check(target: Path, work: Path, gold: Path | None, shared_store: Path, must_reject: bool = False) -> Any:
    """validate + score `target` under the properties of the module docstring; the report."""
    from babylm.submissions.score import score_bundles

    outside = tree(work.parent)
    with deadline(DEADLINE_S):
        rep = validate_bundle(target, allow_scaled=True, load=False, data_root=gold, workdir=work / "x")
        internal = [f for f in rep.findings.items if f.code == "E_INTERNAL"]
        assert not internal, internal
        assert all(f.code and f.message for f in rep.findings.items)
        if must_reject:
            assert not rep.ok, "a hostile archive was accepted"
        db = shared_store if rep.ok else work / "store.db"
        summaries = score_bundles([target], f"sqlite:///{db}", allow_scaled=True, load=False, gold=gold,
                                  sample=0, progress=False, workdir=work / "score")
    assert summaries[0].valid == rep.ok
    if not rep.ok:
        assert stored_rows(db) == 0, "a rejected bundle reached the store"
    new = tree(work.parent) - outside
    assert all(p == work.name or p.startswith(work.name + "/") for p in new), sorted(new)[:5]
    return rep


@pytest.fixture(scope="module", autouse=True)
def _small_limits() -> Iterator[None]:
    """The validator's default limits are LIMITS here, for `validate_bundle` and for the validation that
    `score_bundles` runs itself (which takes no limits argument)."""
    defaults = validate_bundle.__kwdefaults__
    old = defaults["limits"]
    defaults["limits"] = LIMITS
    yield
    defaults["limits"] = old


@pytest.fixture(scope="module")
def bundles(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """{"lm": good LM bundle, "gold", "preds": the same with an official predictions file, "interaction":
    a respect run's bundle, "store": a shared store for accepted bundles}."""
    import torch

    from babylm.evaluation.results import load_results, write_official_predictions
    from babylm.submissions.bundle import init_bundle
    from babylm.tracks.interaction.cli import run_interaction

    good, gold = built
    base = tmp_path_factory.mktemp("fuzzbase")
    preds = base / "preds"
    shutil.copytree(good, preds, symlinks=True)
    write_official_predictions(load_results(preds / "results.json"), preds / PRED)
    m = json.loads((preds / "submission.json").read_text())
    m["files"]["predictions"] = PRED
    (preds / "submission.json").write_text(json.dumps(m, indent=1))
    torch.set_num_threads(1)
    run_interaction("respect", base / "respect", rounds=2, scale="1/1000", progress=False,
                    options={"games": 4, "seed_games": 5, "epochs": 1})
    inter = init_bundle(base / "respect", team="Team F", model="fuzz-respect", out=base / "interaction")
    for b, g in ((good, gold), (preds, gold), (inter, None)):
        rep = validate_bundle(b, allow_scaled=True, load=False, data_root=g)
        assert rep.ok, [(f.code, f.message) for f in rep.findings.errors]
    return {"lm": good, "gold": gold, "preds": preds, "interaction": inter, "store": base / "accepted.db"}


def _files(root: Path, suffix: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(f"*{suffix}") if p.is_file())


# JSON formats, the bundle ("lm", or "preds": predictions only) and the files holding them (relative to it).
JSON_FILES = {
    "submission": ("lm", ["submission.json"]),
    "fact_sheet": ("lm", ["fact_sheet.json"]),
    "results": ("lm", ["results.json"]),
    "data_manifest": ("lm", ["data_manifest.json", "run.json"]),
    "checkpoint_json": ("lm", ["checkpoints/chck_1M/config.json", "checkpoints/chck_3M/config.json",
                               "checkpoints/chck_2M/babylm_checkpoint.json",
                               "checkpoints/chck_3M/generation_config.json"]),
    "tokenizer": ("lm", ["checkpoints/chck_3M/tokenizer.json", "checkpoints/chck_2M/tokenizer_config.json"]),
    "predictions": ("preds", [PRED]),
}


def _doc(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text())


@pytest.mark.parametrize("fmt", sorted(JSON_FILES))
@FUZZ
@given(data=st.data())
def test_json_fields(fmt: str, bundles: dict[str, Any], data: Any) -> None:
    kind, files = JSON_FILES[fmt]
    root = bundles[kind]
    rel = data.draw(st.sampled_from(files), label="file")
    new = data.draw(json_change(_doc(root, rel)), label="new content")
    check_mutated(bundles, root, lambda b: write(b / rel, new))


@FUZZ
@given(data=st.data())
def test_ledger_lines(bundles: dict[str, Any], data: Any) -> None:
    root = bundles["lm"]
    lines = [json.loads(x) for x in (root / "ledger.jsonl").read_text().splitlines()]
    change = data.draw(jsonl_change(lines), label="ledger")
    check_mutated(bundles, root, lambda b: apply_jsonl(b / "ledger.jsonl", change, chained=True))


@FUZZ
@given(data=st.data())
def test_safetensors_headers(bundles: dict[str, Any], data: Any) -> None:
    root = bundles["lm"]
    rel = data.draw(st.sampled_from(["checkpoints/chck_1M/model.safetensors", "checkpoints/chck_3M/model.safetensors"]))
    header, _ = safetensors_parts(root / rel)
    change = data.draw(safetensors_change(header), label="header")
    check_mutated(bundles, root, lambda b: apply_safetensors(b / rel, change))


@FUZZ
@given(data=st.data())
def test_interaction_files(bundles: dict[str, Any], data: Any) -> None:
    root = bundles["interaction"]
    files = [*_files(root, ".json"), *_files(root, ".jsonl"), *_files(root, ".safetensors")]
    rel = data.draw(st.sampled_from(files), label="file")
    with tempfile.TemporaryDirectory() as d:
        b = Path(d) / "bundle"
        shutil.copytree(root, b, symlinks=True)
        if rel.endswith(".jsonl"):
            lines = [json.loads(x) for x in (root / rel).read_text().splitlines() if x.strip()]
            apply_jsonl(b / rel, data.draw(jsonl_change(lines), label="lines"), chained=rel.endswith("ledger.jsonl"))
        elif rel.endswith(".safetensors"):
            header, _ = safetensors_parts(root / rel)
            apply_safetensors(b / rel, data.draw(safetensors_change(header), label="header"))
        else:
            write(b / rel, data.draw(json_change(_doc(root, rel)), label="new content"))
        check(b, Path(d) / "work", None, bundles["store"])


# ------------------------------------------------------------------ archives

@pytest.mark.filterwarnings("ignore:Duplicate name")
@FUZZ
@given(data=st.data())
def test_archive_structure(bundles: dict[str, Any], data: Any) -> None:
    members, fmt, flags, op = data.draw(archive_change(members_of(bundles["lm"])), label="archive")
    with tempfile.TemporaryDirectory() as d:
        archive = pack(members, fmt, Path(d) / "bundle", flags)
        check(archive, Path(d) / "work", bundles["gold"], bundles["store"], must_reject=op in HOSTILE)


def test_a_forged_chain_reaches_the_checks_past_it(bundles: dict[str, Any], tmp_path: Path) -> None:
    """The ledger strategy's re-hashed lines pass the hash chain, so its values meet the checks after it:
    a start line naming another track is E_TRACK_MISMATCH, not a broken chain."""
    b = tmp_path / "b"
    shutil.copytree(bundles["lm"], b, symlinks=True)
    lines = [json.loads(x) for x in (b / "ledger.jsonl").read_text().splitlines()]
    lines[0]["track"] = "2025/strict"
    apply_jsonl(b / "ledger.jsonl", ("\n".join(enc(x) for x in lines) + "\n", True), chained=True)
    rep = check(b, tmp_path / "work", bundles["gold"], bundles["store"])
    codes = {f.code for f in rep.findings.errors}
    assert "E_TRACK_MISMATCH" in codes and "E_LEDGER_CHAIN" not in codes, codes


def test_the_per_example_deadline_fires() -> None:
    import time

    with pytest.raises(Hang), deadline(1):
        time.sleep(5)
