"""Shared fixtures: a stable per-test random generator and the known-value directory."""

import zlib
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def rng(request) -> np.random.Generator:
    """Generator seeded from the test's node id (stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def data_dir() -> Path:
    """Folder of known values copied from the project's R reference files."""
    return DATA
