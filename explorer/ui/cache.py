"""Caches bounded in bytes, shared by every session of the server.

``st.cache_data`` bounds a cache by entries only, so 32 one-second notes and 32 thirty-second GP
draws count the same, and a server kept every one of 40 long draws (1.2 -> 2.0 GB). The values
that grow with a sound's length (rendered audio, WAV bytes, the figures of its panel) are kept
here instead: one least-recently-used store per function, holding at most ``max_mb`` megabytes.

Like ``st.cache_data``, parameters whose names start with ``_`` are not part of the key (the
caller passes a digest beside them). Unlike it, a hit returns the cached object itself, not a
copy: callers never mutate what they get.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import pickle
import sys
import threading
from collections import OrderedDict
from typing import Any, Callable

import numpy as np


def size_of(value: Any) -> int:
    """Bytes a cached value holds (arrays and byte strings exactly, containers and plotly figures by
    their parts, anything else as pickled)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        return len(value)
    if isinstance(value, (int, float, bool, type(None))):
        return sys.getsizeof(value)
    if isinstance(value, (tuple, list)):
        return 64 + sum(size_of(v) for v in value)
    if isinstance(value, dict):
        return 64 + sum(size_of(k) + size_of(v) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(size_of(getattr(value, f.name)) for f in dataclasses.fields(value))
    plotly_parts = _plotly_parts(value)
    if plotly_parts is not None:
        return 64 + size_of(plotly_parts)
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - an object that does not pickle: count it as large
        return 1 << 20


def _plotly_parts(value: Any) -> tuple | None:
    """A plotly figure's own data and layout (plain lists and dicts holding its arrays and image
    URIs), or None for anything else: pickling a figure to weigh it costs more than building it."""
    data, layout = getattr(value, "_data", None), getattr(value, "_layout", None)
    if type(value).__module__.startswith("plotly.") and isinstance(data, list) and isinstance(layout, dict):
        return data, layout
    return None


class ByteLRU:
    """A thread-safe LRU store of at most ``max_bytes`` (a value larger than that is not kept)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key][0]

    def put(self, key: str, value: Any, size: int) -> None:
        with self._lock:
            if key in self._items:
                self.bytes -= self._items.pop(key)[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                self.bytes -= self._items.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


#: Every store made by :func:`bytes_cache`, so tests (and ``clear_all``) can empty them.
STORES: list[ByteLRU] = []


def bytes_cache(max_mb: float) -> Callable:
    """Decorator: cache the function's results in a :class:`ByteLRU` of ``max_mb`` megabytes,
    keyed by its arguments except those whose parameter names start with ``_``."""
    def wrap(fn: Callable) -> Callable:
        signature = inspect.signature(fn)
        store = ByteLRU(int(max_mb * 2**20))
        STORES.append(store)

        @functools.wraps(fn)
        def cached(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            keyed = [(name, value) for name, value in bound.arguments.items() if not name.startswith("_")]
            key = hashlib.blake2b(pickle.dumps(keyed, protocol=pickle.HIGHEST_PROTOCOL), digest_size=16).hexdigest()
            hit, value = store.get(key)
            if hit:
                return value
            value = fn(*args, **kwargs)
            store.put(key, value, size_of(value))
            return value

        cached.store = store  # type: ignore[attr-defined]
        return cached
    return wrap


def clear_all() -> None:
    """Empty every byte-bounded cache."""
    for store in STORES:
        store.clear()
