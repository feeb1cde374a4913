"""2026 multilingual budgets: UTF-8 bytes per language, weighed by each language's byte premium
(babylm-org/multilingual-babylm), with counts checked by hand on small texts in English, Dutch and Chinese."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babylm.cli import app
from babylm.errors import BabyLMError
from babylm.tracks.budgets import ByteBudget, equivalent_words, fmt_bytes, normalize_language
from babylm.tracks.manifest import build_manifest, verify_manifest, write_manifest
from babylm.tracks.rules import resolve_track

runner = CliRunner()

# Hand-counted: English 5 words, 21 bytes; Dutch 5 words, 25 bytes (é is 2 bytes in UTF-8, so "Eén" is
# 4 and " één" 6); Chinese 2 "words" (str.split: one space), 20 bytes (6 characters x 3 bytes + 2).
TEXTS = {
    "en": ("The cat sat on mats.\n", 5, 21),
    "nl": ("Eén kat zat één keer.\n", 5, 25),
    "zh": ("小猫坐 在垫子\n", 2, 20),
}


def test_hand_counted_texts_are_what_the_tests_think() -> None:
    for text, words, nbytes in TEXTS.values():
        assert len(text.split()) == words and len(text.encode("utf-8")) == nbytes


def test_the_2026_multilingual_track_counts_bytes_with_the_official_premiums() -> None:
    t = resolve_track("multilingual", 2026, None)
    assert t.budget_unit == "bytes" and t.languages == ("en", "nl", "zh")
    # 543 MB of English for 100M words (pad_utils.py); 543e6 x 1.0516057206199363 and x 0.9359663917979646.
    assert t.byte_budget is not None and t.byte_budget.english_bytes == 543_000_000
    assert t.language_byte_budget("en") == 543_000_000
    assert t.language_byte_budget("nl") == 571_021_906
    assert t.language_byte_budget("zh") == 508_229_750
    assert dict(t.byte_premium)["nl"] == pytest.approx(1.0516057, abs=1e-7)
    assert resolve_track("strict", 2026, None).budget_unit == "words"
    with pytest.raises(BabyLMError, match="counts words"):
        resolve_track("strict", 2026, None).language_byte_budget("en")


def test_a_mixture_shares_the_budget_exactly() -> None:
    b = ByteBudget(543, (("en", "1.0"), ("nl", "1.0516057206199363")))
    assert b.equivalent_bytes({"en": 543}) == 543 and b.within({"en": 543}) and not b.within({"en": 544})
    nl = b.language_budget("nl")  # floor(543 x 1.0516...) = 571
    assert nl == 571 and b.within({"nl": nl}) and not b.within({"nl": nl + 1})
    half = {"en": 271, "nl": 285}  # 271 + 285 / 1.0516 = 542.01 English-equivalent bytes
    assert b.within(half) and b.equivalent_bytes(half) == 271 + Fraction(285) / Fraction("1.0516057206199363")
    assert equivalent_words(b, {"en": 543}) == 100  # 543 bytes / 5.43 bytes per word
    assert fmt_bytes(571_021_906) == "571.02 MB" and fmt_bytes(5_430) == "5.43 kB" and fmt_bytes(12) == "12 B"


@pytest.mark.parametrize(("code", "lang"), [("nld", "nl"), ("ZHO_HANS", "zh"), ("english", "en"), ("nl", "nl")])
def test_language_codes_are_explicit_aliases(code: str, lang: str) -> None:
    assert normalize_language(code, ("en", "nl", "zh")) == lang


def test_unknown_and_traditional_chinese_codes_are_user_errors() -> None:
    with pytest.raises(BabyLMError, match="unknown language"):
        normalize_language("fr", ("en", "nl", "zh"))
    with pytest.raises(BabyLMError) as exc:
        normalize_language("zho_hant", ("en", "nl", "zh"))
    assert "traditional Chinese" in (exc.value.hint or "")


def _write_texts(root: Path) -> dict[str, Path]:
    out = {}
    for lang, (text, _, _) in TEXTS.items():
        d = root / lang
        d.mkdir(parents=True)
        (d / "a.train").write_text(text, encoding="utf-8")
        out[lang] = d
    return out


def test_manifest_counts_each_language_and_checks_the_shared_budget(tmp_path: Path) -> None:
    dirs = _write_texts(tmp_path)
    t = resolve_track("multilingual", 2026, "1/1000000")  # 543 English bytes
    m = build_manifest([], t, lang_paths=[(lang, [str(d)]) for lang, d in dirs.items()], root=tmp_path)
    assert m["budget_unit"] == "bytes" and m["byte_budget"] == 543
    langs = m["languages"]
    assert {k: (v["files"], v["words"], v["bytes"]) for k, v in langs.items()} == {
        lang: (1, w, b) for lang, (_, w, b) in TEXTS.items()}
    assert langs["nl"]["byte_budget"] == 571 and langs["zh"]["byte_budget"] == 508
    exact = 21 + Fraction(25) / Fraction("1.0516057206199363") + Fraction(20) / Fraction("0.9359663917979646")
    assert m["equivalent_bytes"] == int(exact) == 66 and m["within_budget"] is True
    assert sorted(f["lang"] for f in m["files"]) == ["en", "nl", "zh"]
    path = write_manifest(m, tmp_path / "data_manifest.json")
    rep = verify_manifest(path)
    assert rep.within_budget and not rep.problems


def test_over_the_byte_budget_and_a_tampered_language_are_caught(tmp_path: Path) -> None:
    dirs = _write_texts(tmp_path)
    tiny = resolve_track("multilingual", 2026, "1/100000000")  # 5 English bytes
    m = build_manifest([str(dirs["zh"])], tiny, lang="zh", root=tmp_path)
    assert m["within_budget"] is False
    path = write_manifest(m, tmp_path / "m.json")
    assert not verify_manifest(path).within_budget
    ok = build_manifest([str(dirs["en"])], resolve_track("multilingual", 2026, "1/1000000"), lang="en",
                        root=tmp_path)
    ok["files"][0]["lang"] = "fr"  # a language outside the track
    path = write_manifest(ok, tmp_path / "tampered.json")
    rep = verify_manifest(path)
    assert not rep.within_budget and any("languages" in p for p in rep.problems)


def test_a_file_without_a_language_or_with_two_is_a_user_error(tmp_path: Path) -> None:
    dirs = _write_texts(tmp_path)
    t = resolve_track("multilingual", 2026, "1/1000000")
    with pytest.raises(BabyLMError, match="counts bytes per language"):
        build_manifest([str(dirs["en"])], t)
    with pytest.raises(BabyLMError, match="two languages"):
        build_manifest([], t, lang_paths=[("en", [str(dirs["en"])]), ("nl", [str(dirs["en"])])])


def test_cli_count_reports_bytes_per_language(tmp_path: Path) -> None:
    dirs = _write_texts(tmp_path)
    args = ["data", "count", "--edition", "2026", "--track", "multilingual", "--scale", "1/1000000"]
    args += [a for lang, d in dirs.items() for a in ("--lang", f"{lang}={d}")]
    r = runner.invoke(app, [*args, "--manifest", str(tmp_path / "m.json")])
    assert r.exit_code == 0, r.output
    assert "Bytes per language" in r.output and "Dutch (nl)" in r.output and "within budget" in r.output
    r = runner.invoke(app, [*args, "--json"])
    doc = json.loads(r.stdout)
    assert doc["languages"]["zh"]["bytes"] == 20 and doc["equivalent_bytes"] == 66
    r = runner.invoke(app, ["data", "count", "--edition", "2026", "--track", "multilingual", str(dirs["en"])])
    assert r.exit_code != 0 and "--lang" in str(r.exception.hint if r.exception else r.output)
    r = runner.invoke(app, ["data", "count", "--edition", "2026", "--track", "multilingual", "--lang", "nl=",
                            str(dirs["nl"])])
    assert r.exit_code != 0
