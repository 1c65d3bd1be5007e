"""Renders of slider moves run on long-lived render threads, with the caller's time budget."""

from __future__ import annotations

import threading

import pytest

from explorer.budget import TimeBudgetExceeded, check_time, time_budget
from explorer.ui.threads import RENDER_THREADS, on_render_thread


def test_work_runs_on_a_render_thread_that_outlives_the_caller():
    names = []
    for _ in range(RENDER_THREADS + 3):  # one caller each, as each rerun is a new thread
        caller = threading.Thread(target=lambda: names.append(on_render_thread(lambda: threading.current_thread().name)))
        caller.start()
        caller.join()
    assert all(n.startswith("explorer-render") for n in names)
    assert len(set(names)) <= RENDER_THREADS  # threads are reused, not made per call
    import torch

    assert on_render_thread(torch.get_num_threads) == 1


def test_the_callers_time_budget_goes_with_the_work_and_errors_come_back():
    with time_budget(-1.0, "This test sound"):  # already spent
        with pytest.raises(TimeBudgetExceeded, match="This test sound"):
            on_render_thread(check_time)
    on_render_thread(check_time)  # no budget outside: never stops
    with pytest.raises(ZeroDivisionError):
        on_render_thread(lambda: 1 / 0)
