"""The native worker: jobs run in a child process; a crash or an overrun ends the job with a
message and a fresh child, never the caller."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.worker import NativeWorker, WorkerError


def child_pid() -> int:
    return os.getpid()


def crash() -> None:
    os.abort()  # what a native crash looks like from outside: the process dies on a signal


def sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def refuse(value: float) -> None:
    raise ParameterError(f"value {value} is out of range")


def counted(n: int, progress=None) -> int:
    for i in range(n):
        progress((i + 1) / n)
    return n


def unpicklable_result():
    return lambda: None


@pytest.fixture
def worker():
    w = NativeWorker(warm=False, budget_s=2.0)
    yield w
    w.close()


def test_jobs_run_in_a_child_and_return_their_result(worker):
    pid = worker.call(child_pid)
    assert pid != os.getpid()
    assert worker.call(child_pid) == pid  # one long-lived child
    assert worker.call(np.add, np.arange(3), 1).tolist() == [1, 2, 3]


def test_a_crash_ends_the_job_with_a_message_and_the_next_job_gets_a_fresh_child(worker):
    before = worker.call(child_pid)
    with pytest.raises(WorkerError, match="stopped unexpectedly"):
        worker.call(crash)
    after = worker.call(child_pid)
    assert after != before and worker.restarts == 1


def test_a_job_past_its_budget_is_stopped(worker):
    started = time.monotonic()
    with pytest.raises(WorkerError, match="longer than 2 s"):
        worker.call(sleep, 30)
    assert time.monotonic() - started < 15
    assert worker.call(sleep, 0) == "woke"


def test_errors_come_back_as_themselves(worker):
    with pytest.raises(ParameterError, match="value 3 is out of range"):
        worker.call(refuse, 3)
    with pytest.raises(Exception, match="pickle"):  # a result that cannot travel is an error, not a hang
        worker.call(unpicklable_result)
    assert worker.call(sleep, 0) == "woke"


def test_progress_is_passed_back(worker):
    seen = []
    assert worker.call(counted, 4, progress=seen.append) == 4
    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_the_warm_child_tracks_pitch_in_its_own_numba_cache(tmp_path, monkeypatch):
    from explorer.audio.pitch import median_f0

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    w = NativeWorker(warm=True)
    try:
        t = np.arange(16000) / 16000
        f0 = w.call(median_f0, np.sin(2 * np.pi * 330 * t).astype(np.float32), sr=16000, fmin=200.0, fmax=500.0)
    finally:
        w.close()
    assert abs(f0 - 330) < 3
    assert any((tmp_path / "numba" / "native-worker").rglob("*.nbi"))  # compiled into its own cache
