"""The processing clock (spec 4.4): a fixed time given by the operator, else UTC now."""

from __future__ import annotations

import datetime as dt

CLOCK_FORMAT = "%Y-%m-%dT%H:%M:%S"


def processing_clock(text: str | None = None) -> dt.datetime:
    """The processing clock: a fixed time given as YYYY-MM-DDTHH:MM:SS, else UTC now (naive)."""
    if text:
        return dt.datetime.strptime(text, CLOCK_FORMAT)
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def as_date(clock: dt.datetime | dt.date | None) -> dt.date | None:
    """The processing date of a clock given as a datetime or a date."""
    if isinstance(clock, dt.datetime):
        return clock.date()
    return clock
