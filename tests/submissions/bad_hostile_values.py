"""Hostile bad bundles, part 1: JSON values a parser or a check could choke on (nesting past the recursion
limit, numbers no float holds, values of the wrong JSON type, duplicate keys) and claims that the files
do not back (cross-checkpoint scores, FLOPs, confidence intervals, items, data budgets)."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bundle_edits import edit_json, jload, jsave

from babylm.submissions.safe_load import Limits

DEEP = 5000  # deeper than Python's default recursion limit (1000)
PRED = "all_full_preds_and_fast_scores_causal.json"


def _nested(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def _deep_in(rel: str, key: str) -> Callable[[Path, Path], Path]:
    """Replace one top-level value of a JSON file by an array nested DEEP levels."""
    def mutate(b: Path, s: Path) -> Path:
        text = json.dumps(dict(jload(b / rel), **{key: "@@"}))
        (b / rel).write_text(text.replace('"@@"', _nested()))
        return b
    return mutate


def _deep_ledger_line(b: Path, s: Path) -> Path:
    lines = (b / "ledger.jsonl").read_text().splitlines()
    lines.insert(2, '{"event": "step", "x": ' + _nested() + "}")
    (b / "ledger.jsonl").write_text("\n".join(lines) + "\n")
    return b


def _rewrite_header(b: Path, edit: Callable[[dict[str, Any]], Any], raw: bytes | None = None) -> Path:
    """Rewrite chck_1M's safetensors header (edited, or replaced by `raw`), keeping the data bytes."""
    p = b / "checkpoints" / "chck_1M" / "model.safetensors"
    data = p.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    edit(header)
    new = raw if raw is not None else json.dumps(header).encode()
    p.write_bytes(struct.pack("<Q", len(new)) + new + data[8 + n :])
    return b


def _first_tensor(h: dict[str, Any]) -> dict[str, Any]:
    return next(v for k, v in h.items() if k != "__metadata__")


def _header(edit: Callable[[dict[str, Any]], Any]) -> Callable[[Path, Path], Path]:
    return lambda b, s: _rewrite_header(b, edit)


def _deep_header(b: Path, s: Path) -> Path:
    return _rewrite_header(b, lambda h: None, raw=('{"a": ' + _nested() + "}").encode())


def _dup_header(b: Path, s: Path) -> Path:
    def raw(h: dict[str, Any]) -> bytes:
        name, t = next((k, v) for k, v in h.items() if k != "__metadata__")
        body = json.dumps(h)[1:-1]
        other = dict(t, shape=[1], data_offsets=[0, 4])
        return ("{" + body + ", " + json.dumps(name) + ": " + json.dumps(other) + "}").encode()

    p = b / "checkpoints" / "chck_1M" / "model.safetensors"
    data = p.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    return _rewrite_header(b, lambda h: None, raw=raw(json.loads(data[8 : 8 + n])))




def _tasks(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for c in obj["checkpoints"].values() for t in c["tasks"].values()]


def _each_task(fn: Callable[[dict[str, Any]], Any]) -> Callable[[Path, Path], Path]:
    return edit_json("results.json", lambda o: [fn(t) for t in _tasks(o)])


def _raw_replace(rel: str, old: str, new: str) -> Callable[[Path, Path], Path]:
    def mutate(b: Path, s: Path) -> Path:
        text = (b / rel).read_text()
        assert old in text, (rel, old)
        (b / rel).write_text(text.replace(old, new, 1))
        return b
    return mutate


def _with_predictions(body: dict[str, Any]) -> Callable[[Path, Path], Path]:
    def mutate(b: Path, s: Path) -> Path:
        jsave(b / PRED, body)
        m = jload(b / "submission.json")
        m["files"]["predictions"] = PRED
        jsave(b / "submission.json", m)
        return b
    return mutate


def _toy_preds(ids: list[Any], pred: Any = 0) -> dict[str, Any]:
    return {"toy_pairs": {"agreement": {"predictions": [{"id": i, "pred": pred} for i in ids]}}}


