"""The one line that tells an operator what processing a file did."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from ecert_edi.processing import Outcome


def file_line(shown: str, outcome: Outcome, ms: float, destination: Path | str) -> str:
    """`NAME: N transactions, N accepted, N rejected[, …], N ms -> DESTINATION`.

    `shown` is the name as the caller prints it; `destination` is where the caller points the
    operator (the response written, or the archived inbound file).
    """
    extra = ""
    if outcome.transmission_rejected:
        extra = ", transmission rejected"
    elif outcome.repeated:
        extra = ", repeated: first response re-written"
    return (f"{shown}: {counted(outcome.transactions, 'transaction')}, {outcome.accepted} accepted,"
            f" {outcome.rejected} rejected{extra}, {ms:.0f} ms -> {destination}")


def counted(n: int, one: str, many: str | None = None) -> str:
    """`1 entry`, `2 entries`: a count with its noun (`many` when adding an s is wrong)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
