"""Normalisation of Korean text at the boundary.

Korean text reaches Haechi in NFC and NFD forms (macOS file names), with full-width characters,
zero-width spaces, Hangul fillers and bidi controls. Everything that enters the database goes
through ``normalize_text`` (free text) or ``normalize_identifier`` (names, codes) once, so
search, duplicate detection and uniqueness all see one form.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that carry no meaning in Korean text and are used to fake "different"
# names or hide content: zero-width, word joiner, BOM, soft hyphen, Hangul fillers, bidi controls.
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"
    "\u3164\u115f\u1160\uffa0"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
# C0/C1 controls except tab, newline and carriage return (NUL included: PostgreSQL rejects it).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u3000]+")


def normalize_text(value: str) -> str:
    """NFC, without controls or invisible characters, with Windows/Mac line ends unified."""
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE_RE.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL_RE.sub("", value)
    return value.strip()


def normalize_identifier(value: str) -> str:
    """NFKC (full-width → ASCII, compatibility jamo composed), single spaces, no invisibles.

    For names and codes that must compare equal however they were typed.
    """
    value = _INVISIBLE_RE.sub("", value)
    value = unicodedata.normalize("NFKC", value)
    value = _CONTROL_RE.sub("", value)
    value = value.replace("\n", " ")
    return _SPACES_RE.sub(" ", value).strip()


def clean_name(raw: str, *, field: str, max_length: int, blank_message: str, too_long_message: str) -> str:
    """A person's or organisation's name in canonical form, refused when blank or too long.

    "Blank" includes names made only of zero-width characters or Hangul fillers.
    """
    from core.errors import ValidationFailed  # errors has no dependencies; imported here to keep text pure

    if is_blank(raw or ""):
        raise ValidationFailed(blank_message, field=field)
    name = normalize_identifier(raw)
    if len(name) > max_length:
        raise ValidationFailed(too_long_message, field=field)
    return name


def is_blank(value: str) -> bool:
    """True when nothing visible remains after normalisation."""
    return normalize_identifier(value) == ""
