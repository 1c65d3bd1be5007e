"""Native work kept off the request path.

- The server's one native worker (:class:`explorer.worker.NativeWorker`): started by the first
  page anyone opens, so it is ready (pyin compiled, for tuning SFZ samples) before a fit or an
  instrument asks for it, and shared by every session. Held here, not in ``st.cache_resource``:
  clearing the caches must not orphan a child process.
- librosa's core, imported once in a background thread when the first page opens: its import
  compiles numba kernels (about 20 s on a fresh install, 1-2 s from the cache later), which the
  first GAN page (its mel filters) would otherwise wait for. A page that needs librosa meanwhile
  waits on the import lock for the same compile; nothing is compiled twice. Uploads need no
  librosa (explorer.audio.trim).
"""

from __future__ import annotations

import os
import threading

from explorer.worker import NativeWorker

_worker: NativeWorker | None = None
_lock = threading.Lock()
_librosa_warming: threading.Thread | None = None


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


def _import_librosa_core() -> None:
    try:  # the lowest CPU priority, for this thread only (Linux): pages being drawn come first
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    try:
        import librosa.core  # noqa: F401
        import librosa.feature  # noqa: F401
        import librosa.filters  # noqa: F401
    except Exception:  # noqa: BLE001 - the page that needs librosa meets the same error and reports it
        pass


def warm_librosa() -> threading.Thread:
    """Start importing librosa's core in a background thread (once per server); the thread."""
    global _librosa_warming
    with _lock:
        if _librosa_warming is None:
            _librosa_warming = threading.Thread(target=_import_librosa_core, name="explorer-warm-librosa",
                                                daemon=True)
            _librosa_warming.start()
        return _librosa_warming
