"""Bounded gzip decompression: refuses bombs by total size and by expansion ratio."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from analysis.ingest.errors import IngestError

MiB = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one import; every decompressed byte counts against them."""

    max_file_bytes: int = 512 * MiB  # one activity file after decompression
    max_ratio: float = 200.0  # decompressed ÷ compressed, checked once past ratio_floor_bytes
    ratio_floor_bytes: int = 8 * MiB
    max_total_bytes: int = 32 * 1024 * MiB  # everything decompressed in one import


DEFAULT_LIMITS = Limits()


def check_expansion(name: str, out_bytes: int, in_bytes: int, limits: Limits) -> None:
    """Raise when `out_bytes` produced from `in_bytes` breaks the size or ratio limit."""
    if out_bytes > limits.max_file_bytes:
        raise IngestError(name, f"refused: decompresses to more than "
                                f"{limits.max_file_bytes // MiB} MiB (possible zip/gzip bomb)")
    if out_bytes > limits.ratio_floor_bytes and out_bytes > limits.max_ratio * max(in_bytes, 1):
        raise IngestError(name, f"refused: expands more than {limits.max_ratio:.0f}× "
                                "(possible zip/gzip bomb)")


def gunzip(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Decompress gzip `data` (all members), never producing more than the limits allow."""
    chunks: list[bytes] = []
    produced = 0
    pos = 0
    while pos < len(data):
        inflater = zlib.decompressobj(wbits=31)
        view = memoryview(data)[pos:]
        pending: bytes | memoryview = view
        try:
            while pending and not inflater.eof:
                out = inflater.decompress(pending, 4 * MiB)
                produced += len(out)
                check_expansion(name, produced, len(data), limits)
                chunks.append(out)
                pending = inflater.unconsumed_tail
        except zlib.error as exc:
            raise IngestError(name, f"damaged gzip data ({exc})") from None
        if not inflater.eof:
            raise IngestError(name, "gzip data ends early (truncated download?)")
        consumed = len(view) - len(inflater.unused_data)
        pos += consumed
        rest = inflater.unused_data
        if not rest.lstrip(b"\x00"):
            break  # trailing zero padding after the last member
        if not rest.startswith(GZIP_MAGIC):
            break  # trailing garbage after a complete member: ignore it like gzip does
    return b"".join(chunks)
