"""Byte charging for byte-budget tracks (2026 multilingual): UTF-8 bytes per language, exact arithmetic.

The ledger of a byte track charges each batch's UTF-8 bytes per language. A language's bytes count
bytes / premium English-equivalent bytes (babylm-org/multilingual-babylm resources/byte_coefs_20240233.tsv),
and English-equivalent words are English-equivalent bytes / 5.43 (543 MB of English = 100M words), so the
word-based exposure cap and checkpoint schedule (`chck_1M` = 5.43 MB of English, 5.71 MB of Dutch, 5.08 MB
of Chinese) apply unchanged. The running sum is a Fraction: words seen are floor(sum / 5.43), never a
float, so a ledger line can be recomputed exactly from the byte counts it carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.budgets import ENGLISH_BYTES_PER_WORD, fmt_bytes, normalize_language
from babylm.tracks.rules import Track


def utf8_bytes(text: str) -> int:
    """UTF-8 bytes of a text (the unit of the multilingual budget)."""
    return len(text.encode("utf-8"))


class ByteCharge:
    """Cumulative UTF-8 bytes per language of one run, and the cap check in English-equivalent bytes."""

    def __init__(self, track: Track) -> None:
        if track.byte_budget is None:
            raise ValueError(f"{track.key} has no byte budget")
        self.track = track
        self.budget = track.byte_budget
        self.seen: dict[str, int] = {}
        self.cap_bytes = Fraction(track.exposure_cap) * ENGLISH_BYTES_PER_WORD

    @property
    def cap_bytes_int(self) -> int:
        return int(self.cap_bytes)

    def start_fields(self) -> dict[str, Any]:
        return {"budget_unit": "bytes", "english_byte_budget": self.budget.english_bytes,
                "exposure_cap_bytes": self.cap_bytes_int,
                "byte_premium": {lang: str(p) for lang, p in self.budget.premiums},
                "english_bytes_per_word": str(ENGLISH_BYTES_PER_WORD)}

    def batch(self, lang_bytes: Mapping[str, int] | None) -> dict[str, int]:
        """The batch's bytes by the track's language codes ('nld' -> 'nl'); a user error when missing."""
        if lang_bytes is None:
            raise BabyLMError(f"{self.track.key} counts UTF-8 bytes per language: pass lang_bytes={{lang: bytes}}",
                              hint=f"languages: {', '.join(self.budget.languages)}")
        out: dict[str, int] = {}
        for code, n in lang_bytes.items():
            n = int(n)
            if n < 0:
                raise ValueError("bytes must be >= 0")
            lang = normalize_language(code, self.budget.languages)
            out[lang] = out.get(lang, 0) + n
        return out

    def _after(self, batch: Mapping[str, int]) -> dict[str, int]:
        total = dict(self.seen)
        for lang, n in batch.items():
            total[lang] = total.get(lang, 0) + n
        return total

    def equivalent_after(self, batch: Mapping[str, int]) -> Fraction:
        return self.budget.equivalent_bytes(self._after(batch))

    def words_after(self, batch: Mapping[str, int]) -> int:
        return int(self.equivalent_after(batch) / ENGLISH_BYTES_PER_WORD)

    def over_cap(self, batch: Mapping[str, int]) -> bool:
        return self.equivalent_after(batch) > self.cap_bytes

    def add(self, batch: Mapping[str, int]) -> None:
        self.seen = self._after(batch)

    def restore(self, seen: Mapping[str, int]) -> None:
        self.seen = {str(k): int(v) for k, v in seen.items()}

    def cap_fields(self, batch: Mapping[str, int]) -> dict[str, Any]:
        return {"cap_bytes": self.cap_bytes_int, "bytes_seen": dict(self.seen), "next_batch_bytes": dict(batch)}

    def describe(self, batch: Mapping[str, int]) -> str:
        return ", ".join(f"{fmt_bytes(n)} {lang}" for lang, n in batch.items()) or "0 B"
