"""The server's one native worker (:class:`explorer.worker.NativeWorker`): started by the first
page anyone opens, so it is ready (pyin compiled, for tuning SFZ samples) before a fit or an
instrument asks for it, and shared by every session. Held here, not in ``st.cache_resource``:
clearing the caches must not orphan a child process."""

from __future__ import annotations

import threading

from explorer.worker import NativeWorker

_worker: NativeWorker | None = None
_lock = threading.Lock()


def native_worker() -> NativeWorker:
    """The worker, started (and warming up) on first use. Later calls only return it: every page
    calls this, and a job in progress holds the worker's own lock (a crashed child is restarted
    by the next job)."""
    global _worker
    with _lock:
        if _worker is None:
            _worker = NativeWorker(warm=True)
            _worker.start()
        return _worker


def in_worker(fn, *args, progress=None, **kwargs):
    """``fn(*args, **kwargs)`` in the native worker (see :meth:`NativeWorker.call`)."""
    return native_worker().call(fn, *args, progress=progress, **kwargs)