def _across_unbacked(b: Path, s: Path) -> Path:
    obj = jload(b / "results.json")
    obj["across_checkpoints"] = {"aoa": {"status": "ok", "version": "1", "metric": "aoa_pearson", "score": 0.99,
                                         "subtasks": {"aoa": 0.99}, "n_items": 10,
                                         "checkpoints": ["chck_1M", "chck_2M", "chck_3M"]}}
    jsave(b / "results.json", obj)
    return b


def _big_int(rel: str, key: str) -> Callable[[Path, Path], Path]:
    return _raw_replace(rel, f'"{key}": ', f'"{key}": 1{"0" * 400}, "x_{key}": ')


def _deep_tokenizer(b: Path, s: Path) -> Path:
    (b / "checkpoints" / "chck_2M" / "tokenizer.json").write_text('{"model": ' + _nested() + "}")
    return b


def _huge_tokenizer(b: Path, s: Path) -> Path:
    with open(b / "checkpoints" / "chck_2M" / "tokenizer.json", "wb") as f:
        f.truncate(2 * 1024**2)  # 2 MiB of NUL bytes (sparse), over the 1 MiB limit given below
    return b


def _million_layers(b: Path, s: Path) -> Path:
    for name in ("chck_1M", "chck_2M", "chck_3M"):
        p = b / "checkpoints" / name / "config.json"
        cfg = jload(p)
        cfg["n_layer"] = 1_000_000
        jsave(p, cfg)
    return b


def _huge_width_small_weights(b: Path, s: Path) -> Path:
    p = b / "checkpoints" / "chck_3M" / "config.json"
    cfg = jload(p)
    cfg.update(n_layer=48, n_embd=8192)
    jsave(p, cfg)
    return b


def _manifest_lists(words: int) -> Callable[[Path, Path], Path]:
    return edit_json("data_manifest.json", lambda m: m["files"][0].update(words=words))


def _flops_down(b: Path, s: Path) -> Path:
    p = b / "checkpoints" / "chck_3M" / "babylm_checkpoint.json"
    meta = jload(p)
    meta["train_flops"] = 1.0
    jsave(p, meta)
    return b


def _set_split(value: Any) -> Callable[[Path, Path], Path]:
    return edit_json("results.json", lambda o: o.update(split=value))


