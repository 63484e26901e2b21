"""Shared fixtures.

Benchmark files live in ``../shared/data`` beside the checkout (or where
``ROUTING_GYM_DATA`` points); tests that need them skip cleanly when absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import routing_gym  # noqa: F401 - registers the environment ids


def data_root() -> Path | None:
    env = os.environ.get("ROUTING_GYM_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root if root.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the shared benchmark data folder; skips the test when it is absent."""
    root = data_root()
    if root is None:
        pytest.skip("shared benchmark data (../shared/data or $ROUTING_GYM_DATA) not found")
    return root
