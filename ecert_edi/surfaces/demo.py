"""The eCERT 2.0 story in seven transmissions, processed in a scratch folder and narrated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ecert_edi.bindings.abi.emitter import emit_text
from ecert_edi.processing.environments import Routed
from ecert_edi.store import open_store
from ecert_edi.store.environments import TEST, Ledgers
from ecert_edi.surfaces.replay import summarize

DAY = dt.date(2026, 1, 15)
IOR = "12-3456789AB"
OTHER_IOR = "98-7654321CD"
CERT = "AU2026-000123"
BEEF = 201300200  # HTS 0201.30.0200: fresh or chilled boneless beef

_CERTIFICATE = {"action": "A", "certificate_number": CERT, "issuing_country": "AU",
                "ior_number": IOR, "issue_date": dt.date(2026, 1, 2),
                "expiry_date": dt.date(2026, 12, 31), "quota_program": "TRQ",
                "allowance_quantity": 2_500_000, "unit_of_measure": "KG"}


def _entry(number: str, hundredths: int) -> list[tuple[str, dict]]:
    return [("E0", {"action": "A", "entry_number": number, "ior_number": IOR,
                    "entry_date": dt.date(2026, 1, 14), "port_of_entry": 1001, "entry_type": 1}),
            ("E1", {"line_number": 1, "certificate_number": CERT, "issuing_country": "AU",
                    "hts_number": BEEF, "quantity": hundredths, "unit_of_measure": "KG"})]


def _query(reference: str, ior: str | None) -> list[tuple[str, dict]]:
    return [("Q0", {"query_type": "C", "query_reference": reference, "ior_number": ior,
                    "certificate_number": CERT, "issuing_country": "AU" if ior else None,
                    "usage_detail": "Y"})]


@dataclass(frozen=True)
class Step:
    """One transmission of the story: who sends it, what it holds, what the answer must be."""

    sentence: str
    sender: tuple[str, str]  # sender type, sender ID
    time: dt.time
    application: str
    records: list[tuple[str, dict]]
    expect: str  # the response as replay.summarize writes it

    def text(self, number: int) -> str:
        kind, sender = self.sender
        header = {"sender_type": kind, "sender_id": sender, "transmission_date": DAY,
                  "transmission_time": self.time, "environment": "T",
                  "control_number": f"{sender}{DAY:%y%m%d}{number:0{8 - len(sender)}d}"}
        return emit_text(header, [(self.application, self.records)])


STEPS = [
    Step("Australia registers certificate AU2026-000123: 25,000.00 KG of chilled beef under "
         "the tariff-rate quota, for importer 12-3456789AB.",
         ("CG", "AU"), dt.time(9, 30), "CR",
         [("C0", _CERTIFICATE), ("C1", {"hts_number": BEEF})], "A"),
    Step("Broker B2X enters 10,000.00 KG for that importer: the balance falls to 15,000.00 KG.",
         ("FL", "B2X"), dt.time(10, 15), "EN", _entry("B2X00000015", 1_000_000), "A"),
    Step("A second entry takes 12,000.00 KG: 3,000.00 KG remain.",
         ("FL", "B2X"), dt.time(10, 45), "EN", _entry("B2X00000023", 1_200_000), "A"),
    Step("A third entry asks for 5,000.00 KG, more than is left: rejected with condition 202, "
         "nothing deducted.",
         ("FL", "B2X"), dt.time(11, 0), "EN", _entry("B2X00000031", 500_000), "R 202"),
    Step("B2X cancels the first entry: its 10,000.00 KG are restored, 13,000.00 KG remain.",
         ("FL", "B2X"), dt.time(11, 15), "EN",
         [("E0", {"action": "C", "entry_number": "B2X00000015", "ior_number": IOR})], "A"),
    Step("Australia asks about its certificate: the EZ answer gives allowance, use and balance, "
         "and every deduction and restoration.",
         ("CG", "AU"), dt.time(11, 30), "EC", _query("AU-Q-1", None), "A"),
    Step("Broker K7M, filing for importer 98-7654321CD, asks about the same certificate: "
         "refused with 300, as if it did not exist.",
         ("FL", "K7M"), dt.time(11, 45), "EC", _query("K7M-Q-1", OTHER_IOR), "R 300"),
]


@dataclass
class Played:
    """A step as played: its inbound file, its response, and the records that answer it."""

    step: Step
    inbound: Path
    response: Path
    answer: list[str]  # the response's records between B and Y
    summary: str

    @property
    def as_expected(self) -> bool:
        return self.summary == self.step.expect


def play(folder: Path, steps: list[Step] = STEPS) -> Iterator[Played]:
    """Process the story's transmissions in `folder` (inbound/, responses/, ecert.db)."""
    inbound_dir, out = folder / "inbound", folder / "responses"
    inbound_dir.mkdir(parents=True, exist_ok=True)
    with Ledgers(folder / "ecert.db", open_store) as ledgers:
        routed = Routed(ledgers)  # the story's files are test transmissions: the test ledger
        for number, step in enumerate(steps, start=1):
            path = inbound_dir / f"{number:02d}-{step.sender[1]}-{step.application}.txt"
            path.write_text(step.text(number), encoding="ascii", newline="\n")
            clock = dt.datetime.combine(DAY, step.time) + dt.timedelta(minutes=1)
            outcome = routed.process_file(path, out, clock)
            text = outcome.response.read_text(encoding="ascii")
            answer = [line for line in text.splitlines() if line[:1] not in "ABYZ"]
            yield Played(step, path, outcome.response, answer, summarize(text))


def ledger_agrees(folder: Path) -> bool:
    """Whether every balance equals allowance − deductions + restorations (spec 6.4)."""
    with Ledgers(folder / "ecert.db", open_store) as ledgers:
        return not ledgers.store(TEST).check_ledger()


def narrate(folder: Path, say: Callable[[str], None], steps: list[Step] = STEPS) -> bool:
    """Play and tell the story; False when an answer is not the one the story expects."""
    ok = True
    for number, played in enumerate(play(folder, steps), start=1):
        say(f"{number}. {played.step.sentence}")
        for record in played.answer:
            say(f"     {record.rstrip()}")
        if not played.as_expected:
            ok = False
            say(f"   !! expected {played.step.expect}, the response says {played.summary}")
    say("")
    if ledger_agrees(folder):
        say("The ledger agrees: for the certificate, allowance - deductions + restorations = "
            "balance.")
    else:
        ok = False
        say("!! the ledger disagrees with the balances (run ecert check)")
    return ok
