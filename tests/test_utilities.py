"""The shared file helper: atomic replace, no temporary left behind, the mode, the folder sync."""

from __future__ import annotations

import os
import stat

import pytest

from ecert_edi.processing import files
from ecert_edi.processing.files import (
    RESPONSE_MODE,
    Held,
    atomic_file,
    publish_held,
    sync_dir,
    write_atomically,
)


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_target_is_replaced_whole_and_only_on_success(tmp_path):
    target = tmp_path / "out" / "a.txt.resp"
    target.parent.mkdir()
    target.write_text("old\n")
    with atomic_file(target) as out:
        out.write("new\n")
        temps = [p for p in target.parent.iterdir() if p != target]
        assert target.read_text() == "old\n"  # nothing seen before the rename
    assert target.read_bytes() == b"new\n"
    assert listing(target.parent) == ["a.txt.resp"]
    assert len(temps) == 1
    assert temps[0].name.startswith(".a.txt.resp.") and temps[0].name.endswith(".tmp")


def test_the_file_can_be_read_back_before_it_is_kept(tmp_path):
    target = tmp_path / "r"
    with atomic_file(target) as out:
        out.write("A\nB\n")
        out.flush()
        os.fsync(out.fileno())
        out.seek(0)
        assert out.read() == "A\nB\n"
    assert target.read_text() == "A\nB\n"


def test_a_failure_removes_the_temporary_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "r"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_file(target) as out:
        out.write("half")
        raise RuntimeError("stop")
    assert target.read_text() == "old\n"
    assert listing(tmp_path) == ["r"]


def test_parts_are_written_in_order_into_a_created_folder(tmp_path):
    target = tmp_path / "new" / "deeper" / "r"
    write_atomically(target, iter(["A\n", "B\n", "C\n"]))
    assert target.read_bytes() == b"A\nB\nC\n"


def test_a_failing_part_leaves_no_target_and_no_temporary(tmp_path):
    def parts():
        yield "A\n"
        raise OSError("gone")

    with pytest.raises(OSError):
        write_atomically(tmp_path / "r", parts())
    assert listing(tmp_path) == []


@pytest.mark.parametrize("umask, mode", [(0o077, 0o600), (0o027, 0o640), (0o022, 0o644)])
def test_a_response_is_created_with_the_process_umask(tmp_path, umask, mode):
    """Responses hold personal data: never forced readable by all (RESPONSE_MODE is None)."""
    old = os.umask(umask)
    try:
        write_atomically(tmp_path / "r", ["x"])
    finally:
        os.umask(old)
    assert RESPONSE_MODE is None
    assert stat.S_IMODE(os.stat(tmp_path / "r").st_mode) == mode


def test_a_mode_given_is_set_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        write_atomically(tmp_path / "r", ["x"], 0o644)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "r").st_mode) == 0o644


def test_mode_none_is_what_a_plain_new_file_gets(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "r", ["x"], None)
        (tmp_path / "plain").write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "r").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "plain").st_mode) == 0o640


def test_text_is_ascii_unless_told_and_lines_end_in_lf(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        write_atomically(tmp_path / "r", ["é"])
    assert listing(tmp_path) == []
    write_atomically(tmp_path / "r", ["é\n"], encoding="utf-8")
    assert (tmp_path / "r").read_bytes() == "é\n".encode()
    raw = bytes(range(256)).decode("latin-1")
    write_atomically(tmp_path / "b", [raw], encoding="latin-1")
    assert (tmp_path / "b").read_bytes() == bytes(range(256))


def test_the_file_and_its_folder_are_synced(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(files, "sync_dir", synced.append)
    fsynced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd)))
    write_atomically(tmp_path / "r", ["x"])
    assert synced == [tmp_path]
    assert len(fsynced) == 1  # the file's own data, before the rename


def test_no_folder_sync_after_a_failure(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(files, "sync_dir", synced.append)
    with pytest.raises(RuntimeError), atomic_file(tmp_path / "r"):
        raise RuntimeError
    assert synced == []


def test_sync_dir_syncs_a_folder(tmp_path, monkeypatch):
    calls = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real_fsync(fd)))
    sync_dir(tmp_path)
    assert len(calls) == 1


def test_held_files_are_put_in_place_whole_their_folders_synced_once(tmp_path, monkeypatch):
    """A batch's responses: each one's bytes as held, an old file replaced, every folder synced
    once after the last, no temporary left."""
    synced = []
    monkeypatch.setattr(files, "sync_dir", synced.append)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r1").write_bytes(b"old")
    held = [Held(tmp_path / "a" / "r1", b"one\n"), Held(tmp_path / "a" / "r2", b"two\n" * 5000),
            Held(tmp_path / "b" / "r3", b"")]  # a folder made when missing
    publish_held(held)
    assert [(p.read_bytes()) for p in (h.target for h in held)] == [b"one\n", b"two\n" * 5000, b""]
    assert listing(tmp_path / "a") == ["r1", "r2"] and listing(tmp_path / "b") == ["r3"]
    assert synced == [tmp_path / "a", tmp_path / "b"]


def test_a_held_file_that_cannot_be_put_in_place_leaves_no_temporary(tmp_path, monkeypatch):
    """The files renamed before the failure stay (each is whole); the others leave nothing,
    and no folder is synced for a batch that failed."""
    synced = []
    monkeypatch.setattr(files, "sync_dir", synced.append)
    real_replace = os.replace

    def replace(source, target):
        if str(target).endswith("r2"):
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        publish_held([Held(tmp_path / "r1", b"1"), Held(tmp_path / "r2", b"2"),
                      Held(tmp_path / "r3", b"3")])
    assert listing(tmp_path) == ["r1"] and synced == []
