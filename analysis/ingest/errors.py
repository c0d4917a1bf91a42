"""The one exception type every reader raises for a file it cannot read, and memory errors
parsers report as something else."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be read: carries the file's name and the reason in plain words."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


def reraise_out_of_memory(exc: Exception) -> None:
    """Raise MemoryError for a parser error that is one: pandas' C parser reports running
    out of memory as a ParserError ("C error: out of memory"), libxml2 as a syntax error
    ("Memory allocation failed"); either would otherwise read as a damaged file rather than
    one too big for the reader's memory limit."""
    if any(words in str(exc) for words in ("out of memory", "Memory allocation failed")):
        raise MemoryError(str(exc)) from exc
