"""Helpers of the ledger tests: a scaled track, a fake model saver, short runs, reading lines back."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from babylm.tracks.ledger import Ledger, line_hash
from babylm.tracks.rules import get_track

# strict-small x1/10000: budget 1,000 words, cap 10,000, checkpoints at 100..1,000 then 2,000..10,000.
TRACK = get_track("strict-small").scaled(Fraction(1, 10_000))



def fake_save(name: str, folder: Path) -> None:
    (folder / "model.safetensors").write_bytes(name.encode() * 10)
    (folder / "config.json").write_text("{}")


def run(tmp_path: Path, steps: int, words: int = 30, tokens: int = 40, **kw) -> Ledger:
    led = Ledger(tmp_path, TRACK, flops_per_token=1000.0, save_fn=fake_save, **kw)
    for _ in range(steps):
        led.before_step(words, tokens)
        led.after_step(loss=1.5)
    led.close()
    return led


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def rewrite(path: Path, objs: list[dict]) -> None:
    path.write_text("".join(json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n" for o in objs))


def rechain(objs: list[dict]) -> list[dict]:
    """Recompute every hash and prev link after an edit (what a forger would do)."""
    for i, obj in enumerate(objs):
        if i:
            obj["prev"] = objs[i - 1]["hash"]
        obj["hash"] = line_hash(obj)
    return objs


def forge(run_dir: Path, steps: int, line: int, key: str, value: object) -> Path:
    """A ledger of `steps` steps whose line `line` (0-based) has `key` set to `value`, chain recomputed."""
    run(run_dir, steps=steps)
    p = run_dir / "ledger.jsonl"
    objs = lines(p)
    objs[line][key] = value
    rewrite(p, rechain(objs))
    return p
