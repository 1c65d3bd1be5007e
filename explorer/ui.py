"""Streamlit pieces every page shares: cached models, players, sound panels, URL state, errors.

The only module of :mod:`explorer` that imports streamlit. Caching lives here (the app layer):
``st.cache_resource`` for models (never mutated), ``st.cache_data(max_entries=...)`` for
rendered audio and figures.
"""

from __future__ import annotations

import math
import traceback
from typing import Any, Callable

import librosa
import numpy as np
import streamlit as st

from explorer.audio import audio_bytes, power_spectrum, rainbowgram
from explorer.errors import ExplorerError
from explorer.figures.sound import rainbowgram_figure, spectrum_figure
from explorer.models.registry import available_checkpoints, load_model

PALETTES = {"Rainbow (GANSynth)": "rainbow", "Colour-blind safe": "colorblind"}
#: Uploads are refused above this size, before decoding (see also explorer.audio.io limits).
UPLOAD_MB = 25


def page_setup(title: str, icon: str) -> None:
    """Page config plus the sidebar settings shared by every page."""
    st.set_page_config(page_title=f"{title} · Latent Audio Explorer", page_icon=icon, layout="wide")
    with st.sidebar:
        st.radio("Rainbowgram colours", list(PALETTES), key="ui_palette", persist_state="session",
                 help="The colour-blind-safe palette maps instantaneous frequency to a blue-yellow scale.")


def palette() -> str:
    return PALETTES.get(st.session_state.get("ui_palette"), "rainbow")


@st.cache_resource(max_entries=8, show_spinner="Loading model…")
def get_model(family: str, checkpoint: str | None = None):
    """The loaded model, shared across sessions; never mutate what this returns."""
    return load_model(family, checkpoint)


@st.cache_data(max_entries=16, show_spinner=False)
def checkpoints_found() -> dict[str, list[str]]:
    return available_checkpoints()


@st.cache_data(max_entries=128, show_spinner=False)
def wav_bytes(y: np.ndarray, sr: int) -> bytes:
    return audio_bytes(y, sr=sr)


@st.cache_data(max_entries=64, show_spinner=False)
def _panel_figures(y: np.ndarray, sr: int, pal: str, max_hz: float | None, title: str):
    rg = rainbowgram(y, sr=sr, palette=pal)
    freqs, psd = power_spectrum(y, sr=sr)
    return rainbowgram_figure(rg, max_hz=max_hz, title=f"Rainbowgram{title}"), (freqs, psd)


def player(y: np.ndarray, sr: int, *, key: str, label: str = "", file_name: str = "sound.wav") -> None:
    """An audio player plus a WAV download of the same (already safe) samples."""
    data = wav_bytes(y, sr)
    if label:
        st.caption(label)
    st.audio(data, format="audio/wav")
    st.download_button("Download WAV", data, file_name=file_name, mime="audio/wav", key=f"{key}_dl", icon=":material/download:")
    if not np.any(y):
        st.info("This setting renders silence (nothing above -70 dBFS), so the player is silent.", icon=":material/volume_off:")


def sound_panel(
    y: np.ndarray,
    sr: int,
    *,
    key: str,
    title: str = "",
    overlays: list | None = None,
    bands: list | None = None,
    max_hz: float | None = None,
    spectrum: bool = True,
    stacked: bool = False,
) -> None:
    """Rainbowgram and power spectrum, drawn from the audio the user hears.

    Side by side by default; ``stacked=True`` puts them one above the other (for a narrow column).
    """
    rg_fig, (freqs, psd) = _panel_figures(y, sr, palette(), max_hz, f" {title}" if title else "")
    cols = st.columns(2) if spectrum and not stacked else [st.container(), st.container()]
    cols[0].plotly_chart(rg_fig, key=f"{key}_rg", config={"displaylogo": False})
    if spectrum:
        fig = spectrum_figure(freqs, psd, overlays=overlays or [], bands=bands,
                              title=f"Power spectrum{' ' + title if title else ''}")
        cols[1].plotly_chart(fig, key=f"{key}_spec", config={"displaylogo": False})


def show_error(exc: BaseException, *, context: str) -> None:
    """A friendly error panel: the message for a person, details tucked away for a bug report."""
    if isinstance(exc, ExplorerError):
        st.error(f"**{context}:** {exc}", icon=":material/error:")
    else:
        st.error(f"**{context}:** something went wrong inside the app. The rest of the app still works.",
                 icon=":material/error:")
        with st.expander("Details for a bug report"):
            st.code("".join(traceback.format_exception(exc)), language="text")


def note_name(midi: int) -> str:
    return f"{midi} ({librosa.midi_to_note(int(midi), unicode=False)})"


def query_notice(checks: dict[str, Callable[[str], bool]]) -> None:
    """Show which values in the page's URL were ignored (malformed or out of range).

    Widgets bound to the URL (``bind="query-params"``) drop invalid values silently; this tells
    the user, so a mistyped shared link never fails quietly.
    """
    bad = []
    for name, ok in checks.items():
        if name in st.query_params:
            raw = st.query_params.get_all(name)
            try:
                good = all(ok(v) for v in raw)
            except (ValueError, TypeError):
                good = False
            if not good:
                bad.append(f"`{name}={', '.join(raw)[:40]}`")
    if bad:
        st.warning("Ignored from the link (malformed or out of range): " + ", ".join(bad) + ". Using defaults.",
                   icon=":material/link_off:")


