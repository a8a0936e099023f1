"""Certificates, entries and queries driven through the Store against a small in-memory model.

After every step the store's balances equal the model's and the ledger invariant holds:
allowance − deductions + restorations = balance ≥ 0 (check_ledger finds nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from txn_builders import (
    CLOCK,
    FILER,
    IOR,
    OTHER_IOR,
    certificate,
    e1,
    entry,
    entry_number,
    ledger_of,
    query,
)

from ecert_edi.domain.transactions import Sender
from ecert_edi.store import SQLiteStore, open_store

KEYS = [("AU", "AU-1"), ("AU", "AU-2"), ("NZ", "NZ-1")]
keys = st.sampled_from(KEYS)
# weighted towards agreeing values, so that entries are accepted often enough to matter
iors = st.sampled_from([IOR, IOR, IOR, OTHER_IOR])
units = st.sampled_from(["KG", "KG", "KG", "L"])
allowances = st.integers(1, 60)
serials = st.integers(1, 3)
line = st.tuples(st.integers(1, 3), st.sampled_from(KEYS[:1] * 3 + KEYS), st.integers(1, 20), units)
lines = st.one_of(
    st.lists(line, min_size=1, max_size=3, unique_by=lambda ln: ln[0]),
    st.lists(line, min_size=1, max_size=3),  # repeated line numbers too (213)
)


@dataclass
class ModelCertificate:
    ior: str
    allowance: int
    unit: str
    voided: bool = False


@dataclass
class ModelEntry:
    ior: str
    lines: dict[int, tuple]  # line number -> (key, quantity, unit)
    cancelled: bool = False


@dataclass
class Model:
    certificates: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)

    def used(self, key) -> int:
        return sum(
            qty
            for e in self.entries.values()
            if not e.cancelled
            for k, qty, _unit in e.lines.values()
            if k == key
        )

    def balance(self, key) -> int:
        return self.certificates[key].allowance - self.used(key)

    def line_codes(self, ior, drawn, restored=None) -> set[str]:
        """The line conditions an entry's lines get, in file order, against the balances."""
        available = {k: self.balance(k) + (restored or {}).get(k, 0) for k in self.certificates}
        found: set[str] = set()
        seen = set()
        for number, key, qty, unit in drawn:
            failed = set()
            if number in seen:
                failed.add("213")
            seen.add(number)
            cert = self.certificates.get(key)
            if cert is None:
                failed.add("200")
            elif cert.ior != ior:
                failed.add("201")  # alone: nothing more of a certificate of another IOR
            else:
                if cert.voided:
                    failed.add("206")
                if cert.unit != unit:
                    failed.add("203")
                if qty > available[key]:
                    failed.add("202")
                if not failed:
                    available[key] -= qty
            found |= failed
        return found


def cert_txn(action, key, ior=IOR, allowance=1, unit="KG"):
    return certificate(
        action, country=key[0], number=key[1], ior=ior, allowance=allowance, unit=unit, hts=()
    )


def entry_txn(action, serial, ior, drawn=()):
    return entry(
        action,
        [e1(n, qty, country=k[0], cert=k[1], unit=unit) for n, k, qty, unit in drawn],
        number=entry_number("B2X", serial),
        ior=ior,
    )


