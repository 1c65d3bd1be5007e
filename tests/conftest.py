"""Fixtures shared by the whole suite."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Two cores on CI: keep torch from oversubscribing them while tests run in one process.
os.environ.setdefault("OMP_NUM_THREADS", "2")
# numba (behind librosa.pyin) caches compiled code; two processes writing one cache at once can
# corrupt it and crash, so the tests (and the subprocesses they start) keep a cache of their own.
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "latent-audio-explorer-tests-numba"))


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (whole benchmark runs) are skipped unless RUN_SLOW=1 or ``-m`` names them."""
    if os.environ.get("RUN_SLOW") == "1" or "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with RUN_SLOW=1 or -m slow")
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    """Twelve synthetic notes (seed 3): a dataset small enough to train on in a test."""
    from explorer.data import write_dataset

    out = tmp_path_factory.mktemp("tiny_data") / "synth"
    write_dataset(out, size=12, seed=3, workers=1, progress=False)
    return out


@pytest.fixture
def feature_cache(tmp_path, monkeypatch) -> Path:
    """A feature cache of the test's own (training never reads another test's features)."""
    monkeypatch.setenv("EXPLORER_FEATURE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"
