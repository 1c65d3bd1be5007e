"""Models for the pages, loaded once and shared: the sidebar's checkpoint picker, a GP kernel's
model, the model a preset plays on and the step models of a kernel morph.

Every answer to "which model?" comes from :mod:`explorer.models.registry`; this module only
caches them (``st.cache_resource``: shared across sessions, so never mutate what it returns).
"""

from __future__ import annotations

import itertools
import json
import threading
import weakref

import streamlit as st

from explorer.errors import ExplorerError
from explorer.models.base import AudioModel
from explorer.models.registry import (
    DEFAULT_CHECKPOINT,
    available_checkpoints,
    load_model,
    model_for_kernel,
    model_for_preset,
    morph_models,
)
from explorer.presets import Preset
from explorer.ui.errors import show_error
from explorer.ui.links import one_of, query_notice


@st.cache_resource(max_entries=8, show_spinner="Loading model…")
def get_model(family: str, checkpoint: str | None = None) -> AudioModel:
    """The model of an installed checkpoint (None: the family's default)."""
    return load_model(family, checkpoint)


@st.cache_data(max_entries=16, show_spinner=False)
def checkpoints_found() -> dict[str, list[str]]:
    """Installed checkpoint names per family, the default first."""
    return available_checkpoints()


@st.cache_resource(max_entries=16, show_spinner="Preparing the kernel…")
def kernel_model(spec_json: str) -> AudioModel:
    """The GP of a GP kernel JSON text (DESIGN.md section 5); a bad kernel raises a PresetError."""
    return model_for_kernel(spec_json)


@st.cache_resource(max_entries=8, show_spinner="Loading model…")
def _preset_model(family: str, checkpoint: str | None, kernel_json: str | None, _current: AudioModel | None,
                  current_key: str | None) -> tuple[AudioModel, str | None]:
    gp = None if kernel_json is None else json.loads(kernel_json)
    return model_for_preset(Preset(model=family, checkpoint=checkpoint, gp=gp, seed=0), current=_current)


def preset_model(preset: Preset, *, current: AudioModel | None = None) -> tuple[AudioModel, str | None]:
    """The model ``preset`` plays on, and a notice when it is not the one it was saved with
    (see :func:`explorer.models.registry.model_for_preset`); ``current``: the model playing now."""
    kernel = None if preset.gp is None else json.dumps(preset.gp, sort_keys=True)
    return _preset_model(preset.model, preset.checkpoint, kernel, current,
                         None if current is None else model_key(current))


@st.cache_resource(max_entries=4, show_spinner="Preparing the kernel morph…")
def _morph_models(family_a: str, kernel_a: str | None, family_b: str, kernel_b: str | None, steps: int,
                  pitch: int | None, mix: str) -> list[AudioModel] | None:
    a, b = ((Preset(model=f, gp=None if k is None else json.loads(k), seed=0))
            for f, k in ((family_a, kernel_a), (family_b, kernel_b)))
    return morph_models(a, b, steps=steps, pitch=pitch, mix=mix)


def morph_step_models(a: Preset | None, b: Preset | None, *, steps: int, pitch: int | None,
                      mix: str = "even") -> list[AudioModel] | None:
    """The model of each step of a kernel morph from ``a`` to ``b`` (None: the endpoints do not morph
    their model; ``mix``: see :func:`explorer.models.registry.morph_models`). Only the presets' models count."""
    if a is None or b is None:
        return None
    return _morph_models(a.model, None if a.gp is None else json.dumps(a.gp, sort_keys=True),
                         b.model, None if b.gp is None else json.dumps(b.gp, sort_keys=True), steps, pitch, mix)


def model_from_sidebar(family: str) -> tuple[AudioModel, str]:
    """The checkpoint picker (only when there is a choice) and the cached model of ``family``.

    A missing or broken checkpoint shows a clear error and stops this page; the others keep working.
    """
    names = checkpoints_found().get(family, []) or [DEFAULT_CHECKPOINT[family]]
    label = family.upper()
    # a link naming anything but an installed checkpoint (a path, a file elsewhere) is ignored, and said
    query_notice({f"{family}_checkpoint": one_of(names)})
    checkpoint = (st.sidebar.selectbox(f"{label} checkpoint", names, key=f"{family}_checkpoint",
                                       bind="query-params")  # a shared link plays on the same checkpoint
                  if len(names) > 1 else names[0])
    try:
        return get_model(family, checkpoint), checkpoint
    except ExplorerError as exc:
        show_error(exc, context=f"The {label} checkpoint {checkpoint} could not be loaded")
        st.info(f"The other pages still work. Train a {label} with `python -m explorer train {family} "
                f"--data data/synth --out checkpoints/{DEFAULT_CHECKPOINT[family]}` or restore the shipped file.",
                icon=":material/info:")
        st.stop()


_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SERIAL = itertools.count()
_LOCK = threading.Lock()


def model_key(model: AudioModel) -> str:
    """A name for a loaded model that no other model object ever gets: the cache key of what it
    renders (an ``id()`` could be reused by a model loaded after this one is gone)."""
    with _LOCK:
        if model not in _KEYS:
            _KEYS[model] = f"{getattr(model, 'name', 'model')}#{next(_SERIAL)}"
        return _KEYS[model]
