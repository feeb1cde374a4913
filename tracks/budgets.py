"""Budgets across languages: UTF-8 byte budgets scaled by each language's byte premium (2026 multilingual).

The official rule (babylm-org/multilingual-babylm, src/pad_utils.py and resources/byte_coefs_20240233.tsv):
a dataset's size is the number of UTF-8 bytes of its text in MB (10^6 bytes); the English sizes of the
tiers are 5.43 MB (1M words), 54.3 MB (10M) and 543 MB (100M); a language's target is the English size
times its byte premium (`byte_coef` in the TSV, looked up by ISO 639-3 code, and by script where a code
has several rows, as Chinese has hans/hant).

babylm's reading for a mixture of languages: the budget is shared. Each language's bytes are turned
into English-equivalent bytes (bytes / premium) and their sum must stay within the English budget
(543 MB for the 100M-word track), so a monolingual corpus may use its whole language target and a
trilingual one splits it. English-equivalent words (English-equivalent bytes / 5.43) are the unit of
the exposure cap and of the checkpoint schedule (`chck_1M` = 5.43 MB of English, 5.71 MB of Dutch).

All arithmetic is exact (Fractions of the TSV's decimal strings), so a budget check never depends on
float rounding; a byte budget in whole bytes is the floor of the exact product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from babylm.errors import BabyLMError

# Bytes of English text per word of budget: 543 MB for 100M words (pad_utils.eng_sizes_per_tier).
ENGLISH_BYTES_PER_WORD = Fraction(543, 100)
BYTE_RULE = "utf8-file-bytes"
PREMIUM_SOURCE = "babylm-org/multilingual-babylm resources/byte_coefs_20240233.tsv"

# byte_coef of the TSV rows (decimal strings as written there): eng_latn, nld_latn, zho_hans (nllb rows).
BYTE_PREMIUMS_2026: tuple[tuple[str, str], ...] = (
    ("en", "1.0"),
    ("nl", "1.0516057206199363"),
    ("zh", "0.9359663917979646"),
)

# The codes a user may type for each language (explicit aliases, never a guess): ISO 639-1, ISO 639-3,
# and the TSV's lang_script. `zh` is simplified Chinese (zho_hans); traditional Chinese is not a track
# language (its premium, 0.989382544, differs).
LANGUAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "en": ("en", "eng", "eng_latn", "english"),
    "nl": ("nl", "nld", "nld_latn", "dutch"),
    "zh": ("zh", "zho", "zho_hans", "zh-hans", "cmn_hans", "chinese"),
}
LANGUAGE_NAMES = {"en": "English", "nl": "Dutch", "zh": "Chinese (simplified)"}


def normalize_language(code: str, allowed: Iterable[str]) -> str:
    """The track's code for a user-given language code ('nld' -> 'nl'); a user error otherwise."""
    allowed = tuple(allowed)
    key = code.strip().lower()
    for lang, aliases in LANGUAGE_ALIASES.items():
        if key in aliases and lang in allowed:
            return lang
    if key in allowed:
        return key
    hint = f"use one of: {', '.join(allowed)}"
    if key in ("zho_hant", "zh-hant", "cmn_hant"):
        hint = "traditional Chinese is not a language of this track (its byte premium differs); " + hint
    raise BabyLMError(f"unknown language {code!r} for this track", hint=hint)


def premium_fraction(premium: str | float) -> Fraction:
    """The exact value of a premium as written (a decimal string, or a float's shortest repr)."""
    return Fraction(premium if isinstance(premium, str) else repr(premium))


@dataclass(frozen=True)
class ByteBudget:
    """The byte budget of a track: English bytes for the whole budget, and each language's premium."""

    english_bytes: int
    premiums: tuple[tuple[str, str], ...]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.premiums)

    def premium(self, lang: str) -> Fraction:
        for code, value in self.premiums:
            if code == lang:
                return premium_fraction(value)
        raise BabyLMError(f"no byte premium for language {lang!r}", hint=f"languages: {', '.join(self.languages)}")

    def language_budget(self, lang: str) -> int:
        """Bytes of `lang` that use the whole budget: floor(English bytes x premium)."""
        return int(self.english_bytes * self.premium(lang))

    def equivalent_bytes(self, lang_bytes: Mapping[str, int]) -> Fraction:
        """English-equivalent bytes of a mixture: sum of bytes / premium (exact)."""
        return sum((Fraction(b) / self.premium(lang) for lang, b in lang_bytes.items()), Fraction(0))

    def within(self, lang_bytes: Mapping[str, int]) -> bool:
        return self.equivalent_bytes(lang_bytes) <= self.english_bytes

    def share(self, lang: str, nbytes: int) -> float:
        """Fraction of the whole budget that `nbytes` of `lang` use."""
        return float(Fraction(nbytes) / self.premium(lang) / self.english_bytes)

    def scaled(self, scale: Fraction) -> ByteBudget:
        return ByteBudget(max(1, int(self.english_bytes * scale)), self.premiums)

    def to_dict(self) -> dict[str, object]:
        return {
            "english_bytes": self.english_bytes,
            "byte_premium": {lang: float(premium_fraction(p)) for lang, p in self.premiums},
            "language_byte_budgets": {lang: self.language_budget(lang) for lang in self.languages},
            "premium_source": PREMIUM_SOURCE,
        }


def equivalent_words(budget: ByteBudget, lang_bytes: Mapping[str, int]) -> int:
    """English-equivalent words of a mixture: floor(English-equivalent bytes / 5.43), exact."""
    return int(budget.equivalent_bytes(lang_bytes) / ENGLISH_BYTES_PER_WORD)


def fmt_bytes(n: int) -> str:
    """'543 MB', '571.02 MB', '5.43 MB' (MB = 10^6 bytes, as the official scripts count)."""
    if n >= 10**6:
        return f"{round(n / 10**6, 2):g} MB"
    if n >= 10**3:
        return f"{round(n / 10**3, 2):g} kB"
    return f"{n} B"


def language_totals(entries: Iterable[tuple[str | None, int, int]]) -> dict[str, dict[str, int]]:
    """{lang: {files, words, bytes}} of (lang, words, bytes) per file, in first-seen order."""
    out: dict[str, dict[str, int]] = {}
    for lang, words, nbytes in entries:
        if lang is None:
            continue
        t = out.setdefault(lang, {"files": 0, "words": 0, "bytes": 0})
        t["files"] += 1
        t["words"] += words
        t["bytes"] += nbytes
    return out


def language_summary(budget: ByteBudget, totals: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, object]]:
    """The manifest's `languages` block: per language its counts, premium, monolingual byte budget and
    the share of the (shared) budget its bytes use."""
    return {
        lang: {**t, "byte_premium": float(budget.premium(lang)), "byte_budget": budget.language_budget(lang),
               "budget_share": round(budget.share(lang, int(t["bytes"])), 9)}
        for lang, t in totals.items()
    }
