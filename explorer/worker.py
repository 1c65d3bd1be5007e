"""Native work in one long-lived child process: the app's pitch tracking and fits (``librosa.pyin``
for tuning sampler instruments, the GP fit).

numba compiles pyin on its first use (about 50 s with a cold cache) and two processes compiling
into one cache at once can corrupt it and crash natively. So the app never runs that work itself:
it sends the job here. One child, started when the app starts and warmed at once (pyin compiled in
the background, into a cache of its own), runs one job at a time. A crash in the child, or a job
past its time budget, ends that job with a message and a fresh child next time; the server and
every other session stay up.

This module imports only the standard library until the child has set its numba cache, so the
child never compiles into a cache another process is writing.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from explorer.errors import ExplorerError

#: Seconds a job may run before its child is stopped (the longest fit, 10 s of audio, takes ~5 s).
JOB_BUDGET_S = 120.0
#: Seconds the child may take to start and warm up (a cold numba compile on a loaded machine).
WARM_BUDGET_S = 600.0
#: Polling interval for results, s: how soon a crashed child is noticed.
POLL_S = 0.2


class WorkerError(ExplorerError):
    """The child process stopped (crashed, or ran past its time budget) during a job."""


def numba_cache_dir() -> Path:
    """The child's own numba cache: beside ``$NUMBA_CACHE_DIR`` if set, else in the user's cache."""
    base = os.environ.get("NUMBA_CACHE_DIR")
    return Path(base) / "native-worker" if base else Path.home() / ".cache" / "latent-audio-explorer" / "numba"


def warm_up() -> None:
    """Compile pyin (and load its cache) on a short tone: the first real job then starts at once."""
    import numpy as np

    from explorer.audio.pitch import median_f0

    t = np.arange(8000) / 16000
    median_f0(np.sin(2 * np.pi * 220 * t).astype(np.float32), sr=16000, fmin=100.0, fmax=400.0)


def _serve(job_fd: int, result_fd: int, cache_dir: str, warm: bool) -> None:
    """The child: read jobs (a thread, so a sender never waits on the warm-up), run them in order."""
    os.environ["NUMBA_CACHE_DIR"] = cache_dir  # before numba is imported
    from multiprocessing.connection import Connection

    jobs, results = Connection(job_fd, writable=False), Connection(result_fd, readable=False)
    inbox: queue.Queue = queue.Queue()

    def read() -> None:
        try:
            while True:
                inbox.put(jobs.recv())
        except (EOFError, OSError):  # the app closed its end: stop
            inbox.put(None)

    threading.Thread(target=read, daemon=True).start()
    if warm:
        try:
            warm_up()
        except Exception:  # noqa: BLE001 - a job will meet the same problem and report it
            pass
    try:
        _answer(inbox, results)
    except OSError:  # BrokenPipeError included: the app went away; nothing is left to answer
        pass


def _answer(inbox, results) -> None:
    results.send(("ready", None))
    while (job := inbox.get()) is not None:
        fn, args, kwargs, wants_progress = job
        if wants_progress:
            kwargs = {**kwargs, "progress": lambda f: results.send(("progress", float(f)))}
        try:
            message = ("done", fn(*args, **kwargs))
            pickle.dumps(message)  # a result that cannot travel is this job's error, not a broken pipe
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the app
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:  # noqa: BLE001
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            message = ("error", exc)
        results.send(message)


class NativeWorker:
    """One child process that runs picklable functions one at a time (thread-safe).

    ``warm``: compile pyin as soon as the child starts. ``budget_s``: a job's time budget.
    """

    def __init__(self, *, warm: bool = True, budget_s: float = JOB_BUDGET_S):
        self._lock = threading.Lock()
        self._warm = warm
        self.budget_s = float(budget_s)
        self._proc: subprocess.Popen | None = None
        self._crashed = False
        self.restarts = 0

    def start(self) -> None:
        """Start the child now (it warms up in the background); a no-op while it runs."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        if self._proc is not None or self._crashed:
            self.restarts += 1
        self._crashed = False
        from multiprocessing.connection import Connection

        cache = numba_cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        # a fresh interpreter, not multiprocessing's spawn: that re-imports the app's main module,
        # and a forked copy of a threaded server holding torch is not safe
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from explorer.worker import _serve; "
             "_serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == '1')",
             str(job_r), str(res_w), str(cache), "1" if self._warm else "0"],
            pass_fds=(job_r, res_w), env=env, stdin=subprocess.DEVNULL)
        os.close(job_r)
        os.close(res_w)
        self._jobs, self._results = Connection(job_w, readable=False), Connection(res_r, writable=False)
        self._ready = False

    def _stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(timeout=10)
            for conn in (self._jobs, self._results):
                conn.close()

    def _crash(self, message: str) -> WorkerError:
        self._stop()
        self._proc, self._crashed = None, True
        return WorkerError(message)

    def call(self, fn: Callable, *args, progress: Callable[[float], None] | None = None, **kwargs):
        """``fn(*args, **kwargs)`` in the child (``progress``, if given, is passed on as the
        function's own ``progress=`` callback and called here). Raises what ``fn`` raised, or
        :class:`WorkerError` if the child crashed or the job ran past its budget."""
        crashed = ("The pitch tracker stopped unexpectedly while working on this sound{}. "
                   "Try again; other pages were not affected.")
        with self._lock:
            self._ensure()
            try:
                self._jobs.send((fn, args, kwargs, progress is not None))
            except (BrokenPipeError, OSError):
                raise self._crash(crashed.format("")) from None
            asked, started = time.monotonic(), None  # the job's budget counts from when the child is ready
            while True:
                if started is None and self._ready:
                    started = time.monotonic()
                try:
                    message = self._results.recv() if self._results.poll(POLL_S) else None
                except (EOFError, OSError):
                    message = None
                if message is None:
                    code = self._proc.poll()
                    if code is not None:
                        raise self._crash(crashed.format(f" (exit code {code})")) from None
                    now = time.monotonic()
                    if (now - started > self.budget_s) if started is not None else (now - asked > WARM_BUDGET_S):
                        raise self._crash(f"This took longer than {self.budget_s:.0f} s and was stopped. "
                                          "Try a shorter clip.") from None
                    continue
                kind, value = message
                if kind == "ready":
                    self._ready = True
                elif kind == "progress":
                    if progress is not None:
                        progress(value)
                elif kind == "done":
                    return value
                else:
                    raise value

    def close(self) -> None:
        """Stop the child (a later call starts a fresh one)."""
        with self._lock:
            self._stop()
            self._proc = None
