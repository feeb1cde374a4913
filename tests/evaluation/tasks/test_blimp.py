"""BLiMP and supplement loading (official layout, gz, ids, errors) and official-compat predictions."""

from __future__ import annotations

import gzip
import json

import pytest
from blimp_pairs import PAIRS, blimp_root

from babylm.evaluation.tasks.blimp import BLIMP, load_pairs
from babylm.evaluation.tasks.datafiles import DataFileError
from babylm.testing.tinymodels import tiny_checkpoint


def test_loads_official_layout_with_ids_and_subtasks(tmp_path):
    root = blimp_root(tmp_path / "data")
    items = load_pairs("blimp", root, "fast")
    assert len(items) == 2 * len(PAIRS)
    assert [it.id for it in items[:2]] == ["agr_1_0", "agr_1_1"]
    assert {it.subtask for it in items} == {"agr_1", "agr_2"}
    assert items[0].candidates[0].continuation == PAIRS[0][0] and items[0].gold == 0
    assert items[0].candidates[0].context == ""


def test_gzip_full_split_and_supplement_uid_is_file_stem(tmp_path):
    full = tmp_path / "full_eval" / "blimp_filtered"
    full.mkdir(parents=True)
    with gzip.open(full / "agr.jsonl.gz", "wt") as fh:
        fh.write(json.dumps({"sentence_good": "a b .", "sentence_bad": "b a .", "UID": "agr"}) + "\n")
    assert [it.id for it in load_pairs("blimp", tmp_path, "full")] == ["agr_0"]
    sup = tmp_path / "fast_eval" / "supplement_fast"
    sup.mkdir(parents=True)
    (sup / "hypernym.jsonl").write_text(json.dumps({"row": 3, "sentence_good": "x", "sentence_bad": "y"}) + "\n")
    (it,) = load_pairs("blimp_supplement", tmp_path, "fast")
    assert (it.id, it.subtask) == ("hypernym_0", "hypernym")


def test_bad_data_names_the_file(tmp_path):
    with pytest.raises(DataFileError, match="no fast_eval"):
        load_pairs("blimp", tmp_path, "fast")
    (tmp_path / "fast_eval").mkdir()
    with pytest.raises(DataFileError, match="not available.*blimp_fast"):
        load_pairs("blimp", tmp_path, "fast")
    folder = tmp_path / "fast_eval" / "blimp_fast"
    folder.mkdir()
    (folder / "agr.jsonl").write_text(json.dumps({"sentence_good": "a"}) + "\n")
    with pytest.raises(DataFileError, match=r"agr.jsonl line 1: missing field\(s\) sentence_bad"):
        load_pairs("blimp", tmp_path, "fast")
    full = tmp_path / "full_eval" / "blimp_filtered"
    full.mkdir(parents=True)
    (full / "agr.jsonl.gz").write_bytes(gzip.compress(b'{"sentence_good": "a", "sentence_bad": "b"}\n')[:-12])
    with pytest.raises(DataFileError, match="agr.jsonl.gz"):
        load_pairs("blimp", tmp_path, "full")


def _ep25_reference(model, tok, good: str, bad: str) -> tuple[int, float]:
    """The 2025 pipeline's semantics written out: bare sentence, no BOS, first token unscored,
    argmax (ties go to index 0 = correct)."""
    import torch

    def lp(sentence: str) -> float:
        ids = tok(sentence, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
        return float(sum(logp[i - 1, ids[i]] for i in range(1, len(ids))))

    scores = [lp(good), lp(bad)]
    pred = int(torch.tensor(scores).argmax())
    return pred, 1.0 if pred == 0 else 0.0


def test_official_compat_reproduces_ep25_predictions(tmp_path):
    from babylm.evaluation.scorers.load import load_model, make_scorer

    ckpt = tiny_checkpoint(tmp_path / "m", "gpt2", seed=3)
    sc = make_scorer(ckpt, "causal", compat="official")  # the default engine (native for GPT-2)
    ref_model, ref_tok = load_model(ckpt, "causal")  # the reference runs transformers
    items = load_pairs("blimp", blimp_root(tmp_path / "data", uids=("agr",)), "fast")
    scores = [sc.score(it.candidates) for it in items]
    official = BLIMP.compute(items, scores, "official")
    ours = BLIMP.compute(items, scores, "babylm")
    for it, row in zip(items, official.items, strict=True):
        ref_pred, ref_correct = _ep25_reference(ref_model, ref_tok, *(c.continuation for c in it.candidates))
        assert (row.pred, row.correct) == (ref_pred, ref_correct), it.id
    tie = next(r for r in official.items if r.id == "agr_2")  # identical sentences
    assert tie.tie and tie.correct == 1.0
    assert next(r for r in ours.items if r.id == "agr_2").correct == 0.5


@pytest.mark.realdata
def test_real_blimp_counts_and_identical_pairs(shared_data):
    root = shared_data / "babylm_eval_2025"
    items = load_pairs("blimp", root, "fast")
    assert len(items) == 13_400 and len({it.subtask for it in items}) == 67
    assert len({it.id for it in items}) == len(items)
    same = sorted(it.id for it in items if it.candidates[0] == it.candidates[1])
    assert len(same) == 3 and all(s.startswith(("passive_1_", "principle_A_case_2_")) for s in same)
    assert len(load_pairs("blimp_supplement", root, "fast")) == 250
