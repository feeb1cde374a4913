"""The generated demo corpus: exact size, deterministic by seed, agreement always right."""

from __future__ import annotations

from pathlib import Path

import pytest

from babylm.tracks.demo_corpus import LEXICON, generate_corpus, generate_utterances, write_corpus

SG_VERBS = set(LEXICON["verbs_intrans_3sg"]) | set(LEXICON["verbs_trans_3sg"])
BASE_VERBS = set(LEXICON["verbs_intrans_base"]) | set(LEXICON["verbs_trans_base"])
SG_NOUNS = set(LEXICON["nouns_sg"])
PL_NOUNS = set(LEXICON["nouns_pl"])


@pytest.mark.parametrize("n", [0, 1, 2, 7, 99, 1000, 12_345])
def test_exact_number_of_words(n: int) -> None:
    assert len(generate_corpus(n, seed=n).split()) == n


def test_same_seed_same_corpus_other_seed_other_corpus() -> None:
    assert generate_corpus(3000, 5) == generate_corpus(3000, 5)
    assert generate_corpus(3000, 5) != generate_corpus(3000, 6)


def test_lexicon_lists_line_up() -> None:
    assert len(LEXICON["nouns_sg"]) == len(LEXICON["nouns_pl"])
    assert len(LEXICON["verbs_trans_3sg"]) == len(LEXICON["verbs_trans_base"])
    assert len(LEXICON["verbs_intrans_3sg"]) == len(LEXICON["verbs_intrans_base"])
    assert LEXICON["nouns_pl"][LEXICON["nouns_sg"].index("baby")] == "babies"
    assert LEXICON["verbs_trans_base"][LEXICON["verbs_trans_3sg"].index("pushes")] == "push"
    assert set(LEXICON["animate_sg"]) <= SG_NOUNS and set(LEXICON["animate_pl"]) <= PL_NOUNS


def _words(line: str) -> list[str]:
    return [w.strip(".,!?").lower() for w in line.split()]


def test_subject_verb_agreement_is_always_right() -> None:
    care, kid = generate_utterances(30_000, seed=1)
    checked = 0
    for line in care + kid:
        ws = _words(line)
        if {"do", "does"} & set(ws):  # do-support: the lexical verb is bare after does
            continue
        for a, b in zip(ws, ws[1:], strict=False):
            if a in SG_NOUNS and b in SG_VERBS | BASE_VERBS:
                assert b in SG_VERBS, line
                checked += 1
            elif a in PL_NOUNS and b in SG_VERBS | BASE_VERBS:
                assert b in BASE_VERBS, line
                checked += 1
            elif a in ("he", "she", "it") and b in SG_VERBS | BASE_VERBS:
                assert b in SG_VERBS, line
            elif a in ("they", "we", "i", "you") and b in SG_VERBS | BASE_VERBS:
                assert b in BASE_VERBS, line
    assert checked > 500


def test_copula_and_do_support_agree() -> None:
    care, _ = generate_utterances(30_000, seed=2)
    seen = set()
    for line in care:
        ws = _words(line)
        if ws[0] in ("is", "are", "does", "do"):
            noun = next((w for w in ws[1:] if w in SG_NOUNS | PL_NOUNS), None)
            pronoun_or_name = {"i", "you", "he", "she", "it", "they", "we"} | {n.lower() for n in LEXICON["names"]}
            if noun is None or ws[1] in pronoun_or_name:
                continue
            expect = {"is", "does"} if noun in SG_NOUNS else {"are", "do"}
            assert ws[0] in expect, line
            seen.add(ws[0])
    assert seen == {"is", "are", "does", "do"}


def test_mix_of_utterance_types() -> None:
    text = generate_corpus(20_000, seed=0)
    lines = text.splitlines()
    assert sum(x.endswith("?") for x in lines) > len(lines) / 10
    assert sum(x.endswith("!") for x in lines) > len(lines) / 20
    assert all(x[0].isupper() for x in lines)
    assert 3 < 20_000 / len(lines) < 8  # short, child-directed utterances


def test_write_corpus_files(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path / "c", 5000, seed=4)
    assert [p.name for p in paths] == ["caregiver.train", "child.train"]
    assert sum(len(p.read_text().split()) for p in paths) == 5000
    assert not list((tmp_path / "c").glob(".*"))
    with pytest.raises(ValueError):
        generate_corpus(-1)
