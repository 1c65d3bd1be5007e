"""How long a page takes to answer one slider move, beside the bare render of the same setting.

``python -m explorer.ui.rerun_bench [--repeats N]`` prints one JSON object:
``app_rerun_ms_<family>`` (streamlit's AppTest: the page rerun after one slider move, median over
``repeats`` moves to values not heard before), ``render_ms_<family>`` (:func:`explorer.render.render_safe`
of the same settings on a freshly loaded model, in the same process, median) and
``app_rerun_ratio_<family>`` (their ratio; 1.0 means the page costs no more than the model).
``python -m explorer bench`` runs it in a child process (the benchmark itself imports no streamlit).

A browser answers a move of a slider that lives in an ``st.fragment`` by rerunning that fragment
only; AppTest's own ``run()`` always reruns the whole script. So the moves are replayed as the
browser sends them, scoped to the slider's fragment (``app_rerun_scope_<family>``: "fragment", or
"page" where the slider is in no fragment or this Streamlit release lacks the hooks used), and the
whole-page rerun of the same moves is reported beside it (``app_page_rerun_ms_<family>``).
``app_sound_ms_<family>``: from the move until the new sound's player is sent (what a listener
waits for before the pictures arrive), and ``app_sound_ratio_<family>``, its ratio to the render.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Callable

import numpy as np

from explorer.paths import ROOT


@dataclass(frozen=True)
class Move:
    """One family's measured slider: its page, the widget key and the values it is moved to."""

    page: str
    key: str
    values: tuple[float, ...]
    #: (model, value) -> (latent z [latent_dim], pitch): the setting the page renders after the move
    setting: Callable
    #: the value the bare render warms up on
    warm_up: float
    #: the values of the fragment-scoped moves, none heard before (default: each value + 0.05)
    again: tuple[float, ...] = ()


def _vae_setting(model, value):
    s = np.zeros(model.latent_dim, dtype=np.float32)
    s[_first_vae_dim(model)] = value
    return model.to_latent(s), 60


def _first_vae_dim(model) -> int:
    sliders = model.card.get("sliders") if isinstance(model.card, dict) else None
    return int(sliders[0]["dim"]) if sliders else 0


def _gan_setting(model, value):
    amounts = [value] + [0.0] * (len(model.directions.vectors) - 1)
    return model.move(model.sample_latent(1, 27)[0], amounts), 60


def _gp_setting(model, value):
    return model.sample_latent(1, 0)[0], int(value)


MOVES = {
    "vae": Move("pages/1_VAE.py", "vae_z{dim}", (0.5, -0.8, 1.1, -1.4, 1.7, -2.0, 0.3), _vae_setting, 0.1),
    "gan": Move("pages/2_GAN.py", "gan_d0", (0.5, -0.8, 1.1, -1.4, 1.7, -2.0, 0.3), _gan_setting, 0.1),
    "gp": Move("pages/3_GP.py", "gp_pitch", (62, 57, 64, 55, 67, 59, 65), _gp_setting, 60,
               (61, 56, 63, 54, 66, 58, 68)),
}
#: the model each family's page opens with (the registry's default; the GP page's default preset)
PAGE_MODEL = {"vae": None, "gan": None, "gp": "gp-middle-c"}


def _fragment_of(at, widget) -> str | None:
    """The id of the fragment ``widget`` was drawn in (None: the page body, or hooks not found)."""
    try:
        metadata = at._session_state._state._new_widget_state.widget_metadata[widget.id]
    except (AttributeError, KeyError, TypeError):
        return None
    return getattr(metadata, "fragment_id", None) or None


@contextmanager
def _scoped_to(fragment_id: str):
    """AppTest runs started inside this block rerun only fragment ``fragment_id``, as the browser's
    rerun request after a move inside a fragment does (``RerunData.fragment_id``)."""
    import functools
    from unittest import mock

    import streamlit.testing.v1.local_script_runner as runner

    with mock.patch.object(runner, "RerunData", functools.partial(runner.RerunData, fragment_id=fragment_id)):
        yield


