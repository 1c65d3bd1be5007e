"""Presets on a page: save and load buttons, reading an uploaded preset (or a bare GP kernel JSON)
against the page's model, and the sound each page plays now (the Interpolation page's endpoint).

The preset JSON is the contract of DESIGN.md section 5 (:mod:`explorer.presets`); which model a
preset plays on is the registry's answer (:func:`explorer.ui.models.preset_model`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.errors import ExplorerError, PresetError
from explorer.models.base import AudioModel
from explorer.models.registry import checkpoint_name, family_of
from explorer.presets import Preset, parse_preset
from explorer.render import preset_latent
from explorer.ui.errors import show_error
from explorer.ui.models import preset_model


def remember_current(preset: Preset) -> None:
    """Record the sound a page is playing, so the Interpolation page can use it as an endpoint."""
    st.session_state[f"current_{preset.model}"] = preset.to_dict()


def current_preset(family: str) -> Preset | None:
    """The preset last played on ``family``'s page in this session, if any."""
    found = st.session_state.get(f"current_{family}")
    return None if found is None else parse_preset(found)


def preset_controls(preset: Preset, *, key: str, on_load: Callable[[], None], caption: str,
                    load_label: str = "Load preset", max_upload_mb: int = 1,
                    extra_download: tuple[str, str | Callable[[], str], str] | None = None) -> None:
    """Save/load buttons for the sound a page plays (it is also remembered for the Interpolation
    page). The upload lands in ``st.session_state[key + "_preset_file"]``; ``on_load`` reads it
    with :func:`preset_from_upload`, whose error or notice is shown here.

    extra_download : (label, text or a function returning it, file name) of one more JSON download
    beside "Save preset". Both files are written when their button is clicked, not on every rerun.
    """
    remember_current(preset)
    cols = st.columns(3 if extra_download else 2)
    cols[0].download_button("Save preset", preset.to_json, file_name=f"{key}-preset.json", mime="application/json",
                            key=f"{key}_preset_dl", icon=":material/bookmark:")
    if extra_download:
        label, text, file_name = extra_download
        cols[1].download_button(label, text, file_name=file_name, mime="application/json", key=f"{key}_extra_dl",
                                icon=":material/data_object:")
    st.file_uploader(load_label, type=["json"], key=f"{key}_preset_file", on_change=on_load,
                     max_upload_size=max_upload_mb)
    if f"{key}_preset_error" in st.session_state:
        show_error(st.session_state[f"{key}_preset_error"], context="The preset could not be loaded")
    if st.session_state.get(f"{key}_preset_notice"):
        st.info(st.session_state[f"{key}_preset_notice"], icon=":material/info:")
    st.caption(caption)


def read_upload(data: bytes) -> Preset:
    """A preset from an uploaded file: preset JSON, or a bare GP kernel JSON (DESIGN.md section 5:
    a kernel may be a file of its own), which becomes a GP preset with no latent or seed."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        obj = None  # parse_preset says what is wrong with it
    if isinstance(obj, dict) and "kernel" in obj and "model" not in obj:
        return Preset(model="gp", gp=obj)
    return parse_preset(data)


@dataclass
class LoadedPreset:
    """An uploaded preset checked against a page's model."""

    preset: Preset
    model: AudioModel  # the model it plays on
    z: np.ndarray | None  # float32 [latent_dim]; None for a bare kernel (no latent, no seed)
    file_name: str  # the uploaded file's name


def preset_from_upload(model: AudioModel, *, key: str) -> LoadedPreset | None:
    """The preset uploaded by :func:`preset_controls` on a page playing ``model``, or None (no
    file, or an error stored for the page to show).

    The model it plays on is the registry's answer; when that is another installed checkpoint,
    the sidebar picker (``<family>_checkpoint``) is switched to it, with a notice.
    """
    upload = st.session_state.get(f"{key}_preset_file")
    st.session_state.pop(f"{key}_preset_error", None)
    st.session_state.pop(f"{key}_preset_notice", None)
    if upload is None:
        return None
    try:
        preset = read_upload(upload.getvalue())
        chosen, notice = preset_model(preset, current=model)  # a preset of another family: a PresetError
        z = None if preset.latent is None and preset.seed is None else preset_latent(chosen, preset)
        if preset.pitch is not None and chosen.pitch_range is not None:
            lo, hi = chosen.pitch_range
            if not lo <= preset.pitch <= hi:
                raise PresetError(f"preset pitch {preset.pitch} is outside MIDI {lo}..{hi}")
    except ExplorerError as exc:
        st.session_state[f"{key}_preset_error"] = exc
        return None
    name = checkpoint_name(chosen)
    if notice is None and name is not None and name == preset.checkpoint and name != checkpoint_name(model):
        st.session_state[f"{family_of(model)}_checkpoint"] = name
        notice = f"Switched to the checkpoint `{name}` this preset was saved with."
    st.session_state[f"{key}_preset_notice"] = notice
    return LoadedPreset(preset=preset, model=chosen, z=z, file_name=upload.name)


def preset_uploader(label: str, *, key: str) -> Preset | None:
    """A preset JSON upload; returns the parsed :class:`Preset` or None (errors shown, not raised)."""
    up = st.file_uploader(label, type=["json"], key=key, max_upload_size=1)
    if up is None:
        return None
    try:
        return parse_preset(up.getvalue())
    except ExplorerError as exc:
        show_error(exc, context=f"{up.name} could not be used")
        return None
