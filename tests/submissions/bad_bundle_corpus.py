"""A generated corpus of bad bundles: each entry copies a good bundle, breaks one thing, and names the
finding code the validator must report. Several entries carry payloads that would create a SENTINEL
file if any bundle code ran (pickle, auto_map modules, tokenizer code); tests assert it never appears."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bad_archives import ARCHIVE_CASES
from bad_hostile_archives import HOSTILE_ARCHIVE_CASES
from bad_hostile_claims import CLAIM_CASES
from bad_hostile_values import VALUE_CASES
from bundle_edits import edit_each_task, edit_json, jload, jsave, rehash_ledger

SENTINEL_NAME = "BUNDLE_CODE_RAN"


@dataclass
class Bad:
    name: str
    code: str  # the finding code that must be reported
    mutate: Callable[[Path, Path], Path]  # (bundle copy, sentinel path) -> what to validate
    kwargs: dict[str, Any] = field(default_factory=dict)  # extra validate_bundle arguments


# ------------------------------------------------------------------ helpers






def ledger_lines(b: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (b / "ledger.jsonl").read_text().splitlines()]


def evil_code(sentinel: Path) -> str:
    return f"import pathlib\npathlib.Path({str(sentinel)!r}).write_text('ran')\n"


def evil_pickle(sentinel: Path) -> bytes:
    """Pickle bytes that would write the sentinel when unpickled (built by hand; never loaded)."""
    import pickle

    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (exec, (evil_code(sentinel),))

    return pickle.dumps(Payload())


def ck(b: Path, name: str = "chck_1M") -> Path:
    return b / "checkpoints" / name


# ------------------------------------------------------------------ mutations


def _manifest_missing(b: Path, s: Path) -> Path:
    (b / "submission.json").unlink()
    return b


def _manifest_malformed(b: Path, s: Path) -> Path:
    (b / "submission.json").write_text('{"format": "babylm.submission/1", "team": ')
    return b


def _missing_checkpoint(b: Path, s: Path) -> Path:
    shutil.rmtree(ck(b, "chck_2M"))
    return b


def _ledger_edited(b: Path, s: Path) -> Path:
    lines = (b / "ledger.jsonl").read_text().splitlines()
    obj = json.loads(lines[2])
    obj["words"] = obj.get("words", 0) + 1  # edit without re-hashing
    lines[2] = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    (b / "ledger.jsonl").write_text("\n".join(lines) + "\n")
    return b


def _ledger_line_removed(b: Path, s: Path) -> Path:
    lines = (b / "ledger.jsonl").read_text().splitlines()
    del lines[3]
    (b / "ledger.jsonl").write_text("\n".join(lines) + "\n")
    return b


def _over_exposure_cap(b: Path, s: Path) -> Path:
    lines = ledger_lines(b)
    end = lines.pop()
    last = next(x for x in reversed(lines) if x["event"] == "step")
    extra = 200_000  # the scaled cap is 100,000 words
    step = dict(last, words=last["words"] + extra, d_words=extra, tokens=last["tokens"] + extra,
                d_tokens=extra, steps=last["steps"] + 1, d_steps=1)
    lines.append(step)
    end.update(words=step["words"], tokens=step["tokens"], steps=step["steps"])
    lines.append(end)
    rehash_ledger(b / "ledger.jsonl", lines)
    return b


def _pickle_beside(b: Path, s: Path) -> Path:
    (ck(b) / "pytorch_model.bin").write_bytes(evil_pickle(s))
    return b


def _pickle_only(b: Path, s: Path) -> Path:
    (ck(b) / "model.safetensors").unlink()
    (ck(b) / "pytorch_model.bin").write_bytes(evil_pickle(s))
    return b


def _auto_map(b: Path, s: Path) -> Path:
    cfg = jload(ck(b) / "config.json")
    cfg["auto_map"] = {"AutoModelForCausalLM": "modeling_evil.EvilModel"}
    jsave(ck(b) / "config.json", cfg)
    (ck(b) / "modeling_evil.py").write_text(evil_code(s))
    return b


def _tokenizer_auto_map(b: Path, s: Path) -> Path:
    tc = jload(ck(b) / "tokenizer_config.json")
    tc["auto_map"] = {"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}
    jsave(ck(b) / "tokenizer_config.json", tc)
    return b


def _code_file(b: Path, s: Path) -> Path:
    (ck(b) / "__init__.py").write_text(evil_code(s))
    return b


def _corrupt_safetensors(b: Path, s: Path) -> Path:
    p = ck(b) / "model.safetensors"
    data = bytearray(p.read_bytes())
    data[0:8] = (10**12).to_bytes(8, "little")
    p.write_bytes(bytes(data))
    return b


def _tampered_weights(b: Path, s: Path) -> Path:
    p = ck(b, "chck_3M") / "model.safetensors"
    data = bytearray(p.read_bytes())
    data[-1] ^= 0xFF  # one weight byte changed after training saved it
    p.write_bytes(bytes(data))
    return b


def _symlink_escape(b: Path, s: Path) -> Path:
    (ck(b) / "vocab.txt").symlink_to("/etc/passwd")
    return b


def _symlink_dir_escape(b: Path, s: Path) -> Path:
    shutil.rmtree(ck(b, "chck_3M"))
    (ck(b, "chck_3M")).symlink_to(b.parent)
    return b


def _results_nan(b: Path, s: Path) -> Path:
    text = (b / "results.json").read_text()
    obj = json.loads(text)
    ckpt = next(iter(obj["checkpoints"]))
    task = next(iter(obj["checkpoints"][ckpt]["tasks"]))
    obj["checkpoints"][ckpt]["tasks"][task]["score"] = float("nan")
    (b / "results.json").write_text(json.dumps(obj))  # json.dumps writes NaN
    return b




def _item_scores_nan(b: Path, s: Path) -> Path:
    def edit(t: dict) -> None:
        t["items"][0]["scores"] = [None, -3.0]

    return edit_each_task(b, edit)


def _wrong_item_count(b: Path, s: Path) -> Path:
    def edit(t: dict) -> None:
        t["items"] = t["items"][:-2]
        t["n_items"] = len(t["items"])

    return edit_each_task(b, edit)


def _duplicate_ids(b: Path, s: Path) -> Path:
    def edit(t: dict) -> None:
        t["items"][1]["id"] = t["items"][0]["id"]

    return edit_each_task(b, edit)


def _predictions_nan(b: Path, s: Path) -> Path:
    name = "all_full_preds_and_fast_scores_causal.json"
    (b / name).write_text(json.dumps({"blimp": {"anaphor_gender_agreement": {"predictions": [
        {"id": "anaphor_gender_agreement_0", "pred": float("nan")}]}}}).replace("NaN", "null"))
    m = jload(b / "submission.json")
    m["files"]["predictions"] = name
    jsave(b / "submission.json", m)
    return b


def _teacher(model_id: str, n_params: int, words: int) -> Callable[[Path, Path], Path]:
    def mutate(b: Path, s: Path) -> Path:
        m = jload(b / "submission.json")
        m["edition"] = 2026  # 2026 strict-small allows teachers from its allow-list
        jsave(b / "submission.json", m)
        f = jload(b / "fact_sheet.json")
        f["teacher"] = {"model_id": model_id, "n_params": n_params, "words": words}
        jsave(b / "fact_sheet.json", f)
        return b

    return mutate


def _teacher_on_strict(b: Path, s: Path) -> Path:
    f = jload(b / "fact_sheet.json")
    f["teacher"] = {"model_id": "meta-llama/Llama-3.2-1B-Instruct", "n_params": 1_230_000_000, "words": 10}
    jsave(b / "fact_sheet.json", f)
    return b


def _set(d: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for k in keys[:-1]:
        d = d[k]
    d[keys[-1]] = value


def _data_file_changed(b: Path, s: Path) -> Path:
    (b / "train").mkdir()
    (b / "train" / "a.txt").write_text("these are not the words that were counted\n")
    return b


def _interaction_ledger(teacher_visible: int) -> Callable[[Path, Path], Path]:
    def mutate(b: Path, s: Path) -> Path:
        _teacher("Qwen/Qwen3-0.6B", 600_000_000, 500)(b, s)
        jsave(b / "word_ledger.json", {"format": "babylm.interaction_ledger/1", "counts": {
            "corpus": 1200, "teacher_visible": teacher_visible, "student_generated": 40, "hidden_prompt": 0,
            "reward": 0}})
        m = jload(b / "submission.json")
        m["files"]["interaction_ledger"] = "word_ledger.json"
        jsave(b / "submission.json", m)
        return b

    return mutate


CORPUS: list[Bad] = [Bad(*case) for case in ARCHIVE_CASES] + [
    Bad("manifest_missing", "E_MANIFEST_MISSING", _manifest_missing),
    Bad("manifest_malformed_json", "E_MANIFEST_JSON", _manifest_malformed),
    Bad("manifest_unknown_format", "E_MANIFEST_SCHEMA", edit_json("submission.json", lambda m: _set(m, "format", "babylm.submission/9"))),
    Bad("manifest_bad_team_name", "E_MANIFEST_SCHEMA", edit_json("submission.json", lambda m: _set(m, "team", "../../etc"))),
    Bad("manifest_path_escape", "E_MANIFEST_SCHEMA", edit_json("submission.json", lambda m: _set(m, "files.ledger", "../other/ledger.jsonl"))),
    Bad("manifest_extra_field", "E_MANIFEST_SCHEMA", edit_json("submission.json", lambda m: _set(m, "trust_remote_code", True))),
    Bad("unknown_track", "E_TRACK", edit_json("submission.json", lambda m: _set(m, "track", "superstrict"))),
    Bad("scaled_without_flag", "E_SCALED", lambda b, s: b, {"allow_scaled": False}),
    Bad("results_file_missing", "E_FILE_MISSING", lambda b, s: ((b / "results.json").unlink(), b)[1]),
    Bad("missing_checkpoint", "E_CHECKPOINT_MISSING", _missing_checkpoint),
    Bad("checkpoint_words_mismatch", "E_CHECKPOINT_WORDS", edit_json("checkpoints/chck_2M/babylm_checkpoint.json", lambda m: _set(m, "words_seen", 1500))),
    Bad("tampered_weights", "E_CHECKPOINT_FILES", _tampered_weights),
    Bad("words_over_budget", "E_WORDS_OVER_BUDGET", edit_json("data_manifest.json", lambda m: _set(m, "total_words", 10**9))),
    Bad("data_file_changed", "E_DATA_FILES", _data_file_changed),
    Bad("data_manifest_swapped", "E_DATA_MANIFEST_MISMATCH", edit_json("data_manifest.json", lambda m: (
        _set(m, "total_words", 1100), _set(m["files"][0], "words", 1100)))),
    Bad("data_manifest_wrong_format", "E_DATA_MANIFEST_SCHEMA", edit_json("data_manifest.json", lambda m: _set(m, "format", "x"))),
    Bad("ledger_line_edited", "E_LEDGER_CHAIN", _ledger_edited),
    Bad("ledger_line_removed", "E_LEDGER_CHAIN", _ledger_line_removed),
    Bad("over_exposure_cap", "E_EXPOSURE_CAP", _over_exposure_cap),
    Bad("pickle_weights_beside", "E_PICKLE_WEIGHTS", _pickle_beside),
    Bad("pickle_weights_only", "E_NO_SAFETENSORS", _pickle_only),
    Bad("auto_map_config", "E_AUTO_MAP", _auto_map),
    Bad("auto_map_tokenizer", "E_AUTO_MAP", _tokenizer_auto_map),
    Bad("code_file_in_checkpoint", "E_CODE_FILE", _code_file),
    Bad("unknown_model_type", "E_MODEL_TYPE", edit_json("checkpoints/chck_1M/config.json", lambda m: _set(m, "model_type", "evil_lm"))),
    Bad("corrupt_safetensors_header", "E_SAFETENSORS", _corrupt_safetensors),
    Bad("symlink_file_escape", "E_SYMLINK", _symlink_escape),
    Bad("symlink_dir_escape", "E_SYMLINK", _symlink_dir_escape),
    Bad("results_nan_score", "E_NAN", _results_nan),
    Bad("results_nan_item_scores", "E_NAN", _item_scores_nan),
    Bad("predictions_null_pred", "E_NAN", _predictions_nan),
    Bad("wrong_item_counts", "E_ITEM_COUNT", _wrong_item_count, {"gold": True}),
    Bad("duplicate_item_ids", "E_DUPLICATE_ID", _duplicate_ids),
    Bad("results_missing_checkpoint", "E_RESULTS_CHECKPOINT", edit_json("results.json", lambda m: m["checkpoints"].pop("chck_2M"))),
    Bad("results_from_other_weights", "E_RESULTS_HASH", edit_json("results.json", lambda m: _set(m["checkpoints"]["chck_1M"], "content_hash", "f" * 64))),
    Bad("flops_claim_doubled", "E_FLOPS", edit_json("fact_sheet.json", lambda m: _set(m, "train_flops", m["train_flops"] * 2))),
    Bad("fact_seq_len_mismatch", "E_FACT_SEQ_LEN", edit_json("fact_sheet.json", lambda m: _set(m, "seq_len", 64))),
    Bad("fact_words_mismatch", "E_FACT_WORDS", edit_json("fact_sheet.json", lambda m: _set(m, "words_seen", 1))),
    Bad("fact_params_mismatch", "E_FACT_PARAMS", edit_json("fact_sheet.json", lambda m: _set(m, "n_params", 10))),
    Bad("fact_sheet_schema", "E_FACT_SHEET_SCHEMA", edit_json("fact_sheet.json", lambda m: _set(m, "n_params", -5))),
    Bad("teacher_not_on_allowlist", "E_TEACHER_NOT_ALLOWED", _teacher("openai/gpt-5", 10**12, 100)),
    Bad("teacher_on_track_without_teachers", "E_TEACHER_NOT_ALLOWED", _teacher_on_strict),
    Bad("teacher_words_not_in_word_ledger", "E_TEACHER_WORDS", _interaction_ledger(300)),
    Bad("teacher_words_over_budget", "E_WORDS_OVER_BUDGET", _teacher("Qwen/Qwen3-0.6B", 600_000_000, 9_500)),
] + [Bad(*case) for case in VALUE_CASES + HOSTILE_ARCHIVE_CASES + CLAIM_CASES]


def build(bad: Bad, good: Path, work: Path) -> tuple[Path, Path]:
    """Copy the good bundle into `work`, apply the mutation; returns (target to validate, sentinel)."""
    b = work / "bundle"
    shutil.copytree(good, b, symlinks=True)
    sentinel = work / SENTINEL_NAME
    return bad.mutate(b, sentinel), sentinel


def tree_snapshot(root: Path) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}
