"""The renders of slider moves run on a few long-lived threads, not on the script's own thread.

Streamlit runs each rerun on a new thread. Torch pays for a new thread: it builds an OpenMP team
and per-thread state on first use, and an idle team left behind by another thread spins on a
core. Measured on the 2-core machine, the same GAN note took 24 ms on a fresh thread per render
against 13 ms on a thread that had rendered before. Each render thread runs torch on one
intra-op thread (sessions, not one note's small tensors, are where the parallelism is), and the
caller's context (its time budget) goes with the work.
"""

from __future__ import annotations

import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")

#: Render threads: one per core, at most 4 (a render uses one core).
RENDER_THREADS = max(1, min(4, os.cpu_count() or 1))


def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


_pool = ThreadPoolExecutor(max_workers=RENDER_THREADS, thread_name_prefix="explorer-render",
                           initializer=_one_torch_thread)


def on_render_thread(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` on a render thread, waited for; its exception is raised here."""
    return _pool.submit(contextvars.copy_context().run, fn, *args, **kwargs).result()
