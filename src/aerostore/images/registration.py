"""Civil aircraft registrations (ICAO Annex 7 nationality mark + registration mark), checked and normalised.

The table covers the common nationality marks and the suffix shapes each state issues; a mark that is
not in it is refused rather than guessed. US N-numbers follow FAA Order 8130.2 / 14 CFR 47.15: N, a
first digit 1-9, at most five characters, at most two trailing letters, never I or O.
"""

from __future__ import annotations

import re

_US = re.compile(r"N[1-9](?:\d{0,4}|\d{0,3}[A-HJ-NP-Z]|\d{0,2}[A-HJ-NP-Z]{2})")
_THREE_LETTERS = (  # VH-OQA, HB-JNA, 9V-SKA, EI-ABC...
    "VH ZK HB 9V EI OE OO PH OY SE LN OH TF EC CS SP OK OM HA YR LZ SX TC LX 9H 9A S5 YU LY YL ES 4X A6 A7 "
    "9K AP VT 4R S2 9N PK 9M HS ZS 5Y SU ET CN 7T TS 5N PP PR PS PT PU LV CC XA XB XC CX TG"
)
_FOUR_LETTERS = "G F I M"  # G-ABCD, F-GKXA, I-ADJK, M-ABCD
# Nationality mark -> registration mark pattern; written with a hyphen unless listed in _NO_HYPHEN.
_MARKS: dict[str, str] = {
    **dict.fromkeys(_THREE_LETTERS.split(), "[A-Z]{3}"),
    **dict.fromkeys(_FOUR_LETTERS.split(), "[A-Z]{4}"),
    "D": r"[A-Z]{4}|\d{4}",  # D-AIMA; gliders D-1234
    "C": "[FGI][A-Z]{3}",  # C-FABC, C-GABC
    "UR": r"[A-Z]{3}|\d{5}",
    "EW": r"\d{5}",
    "RA": r"\d{5}|\d{4}[A-Z]",
    "A9C": "[A-Z]{2}",
    "HZ": "[A-Z]{2,3}",
    "VN": r"A\d{3}",
    "RP": r"C\d{3,4}",
    "B": r"\d{4}|\d{3}[A-Z]|\d{2}[A-Z]{2}|\d{5}|[HKLM][A-Z]{2}",  # China, Taiwan (5 digits), B-H.. Hong Kong
    "UP": r"[A-Z]{1,2}\d{4}",
    "HK": r"\d{4}[A-Z]?",
    "OB": r"\d{4}",
    "HP": r"\d{4}[A-Z]{2,3}",
    "VP-B": "[A-Z]{2}",  # Bermuda: the B belongs to the mark
    "VQ-B": "[A-Z]{2}",
    "JA": r"\d{4}|\d{3}[A-Z]|\d{2}[A-Z]{2}",
    "HL": r"\d{4}",
}
_NO_HYPHEN = frozenset({"JA", "HL", "VP-B", "VQ-B"})
_PATTERNS = {mark: re.compile(pattern) for mark, pattern in _MARKS.items()}
_BY_LENGTH = sorted(_MARKS, key=len, reverse=True)


def parse_registration(text: str) -> str | None:
    """The registration in its canonical spelling (``N123AB``, ``G-ABCD``, ``JA8089``), or None if invalid.

    Case, spaces and a missing hyphen are forgiven ("n 123ab", "gabcd", "ja-8089"); a hyphen that is
    given must follow the nationality mark ("X-ABCD" is not Mexico's "XA-BCD").
    """
    spaced = re.sub(r"\s", "", text.upper())
    given_mark = spaced.split("-", 1)[0] if "-" in spaced else None
    compact = spaced.replace("-", "")
    if not compact.isascii() or not compact.isalnum():
        return None
    if _US.fullmatch(compact) and given_mark in (None, "N"):
        return compact
    for mark in _BY_LENGTH:
        flat, suffix = mark.replace("-", ""), compact[len(mark.replace("-", "")) :]
        if not compact.startswith(flat) or given_mark not in (None, mark.split("-")[0]):
            continue
        if _PATTERNS[mark].fullmatch(suffix):
            return f"{mark}{suffix}" if mark in _NO_HYPHEN else f"{mark}-{suffix}"
    return None


def registration_from_key(key: str) -> str | None:
    """The registration named by an ``aircraft/<registration>/...`` key (at any depth), or None."""
    parts = key.split("/")
    for i, part in enumerate(parts[:-2]):
        if part == "aircraft":
            return parse_registration(parts[i + 1])
    return None
