"""Quantities in exact hundredths, and their decimal text for people and for JSON."""

from __future__ import annotations


def quantity_text(hundredths: int, *, grouped: bool = True) -> str:
    """A quantity in hundredths as a decimal number: 2500000 -> "25,000.00" (grouped, for
    people) or "25000.00" (ungrouped, exact, for JSON)."""
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), 100)
    return f"{sign}{whole:,}.{cents:02d}" if grouped else f"{sign}{whole}.{cents:02d}"
