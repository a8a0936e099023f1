"""What a file's first bytes say about why it fails: a byte-order mark, UTF-16, CR-only line ends."""

from __future__ import annotations

HEAD = 64 * 1024  # bytes looked at: enough to see line ends and the form of the text


def encoding_hint(head: bytes) -> str | None:
    """One sentence telling what the file is instead of ASCII text in lines, or None.

    Such a file gets conditions on every line (001, 003, 010...), none of which says the cause:
    the file was saved in another form than the ABI's plain ASCII with LF or CR LF line ends.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_mark(head):
        return ("the file is UTF-16 text (two bytes a character); ABI files are ASCII: save it as "
                "ASCII (or UTF-8 without a byte-order mark)")
    if head.startswith(b"\xef\xbb\xbf"):
        return ("the file begins with a UTF-8 byte-order mark (bytes EF BB BF) before its first "
                "record; save it without the mark")
    if b"\r" in head and b"\n" not in head:
        return ("the lines end with CR alone (old Mac line ends), so the file reads as one long "
                "line; save it with LF or CR LF line ends")
    return None


def _utf16_without_mark(head: bytes) -> bool:
    """ASCII text as UTF-16: every other byte zero."""
    sample = head[:4096]
    if len(sample) < 8:
        return False
    return sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4
