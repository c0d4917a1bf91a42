"""The one exception type every reader raises for a file it cannot read."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be read: carries the file's name and the reason in plain words."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason
