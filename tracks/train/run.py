"""`train` and `resume`: one budgeted training run, start to finish, and its continuation after a stop.

data files -> word count (refused over the track's budget) -> byte-level BPE tokenizer -> packed
fixed-length sequences (train/data.py) -> a GPT-2 or LLaMA-style model from a config -> the loop under
a `Ledger` (train/loop.py: exposure cap, checkpoints, resume state).
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from babylm import __version__
from babylm.errors import BabyLMError
from babylm.tracks.ledger import Ledger
from babylm.tracks.rules import Track, resolve_track
from babylm.tracks.train.data import (
    encode_lines,
    line_bytes_per_sequence,
    pack_sequences,
    read_file_lines,
    read_lines,
    resolve_data,
    take_words,
)
from babylm.tracks.train.loop import (
    Session,
    make_optimizer,
    quiet_transformers,
    run_session,
    saver,
    total_steps,
)
from babylm.tracks.train.options import TrainOptions, TrainResult
from babylm.tracks.train.state import RUN_FORMAT, RunInfo, TrainState, now_iso

DEFAULT_LR = {"gpt2-tiny": 3e-3, "llama-tiny": 3e-3, "gpt2-small": 6e-4}
_RESUME_KEYS = ("data_files", "track", "edition", "arch", "scale", "epochs", "seq_len", "batch_size", "lr", "seed",
                "data_words", "flops_per_token", "flops_method")


def _start(threads: int | None) -> float:
    import torch

    quiet_transformers()
    if threads:
        torch.set_num_threads(threads)
    return time.perf_counter()


def _check_options(opts: TrainOptions) -> Path:
    if opts.epochs < 1 or opts.seq_len < 2 or opts.batch_size < 1:
        raise BabyLMError("--epochs and --batch-size must be >= 1 and --seq-len >= 2")
    if opts.max_words is not None and opts.max_words < 1:
        raise BabyLMError("--max-words must be >= 1")
    out = Path(opts.out)
    if out.exists() and any(out.iterdir()):
        raise BabyLMError(f"output folder {out} is not empty", hint="pick a new --out folder")
    return out


def _load_lines(data: list[Path], max_words: int | None) -> tuple[list[Path], list[str], int]:
    """(files, lines, words) of the training data, cut to the first `max_words` words if given."""
    files = resolve_data(data)
    lines = read_lines(files)
    if max_words is not None:
        lines = take_words(lines, max_words)
    return files, lines, sum(len(line.split()) for line in lines)


def _load_byte_lines(opts: TrainOptions, track: Track) -> tuple[list[Path], list[str], list[str], int]:
    """Byte tracks: (files, lines, each line's language, words); every file needs a language."""
    from babylm.tracks.manifest import assign_languages

    if opts.max_words is not None:
        raise BabyLMError(f"--max-words cuts words, and {track.key} counts UTF-8 bytes per language",
                          hint="pass a smaller corpus instead")
    files, langs = assign_languages(track, opts.data, opts.lang, opts.lang_paths)
    # a --corpus path that a CODE=PATH group names again is one file, read once
    files = list({f.resolve(): f for f in resolve_data(files)}.values())
    lines: list[str] = []
    line_langs: list[str] = []
    for f, file_lines in read_file_lines(files):
        lines.extend(file_lines)
        line_langs.extend([langs[f.resolve()]] * len(file_lines))
    return files, lines, line_langs, sum(len(line.split()) for line in lines)


def _check_byte_budget(manifest: dict[str, Any], track: Track) -> None:
    if not manifest.get("within_budget", False):
        from babylm.tracks.budgets import fmt_bytes

        assert track.byte_budget is not None
        scaled_note = f" (SCALED x{track.scale})" if track.is_scaled else ""
        raise BabyLMError(
            f"the training data holds {fmt_bytes(int(manifest.get('equivalent_bytes') or 0))} of English-equivalent "
            f"UTF-8 bytes, over the {track.key} budget of {fmt_bytes(track.byte_budget.english_bytes)}{scaled_note}",
            hint="per language: " + ", ".join(f"{k} {fmt_bytes(int(v['bytes']))} (premium {v['byte_premium']})"
                                              for k, v in (manifest.get("languages") or {}).items()),
        )


def _check_budget(data_words: int, track: Track) -> None:
    if track.byte_budget is not None:  # words are not the unit: the manifest's byte verdict decides
        if data_words == 0:
            raise BabyLMError("the training data holds no words", hint="pass non-empty UTF-8 text files")
        return
    scaled_note = f" (SCALED x{track.scale})" if track.is_scaled else ""
    if data_words > track.word_budget:
        raise BabyLMError(
            f"the training data holds {data_words:,} words, over the {track.key} word budget of "
            f"{track.word_budget:,}{scaled_note}",
            hint="train on less data, or pass --max-words to use only the first N words",
        )
    if data_words == 0:
        raise BabyLMError("the training data holds no words", hint="pass non-empty UTF-8 text files")


def _write_subset(out: Path, lines: list[str]) -> Path:
    """RUN/data/train_subset.txt: with --max-words the manifest must describe what was trained on."""
    from babylm.io import atomic_write_text

    subset = out / "data" / "train_subset.txt"
    return atomic_write_text(subset, "".join(line if line.endswith("\n") else line + "\n" for line in lines))


def _write_manifest(files: list[Path], track: Track, out: Path, data_words: int,
                    langs: dict[str, str] | None = None) -> dict[str, Any]:
    """data_manifest.json of the training files, cross-checked against the trainer's own count."""
    from babylm.tracks.manifest import build_manifest, write_manifest

    groups = None if langs is None else [(lang, [Path(f) for f, code in langs.items() if code == lang])
                                         for lang in dict.fromkeys(langs.values())]
    manifest = build_manifest([] if groups else files, track, root=out.parent, lang_paths=groups)
    if manifest["total_words"] != data_words:
        raise BabyLMError(
            f"word counts disagree: manifest {manifest['total_words']:,}, trainer {data_words:,}",
            hint="this is a bug in babylm; please report it with the data",
        )
    if track.byte_budget is not None:
        _check_byte_budget(manifest, track)
    write_manifest(manifest, out)
    return manifest


def _new_model(opts: TrainOptions, tokenizer: Any) -> tuple[Any, Any]:
    from babylm.tracks.model_configs import build_config, build_model

    config = build_config(
        opts.arch, vocab_size=len(tokenizer), seq_len=opts.seq_len, bos_id=tokenizer.bos_token_id,
        eos_id=tokenizer.eos_token_id, pad_id=tokenizer.pad_token_id,
    )
    model = build_model(config, opts.seed)
    model.train()
    return config, model


def _run_info(opts: TrainOptions, track: Track, config: Any, tokenizer: Any, files: list[Path],
              packed: Any, data_words: int, lr: float, flops: tuple[float, str], n_params: int) -> RunInfo:
    return RunInfo.model_validate({
        "format": RUN_FORMAT, "tool_version": __version__, "edition": track.edition, "track": track.name,
        "scale": str(track.scale), "scaled": track.is_scaled, "word_budget": track.word_budget,
        "exposure_cap": track.exposure_cap, "arch": opts.arch, "model_config": config.to_dict(),
        "n_params": n_params, "tokenizer": {"type": "byte-level-bpe", "vocab_size": len(tokenizer),
                                            "eos": tokenizer.eos_token, "pad": tokenizer.pad_token},
        "seed": opts.seed, "seq_len": opts.seq_len, "batch_size": opts.batch_size, "lr": lr,
        "epochs": opts.epochs, "max_words": opts.max_words, "data_words": data_words,
        "data_files": [str(Path(f).resolve()) for f in files], "sequences": len(packed),
        "tokens_per_epoch": int(packed.tokens.sum()), "flops_per_token": flops[0], "flops_method": flops[1],
        "status": "running", "created": now_iso(),
    })


def train(opts: TrainOptions) -> TrainResult:
    """Run one budgeted training run into `opts.out` (raises ExposureCapError at the cap)."""
    import torch

    from babylm.tracks.model_configs import train_flops_per_token
    from babylm.tracks.tokenizer_train import train_tokenizer

    t_start = _start(opts.threads)
    track = resolve_track(opts.track, scale=opts.scale)
    out = _check_options(opts)
    line_langs: list[str] | None = None
    file_langs: dict[str, str] | None = None
    if track.byte_budget is not None:
        files, lines, line_langs, data_words = _load_byte_lines(opts, track)
        file_langs = _file_languages(opts, track, files)
    else:
        files, lines, data_words = _load_lines(opts.data, opts.max_words)
    _check_budget(data_words, track)
    out.mkdir(parents=True, exist_ok=True)
    if opts.max_words is not None:
        files = [_write_subset(out, lines)]
    try:
        manifest = _write_manifest(files, track, out / "data_manifest.json", data_words, file_langs)
    except BabyLMError:
        if not any(out.iterdir()):
            out.rmdir()
        raise

    torch.manual_seed(opts.seed)
    tokenizer = train_tokenizer(lines, vocab_size=opts.vocab_size)
    ids, starts = encode_lines(tokenizer, lines)
    packed = pack_sequences(ids, starts, opts.seq_len, tokenizer.pad_token_id)
    assert int(packed.words.sum()) == data_words, "word attribution must sum to the corpus count"
    if line_langs is not None:
        packed.lang_bytes = line_bytes_per_sequence(ids, tokenizer.eos_token_id, lines, line_langs, opts.seq_len,
                                                    len(packed))
    config, model = _new_model(opts, tokenizer)
    n_params = sum(p.numel() for p in model.parameters())
    flops_per_token, flops_method = train_flops_per_token(config, opts.seq_len)
    lr = opts.lr if opts.lr is not None else DEFAULT_LR.get(opts.arch, 1e-3)
    run_info = _run_info(opts, track, config, tokenizer, files, packed, data_words, lr,
                         (flops_per_token, flops_method), n_params)
    if file_langs is not None and packed.lang_bytes is not None:
        run_info = run_info.updated(data_langs=file_langs,
                                    data_bytes={k: int(v.sum()) for k, v in packed.lang_bytes.items()})
    run_info.write(out)

    ledger = Ledger(
        out, track, flops_per_token=flops_per_token, save_fn=saver(model, tokenizer), log_every=opts.log_every,
        flops_method=flops_method,
        info={"arch": opts.arch, "n_params": n_params, "seq_len": opts.seq_len, "batch_size": opts.batch_size,
              "seed": opts.seed, "data_words": data_words, "data_manifest_total_words": manifest.get("total_words")},
    )
    optim, sched = make_optimizer(model, lr, total_steps(packed, opts))
    return run_session(Session(opts=opts, track=track, out=out, model=model, packed=packed, ledger=ledger,
                               optim=optim, sched=sched, run_info=run_info, data_words=data_words,
                               n_params=n_params, t_start=t_start))


def _resume_options(info: RunInfo, out: Path, progress: bool, threads: int | None,
                    stop_at_cap: bool) -> TrainOptions:
    info.require(*_RESUME_KEYS)
    return TrainOptions(
        data=[Path(p) for p in info.data_files or []], out=out, track=str(info.track), arch=str(info.arch),
        scale=Fraction(str(info.scale)), epochs=int(info.epochs or 0), seq_len=int(info.seq_len or 0),
        batch_size=int(info.batch_size or 0), lr=info.lr, seed=int(info.seed or 0), max_words=info.max_words,
        progress=progress, threads=threads, stop_at_cap=stop_at_cap,
    )


def resume(run_dir: str | Path, *, progress: bool = True, threads: int | None = None,
           stop_at_cap: bool = False) -> TrainResult:
    """Continue a stopped run from its last checkpoint: same data, options and batch order.

    The model, tokenizer, optimizer and schedule come back as they were at that checkpoint; the
    ledger's counters go back to it too (a `resume` line records the discarded steps), so the
    words seen always describe the weights that are saved.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t_start = _start(threads)
    out = Path(run_dir)
    info = RunInfo.read(out)
    if info.status in ("completed", "stopped_at_cap"):
        raise BabyLMError(f"{out} ended normally ({info.status}); there is nothing to resume")
    state = TrainState.load(out)
    name = state.checkpoint
    opts = _resume_options(info, out, progress, threads, stop_at_cap)
    track = resolve_track(f"{info.edition}/{info.track}", scale=opts.scale)
    data_langs = (info.model_extra or {}).get("data_langs")
    line_langs: list[str] | None = None
    if track.byte_budget is not None:
        if not isinstance(data_langs, dict):
            raise BabyLMError(f"cannot resume: {out}/run.json has no data_langs for the byte-budget track")
        opts.lang_paths = [(lang, [Path(f) for f, code in data_langs.items() if code == lang])
                           for lang in dict.fromkeys(data_langs.values())]
        opts.data = []
        _, lines, line_langs, data_words = _load_byte_lines(opts, track)
    else:
        _, lines, data_words = _load_lines(opts.data, opts.max_words)
    if data_words != info.data_words:
        raise BabyLMError(f"cannot resume: the data now holds {data_words:,} words, the run had {info.data_words:,}",
                          hint="the training files changed since the run started")
    tokenizer = AutoTokenizer.from_pretrained(out / name)
    model = AutoModelForCausalLM.from_pretrained(out / name)
    model.train()
    ids, starts = encode_lines(tokenizer, lines)
    packed = pack_sequences(ids, starts, opts.seq_len, tokenizer.pad_token_id)
    if line_langs is not None:
        packed.lang_bytes = line_bytes_per_sequence(ids, tokenizer.eos_token_id, lines, line_langs, opts.seq_len,
                                                    len(packed))
    ledger = Ledger(out, track, flops_per_token=float(info.flops_per_token or 0), save_fn=saver(model, tokenizer),
                    log_every=opts.log_every, flops_method=str(info.flops_method), resume_from=name)
    optim, sched = make_optimizer(model, float(opts.lr or 0), total_steps(packed, opts))
    optim.load_state_dict(state.optimizer)
    sched.load_state_dict(state.scheduler)
    run_info = info.updated(status="running", resumed_from=[*(info.resumed_from or []), name])
    run_info.write(out)
    return run_session(Session(opts=opts, track=track, out=out, model=model, packed=packed, ledger=ledger,
                               optim=optim, sched=sched, run_info=run_info, data_words=data_words,
                               n_params=sum(p.numel() for p in model.parameters()), t_start=t_start,
                               start_epoch=state.epoch, start_batch=state.next_batch))


def _file_languages(opts: TrainOptions, track: Track, files: list[Path]) -> dict[str, str]:
    """{resolved file path: language} of the training files (what run.json keeps for resuming)."""
    from babylm.tracks.manifest import assign_languages

    _, langs = assign_languages(track, opts.data, opts.lang, opts.lang_paths)
    return {str(f.resolve()): langs[f.resolve()] for f in files}


def load_run_info(run_dir: str | Path) -> dict[str, Any]:
    """RUN/run.json as a dict (a user error when it is missing or not a run.json)."""
    return RunInfo.read(run_dir).to_dict()
