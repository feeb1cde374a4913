"""Multimodal scoring speed: babylm's GIT scorer (compat official) against the official 2025 pipeline
(babylm/evaluation-pipeline-2025, `evaluation_pipeline.sentence_zero_shot.run --task vqa|winoground
--backend causal --images_path ... --batch_size 1`, as its eval_multimodal.sh invokes it) on the same
tiny GIT and the same generated Winoground/VQA data, and whether the predictions are identical.

Run it by hand (the official pipeline is not a dependency; give a clone and a Python that has its
requirements):

    .venv/bin/python bench/multimodal_speed.py --out runs/bench_mm [--steps 150] \
        [--official-repo ../evaluation-pipeline-2025 --official-python ../ep25/.venv/bin/python]

Without --official-repo only babylm's side is timed. The official pipeline reads images from a
Hugging Face dataset by index; the bench exports the generated images as local parquet datasets
(VQA: column `image`, split validation; Winoground: `image_0`/`image_1`, split test) in that order.
Writes OUT/summary.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

TASKS = {"vqa": ("vqa_filtered", "validation", "VQA"), "winoground": ("winoground_filtered", "test", "WinoGround")}


def build(out: Path, steps: int, n_wino: int, n_vqa: int) -> tuple[Path, Path]:
    """The tiny GIT (trained `steps` steps, saved with a GitProcessor) and the generated data."""
    from transformers import GitProcessor

    from babylm.evaluation.multimodal.synthetic import caption_pairs, vocabulary_texts, write_eval_data
    from babylm.evaluation.multimodal.tiny import save_git, tiny_git
    from babylm.evaluation.multimodal.train import train_git
    from babylm.testing.tinymodels import train_tokenizer

    tok = train_tokenizer(vocabulary_texts(), "bert", 200)
    model, proc = tiny_git(tok, n_layer=2)
    train_git(model, tok, proc, caption_pairs(240), steps=steps)
    ck = out / "tiny_git"
    save_git(ck, model, tok, proc)
    try:  # the official pipeline loads AutoProcessor from the folder
        GitProcessor(image_processor=proc, tokenizer=tok).save_pretrained(ck)
    except Exception as exc:  # noqa: BLE001 - report and go on: babylm's side needs no processor file
        print(f"note: could not save a GitProcessor ({type(exc).__name__}: {exc})")
    data = write_eval_data(out / "evaluation_data", n_winoground=n_wino, n_vqa=n_vqa)
    return ck, data


def babylm_side(ck: Path, data: Path) -> dict[str, Any]:
    from babylm.evaluation.multimodal.evaluate import score_tasks
    from babylm.evaluation.multimodal.load import make_image_text_scorer
    from babylm.evaluation.registry import get_task

    t0 = time.perf_counter()
    scorer = make_image_text_scorer(ck, compat="official")
    load_s = time.perf_counter() - t0
    out: dict[str, Any] = {"load_s": round(load_s, 3)}
    for task in TASKS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            items = get_task(task).loader(data, "full", strict=False)
            t1 = time.perf_counter()
            res = score_tasks(scorer, [task], data, compat="official", strict=False)[task]
        by_id = {it.id: it for it in items}
        out[task] = {"score_s": round(time.perf_counter() - t1, 3), "score": res.score, "n_items": res.n_items,
                     "preds": [by_id[s.id].candidates[s.pred].continuation for s in res.items]}
    return out


def export_images(data: Path, hf: Path) -> None:
    """The generated images as local parquet datasets indexed like the official HF ones."""
    import datasets

    vqa_rows = [json.loads(line) for line in (data / "full_eval/vqa_filtered/vqa.jsonl").open()]
    n = max(r["idx_in_hf_dataset"] for r in vqa_rows) + 1
    img = data / "full_eval/vqa_filtered/images"
    ds = datasets.Dataset.from_dict({"image": [str(img / f"{k}.png") for k in range(n)]}).cast_column(
        "image", datasets.Image())
    (hf / "vqa").mkdir(parents=True, exist_ok=True)
    ds.to_parquet(str(hf / "vqa" / "validation-00000-of-00001.parquet"))
    wino_rows = [json.loads(line) for line in (data / "full_eval/winoground_filtered/winoground.jsonl").open()]
    n = max(r["image_idx"] for r in wino_rows) + 1
    img = data / "full_eval/winoground_filtered/images"
    ds = datasets.Dataset.from_dict({k: [str(img / f"{i}_{k}.png") for i in range(n)] for k in ("image_0", "image_1")})
    ds = ds.cast_column("image_0", datasets.Image()).cast_column("image_1", datasets.Image())
    (hf / "winoground").mkdir(parents=True, exist_ok=True)
    ds.to_parquet(str(hf / "winoground" / "test-00000-of-00001.parquet"))


def official_side(repo: Path, python: str, ck: Path, data: Path, out: Path) -> dict[str, Any]:
    hf = out / "hf"
    export_images(data, hf)
    res: dict[str, Any] = {}
    for task, (folder, split, uid) in TASKS.items():
        cmd = [python, "-m", "evaluation_pipeline.sentence_zero_shot.run", "--model_path_or_name", str(ck.resolve()),
               "--backend", "causal", "--task", task, "--data_path", str((data / "full_eval" / folder).resolve()),
               "--save_predictions", f"--images_path={(hf / task).resolve()}", f"--image_split={split}",
               "--batch_size=1", "--output_dir", str((out / "official").resolve())]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            res[task] = {"error": proc.stderr[-2000:], "wall_s": round(wall, 3)}
            continue
        pred_file = out / "official" / ck.name / "main" / "zero_shot" / "causal" / task / folder / "predictions.json"
        preds = json.loads(pred_file.read_text())[uid]["predictions"]
        res[task] = {"wall_s": round(wall, 3), "preds": [p["pred"] for p in preds]}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=150, help="training steps of the tiny GIT (0 = random weights)")
    ap.add_argument("--winoground", type=int, default=50, help="generated Winoground examples (2 rows each)")
    ap.add_argument("--vqa", type=int, default=200, help="generated VQA rows")
    ap.add_argument("--official-repo", type=Path, default=None, help="a clone of babylm/evaluation-pipeline-2025")
    ap.add_argument("--official-python", default="python", help="a Python with the official requirements")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    ck, data = build(args.out, args.steps, args.winoground, args.vqa)
    ours = babylm_side(ck, data)
    summary: dict[str, Any] = {"babylm": {k: ({kk: vv for kk, vv in v.items() if kk != "preds"} if isinstance(v, dict)
                                              else v) for k, v in ours.items()}}
    for task in TASKS:
        print(f"babylm   {task:10s} {ours[task]['n_items']:5d} items  {ours[task]['score_s']:7.2f} s scoring "
              f"(+{ours['load_s']:.2f} s load)  score {ours[task]['score']:.3f}")
    if args.official_repo is not None:
        theirs = official_side(args.official_repo, args.official_python, ck, data, args.out)
        summary["official"] = {}
        for task in TASKS:
            t = theirs[task]
            if "error" in t:
                print(f"official {task:10s} failed:\n{t['error']}")
                summary["official"][task] = t
                continue
            same = sum(a.strip() == b.strip() for a, b in zip(ours[task]["preds"], t["preds"], strict=False))
            n = len(ours[task]["preds"])
            identical = same == n == len(t["preds"])
            summary["official"][task] = {"wall_s": t["wall_s"], "identical_preds": same, "n": n,
                                         "all_identical": identical}
            print(f"official {task:10s} {t['wall_s']:7.2f} s wall (load included)  predictions identical: "
                  f"{same}/{n}{'' if identical else '  <- DIFFERENT'}")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