@contextmanager
def _first_audio(sent: list):
    """Inside the block, the time the run first sends an audio player is appended to ``sent``."""
    from unittest import mock

    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    enqueue = ForwardMsgQueue.enqueue
    seen: list[float] = []

    def spy(queue, msg):
        if not seen and msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element" \
                and msg.delta.new_element.WhichOneof("type") == "audio":
            seen.append(time.perf_counter())
        return enqueue(queue, msg)

    with mock.patch.object(ForwardMsgQueue, "enqueue", spy):
        yield seen
    sent.append(seen[0] if seen else float("nan"))


def _timed_moves(at, key: str, values, scope, heard: list | None = None) -> list[float]:
    """Seconds each move's rerun took; ``heard`` (if given) gets the seconds until its audio was sent."""
    times = []
    for v in values:
        widget = at.slider(key=key).set_value(v)
        sent: list[float] = []
        with scope(), _first_audio(sent):
            t0 = time.perf_counter()
            widget.run()
            times.append(time.perf_counter() - t0)
        if heard is not None:
            heard.append(sent[0] - t0)
        if at.exception:
            raise RuntimeError(f"{at._script_path}: {at.exception[0].value}")
    return times


def measure(family: str, *, repeats: int = 5, timeout: float = 300) -> dict:
    """Median rerun after a slider move (scoped as in a browser), median whole-page rerun and
    median bare render (ms) of ``repeats`` moves of ``family``'s slider."""
    from streamlit.testing.v1 import AppTest

    from explorer.models.registry import load_model
    from explorer.render import render_safe

    move = MOVES[family]
    values = move.values[: max(1, repeats)]
    model = load_model(family, PAGE_MODEL[family])
    key = move.key.format(dim=_first_vae_dim(model)) if family == "vae" else move.key
    at = AppTest.from_file(str(ROOT / move.page), default_timeout=timeout)
    at.run()
    # the page started the native worker, which compiles pyin (50 s on a cold cache): timed moves
    # sharing the two cores with it would measure the compile, so wait until it is ready and idle
    from explorer.ui.native import in_worker

    in_worker(int)
    page = _timed_moves(at, key, values, nullcontext)
    fragment_id = _fragment_of(at, at.slider(key=key))
    # more moves, to values no move took before, so no sound is one the page rendered already
    nudged = list(move.again[: len(values)]) if move.again else [v + 0.05 for v in values]
    heard: list[float] = []
    scoped = _timed_moves(at, key, nudged, (lambda: _scoped_to(fragment_id)) if fragment_id else nullcontext, heard)
    if fragment_id and at.slider(key=key).value != nudged[-1]:
        raise RuntimeError(f"{move.page}: the fragment rerun did not take the slider's new value")
    fresh = load_model(family, PAGE_MODEL[family])
    for _ in range(3):  # warm-up on a value the moves never take (a fresh model's first calls are slow)
        render_safe(fresh, *move.setting(fresh, move.warm_up))
    render = []
    for v in [*values, *nudged]:
        z, pitch = move.setting(fresh, v)
        t0 = time.perf_counter()
        render_safe(fresh, z, pitch)
        render.append(time.perf_counter() - t0)
    rerun_ms, render_ms = 1e3 * statistics.median(scoped), 1e3 * statistics.median(render)
    return {f"app_rerun_ms_{family}": rerun_ms, f"render_ms_{family}": render_ms,
            f"app_rerun_ratio_{family}": rerun_ms / render_ms,
            f"app_rerun_scope_{family}": "fragment" if fragment_id else "page",
            f"app_page_rerun_ms_{family}": 1e3 * statistics.median(page),
            f"app_sound_ms_{family}": 1e3 * statistics.median(heard),
            f"app_sound_ratio_{family}": 1e3 * statistics.median(heard) / render_ms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--family", choices=list(MOVES), action="append")
    args = parser.parse_args(argv)
    result: dict = {}
    for family in args.family or list(MOVES):
        try:
            result.update(measure(family, repeats=args.repeats))
        except Exception as exc:  # one broken page must not hide the others
            result[f"app_rerun_{family}_error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
