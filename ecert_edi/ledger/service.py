"""The ledger service: loads the state a rule needs, runs the rule, hands the decision to the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext

from ecert_edi.domain.answers import CertificateView, QueryAnswer
from ecert_edi.domain.decision import Decision
from ecert_edi.domain.rules import (
    Selection,
    certificate_status,
    decide_certificate,
    decide_entry,
    decide_query,
    query_selection,
)
from ecert_edi.domain.state import CertificateState, EntryState, Key
from ecert_edi.domain.transactions import Sender, Transaction
from ecert_edi.store.interface import Change, LedgerStore

CACHED_CERTIFICATES = 50_000  # certificates kept in memory between reads, at most
_UNREAD = object()  # a certificate not read yet (None: read, and not on file)


class Ledger:
    """The eCERT workflow over one store: certificate filings, entry filings and queries.

    Each `apply_*` runs inside one unit of the store (a savepoint of the caller's write
    transaction, or a transaction of its own), so a transaction is applied whole or not at all.
    Inside `group()`, decisions are kept and handed to the store together at the group's end
    (one `store.apply` for the whole commit group); later transactions of the group decide
    against what the earlier ones changed.
    """

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        # certificates as stored (or as the group being written leaves them), kept while the
        # store's generation says they still are
        self._certificates: dict[Key, CertificateState | None] = {}
        self._generation = -1
        self._pending: list[Change] | None = None  # a group's decisions not yet written
        self._entries: dict[str, EntryState] = {}  # entries as the pending decisions leave them
        # entries as stored when the group began, looked up together (`expect`)
        self._stored: dict[str, EntryState] = {}
        self._looked_up: set[str] = set()

    @contextmanager
    def group(self) -> Iterator[None]:
        """Keep the decisions of the transactions applied inside, and write them together at
        the end (inside the caller's write transaction); on an exception none is written.

        A group inside a group joins it: a batch of small files is one group, its files' own
        groups part of it.
        """
        if self._pending is not None:
            yield
            return
        self._pending = []
        try:
            yield
            if self._pending:
                self.store.apply(self._pending)
        except BaseException:
            self._certificates.clear()  # they may hold balances never written
            raise
        finally:
            self._pending = None
            self._entries.clear()
            self._stored.clear()
            self._looked_up.clear()

    def expect(self, numbers: Iterable[str], keys: Iterable[Key] = ()) -> None:
        """Read together what the group's coming transactions will decide against: the stored
        entries of `numbers` (kept until the group ends) and the certificates of `keys` and of
        those entries' lines (kept as any certificate read).  One read for the group, not one
        an entry or a certificate; whatever is not named here is read when it is needed."""
        if self._pending is None:
            return
        wanted = [n for n in numbers if n not in self._looked_up]
        if wanted:
            found = self.store.entries(wanted)
            self._stored.update(found)
            self._looked_up.update(wanted)
            keys = [*keys, *(line.key for e in found.values() for line in e.lines)]
        self._fresh()
        cached = self._certificates
        missing = [k for k in dict.fromkeys(keys)
                   if k not in cached and k[0] is not None and k[1] is not None]
        if missing:
            found_certs = self.store.certificates(missing)
            for key in missing:
                cached[key] = found_certs.get(key)

    def _write(self, change: Change) -> None:
        if self._pending is None:
            self.store.apply([change])
        else:
            self._pending.append(change)

    def _unit(self):
        # a group's transactions write nothing until its end: no unit of their own is needed
        return self.store.unit() if self._pending is None else nullcontext()

    # -- certificate filings (spec 6.1) ----------------------------------------------------------
    def apply_certificate(self, txn: Transaction, sender: Sender, clock: dt.datetime) -> Decision:
        """Decide a CR transaction against the stored certificate and, when accepted, store it."""
        with self._unit():
            country, number = txn.key
            stored = None
            if country is not None and number is not None:
                stored = self._certificate((country, number))
            decision = decide_certificate(txn, sender, stored, stored.used if stored else 0)
            if decision.accepted and not decision.unchanged and decision.certificate is not None:
                self._write(Change(decision, clock, {}, details=txn.reads_details))
                # as written; a void keeps the stored tariff list, which it read
                self._certificates[(country, number)] = decision.certificate
            return decision

    # -- entry filings (spec 6.2) -----------------------------------------------------------------
    def apply_entry(self, txn: Transaction, sender: Sender, clock: dt.datetime,
                    transmission: int | None = None) -> Decision:
        """Decide an EN transaction against the stored entry and the certificates it names and,
        when accepted, store the entry, its ledger rows and the balances they move."""
        with self._unit():
            number = txn.header.get("entry_number")
            stored = self._entry(number) if number is not None else None
            keys = set()
            for e1 in txn.details:  # the values read directly: this runs for every line
                values = e1.values
                keys.add((values.get("issuing_country"), values.get("certificate_number")))
            if stored is not None:
                keys.update(line.key for line in stored.lines)
            certificates = {}
            self._fresh()
            cached = self._certificates
            for key in keys:
                if key[0] is not None and key[1] is not None:
                    cert = cached.get(key, _UNREAD)
                    if cert is _UNREAD:
                        cert = cached[key] = self.store.certificate(*key)
                    if cert is not None:
                        certificates[key] = cert
            decision = decide_entry(txn, sender, stored, certificates, clock)
            if decision.accepted and not decision.unchanged and decision.entry is not None:
                self._write(Change(decision, clock, certificates, transmission,
                                   details=txn.reads_details, new_entry=stored is None))
                if self._pending is not None:
                    self._entries[number] = decision.entry
                for key, balance in decision.balances.items():
                    self._certificates[key] = certificates[key].with_balance(balance)
            return decision

    def _entry(self, number: str) -> EntryState | None:
        found = self._entries.get(number)
        if found is not None:
            return found
        if number in self._looked_up:
            return self._stored.get(number)
        return self.store.entry(number)

    def _certificate(self, key: Key) -> CertificateState | None:
        """A certificate as stored, read once while the store's generation stands.

        Inside the write transaction no other process writes, so what this one read (and then
        changed itself) stays true until the store says otherwise.
        """
        self._fresh()
        try:
            return self._certificates[key]
        except KeyError:
            cert = self._certificates[key] = self.store.certificate(*key)
            return cert

    def _fresh(self) -> None:
        """Forget the certificates read under another generation of the store (or too many)."""
        generation = self.store.generation
        full = len(self._certificates) > CACHED_CERTIFICATES and not self._pending
        if self._generation != generation or full:
            self._certificates.clear()
            self._generation = generation

    # -- queries (spec 6.3) -----------------------------------------------------------------------
    def answer_query(self, txn: Transaction, sender: Sender, clock: dt.datetime) -> QueryAnswer:
        """Decide an EC transaction; each certificate shown with its status and, when usage
        detail is `Y`, its ledger rows (read lazily: consume them inside the caller's
        transaction)."""
        store = self.store
        if self._pending:  # a query inside a group reads what the group has decided so far
            store.apply(self._pending)
            self._pending.clear()
        with store.read():
            selection = query_selection(txn, sender)
            candidates = list(self._candidates(selection)) if selection is not None else []
            decision = decide_query(txn, sender, candidates)
            answer = QueryAnswer(decision)
            if decision.accepted:
                detail = txn.header.get("usage_detail") == "Y"
                by_key = {c.key: c for c in candidates}
                for key in decision.found:
                    cert = by_key[key]
                    usage = _Usage(store, key) if detail else ()
                    answer.certificates.append(
                        CertificateView(cert, certificate_status(cert, clock), usage)
                    )
            return answer

    def _candidates(self, selection: Selection) -> Iterable[CertificateState]:
        store = self.store
        if selection.by == "key":
            cert = store.certificate(selection.country, selection.number, tariffs=False)
            return [cert] if cert is not None else []
        if selection.by == "ior":
            return store.certificates_by_ior(selection.ior)
        return store.certificates_of_country(selection.country)


class _Usage:
    """A certificate's ledger rows, read when iterated (so a long answer streams)."""

    def __init__(self, store: LedgerStore, key: Key) -> None:
        self.store = store
        self.key = key

    def __iter__(self) -> Iterator[tuple]:
        return self.store.usage(*self.key)
