"""The multimodal demo entry: generated images and captions, a tiny GIT trained briefly on them, and
Winoground, VQA and DevBench scored on generated evaluation data; everything under one folder.

`run_multimodal_demo(workdir)` writes `train/` (caption pairs), `data_manifest.json` (caption words,
images by hash), `model/` (the trained checkpoint: safetensors, tokenizer, image processor),
`eval_data/` (official-format task folders) and `results.json` (babylm.results/1, track
2025/multimodal, split full), and returns the results. `babylm demo` does not call it yet.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from babylm.evaluation.api import Compat

TASKS = ("winoground", "vqa", "devbench")
BATCH = 16


def run_multimodal_demo(workdir: str | Path, *, steps: int = 150, n_pairs: int = 240, seed: int = 0,
                        compat: Compat = "babylm") -> dict[str, Any]:
    """Run the demo in `workdir` (about a minute on a CPU at the default 150 steps); the results."""
    import warnings

    from babylm import __version__
    from babylm.evaluation.formats import RESULTS_FORMAT
    from babylm.evaluation.multimodal.evaluate import evaluate_checkpoint
    from babylm.evaluation.multimodal.images import open_rgb
    from babylm.evaluation.multimodal.synthetic import (
        vocabulary_texts,
        write_caption_corpus,
        write_devbench_data,
        write_eval_data,
        write_things_data,
    )
    from babylm.evaluation.multimodal.tiny import save_git, tiny_git
    from babylm.evaluation.multimodal.train import train_git
    from babylm.evaluation.registry import get_task
    from babylm.evaluation.results import task_result_to_dict, write_results
    from babylm.testing.tinymodels import train_tokenizer
    from babylm.tracks.image_data import build_image_text_manifest, read_pairs
    from babylm.tracks.ledger import file_sha256
    from babylm.tracks.manifest import write_manifest

    t0 = time.perf_counter()
    root = Path(workdir)
    corpus = write_caption_corpus(root / "train", n=n_pairs, seed=seed)
    manifest = build_image_text_manifest([corpus / "captions.jsonl"], "multimodal", root, edition=2025)
    write_manifest(manifest, root / "data_manifest.json")
    tok = train_tokenizer(vocabulary_texts(), "bert", 200)
    model, processor = tiny_git(tok, n_layer=2, seed=seed)
    pairs = [(open_rgb(str(p)), text) for p, text in read_pairs(corpus / "captions.jsonl")]
    losses = train_git(model, tok, processor, pairs, steps=steps, batch_size=BATCH, seed=seed)
    save_git(root / "model", model, tok, processor)
    data = write_eval_data(root / "eval_data", seed=seed)
    write_devbench_data(data, seed=seed)
    write_things_data(data, seed=seed)
    with warnings.catch_warnings():  # the generated sets are smaller than the official ones
        warnings.simplefilter("ignore")
        scored = evaluate_checkpoint(root / "model", data, tasks=TASKS, compat=compat, strict=False)
    tasks = {n: {"status": "ok", **task_result_to_dict(r)} for n, r in scored.items()}
    results = {
        "format": RESULTS_FORMAT, "harness_version": __version__, "model": str(root / "model"), "backend": "git",
        "engine": "transformers", "compat": compat, "track": "2025/multimodal", "split": "full",
        "data_root": str(data), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "tasks": list(TASKS),
        "official_keys": {n: k for n in TASKS if (k := get_task(n).official_key)},
        # Caption words the training read: `steps` batches of BATCH pairs cycling over the corpus.
        "checkpoints": {"main": {"words_seen": round(manifest["total_words"] * steps * BATCH / n_pairs),
                                 "path": str(root / "model"),
                                 "content_hash": file_sha256(root / "model" / "model.safetensors"),
                                 "engine": "transformers", "tasks": tasks}},
        "across_checkpoints": {}, "unavailable": {}, "failures": [],
        "warnings": [{"task": n, "warning": "generated demo data, not the official set"} for n in TASKS],
        "train": {"steps": steps, "pairs": n_pairs, "first_loss": losses[0] if losses else None,
                  "last_loss": losses[-1] if losses else None},
        "wall_time_s": round(time.perf_counter() - t0, 3),
    }
    write_results(results, root / "results.json")
    return results
