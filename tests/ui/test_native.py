"""The app's native worker: every page asks for it, so asking must never wait on a job."""

from __future__ import annotations

import threading

import pytest

from explorer.ui import native
from explorer.worker import NativeWorker
from tests.test_worker import sleep


@pytest.fixture
def worker(monkeypatch):
    w = NativeWorker(warm=False)
    monkeypatch.setattr(native, "_worker", w)
    yield w
    w.close()


def test_a_page_asking_for_the_worker_does_not_wait_for_another_sessions_job(worker):
    job = threading.Thread(target=native.in_worker, args=(sleep, 5))
    job.start()
    while not worker._lock.locked():  # the job holds the worker
        pass
    asked = threading.Thread(target=native.native_worker)
    asked.start()
    asked.join(timeout=2)
    blocked = asked.is_alive()
    job.join()
    assert not blocked, "page_setup would wait for another session's fit"


def test_librosa_is_warmed_once_in_the_background():
    """The first page starts librosa's import (its numba compile) on a thread of its own, once."""
    import subprocess
    import sys

    from explorer.paths import ROOT

    script = """
import sys
from explorer.ui import native
first = native.warm_librosa()
assert native.warm_librosa() is first and first.daemon
first.join(300)
print("librosa.core" in sys.modules, "librosa.filters" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"], out.stdout
