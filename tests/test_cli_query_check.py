"""`ecert query` and `ecert check`: operator views of the database, and their failures."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from postgres import raw
from txn_builders import (
    CERT,
    CLOCK,
    FILER,
    GOV_AU,
    IOR,
    OTHER_IOR,
    certificate,
    e1,
    entry,
    entry_number,
    ledger_of,
)

from ecert_edi.store import open_store
from ecert_edi.surfaces.cli import main


@pytest.fixture
def db(ledger_target):
    path = ledger_target
    with open_store(path) as store:
        ledger_of(store).apply_certificate(certificate("A"), GOV_AU, CLOCK)
        ledger_of(store).apply_certificate(certificate("A", number="AU-0001", ior=OTHER_IOR), GOV_AU, CLOCK)
        ledger_of(store).apply_entry(entry("A", [e1(1, 1_000_000), e1(2, 25)]), FILER, CLOCK)
    return str(path)


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_query_one_certificate_as_a_table(db):
    result = run(
        "query",
        "--db",
        db,
        "--certificate",
        CERT,
        "--country",
        "AU",
        "--clock",
        "2026-01-15T10:00:00",
    )
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split()[:6] == [
        "COUNTRY",
        "CERTIFICATE",
        "STATUS",
        "ALLOWANCE",
        "USED",
        "BALANCE",
    ]
    assert row.split() == [
        "AU",
        CERT,
        "A",
        "25,000.00",
        "10,000.25",
        "14,999.75",
        "KG",
        IOR,
        "2026-01-02",
        "2026-12-31",
    ]


def test_query_usage_lists_the_activity_history_oldest_first(db):
    result = run("query", "--db", db, "--certificate", CERT, "--country", "AU", "--usage")
    assert result.exit_code == 0, result.output
    history = [line.split() for line in result.stdout.splitlines() if "B2X" in line]
    assert [(h[2], h[3], h[4], h[5]) for h in history] == [
        ("001", "deducted", "10,000.00", "15,000.00"),
        ("002", "deducted", "0.25", "14,999.75"),
    ]


def test_query_json_has_exact_decimal_quantities(db):
    result = run(
        "query", "--db", db, "--all", "--json", "--usage", "--clock", "2027-01-01T00:00:00"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(c["country"], c["certificate_number"]) for c in data] == [
        ("AU", "AU-0001"),
        ("AU", CERT),
    ]
    cert = data[1]
    assert (cert["allowance"], cert["used"], cert["balance"], cert["status"]) == (
        "25000.00",
        "10000.25",
        "14999.75",
        "X",
    )
    assert [
        (u["line_number"], u["activity"], u["quantity"], u["balance_after"]) for u in cert["usage"]
    ] == [(1, "D", "10000.00", "15000.00"), (2, "D", "0.25", "14999.75")]
    assert data[0]["usage"] == []


def test_query_by_ior_and_by_country(db):
    by_ior = json.loads(run("query", "--db", db, "--ior", OTHER_IOR, "--json").stdout)
    assert [c["certificate_number"] for c in by_ior] == ["AU-0001"]
    by_country = json.loads(run("query", "--db", db, "--country", "au", "--json").stdout)
    assert len(by_country) == 2
    nothing = run("query", "--db", db, "--country", "NZ")
    assert nothing.exit_code == 0 and "No certificate found" in nothing.stdout


def test_query_uses_ecert_db_when_no_db_is_given(db):
    result = run("query", "--all", "--json", env={"ECERT_DB": db})
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 2


def test_query_needs_exactly_one_selection(db):
    assert run("query", "--db", db).exit_code == 2
    assert run("query", "--db", db, "--all", "--ior", IOR).exit_code == 2
    assert run("query", "--db", db, "--certificate", CERT).exit_code == 2


def test_unusable_database_is_a_message_and_exit_1(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is no sqlite file" * 50)
    for command in (["query", "--all"], ["check"]):
        result = run(*command, "--db", str(garbage))
        assert result.exit_code == 1
        assert "garbage.db" in result.stderr
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit)  # no other exception escaped


def test_check_ok_summary(db):
    result = run("check", "--db", db)
    assert result.exit_code == 0
    assert result.stdout.startswith("OK: 2 certificates, 1 entry, 2 ledger rows")


def test_check_lists_each_discrepancy_and_exits_1(db):
    with raw(db) as conn:
        conn.execute(  # balance and its total together: the row's CHECK refuses the balance alone
            "UPDATE certificates SET balance = balance + 100, restored = restored + 100"
            " WHERE number = ?",
            (CERT,),
        )
        conn.commit()
    result = run("check", "--db", db)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(f"AU {CERT}: ") for line in lines)
    assert "14,999.75" in result.stdout  # what the history says the balance should be


@pytest.mark.parametrize(
    "selection",
    [("--all",), ("--all", "--usage"), ("--country", "NZ", "--usage"), ("--ior", IOR, "--usage")],
)
def test_streamed_json_is_the_text_json_dumps_gives(db, selection):
    """Written as it is read, the JSON is still what one json.dumps(indent=2) of it gives."""
    result = run("query", "--db", db, *selection, "--json", "--clock", "2027-01-01T00:00:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == json.dumps(json.loads(result.stdout), indent=2) + "\n"


def test_streamed_usage_table_aligns_every_column(db):
    """Read twice from the store (widths, then lines), the history is still one aligned table."""
    with open_store(db) as store:
        ledger_of(store).apply_entry(
            entry("A", [e1(1, 499_900)], number=entry_number(serial=27)), FILER, CLOCK)
    result = run("query", "--db", db, "--certificate", CERT, "--country", "AU", "--usage")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    history = lines[lines.index(next(x for x in lines if x.lstrip().startswith("DATE"))):]
    assert len(history) == 4  # heading and three rows
    # every row's quantity ends where the heading's QUANTITY ends: right-aligned in one column
    end = history[0].index("QUANTITY") + len("QUANTITY")
    quantities = [line[:end].split()[-1] for line in history[1:]]
    assert quantities == ["10,000.00", "0.25", "4,999.00"]
    assert len({len(line[:end]) for line in history}) == 1


def test_query_matches_country_certificate_and_ior_in_any_case(db):
    exact = run("query", "--db", db, "--certificate", CERT, "--country", "AU", "--json")
    lower = run("query", "--db", db, "--certificate", CERT.lower(), "--country", "au", "--json")
    assert exact.exit_code == lower.exit_code == 0, lower.output
    assert json.loads(lower.stdout) == json.loads(exact.stdout) != []
    by_ior = json.loads(run("query", "--db", db, "--ior", OTHER_IOR.lower(), "--json").stdout)
    assert [c["ior"] for c in by_ior] == [OTHER_IOR]


def test_rows_past_the_first_page_are_aligned_as_rich_lays_them_out():
    from ecert_edi.surfaces.cli import query as query_module

    headings = ("DATE", "ENTRY", "QUANTITY", "IOR")
    rows = [("2026-01-15", f"B2X{n:08d}", f"{n * 7:,}.00", "12-3456789AB"[: 4 + n % 9])
            for n in range(1, 40)]
    widths = query_module.column_widths(headings, rows)
    by_rich = list(query_module._laid_out(headings, widths, rows, "    "))[1:]
    assert by_rich == [query_module.aligned(headings, widths, r, "    ") for r in rows]
