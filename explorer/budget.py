"""Time budgets for work a person waits on.

Every render checks the clock between its steps (Griffin-Lim iterations, GP blocks and rows,
morph steps) with :func:`check_time`. Inside ``with time_budget(s):`` a render that runs past
``s`` seconds stops there with :class:`TimeBudgetExceeded`, a message for a person; outside any
budget (the command line's batch rendering) the checks cost a clock read and never stop work.
The config checks already bound how much work a checkpoint can ask for; the budget bounds how
long a loaded machine may spend on it.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from explorer.errors import ExplorerError

#: The app's budgets by kind, s: one sound (a slider move), and work made of many sounds (a
#: morph, a melody, a sampler instrument, a part of a map). Looked up when the work starts.
BUDGETS_S = {"sound": 30.0, "long": 300.0}

_deadline: ContextVar[tuple[float, float, str] | None] = ContextVar("explorer_deadline", default=None)


class TimeBudgetExceeded(ExplorerError):
    """Work ran past its time budget and was stopped."""


@contextmanager
def time_budget(seconds: float, what: str = "This sound") -> Iterator[None]:
    """Work inside may take ``seconds`` (wall clock); ``what`` names it in the message. Nested
    budgets keep the earlier deadline."""
    deadline = time.monotonic() + float(seconds)
    outer = _deadline.get()
    token = _deadline.set(outer if outer is not None and outer[0] <= deadline else (deadline, float(seconds), what))
    try:
        yield
    finally:
        _deadline.reset(token)


def check_time() -> None:
    """Raise :class:`TimeBudgetExceeded` if the current budget (if any) has run out."""
    current = _deadline.get()
    if current is not None and time.monotonic() > current[0]:
        _, seconds, what = current
        raise TimeBudgetExceeded(f"{what} took longer than {seconds:g} s and was stopped: the machine is busy or "
                                 "the setting asks for a lot of work (a long duration, many steps). Try a shorter "
                                 "or simpler setting, or render it from the command line.")


def budgeted(kind: str, what: str):
    """Decorator: the function runs inside ``time_budget(BUDGETS_S[kind], what)``."""
    if kind not in BUDGETS_S:
        raise ValueError(f"unknown budget {kind!r}")

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            with time_budget(BUDGETS_S[kind], what):
                return fn(*args, **kwargs)
        return inner
    return wrap