def government(key) -> Sender:
    return Sender("CG", key[0])


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.store = self.new_store()
        self.model = Model()

    @staticmethod
    def new_store():
        return SQLiteStore(":memory:")

    def teardown(self):
        self.store.close()

    def expect(self, decision, codes: set[str]):
        got = {c.code for c in decision.conditions}
        assert got == codes, (got, codes)
        assert decision.accepted == (not (codes - {"900", "901"}))

    # -- certificates ---------------------------------------------------------------------------
    @initialize(allowance=allowances)
    def first_certificate(self, allowance):
        self.add_certificate(KEYS[0], IOR, allowance, "KG")

    @rule(key=keys, ior=iors, allowance=allowances, unit=units)
    def add_certificate(self, key, ior, allowance, unit):
        d = ledger_of(self.store).apply_certificate(
            cert_txn("A", key, ior, allowance, unit), government(key), CLOCK
        )
        stored = self.model.certificates.get(key)
        if stored is None:
            self.expect(d, set())
            self.model.certificates[key] = ModelCertificate(ior, allowance, unit)
        elif stored.voided:
            self.expect(d, {"109"})
        elif (stored.ior, stored.allowance, stored.unit) == (ior, allowance, unit):
            self.expect(d, {"900"})
        else:
            self.expect(d, {"101"})

    @rule(key=keys, ior=iors, allowance=allowances, unit=units)
    def replace_certificate(self, key, ior, allowance, unit):
        d = ledger_of(self.store).apply_certificate(
            cert_txn("R", key, ior, allowance, unit), government(key), CLOCK
        )
        stored = self.model.certificates.get(key)
        if stored is None:
            return self.expect(d, {"102"})
        if stored.voided:
            return self.expect(d, {"109"})
        used = self.model.used(key)
        codes = set()
        if allowance < used:
            codes.add("104")
        if used and ior != stored.ior:
            codes.add("107")
        if used and unit != stored.unit:
            codes.add("110")
        self.expect(d, codes)
        if not codes:
            self.model.certificates[key] = ModelCertificate(ior, allowance, unit)

    @rule(key=keys)
    def void_certificate(self, key):
        d = ledger_of(self.store).apply_certificate(cert_txn("D", key), government(key), CLOCK)
        stored = self.model.certificates.get(key)
        if stored is None:
            self.expect(d, {"102"})
        elif stored.voided:
            self.expect(d, {"900"})
        elif self.model.used(key):
            self.expect(d, {"108"})
        else:
            self.expect(d, set())
            stored.voided = True

    # -- entries --------------------------------------------------------------------------------
    @rule(serial=serials, ior=iors, drawn=lines)
    def add_entry(self, serial, ior, drawn):
        d = ledger_of(self.store).apply_entry(entry_txn("A", serial, ior, drawn), FILER, CLOCK)
        number = entry_number("B2X", serial)
        stored = self.model.entries.get(number)
        new_lines = {n: (k, q, u) for n, k, q, u in drawn}
        if (
            stored is not None
            and not stored.cancelled
            and stored.ior == ior
            and len(new_lines) == len(drawn)
            and stored.lines == new_lines
        ):
            return self.expect(d, {"900"})
        codes = self.model.line_codes(ior, drawn)
        if stored is not None:
            codes.add("207")
        if codes:
            return self.expect(d, codes)
        self.model.entries[number] = ModelEntry(ior, new_lines)
        self.expect(d, self.exhausted(d))

    @rule(serial=serials, key=keys)
    def enter_the_whole_balance(self, serial, key):
        cert = self.model.certificates.get(key)
        if cert is not None and not cert.voided and self.model.balance(key) > 0:
            self.add_entry(serial, cert.ior, [(1, key, self.model.balance(key), cert.unit)])

    @rule(serial=serials, ior=iors, drawn=lines)
    def replace_entry(self, serial, ior, drawn):
        d = ledger_of(self.store).apply_entry(entry_txn("R", serial, ior, drawn), FILER, CLOCK)
        number = entry_number("B2X", serial)
        stored = self.model.entries.get(number)
        codes, restored = set(), {}
        if stored is None:
            codes.add("208")
        elif stored.cancelled:
            codes.add("209")
        else:
            if stored.ior != ior:
                codes.add("210")
            for k, q, _u in stored.lines.values():
                restored[k] = restored.get(k, 0) + q
        codes |= self.model.line_codes(ior, drawn, restored)
        if codes:
            return self.expect(d, codes)
        self.model.entries[number] = ModelEntry(ior, {n: (k, q, u) for n, k, q, u in drawn})
        self.expect(d, self.exhausted(d))
        assert [a.activity for a in d.activities] == ["I"] * len(stored.lines) + ["D"] * len(drawn)

    @rule(serial=serials, ior=iors)
    def cancel_entry(self, serial, ior):
        d = ledger_of(self.store).apply_entry(entry_txn("C", serial, ior), FILER, CLOCK)
        stored = self.model.entries.get(entry_number("B2X", serial))
        if stored is None:
            self.expect(d, {"208"})
        elif stored.cancelled:
            self.expect(d, {"209"})
        elif stored.ior != ior:
            self.expect(d, {"210"})
        else:
            self.expect(d, set())
            assert [a.line_number for a in d.activities] == sorted(stored.lines)
            stored.cancelled = True

    def exhausted(self, decision) -> set[str]:
        """901 when a certificate the entry deducted from is left at zero."""
        deducted = {a.key for a in decision.activities if a.activity == "D"}
        return {"901"} if any(self.model.balance(k) == 0 for k in deducted) else set()

    # -- queries --------------------------------------------------------------------------------
    @rule(ior=iors)
    def query_by_ior(self, ior):
        answer = ledger_of(self.store).answer_query(
            query("I", ior=ior, number=None, country=None), FILER, CLOCK
        )
        expected = sorted(k for k, c in self.model.certificates.items() if c.ior == ior)
        if not expected:
            return self.expect(answer.decision, {"300"})
        self.expect(answer.decision, set())
        assert [v.certificate.key for v in answer.certificates] == expected
        for view in answer.certificates:
            rows = list(self.store.ledger(*view.certificate.key))
            assert list(view.usage) == [row.usage for row in rows]
            if rows:  # the last S1 row agrees with S0, once a later change of allowance counts
                last = rows[-1]
                assert last.balance_after + view.allowance - last.allowance == view.remaining

    @invariant()
    def balances_agree_with_the_model_and_the_ledger(self):
        for key, cert in self.model.certificates.items():
            stored = self.store.certificate(*key)
            assert stored.balance == self.model.balance(key) >= 0
            assert stored.voided == cert.voided
        assert self.store.check_ledger() == []


LedgerMachine.TestCase.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)
TestLedgerMachine = LedgerMachine.TestCase


def test_the_machine_on_postgres(postgres_database):
    """The same machine on the PostgreSQL store, each example on a new ledger (fewer examples:
    each builds a schema on the server)."""
    import postgres

    class OnPostgres(LedgerMachine):
        @staticmethod
        def new_store():
            return open_store(postgres.schema_url(postgres_database))

    run_state_machine_as_test(OnPostgres, settings=settings(
        max_examples=80, stateful_step_count=40, deadline=None))
