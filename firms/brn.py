"""사업자등록번호 (business registration number, BRN): parsing and the check digit.

A BRN is ten digits written ``XXX-XX-XXXXX``. The last digit is a check digit over the first
nine with weights 1,3,7,1,3,7,1,3,5, plus ``(d9 * 5) // 10``; check = ``(10 - sum % 10) % 10``.
python-stdnum's ``kr.brn`` does not verify that digit, hence this module.
"""

from __future__ import annotations

import re
import unicodedata

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
# Hyphen look-alikes users paste from word processors, and the Hangul vowel ㅡ typed by mistake
# (NFKC turns the compatibility jamo U+3161 into U+1173, so both are listed).
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d\u3161\u1173\u2500._/]")


class InvalidBRN(ValueError):
    """The text is not a valid 사업자등록번호."""


def check_digit(first_nine: str) -> int:
    """The check digit for the first nine digits of a BRN."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise InvalidBRN("앞 9자리 숫자가 필요합니다.")
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def normalize_brn(raw: str) -> str:
    """Return the ten digits of a valid BRN, or raise ``InvalidBRN`` with a Korean message."""
    text = unicodedata.normalize("NFKC", raw or "")
    digits = _SEPARATORS.sub("", text)
    if not digits:
        raise InvalidBRN("사업자등록번호를 입력하세요.")
    if not digits.isascii() or not digits.isdigit():
        raise InvalidBRN("사업자등록번호는 숫자 10자리입니다 (예: 123-45-67890).")
    if len(digits) != 10:
        raise InvalidBRN(f"사업자등록번호는 숫자 10자리입니다. 입력한 숫자는 {len(digits)}자리입니다.")
    if digits[:3] == "000" or digits[3:5] == "00" or digits[5:9] == "0000":
        raise InvalidBRN("존재할 수 없는 사업자등록번호입니다.")
    if check_digit(digits[:9]) != int(digits[9]):
        raise InvalidBRN("사업자등록번호의 검증 숫자가 맞지 않습니다. 번호를 다시 확인하세요.")
    return digits


def format_brn(digits: str) -> str:
    """``1168200276`` → ``116-82-00276``."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
