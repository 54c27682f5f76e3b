"""Check digits of Japanese public identifiers.

- 個人番号 (individual number, 12 digits): last digit is the check digit.
- 法人番号 (corporate number, 13 digits): first digit is the check digit.
- 全国地方公共団体コード (local government code, 6 digits): last digit is the check digit.
"""

from __future__ import annotations

from tenohira.core.problems import FieldError, Problem


class InvalidIdentifier(Problem):
    """A malformed identifier or one whose check digit is wrong (HTTP 422)."""

    def __init__(self, field: str, message: str, message_ja: str) -> None:
        super().__init__(
            status=422,
            slug="invalid-identifier",
            title="Invalid identifier",
            title_ja="番号が正しくありません",
            detail=message,
            detail_ja=message_ja,
            errors=[FieldError(field, message, message_ja)],
        )


def individual_number_check_digit(first_eleven: str) -> int:
    """Check digit of a 個人番号 from its first 11 digits.

    With P(n) the n-th digit from the right and Q(n) = n+1 (n ≤ 6) or n−5 (n ≥ 7):
    r = Σ P(n)·Q(n) mod 11; check = 0 if r ≤ 1 else 11 − r.
    """
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise ValueError("expected 11 ASCII digits")
    total = 0
    for n, ch in enumerate(reversed(first_eleven), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(ch) * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def corporate_number_check_digit(last_twelve: str) -> int:
    """Check digit of a 法人番号 from its last 12 digits: 9 − (Σ P(n)·Q(n) mod 9), Q = 1 odd / 2 even."""
    if len(last_twelve) != 12 or not last_twelve.isascii() or not last_twelve.isdigit():
        raise ValueError("expected 12 ASCII digits")
    total = 0
    for n, ch in enumerate(reversed(last_twelve), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return 9 - (total % 9)


def local_government_code_check_digit(first_five: str) -> int:
    """Check digit of a local government code: weights 6,5,4,3,2; (11 − Σ mod 11) mod 10."""
    if len(first_five) != 5 or not first_five.isascii() or not first_five.isdigit():
        raise ValueError("expected 5 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def _digits(value: str, length: int, field: str, label_en: str, label_ja: str) -> str:
    v = value.strip() if isinstance(value, str) else ""
    if len(v) != length or not v.isascii() or not v.isdigit():
        raise InvalidIdentifier(
            field,
            f"{label_en} must be exactly {length} digits",
            f"{label_ja}は{length}桁の半角数字で入力してください",
        )
    return v


def validate_individual_number(value: str, field: str = "individual_number") -> str:
    """Return the 個人番号 if well formed, else raise :class:`InvalidIdentifier`."""
    v = _digits(value, 12, field, "An individual number", "個人番号")
    if individual_number_check_digit(v[:11]) != int(v[11]):
        raise InvalidIdentifier(
            field,
            "The individual number's check digit is wrong",
            "個人番号の検査用数字（最後の1桁）が正しくありません",
        )
    return v


def validate_corporate_number(value: str, field: str = "corporate_number") -> str:
    """Return the 法人番号 if well formed, else raise :class:`InvalidIdentifier`."""
    v = _digits(value, 13, field, "A corporate number", "法人番号")
    if corporate_number_check_digit(v[1:]) != int(v[0]):
        raise InvalidIdentifier(
            field,
            "The corporate number's check digit is wrong",
            "法人番号の検査用数字（最初の1桁）が正しくありません",
        )
    return v


def validate_local_government_code(value: str, field: str = "municipality") -> str:
    """Return the 6-digit local government code if well formed, else raise."""
    v = _digits(value, 6, field, "A local government code", "地方公共団体コード")
    if local_government_code_check_digit(v[:5]) != int(v[5]):
        raise InvalidIdentifier(
            field,
            "The local government code's check digit is wrong",
            "地方公共団体コードの検査用数字が正しくありません",
        )
    return v
