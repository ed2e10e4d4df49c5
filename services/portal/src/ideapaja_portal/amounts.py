"""Euros as people type them: Finnish and Swedish write ``12,50`` (and ``1 234,50``), English
``12.50`` (and ``1,234.50``); a euro sign may come along. The services take a plain decimal
string with at most two places (``"1234.50"``)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ideapaja_portal.i18n import N_

# Spaces a number may be grouped with (a keyboard's, the no-break and the narrow no-break).
GROUPING = re.compile(r"[\s\u00a0\u202f']")
SHAPE = re.compile(r"^\d+([.,]\d+)?$")
MAX_DIGITS = 10  # euros before the decimal mark (the services take 12 digits with the cents)
# What to fix, by ``AmountError.kind``.
AMOUNT_MESSAGES = {
    "missing": N_("Give the amount in euros, e.g. 150,00."),
    "negative": N_("The amount cannot be negative."),
    "cents": N_("Give euros with at most two decimals (cents), e.g. 12,50."),
    "invalid": N_("Write the amount as euros and cents, e.g. 150,00 or 150.00."),
}


class AmountError(ValueError):
    """What is wrong with a typed amount: ``missing``, ``invalid``, ``cents`` or ``negative``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def parse_euros(typed: str) -> Decimal:
    """The amount ``typed``, to the cent; ``AmountError`` naming what is wrong."""
    text = GROUPING.sub("", typed.strip().removesuffix("€").removeprefix("€"))
    text = text.removesuffix("EUR").strip()
    if not text:
        raise AmountError("missing")
    if text.startswith("-"):
        raise AmountError("negative")
    text = _one_decimal_mark(text)
    if not SHAPE.match(text):
        raise AmountError("invalid")
    whole, _, cents = text.replace(",", ".").partition(".")
    if len(cents) > 2:
        raise AmountError("cents")
    if len(whole.lstrip("0")) > MAX_DIGITS:
        raise AmountError("invalid")
    try:
        return Decimal(f"{whole}.{cents or '0'}").quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # pragma: no cover - the shape was checked
        raise AmountError("invalid") from exc


def _one_decimal_mark(text: str) -> str:
    """``1.234,50`` and ``1,234.50``: the last mark is the decimal one, the other groups
    thousands (in threes, or it is not a number)."""
    if "," in text and "." in text:
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        other = "." if mark == "," else ","
        whole, _, cents = text.rpartition(mark)
        groups = whole.split(other)
        if not groups[0] or any(len(group) != 3 for group in groups[1:]):
            raise AmountError("invalid")
        return "".join(groups) + "." + cents
    return text


def plain(amount: Decimal) -> str:
    """As the services take it: ``"150.00"``."""
    return f"{amount:.2f}"
