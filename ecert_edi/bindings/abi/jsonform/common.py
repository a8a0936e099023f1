"""What both directions of the JSON form share: its version, its errors, output in chunks."""

from __future__ import annotations

from typing import TextIO

# The version of the form, the document's "ecert" key.  2: codes and identifiers of N fields
# (HTS number, port, entry type, condition code) are strings of their digits; version 1 wrote
# them as numbers, losing leading zeros (0201300200 became 201300200).
FORMAT_VERSION = 2

DIRECTIONS = ("inbound", "response")


# Output is gathered into pieces of about this size before it is written: one write per record
# would cost more than the formatting.
CHUNK = 1 << 16
# Temporary spools (strays, conditions, line numbers) stay in memory up to this size.
SPOOL = 1 << 20
# The most lines a "physical" object may describe.  Its empty lines are written, not stored, but
# a document of a few bytes must not ask for a file of terabytes; a file of this many lines
# holds at least a gigabyte of line endings.
MAX_LINES = 10**9


class DocumentError(ValueError):
    """A JSON document that is not the JSON form of a transmission; the message says where."""


class JSONTextError(DocumentError):
    """Input that is not JSON text at all (not UTF-8, or not valid JSON); the message says so."""


class Out:
    """Pieces of output gathered and written in chunks."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.pieces: list[str] = []
        self.size = 0

    def __call__(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= CHUNK:
            self.flush()

    def flush(self) -> None:
        self.stream.write("".join(self.pieces))
        self.pieces.clear()
        self.size = 0