def int_in(lo: int, hi: int) -> Callable[[str], bool]:
    return lambda v: lo <= int(v) <= hi


def float_in(lo: float, hi: float) -> Callable[[str], bool]:
    return lambda v: math.isfinite(float(v)) and lo <= float(v) <= hi


def one_of(options: list[Any]) -> Callable[[str], bool]:
    return lambda v: v in [str(o) for o in options]


def remember_current(preset) -> None:
    """Record the sound a page is playing, so the Interpolation page can use it as an endpoint."""
    st.session_state[f"current_{preset.model}"] = preset.to_dict()


def current_preset(family: str) -> dict | None:
    """The preset last played on ``family``'s page in this session, if any."""
    return st.session_state.get(f"current_{family}")


def preset_controls(preset, *, key: str, on_load: Callable[[], None], caption: str) -> None:
    """Save/load buttons for the sound a page plays (it is also remembered for the Interpolation
    page). The upload lands in ``st.session_state[key + "_preset_file"]`` and ``on_load`` parses
    it, putting any error in ``st.session_state[key + "_preset_error"]`` (shown here)."""
    remember_current(preset)
    save, load = st.columns(2)
    save.download_button("Save preset", preset.to_json(), file_name=f"{key}-preset.json", mime="application/json",
                         key=f"{key}_preset_dl", icon=":material/bookmark:")
    load.file_uploader("Load preset", type=["json"], key=f"{key}_preset_file", on_change=on_load,
                       max_upload_size=1)
    if f"{key}_preset_error" in st.session_state:
        show_error(st.session_state[f"{key}_preset_error"], context="The preset could not be loaded")
    if st.session_state.get(f"{key}_preset_notice"):
        st.info(st.session_state[f"{key}_preset_notice"], icon=":material/info:")
    st.caption(caption)


def preset_from_upload(model, *, key: str):
    """The preset uploaded by :func:`preset_controls` for ``model``'s page, checked against the
    model: (preset, z float32 [latent_dim]) or None (no file, or an error stored for the page)."""
    from explorer.errors import PresetError
    from explorer.presets import parse_preset
    from explorer.render import preset_latent

    upload = st.session_state.get(f"{key}_preset_file")
    st.session_state.pop(f"{key}_preset_error", None)
    st.session_state.pop(f"{key}_preset_notice", None)
    if upload is None:
        return None
    try:
        preset = parse_preset(upload.getvalue())
        if preset.model != model.name:
            raise PresetError(f"this preset is for the {preset.model.upper()} model, not the {model.name.upper()}")
        model = _preset_model(model, preset, key=key)
        z = preset_latent(model, preset)
        lo, hi = model.pitch_range
        if preset.pitch is not None and not lo <= preset.pitch <= hi:
            raise PresetError(f"preset pitch {preset.pitch} is outside MIDI {lo}..{hi}")
    except ExplorerError as exc:
        st.session_state[f"{key}_preset_error"] = exc
        return None
    return preset, z


def _preset_model(model, preset, *, key: str):
    """The model a preset is played with: the checkpoint it names, selected in the sidebar, when
    that is installed (same preset, same sound); else the current one, with a notice saying so."""
    family = model.name
    names = checkpoints_found().get(family, [])
    current = st.session_state.get(f"{family}_checkpoint") or (names[0] if names else None)
    if not preset.checkpoint or preset.checkpoint == current:
        return model
    if preset.checkpoint in names:
        chosen = get_model(family, preset.checkpoint)  # a broken file raises: reported as the preset's error
        st.session_state[f"{family}_checkpoint"] = preset.checkpoint
        st.session_state[f"{key}_preset_notice"] = f"Switched to the checkpoint `{preset.checkpoint}` this preset was saved with."
        return chosen
    st.session_state[f"{key}_preset_notice"] = (
        f"This preset was saved with the checkpoint `{preset.checkpoint}`, which is not installed here; "
        f"it plays with `{current}` and may sound different.")
    return model


def preset_uploader(label: str, *, key: str):
    """A preset JSON upload; returns the parsed :class:`Preset` or None (errors shown, not raised)."""
    from explorer.presets import parse_preset

    up = st.file_uploader(label, type=["json"], key=key, max_upload_size=1)
    if up is None:
        return None
    try:
        return parse_preset(up.getvalue())
    except ExplorerError as exc:
        show_error(exc, context=f"{up.name} could not be used")
        return None


def model_from_sidebar(family: str):
    """The checkpoint picker (only when there is a choice) and the cached model of ``family``.

    A missing or broken checkpoint shows a clear error and stops this page; the others keep working.
    """
    from explorer.models.registry import DEFAULT_CHECKPOINT

    names = checkpoints_found().get(family, []) or [DEFAULT_CHECKPOINT[family]]
    label = family.upper()
    checkpoint = (st.sidebar.selectbox(f"{label} checkpoint", names, key=f"{family}_checkpoint")
                  if len(names) > 1 else names[0])
    try:
        return get_model(family, checkpoint), checkpoint
    except ExplorerError as exc:
        show_error(exc, context=f"The {label} checkpoint `{checkpoint}` could not be loaded")
        st.info(f"The other pages still work. Train a {label} with `python -m explorer train {family} "
                f"--data data/synth --out checkpoints/{DEFAULT_CHECKPOINT[family]}` or restore the shipped file.",
                icon=":material/info:")
        st.stop()
