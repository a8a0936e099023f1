"""The Store: loads the state a rule needs, applies its decision, keeps transmissions and the ledger."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Self

from sqlite_utils import Database

from ecert_edi.domain.transactions import Sender, Transaction
from ecert_edi.domain.rules import (
    CertificateState,
    Decision,
    EntryState,
    Key,
    Selection,
    certificate_status,
    decide_certificate,
    decide_entry,
    decide_query,
    query_selection,
)
from ecert_edi.store import rows
from ecert_edi.store.apply import post_activities, write_certificate, write_entry
from ecert_edi.store.connection import DEFAULT_TIMEOUT, StoreError, Transactions, connect
from ecert_edi.store.ledger import check_ledger
from ecert_edi.store.schema import LATEST, migrate, schema_version
from ecert_edi.store.views import CertificateView, Discrepancy, LedgerRow, QueryAnswer, TransmissionRecord

CACHED_CERTIFICATES = 50_000  # certificates kept in memory between reads, at most


class TransmissionConflict(StoreError):
    """A control number already recorded for the sender with other content (condition 021)."""


def _guarded(method):
    """Turn a database failure into StoreError (a generator's too, as it is consumed)."""
    if _is_generator(method):

        @functools.wraps(method)
        def gen_wrapper(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise self.tx.failure(exc) from exc

        return gen_wrapper

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self.tx.failure(exc) from exc

    return wrapper


def _is_generator(func) -> bool:
    return bool(func.__code__.co_flags & 0x20)  # CO_GENERATOR


class Store:
    """One SQLite database of certificates, entries, the activity ledger and transmissions.

    Writes happen inside `write()` (BEGIN IMMEDIATE … COMMIT); each inbound transaction is applied
    inside its own `savepoint()`.  Every apply_* / begin_* / save_* call joins the caller's open
    transaction, or opens one of its own when there is none.
    """

    def __init__(self, path: str | os.PathLike = "ecert.db", *, timeout: float = DEFAULT_TIMEOUT):
        self.path = os.fspath(path)
        self.conn = connect(self.path, timeout)
        self.tx = Transactions(self.conn, self.path)
        # certificates read in the current write transaction (see _certificate)
        self._certificates: dict[Key, CertificateState | None] = {}
        self._generation = -1
        try:
            self._migrate()
        except BaseException:
            self.conn.close()
            raise

    # -- connection ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            current = schema_version(self.conn)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use database {self.path}: {exc}") from exc
        if current > LATEST:
            raise StoreError(
                f"database {self.path} has schema version {current}; this program knows"
                f" versions up to {LATEST}"
            )
        if current < LATEST:
            db = Database(self.conn, recursive_triggers=False, execute_plugins=False)
            with self.tx.write():
                migrate(db, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self) -> AbstractContextManager[None]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on an exception)."""
        return self.tx.write()

    def read(self) -> AbstractContextManager[None]:
        """A read transaction: one consistent snapshot of the database."""
        return self.tx.read()

    def savepoint(self) -> AbstractContextManager[None]:
        """A savepoint for one inbound transaction, rolled back on an exception."""
        return self.tx.savepoint()

    # -- applying transactions ----------------------------------------------------------------
    @_guarded
    def apply_certificate(self, txn: Transaction, sender: Sender, clock: dt.datetime) -> Decision:
        """Decide a CR transaction against the stored certificate and, when accepted, store it."""
        with self.savepoint():
            country, number = txn.key
            stored = None
            if country is not None and number is not None:
                stored = self._certificate((country, number))
            decision = decide_certificate(txn, sender, stored, stored.used if stored else 0)
            if decision.accepted and not decision.unchanged and decision.certificate is not None:
                self._certificates.pop((country, number), None)
                write_certificate(
                    self.conn,
                    decision.certificate,
                    rows.stamp(clock),
                    with_tariffs=txn.action != "D",
                )
            return decision

    @_guarded
    def apply_entry(
        self, txn: Transaction, sender: Sender, clock: dt.datetime, transmission: int | None = None
    ) -> Decision:
        """Decide an EN transaction against the stored entry and the certificates it names and,
        when accepted, store the entry, append its ledger rows and move the balances."""
        with self.savepoint():
            number = txn.header.get("entry_number")
            stored = rows.entry(self.conn, number) if number is not None else None
            keys = {(e1.get("issuing_country"), e1.get("certificate_number")) for e1 in txn.details}
            if stored is not None:
                keys.update(line.key for line in stored.lines)
            certificates = {}
            for key in keys:
                if key[0] is not None and key[1] is not None:
                    cert = self._certificate(key)
                    if cert is not None:
                        certificates[key] = cert
            decision = decide_entry(txn, sender, stored, certificates, clock)
            if decision.accepted and not decision.unchanged and decision.entry is not None:
                stamp = rows.stamp(clock)
                write_entry(self.conn, decision.entry, stamp, with_lines=txn.action != "C",
                            new=stored is None)
                post_activities(self.conn, decision, certificates, stamp, transmission)
                for key, balance in decision.balances.items():
                    self._certificates[key] = certificates[key].with_balance(balance)
            return decision

    def _certificate(self, key: Key) -> CertificateState | None:
        """A certificate as stored, read once while no other connection writes.

        Inside BEGIN IMMEDIATE no other process writes, so what this one read (and then changed
        itself) stays true; it is kept across transactions until another connection commits
        (PRAGMA data_version tells) or anything is rolled back.
        """
        if self._generation != self.tx.generation or len(self._certificates) > CACHED_CERTIFICATES:
            self._certificates.clear()
            self._generation = self.tx.generation
        try:
            return self._certificates[key]
        except KeyError:
            cert = self._certificates[key] = rows.certificate(self.conn, key)
            return cert

    @_guarded
    def answer_query(self, txn: Transaction, sender: Sender, clock: dt.datetime) -> QueryAnswer:
        """Decide an EC transaction; for each certificate shown its S0 values and, when usage
        detail is `Y`, its ledger rows (read lazily: consume them inside the caller's
        transaction)."""
        with self.read():
            selection = query_selection(txn, sender)
            candidates = list(self._candidates(selection)) if selection is not None else []
            decision = decide_query(txn, sender, candidates)
            answer = QueryAnswer(decision)
            if decision.accepted:
                detail = txn.header.get("usage_detail") == "Y"
                by_key = {c.key: c for c in candidates}
                for key in decision.found:
                    cert = by_key[key]
                    usage = _Usage(self, key) if detail else ()
                    answer.certificates.append(
                        CertificateView(cert, certificate_status(cert, clock), usage)
                    )
            return answer

    def _candidates(self, selection: Selection) -> Iterable[CertificateState]:
        if selection.by == "key":
            cert = rows.certificate(self.conn, (selection.country, selection.number), False)
            return [cert] if cert is not None else []
        if selection.by == "ior":
            return rows.certificates_where(self.conn, "ior = ?", (selection.ior,))
        return rows.certificates_where(self.conn, "country = ?", (selection.country,))

    # -- transmissions ------------------------------------------------------------------------
    @_guarded
    def find_transmission(
        self, sender_type: str | None, sender_id: str | None, control_number: str | None
    ) -> TransmissionRecord | None:
        """The transmission recorded under a (sender type, sender ID, control number), if any."""
        row = self.conn.execute(
            "SELECT id, sender_type, sender_id, control_number, content_hash, clock, status,"
            " created FROM transmissions"
            " WHERE sender_type = ? AND sender_id = ? AND control_number = ?",
            (sender_type or "", sender_id or "", control_number or ""),
        ).fetchone()
        if row is None:
            return None
        tid, stype, sid, number, content_hash, clock, status, created = row
        return TransmissionRecord(
            tid, stype, sid, number, content_hash, dt.datetime.fromisoformat(clock), status, created
        )

    @_guarded
    def begin_transmission(
        self,
        sender_type: str | None,
        sender_id: str | None,
        control_number: str | None,
        content_hash: str,
        clock: dt.datetime,
    ) -> int:
        """Record a transmission in progress and use up its control number; its id.

        The same triple with the same content hash is the same transmission (its id again); with
        other content it is TransmissionConflict.
        """
        with self.write():
            found = self.find_transmission(sender_type, sender_id, control_number)
            if found is not None:
                if found.content_hash != content_hash:
                    raise TransmissionConflict(
                        f"control number {control_number} of {sender_type} {sender_id}"
                        " was used before with other content"
                    )
                return found.id
            cur = self.conn.execute(
                "INSERT INTO transmissions (sender_type, sender_id, control_number, content_hash,"
                " clock, status, created) VALUES (?, ?, ?, ?, ?, 'in-progress', ?)",
                (
                    sender_type or "",
                    sender_id or "",
                    control_number or "",
                    content_hash,
                    rows.stamp(clock),
                    rows.stamp(clock),
                ),
            )
            return cur.lastrowid

    @_guarded
    def chunk(self, transmission: int, seq: int) -> str | None:
        """The response text saved for one unit of a transmission, None when not yet saved."""
        row = self.conn.execute(
            "SELECT text FROM response_chunks WHERE transmission_id = ? AND seq = ?",
            (transmission, seq),
        ).fetchone()
        return row[0] if row is not None else None

    @_guarded
    def applied_through(self, transmission: int) -> int:
        """The last unit of a transmission whose response is saved (units are applied in order,
        so every unit up to it is applied); 0 when none is."""
        (last,) = self.conn.execute(
            "SELECT coalesce(max(seq), 0) FROM response_chunks WHERE transmission_id = ?",
            (transmission,),
        ).fetchone()
        return last

    @_guarded
    def save_chunk(self, transmission: int, seq: int, text: str) -> None:
        """Save the response text of one unit (in the write transaction that applied the unit)."""
        with self.write():
            self.conn.execute(
                "INSERT INTO response_chunks (transmission_id, seq, text) VALUES (?, ?, ?)",
                (transmission, seq, text),
            )

    @_guarded
    def chunks(self, transmission: int) -> Iterator[str]:
        """Every saved response text of a transmission, in unit order."""
        for (text,) in self.conn.execute(
            "SELECT text FROM response_chunks WHERE transmission_id = ? ORDER BY seq",
            (transmission,),
        ):
            yield text

    @_guarded
    def finish_transmission(self, transmission: int) -> None:
        """Mark a transmission complete: every unit is applied and its response saved."""
        with self.write():
            self.conn.execute(
                "UPDATE transmissions SET status = 'complete' WHERE id = ?", (transmission,)
            )

    @_guarded
    def transmission_complete(self, transmission: int) -> bool:
        """Whether a transmission is complete (another process may have finished it)."""
        row = self.conn.execute(
            "SELECT status FROM transmissions WHERE id = ?", (transmission,)
        ).fetchone()
        return row is not None and row[0] == "complete"

    @_guarded
    def complete_transmission(self, transmission: int, parts: Iterable[str]) -> bool:
        """Keep a transmission's whole response file, in parts, drop its per-unit responses and
        mark it complete; False, and nothing changed, when it was complete already (the response
        first produced is never replaced)."""
        with self.write():
            if self.transmission_complete(transmission):
                return False
            self.conn.executemany(
                "INSERT INTO responses (transmission_id, part, text) VALUES (?, ?, ?)",
                ((transmission, part, text) for part, text in enumerate(parts, start=1)),
            )
            self.conn.execute(
                "DELETE FROM response_chunks WHERE transmission_id = ?", (transmission,)
            )
            self.finish_transmission(transmission)
            return True

    @_guarded
    def response(self, transmission: int) -> Iterator[str]:
        """The response file of a complete transmission, in parts, as first written."""
        for (text,) in self.conn.execute(
            "SELECT text FROM responses WHERE transmission_id = ? ORDER BY part",
            (transmission,),
        ):
            yield text

    # -- reading, for operators ---------------------------------------------------------------
    @_guarded
    def certificate(self, country: str, number: str) -> CertificateState | None:
        """One certificate by key, its tariff list included."""
        return rows.certificate(self.conn, (country, number))

    @_guarded
    def certificates_by_ior(self, ior: str) -> list[CertificateState]:
        """Every certificate of an IOR, by issuing country then number."""
        return list(rows.certificates_where(self.conn, "ior = ?", (ior,)))

    @_guarded
    def certificates_of_country(self, country: str) -> list[CertificateState]:
        """Every certificate of an issuing country, by number."""
        return list(rows.certificates_where(self.conn, "country = ?", (country,)))

    @_guarded
    def all_certificates(self) -> Iterator[CertificateState]:
        """Every certificate, by issuing country then number."""
        yield from rows.certificates_where(self.conn)

    @_guarded
    def ledger(self, country: str, number: str) -> Iterator[LedgerRow]:
        """A certificate's ledger rows, oldest first."""
        yield from rows.ledger(self.conn, (country, number))

    @_guarded
    def entry(self, entry_number: str) -> EntryState | None:
        """One entry by number, its lines included, or None."""
        return rows.entry(self.conn, entry_number)

    @_guarded
    def check_ledger(self) -> list[Discrepancy]:
        """Every certificate whose balance disagrees with its ledger or its active entry lines."""
        with self.read():
            return check_ledger(self.conn)

    @_guarded
    def counts(self) -> dict[str, int]:
        """Rows in the certificate, entry and ledger tables."""
        with self.read():
            return {
                table: self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("certificates", "entries", "activities", "transmissions")
            }


class _Usage:
    """A certificate's ledger rows as S1 values, read when iterated (so S1 records stream)."""

    def __init__(self, store: Store, key: Key) -> None:
        self.store = store
        self.key = key

    def __iter__(self) -> Iterator[dict]:
        return (row.s1 for row in self.store.ledger(*self.key))

    def values(self) -> Iterator[tuple]:
        """The same rows as tuples of S1 values in USAGE_FIELDS order."""
        return rows.usage_values(self.store.conn, self.key)
