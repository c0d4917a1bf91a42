"""Shared test helpers: where the real sample files live, and CI strictness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "samples"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def sample(relative: str) -> Path:
    """Path of a shared real sample file; skips the test (with the reason) when absent."""
    path = SAMPLES / relative
    if not path.exists():
        if IN_CI:
            pytest.fail(f"sample {path} missing in CI")
        pytest.skip(f"real sample files not found at {SAMPLES} (a user's own clone)")
    return path


def need(condition: bool, reason: str) -> None:
    """Skip unless `condition`; in CI a missing prerequisite is a failure, never a skip."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI is missing a test prerequisite: {reason}")
        pytest.skip(reason)
