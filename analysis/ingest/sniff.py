"""Recognise what a blob of bytes is from its content (magic bytes), not its name."""

from __future__ import annotations

import re

from analysis.ingest.decompress import GZIP_MAGIC

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_ROOT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_BLANK = re.compile(rb"[\s\x00]*")
# What may precede the root element (and a DOCTYPE): declaration, PIs, comments, blanks.
XML_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|\s)*", re.S)


def strip_bom(data: bytes) -> bytes:
    """`data` without a leading UTF-8 byte-order mark."""
    return data[3:] if data.startswith(BOMS[0]) else data


def xml_root_name(data: bytes) -> str | None:
    """Local name of the root element when `data` starts like an XML document (in UTF-8 or
    UTF-16); the prolog before it (comments, PIs, a DOCTYPE) may be of any length."""
    text = _utf8_head(data)
    if not text.lstrip().startswith(b"<"):
        return None
    rest = text[XML_PROLOG.match(text).end():][:8192]
    rest = re.sub(rb"^<!DOCTYPE[^>\[]*(\[.*?\])?\s*>\s*", b"", rest, flags=re.S)
    found = _ROOT.match(rest.lstrip())
    return found.group(1).decode("ascii", "replace") if found else None


def _utf8_head(data: bytes) -> bytes:
    """`data` as UTF-8 bytes for recognising it: UTF-16 (by its byte-order mark, or a
    '<' with a zero byte beside it) is decoded; a UTF-8 byte-order mark is dropped."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace").encode("utf-8")
    for start, codec in ((b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be")):
        if data.lstrip(b" \t\r\n\x00").startswith(b"<") and data.startswith(start):
            return data[:len(data) // 2 * 2].decode(codec, "replace").encode("utf-8")
    return strip_bom(data)


def _is_text(head: bytes) -> bool:
    """Whether bytes read as text: no NUL and almost no other control bytes (random or
    binary data has about one in eight)."""
    controls = sum(head.count(bytes([c])) for c in (*range(1, 9), 11, *range(14, 27),
                                                    *range(28, 32)))
    return b"\x00" not in head and controls <= len(head) // 100


def sniff(data: bytes) -> str:
    """One of gzip, zip, fit, gpx, tcx, xml, csv (separated text), text, empty or unknown
    (binary)."""
    if _BLANK.fullmatch(data):
        return "empty"
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if data.startswith(ZIP_MAGICS):
        return "zip"
    if len(data) >= 12 and data[8:12] == b".FIT" and data[0] in (12, 14):
        return "fit"
    root = xml_root_name(data)
    if root is not None:
        return {"gpx": "gpx", "TrainingCenterDatabase": "tcx"}.get(root, "xml")
    head = _utf8_head(data[:4096])
    if not _is_text(head):
        return "unknown"
    first_line = head.split(b"\n", 1)[0]
    return "csv" if b"," in first_line or b";" in first_line or b"\t" in first_line else "text"
