"""Time budgets: work inside a budget stops with a message when it runs out; outside, never."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from explorer.audio.phase import griffin_lim_from
from explorer.budget import BUDGETS_S, TimeBudgetExceeded, budgeted, check_time, time_budget
from explorer.models.registry import load_model
from explorer.render import render_safe


def test_no_budget_never_stops_work():
    check_time()


def test_a_spent_budget_stops_with_a_message_that_names_the_work():
    with time_budget(0.0, "The morph"):
        time.sleep(0.01)
        with pytest.raises(TimeBudgetExceeded, match="The morph took longer than 0 s"):
            check_time()
    check_time()  # the budget ends with its block


def test_nested_budgets_keep_the_earlier_deadline():
    with time_budget(0.0, "outer"):
        time.sleep(0.01)
        with time_budget(100.0, "inner"), pytest.raises(TimeBudgetExceeded, match="outer"):
            check_time()
    with time_budget(100.0, "outer"), time_budget(0.0, "inner"):
        time.sleep(0.01)
        with pytest.raises(TimeBudgetExceeded, match="inner"):
            check_time()


def test_griffin_lim_stops_between_iterations():
    mag = torch.rand(1, 513, 200)
    phase = torch.zeros_like(mag)
    started = time.monotonic()
    with time_budget(0.2, "This sound"), pytest.raises(TimeBudgetExceeded):
        griffin_lim_from(mag, phase, n_fft=1024, hop_length=256, n_iter=100_000)
    assert time.monotonic() - started < 5  # 100,000 iterations would take many minutes


@pytest.mark.parametrize("preset", ["gp-speech-voiced", "gp-middle-c"])
def test_a_gp_render_stops_inside_its_budget(preset):
    model = load_model("gp", preset)
    z = model.sample_latent(2, 0)
    with time_budget(0.0, "This sound"), pytest.raises(TimeBudgetExceeded):
        time.sleep(0.01)
        model.render(z)  # the model's own loops check, not only render_safe before it starts
    with time_budget(0.0, "This sound"), pytest.raises(TimeBudgetExceeded):
        time.sleep(0.01)
        render_safe(model, z[0])
    assert np.all(np.isfinite(render_safe(model, z[0]).y))


def test_budgeted_reads_its_budget_when_the_work_starts(monkeypatch):
    @budgeted("sound", "This sound")
    def slow():
        time.sleep(0.01)
        check_time()
        return "done"

    assert slow() == "done"
    monkeypatch.setitem(BUDGETS_S, "sound", 0.0)
    with pytest.raises(TimeBudgetExceeded):
        slow()
    with pytest.raises(ValueError):
        budgeted("forever", "x")
