"""Shared fixtures.

Benchmark files live in ``../shared/data`` beside the checkout (or where
``ROUTING_GYM_DATA`` points). Where neither exists (a fresh clone), the
real-data tests run on the small subset bundled in ``tests/data`` (same layout,
see ``tests/data/SOURCES.md``), so they run instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import routing_gym  # noqa: F401 - registers the environment ids

#: the small real files shipped with the tests (a subset of the shared sets, same layout)
BUNDLED_DATA = Path(__file__).resolve().parent / "data"


def full_data_root() -> Path | None:
    """The full benchmark sets: ``$ROUTING_GYM_DATA`` if set, else ``../shared/data``; ``None`` when absent."""
    env = os.environ.get("ROUTING_GYM_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root if root.is_dir() else None


def data_root() -> Path:
    """The full benchmark sets when present, else the bundled subset in ``tests/data``."""
    return full_data_root() or BUNDLED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real benchmark files: the full sets, or the bundled subset on a fresh clone."""
    return data_root()
