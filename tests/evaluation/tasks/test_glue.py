"""GLUE fine-tuning: official hyper-parameters by default, a learnable synthetic task, clear errors."""

from __future__ import annotations

import json

import pytest

from babylm.errors import BabyLMError
from babylm.evaluation.tasks.glue import GLUE_TASKS, FinetuneConfig, available_tasks, finetune_task


def _write_rte_like(root, n_train=96, n_valid=32):
    folder = root / "full_eval" / "glue_filtered"
    folder.mkdir(parents=True)
    words = ["cat", "dog", "bird", "ball", "milk"]

    def rows(n, offset):
        out = []
        for i in range(n):
            label = (i + offset) % 2
            s2 = ("yes " if label else "no ") + words[i % 5]
            out.append({"sentence1": f"the {words[(i * 3) % 5]} sees it .", "sentence2": s2, "label": label,
                        "idx": i})
        return out

    for split, rs in (("train", rows(n_train, 0)), ("valid", rows(n_valid, 1))):
        (folder / f"rte.{split}.jsonl").write_text("\n".join(json.dumps(r) for r in rs) + "\n")
    return root


def test_official_hyperparameters_are_the_defaults():
    cfg = FinetuneConfig()
    assert (cfg.lr, cfg.weight_decay, cfg.warmup, cfg.min_lr_ratio, cfg.seed, cfg.max_length) == (
        3e-5, 0.01, 0.06, 0.1, 42, 512)
    assert GLUE_TASKS["boolq"].batch_size == 16 and GLUE_TASKS["multirc"].batch_size == 16
    assert GLUE_TASKS["wsc"].epochs == 30 and GLUE_TASKS["rte"].epochs == 10
    assert GLUE_TASKS["mrpc"].f1 and GLUE_TASKS["qqp"].f1 and not GLUE_TASKS["rte"].f1


def test_finetuning_learns_a_learnable_task(tmp_path, tiny_causal_lm):
    root = _write_rte_like(tmp_path)
    assert available_tasks(root) == ["rte"]
    cfg = FinetuneConfig(lr=3e-3, epochs=6, batch_size=16, max_length=32)
    res = finetune_task(tiny_causal_lm, "rte", root, cfg, progress=False)
    assert res.n_items == 32 and res.train_examples == 96
    assert res.score >= 0.9, res.score  # label is given away by the first word of sentence 2
    assert [p["id"] for p in res.predictions[:2]] == ["rte_0", "rte_1"]
    again = finetune_task(tiny_causal_lm, "rte", root, cfg, progress=False)
    assert [p["pred"] for p in again.predictions] == [p["pred"] for p in res.predictions]  # seeded


def test_bad_inputs_are_clear(tmp_path, tiny_causal_lm):
    with pytest.raises(BabyLMError, match="unknown GLUE task 'cola'"):
        finetune_task(tiny_causal_lm, "cola", tmp_path)
    with pytest.raises(BabyLMError, match="no rte.train/valid.jsonl"):
        finetune_task(tiny_causal_lm, "rte", tmp_path)
    root = _write_rte_like(tmp_path / "a")
    (root / "full_eval" / "glue_filtered" / "rte.train.jsonl").unlink()
    with pytest.raises(BabyLMError, match="rte.train.jsonl missing"):
        finetune_task(tiny_causal_lm, "rte", root)
    root = _write_rte_like(tmp_path / "b")
    with open(root / "full_eval" / "glue_filtered" / "rte.valid.jsonl", "a") as fh:
        fh.write("{broken\n")
    with pytest.raises(BabyLMError, match=r"rte.valid.jsonl:33: not valid JSON"):
        finetune_task(tiny_causal_lm, "rte", root, FinetuneConfig(max_train=4, epochs=1))


@pytest.mark.realdata
def test_real_glue_files_have_the_official_counts(shared_data):
    from babylm.evaluation.tasks.glue import find_glue_files, read_rows

    root = shared_data / "babylm_eval_2025"
    for name in ("mnli", "mrpc", "rte", "wsc"):
        _train, valid = find_glue_files(root, name)
        assert len(read_rows(valid)) == GLUE_TASKS[name].expected_valid
    assert "boolq" not in available_tasks(root)  # boolq.train is not in this copy


def test_finetune_cli_keeps_going_when_a_task_fails(tmp_path, tiny_causal_lm, run_cli):
    root = _write_rte_like(tmp_path)
    r = run_cli("eval", "finetune", tiny_causal_lm, "--eval-data", root, "--tasks", "rte,wsc", "--epochs", "1",
                "--max-train", "8", "--json", "--out", tmp_path / "glue.json")
    assert r.code == 0, r.output
    out = json.loads(r.stdout)
    assert out["rte"]["n_items"] == 32 and out["rte"]["error"] is None
    assert "no wsc.train/valid.jsonl" in out["wsc"]["error"]
    assert json.loads((tmp_path / "glue.json").read_text())["rte"]["config"]["lr"] == 3e-5
