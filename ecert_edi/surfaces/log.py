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


def interchange_line(shown: str, done, ms: float, destination: Path | str | None = None) -> str:
    """`NAME: X12 interchange, N sets processed[, …], N ms -> FILES` (or DESTINATION)."""
    extra = ("repeated: first files re-written, " if done.repeated else "") + (
        "interchange rejected, " if done.rejected else "")
    files = ", ".join(str(f) for f in done.files) or "nothing (acknowledgments only)"
    return (f"{shown}: X12 interchange, {counted(done.sets, 'set')} processed, {extra}"
            f"{ms:.0f} ms -> {destination if destination is not None else files}")


def counted(n: int, one: str, many: str | None = None) -> str:
    """`1 entry`, `2 entries`: a count with its noun (`many` when adding an s is wrong)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
