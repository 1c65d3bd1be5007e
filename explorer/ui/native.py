"""The server's one native worker (:class:`explorer.worker.NativeWorker`): started by the first
page anyone opens, so pyin is compiled in the background before a fit asks for it, and shared by
every session. Held here, not in ``st.cache_resource``: clearing the caches must not orphan a
child process."""

from __future__ import annotations

import threading

from explorer.worker import NativeWorker

_worker: NativeWorker | None = None
_lock = threading.Lock()


def native_worker() -> NativeWorker:
    """The worker, started (and warming up) on first use."""
    global _worker
    with _lock:
        if _worker is None:
            _worker = NativeWorker(warm=True)
        _worker.start()
        return _worker


def in_worker(fn, *args, progress=None, **kwargs):
    """``fn(*args, **kwargs)`` in the native worker (see :meth:`NativeWorker.call`)."""
    return native_worker().call(fn, *args, progress=progress, **kwargs)