# (name, finding code, mutation[, validate_bundle arguments]): bad_bundle_corpus.Bad fields
VALUE_CASES: list[tuple[Any, ...]] = [
    ("deep_json_submission", "E_MANIFEST_JSON", _deep_in("submission.json", "contact")),
    ("deep_json_results", "E_RESULTS_JSON", _deep_in("results.json", "model")),
    ("deep_json_fact_sheet", "E_FACT_SHEET_JSON", _deep_in("fact_sheet.json", "notes")),
    ("deep_json_ledger_line", "E_LEDGER", _deep_ledger_line),
    ("deep_json_safetensors_header", "E_SAFETENSORS", _deep_header),
    ("big_int_fact_flops", "E_NAN", _big_int("fact_sheet.json", "train_flops")),
    ("big_int_results_score", "E_NAN", _raw_replace("results.json", '"score": ', '"score": 1' + "0" * 400 + ', "s": ')),
    ("inf_in_config", "E_CONFIG_JSON", _raw_replace("checkpoints/chck_1M/config.json", '"attn_pdrop": 0.1',
                                                    '"attn_pdrop": 1e999')),
    ("item_id_is_list", "E_RESULTS_SCHEMA", _each_task(lambda t: t["items"][0].update(id=["a", "b"]))),
    ("item_id_is_object", "E_RESULTS_SCHEMA", _each_task(lambda t: t["items"][0].update(id={"x": 1}))),
    ("subtasks_is_list", "E_RESULTS_SCHEMA", _each_task(lambda t: t.update(subtasks=[0.5, 0.5]))),
    ("split_is_list", "E_RESULTS_SCHEMA", _set_split(["fast", "full"])),
    ("item_scores_strings", "E_NAN", _each_task(lambda t: t["items"][0].update(scores=["-1.0", "-2.0"]))),
    ("score_is_string", "E_NAN", _each_task(lambda t: t.update(score="0.9"))),
    ("safetensors_offsets_strings", "E_SAFETENSORS", _header(lambda h: _first_tensor(h).update(data_offsets=["0", "4"]))),
    ("safetensors_offsets_scalar", "E_SAFETENSORS", _header(lambda h: _first_tensor(h).update(data_offsets=7))),
    ("safetensors_shape_word", "E_SAFETENSORS", _header(lambda h: _first_tensor(h).update(shape=[2, "many"]))),
    ("safetensors_duplicate_key", "E_SAFETENSORS", _dup_header),
    ("track_control_chars", "E_MANIFEST_SCHEMA", edit_json("submission.json", lambda m: m.update(
        track="strict-small\x1b[2J\x1b]0;owned\x07"))),
    ("duplicate_keys_conflicting", "E_RESULTS_JSON", _raw_replace("results.json", '"split": "fast"',
                                                                  '"split": "fast", "split": "full"')),
    ("duplicate_keys_fact_sheet", "E_FACT_SHEET_JSON", _raw_replace("fact_sheet.json", '"n_params": ',
                                                                    '"n_params": 1, "n_params": ')),
    ("across_checkpoints_unbacked", "E_ACROSS_UNBACKED", _across_unbacked),
    ("across_checkpoints_not_across_task", "E_ACROSS_UNBACKED", edit_json("results.json", lambda o: o.update(
        across_checkpoints={"toy_pairs": {"status": "ok", "score": 1.0}}))),
    ("checkpoint_flops_go_down", "E_CHECKPOINT_FLOPS", _flops_down),
    ("ci95_infinite", "E_NAN", _raw_replace("results.json", '"ci95": [', '"ci95": [-1e999, 1e999], "c": [')),
    ("ci95_wrong_shape", "E_RESULTS_SCHEMA", _each_task(lambda t: t.update(ci95=[0.1, 0.2, 0.3]))),
    ("ci95_reversed", "E_RESULTS_SCHEMA", _each_task(lambda t: t.update(ci95=[0.9, 0.1]))),
    ("fast_scores_are_strings", "E_PREDICTIONS_SCHEMA", _with_predictions(
        {"fast_eval_results": {"toy_pairs": [{"agreement": "high"}] * 3}})),
    ("prediction_id_is_list", "E_PREDICTIONS_SCHEMA", _with_predictions(_toy_preds([["agreement_0"]]))),
    ("prediction_pred_is_object", "E_PREDICTIONS_SCHEMA", _with_predictions(
        {"toy_pairs": {"agreement": {"predictions": [{"id": "agreement_0", "pred": {"a": 1}}]}}})),
    ("prediction_items_not_in_task", "E_UNKNOWN_ITEM", _with_predictions(_toy_preds(["made_up_1", "made_up_2"])),
     {"gold": True}),
    ("result_items_not_in_task", "E_UNKNOWN_ITEM", _each_task(lambda t: t["items"][0].update(id="not_an_item")),
     {"gold": True}),
    ("deep_tokenizer_json", "E_TOKENIZER", _deep_tokenizer),
    ("huge_tokenizer_json", "E_TOKENIZER", _huge_tokenizer, {"limits": Limits(max_json_bytes=1024**2)}),
    ("config_million_layers", "E_CONFIG_SIZE", _million_layers),
    ("config_width_far_over_weights", "E_CONFIG_SIZE", _huge_width_small_weights),
    ("config_layers_a_word", "E_CONFIG_SIZE", edit_json("checkpoints/chck_1M/config.json", lambda c: c.update(
        n_layer="twelve"))),
    ("manifest_lists_100M_words", "E_WORDS_OVER_BUDGET", _manifest_lists(100_000_000)),
    ("manifest_for_other_track", "E_DATA_MANIFEST_MISMATCH", edit_json("data_manifest.json", lambda m: m.update(
        track="strict", word_budget=100_000_000))),
]
