"""The 2026 multilingual track's zero-shot tasks (English, Dutch, Chinese), scored by babylm's own scorers.

The official route is lm-evaluation-harness with the task YAMLs of babylm-org/babylm-eval
multilingual/tasks/ (Hugging Face datasets). babylm reads the same rows from local JSON-lines exports of
those datasets, one file per official dataset config or split, under `full_eval/<folder>/` of the data
root (the multilingual suite has no fast split):

| task | folder / file | fields (YAML doc_to_choice / doc_to_text / doc_to_target) |
|---|---|---|
| multiblimp_{eng,nld} | multiblimp/{eng,nld}.jsonl (jumelet/multiblimp, config = language) | [sen, wrong_sen], '', 0 |
| blimp_nl | blimp_nl/<phenomenon>.jsonl (juletxara/blimp-nl, config = phenomenon) | [sentence_good, sentence_bad], '', 0 |
| zhoblimp | zhoblimp/<paradigm>.jsonl (Junrui1202/zhoblimp, config = paradigm) | [sentence_good, sentence_bad], '', 0 |
| blimp_eng | blimp_eng/<paradigm>.jsonl (lm-eval's `blimp`, nyu-mll/blimp) | [sentence_good, sentence_bad], '', 0 |
| xcomps_{nl,zh} | xcomps/comps_{nl,zh}.jsonl (fpadovani/xcomps-dataset, split comps_xx) | [acceptable_sent, unacceptable_sent], '', 0 |
| {hellaswag,winogrande,xstorycloze}_{en,nl,zh}_mubench | <family>_mubench/{en,nl,zh}.jsonl (aialt/MuBench, *_lighteval_xx) | choices, prompt, label |

Minimal pairs (doc_to_text '') are context-free requests: lm-eval scores " " + sentence after the
end-of-text token, which is babylm's causal scorer in its default compat. MuBench items score
" " + choice after `prompt` (lm-eval's default target delimiter). Scores are lm-eval's `acc` (mean over
items; a group such as blimp_nl or zhoblimp averages its sub-tasks' items as `weight_by_size: true`
does, except `blimp_eng`, whose lm-eval group is unweighted); `acc_norm` (characters) is in the
details. Names are the official lm-eval task names (the keys of the multilingual scores file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.scorers.multiple_choice import Aggregate, choice_lengths, mc_result
from babylm.evaluation.tasks.common import check_scores, load_jsonl_items, register
from babylm.evaluation.tasks.datafiles import DataFile

VERSION = "1"
SPLIT: Split = "full"
SOURCE = "babylm-org/babylm-eval multilingual/tasks"


def _pair_parser(good: str, bad: str, subtask: str | None):
    def parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ScoreRequest], int, dict[str, Any]]:
        g, b = str(row[good]), str(row[bad])
        extra = {k: row[k] for k in ("phenomenon", "pair_id", "UID", "lang") if k in row}
        extra["norm_len"] = choice_lengths([g, b])
        return subtask or df.stem, [ScoreRequest("", g), ScoreRequest("", b)], 0, extra

    return parse


def _mc_parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ScoreRequest], int, dict[str, Any]]:
    choices = row["choices"]
    if not isinstance(choices, list) or len(choices) < 2:
        raise ValueError("choices must be a list of at least 2 strings")
    choices = [str(c) for c in choices]
    label = int(row["label"])
    if not 0 <= label < len(choices):
        raise ValueError(f"label {label} is not a choice index")
    prompt = str(row["prompt"])
    return df.stem, [ScoreRequest(prompt, " " + c) for c in choices], label, {"norm_len": choice_lengths(choices)}


def _loader(name: str, folder: str, parse: Any, fields: tuple[str, ...], stems: list[str] | None):
    def load(data_root: Path, split: Split, *, strict: bool | None = None) -> list[Item]:
        from babylm.evaluation.tasks.datafiles import DataFileError

        if split != SPLIT:
            raise DataFileError(f"{name} has no {split} split", hint="the multilingual tasks use --split full")
        return load_jsonl_items(name, data_root, split, folder, parse, fields=fields, subtasks=stems,
                                strict=strict)

    return load


def _compute(name: str, aggregate: Aggregate):
    def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
        check_scores(name, items, scores)
        return mc_result(name, VERSION, items, scores, compat, primary="acc", aggregate=aggregate)

    return compute


def _register(name: str, folder: str, parse: Any, fields: tuple[str, ...], stems: list[str] | None,
              description: str, chance: float, aggregate: Aggregate = "micro") -> None:
    register(
        name=name, version=VERSION, metric="accuracy", loader=_loader(name, folder, parse, fields, stems),
        compute=_compute(name, aggregate), category="linguistic", splits=(SPLIT,), official_key=None,
        description=description, unit="accuracy", chance=chance,
    )


PAIRS = ("sentence_good", "sentence_bad")
for _iso, _lang in (("eng", "English"), ("nld", "Dutch")):
    _register(f"multiblimp_{_iso}", "multiblimp", _pair_parser("sen", "wrong_sen", _iso), ("sen", "wrong_sen"),
              [_iso], f"MultiBLiMP {_lang}: agreement minimal pairs (sen vs wrong_sen)", 0.5)
_register("blimp_nl", "blimp_nl", _pair_parser(*PAIRS, None), PAIRS, None,
          "BLiMP-NL: Dutch grammatical vs ungrammatical minimal pairs", 0.5)
_register("zhoblimp", "zhoblimp", _pair_parser(*PAIRS, None), PAIRS, None,
          "ZhoBLiMP: Chinese grammatical vs ungrammatical minimal pairs", 0.5)
_register("blimp_eng", "blimp_eng", _pair_parser(*PAIRS, None), PAIRS, None,
          "BLiMP (multilingual English board, lm-eval's blimp group: unweighted mean of paradigms)", 0.5,
          aggregate="macro")
for _code, _lang in (("nl", "Dutch"), ("zh", "Chinese")):
    _register(f"xcomps_{_code}", "xcomps", _pair_parser("acceptable_sent", "unacceptable_sent", f"comps_{_code}"),
              ("acceptable_sent", "unacceptable_sent"), [f"comps_{_code}"],
              f"XCOMPS {_lang}: property knowledge minimal pairs", 0.5)
MUBENCH = {"hellaswag": ("HellaSwag", 0.25), "winogrande": ("WinoGrande", 0.5), "xstorycloze": ("XStoryCloze", 0.5)}
for _family, (_title, _chance) in MUBENCH.items():
    for _code, _lang in (("en", "English"), ("nl", "Dutch"), ("zh", "Chinese")):
        _register(f"{_family}_{_code}_mubench", f"{_family}_mubench", _mc_parse, ("prompt", "choices", "label"),
                  [_code], f"{_title} (MuBench, {_lang}): multiple-choice log-likelihood, acc", _chance)
