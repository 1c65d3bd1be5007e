"""Fixtures for the audio-core tests."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.signals import note


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def note_1s() -> np.ndarray:
    return note(1.0)
