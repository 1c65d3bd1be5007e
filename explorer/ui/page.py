"""Page setup and the settings every page shares (sidebar palette, note names, upload limit)."""

from __future__ import annotations

import streamlit as st

from explorer.audio.pitch import midi_to_hz
from explorer.audio.pitch import note_name as _pitch_name

#: Rainbowgram palettes offered in the sidebar: label -> name in :data:`explorer.audio.PALETTES`.
PALETTES = {"Rainbow (GANSynth)": "rainbow", "Colour-blind safe": "colorblind"}
#: Uploads are refused above this size (MB), before decoding (see also explorer.audio.io limits).
UPLOAD_MB = 25
#: The pages after "Home", in navigation order: (file in the checkout, title, icon, URL path).
#: A URL path is what a shared link holds: never change one.
NAVIGATION = [
    ("pages/1_VAE.py", "VAE", ":material/blur_on:", "VAE"),
    ("pages/2_GAN.py", "GAN", ":material/graphic_eq:", "GAN"),
    ("pages/3_GP.py", "GP", ":material/waves:", "GP"),
    ("pages/4_Interpolation.py", "Interpolation", ":material/linear_scale:", "Interpolation"),
    ("pages/5_Dataset.py", "Dataset", ":material/library_music:", "Dataset"),
    ("pages/6_Map.py", "Map", ":material/scatter_plot:", "Map"),
]


def page_setup(title: str, icon: str | None = None, *, heading: str | None = None, caption: str | None = None) -> None:
    """Page config plus the sidebar settings shared by every page; then the page's ``heading``
    and ``caption`` when given. ``icon`` defaults to the page's icon in :data:`NAVIGATION`."""
    icon = icon or next((i for _, t, i, _ in NAVIGATION if t == title), ":material/graphic_eq:")
    st.set_page_config(page_title=f"{title} · Latent Audio Explorer", page_icon=icon, layout="wide")
    with st.sidebar:
        st.radio("Rainbowgram colours", list(PALETTES), key="ui_palette", persist_state="session",
                 help="The colour-blind-safe palette maps instantaneous frequency to a blue-yellow scale.")
    if heading:
        st.title(heading)
    if caption:
        st.caption(caption)


def palette() -> str:
    """The rainbowgram palette picked in the sidebar (``"rainbow"`` until one is picked)."""
    return PALETTES.get(st.session_state.get("ui_palette"), "rainbow")


def note_name(midi: int) -> str:
    """``"60 (C4)"``: a MIDI number with its note name, as the pages label pitches."""
    return f"{int(midi)} ({_pitch_name(int(midi))})"


def note_caption(midi: int) -> str:
    """``"Note: **60 (C4)** (261.6 Hz)"``: the caption under a pitch slider."""
    return f"Note: **{note_name(midi)}** ({midi_to_hz(midi):.1f} Hz)"
