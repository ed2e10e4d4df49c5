"""Euros as people type them in Finnish, Swedish and English, to the cent, or what is wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ideapaja_portal.amounts import AmountError, parse_euros, plain

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "euros"),
    [
        ("150,00", "150.00"),
        ("150.00", "150.00"),
        ("12,5", "12.50"),
        ("12", "12.00"),
        (" 1 234,50 € ", "1234.50"),
        ("1\u00a0234,50", "1234.50"),  # as a Finnish number is copied from a page
        ("1\u202f234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("€99.99", "99.99"),
        ("10 EUR", "10.00"),
        ("0,01", "0.01"),
        ("0", "0.00"),
    ],
)
def test_finnish_and_english_amounts_are_read_to_the_cent(typed: str, euros: str) -> None:
    amount = parse_euros(typed)
    assert amount == Decimal(euros) and plain(amount) == euros


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("", "missing"),
        ("  € ", "missing"),
        ("-5", "negative"),
        ("12,505", "cents"),
        ("1,234", "cents"),  # ambiguous: never read as a thousand
        ("kaksi", "invalid"),
        ("1,2,3", "invalid"),
        ("1.23.4,5", "invalid"),
        ("12,34.56,78", "invalid"),
        ("1e3", "invalid"),
        ("NaN", "invalid"),
        ("12345678901", "invalid"),
    ],
)
def test_what_is_not_an_amount_is_named(typed: str, kind: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_euros(typed)
    assert refused.value.kind == kind
