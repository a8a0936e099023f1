"""The layers of docs/architecture.md hold: import-linter's contracts in pyproject.toml are kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports() -> str | None:
    beside = Path(sys.executable).with_name("lint-imports")
    return str(beside) if beside.exists() else shutil.which("lint-imports")


@pytest.mark.skipif(_lint_imports() is None, reason="import-linter is not installed")
def test_every_import_contract_is_kept():
    result = subprocess.run([_lint_imports()], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_first_binding_store_and_responder_implement_their_interfaces(tmp_path):
    from ecert_edi.bindings.abi.binding import ABI
    from ecert_edi.bindings.abi.reading import check_envelope
    from ecert_edi.bindings.interface import Binding, Responder
    from ecert_edi.store import LedgerStore, SQLiteStore

    assert isinstance(ABI, Binding)
    envelope = check_envelope((ROOT / "fixtures" / "spec" / "entry.txt").read_bytes())
    import datetime as dt

    assert isinstance(ABI.responder(envelope, dt.datetime(2026, 1, 15)), Responder)
    with SQLiteStore(tmp_path / "ecert.db") as store:
        assert isinstance(store, LedgerStore)
