"""Money is stored in cents (exact on every database) and shown as a two-decimal amount."""

from __future__ import annotations

from decimal import Decimal

_CENT = Decimal("0.01")


def amount_from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(_CENT)
