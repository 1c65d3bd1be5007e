"""Page setup and the settings every page shares (sidebar palette, note names, upload limit)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer.audio.pitch import midi_to_hz
from explorer.audio.pitch import note_name as _pitch_name
from explorer.paths import ROOT
from explorer.ui.native import native_worker, warm_librosa
from explorer.ui.present import presenting, view_controls

#: Rainbowgram palettes offered in the sidebar: label -> name in :data:`explorer.audio.PALETTES`.
PALETTES = {"Rainbow (GANSynth)": "rainbow", "Colour-blind safe": "colorblind"}
#: Uploads are refused above this size (MB), before decoding (see also explorer.audio.io limits).
UPLOAD_MB = 25
#: One file per page after "Home" (see :func:`navigation`).
PAGES_DIR = ROOT / "pages"
#: The app's icon in the browser tab: a local image, served by the app itself (a ``:material/...``
#: page icon makes the browser fetch it from fonts.gstatic.com; an emoji needs an emoji font,
#: which many offline machines lack). The navigation entries carry no icon for the same reasons.
PAGE_ICON = str(Path(__file__).with_name("icon.png"))


def page_title(path: Path) -> str:
    """A page's title and URL path from its file name: ``1_VAE.py`` -> ``"VAE"``,
    ``7_Sound_map.py`` -> ``"Sound map"`` (the number only orders the pages)."""
    stem = path.stem
    head, _, rest = stem.partition("_")
    return (rest if head.isdigit() and rest else stem).replace("_", " ")


def navigation(folder: Path = PAGES_DIR) -> list[tuple[str, str, str, str]]:
    """The pages after "Home", in file-name order: (file in the checkout, title, icon (none), URL path),
    one per ``pages/*.py``, so a page file added there appears in the navigation by itself. The URL
    path is the file name without its number (what streamlit gave it before, and what shared links hold)."""
    return [(str(p.relative_to(folder.parent)), page_title(p), "", page_title(p).replace(" ", "_"))
            for p in sorted(folder.glob("*.py"))]


#: :func:`navigation` of the checkout's pages/ folder.
NAVIGATION = navigation()


def _leave_pages_folder_mode() -> None:
    """A link to a page opened before anyone has opened the home page runs that page the old way
    (Streamlit's ``pages/`` folder mode: the navigation lists "streamlit app" and file names, and
    stays so). Leave that mode and run again through the app's own navigation (``st.navigation``
    in streamlit_app.py), which opens the same page."""
    try:  # an internal flag of Streamlit's: if a release renames it, pages simply run as they are
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        return
    if getattr(PagesManager, "uses_pages_directory", None) is True:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_setup(title: str, icon: str | None = None, *, heading: str | None = None, caption: str | None = None) -> None:
    """Page config plus the sidebar settings shared by every page; then the page's ``heading``
    and ``caption`` when given. ``icon`` defaults to :data:`PAGE_ICON`; a ``:material/...`` icon
    is replaced by it too (the browser would fetch it from the internet)."""
    if icon is None or icon.startswith(":material/"):
        icon = PAGE_ICON
    native_worker()  # the pitch tracker warms up in its own process while the page is read
    warm_librosa()  # and librosa's numba kernels in a thread of this one
    _leave_pages_folder_mode()
    st.set_page_config(page_title=f"{title} · Latent Audio Explorer", page_icon=icon, layout="wide",
                       initial_sidebar_state="collapsed" if presenting() else "auto")
    with st.sidebar:
        view_controls()
        st.radio("Rainbowgram colours", list(PALETTES), key="ui_palette", persist_state="session",
                 help="The colour-blind-safe palette maps instantaneous frequency to a blue-yellow scale.")
    if heading:
        st.title(heading)
    if caption:
        st.caption(caption)


def columns(spec: int | list[float], **kwargs) -> list:
    """``st.columns(spec, **kwargs)``, except in presentation mode: then one container under
    another, so every picture gets the full width of a projector."""
    if presenting():
        return [st.container() for _ in range(spec if isinstance(spec, int) else len(spec))]
    return list(st.columns(spec, **kwargs))


def control_columns() -> list:
    """(controls, sound) of a model page: side by side, or stacked in presentation mode."""
    return columns([2, 3], gap="large")


def palette() -> str:
    """The rainbowgram palette picked in the sidebar (``"rainbow"`` until one is picked)."""
    return PALETTES.get(st.session_state.get("ui_palette"), "rainbow")


def note_name(midi: int) -> str:
    """``"60 (C4)"``: a MIDI number with its note name, as the pages label pitches."""
    return f"{int(midi)} ({_pitch_name(int(midi))})"


def note_caption(midi: int) -> str:
    """``"Note: **60 (C4)** (261.6 Hz)"``: the caption under a pitch slider."""
    return f"Note: **{note_name(midi)}** ({midi_to_hz(midi):.1f} Hz)"


def pitch_and_velocity(model, *, key: str, default_pitch: int, help: str) -> tuple[int, int | None]:
    """The pitch slider with its note caption, and for a velocity-conditioned model a velocity
    slider (both in the link as ``{key}_pitch`` / ``{key}_velocity``): (MIDI pitch, MIDI velocity
    or None when the model has no velocity knob)."""
    from explorer.models.conditioning import DEFAULT_VELOCITY

    lo, hi = model.pitch_range
    pitch = st.slider("Pitch (MIDI)", lo, hi, default_pitch, 1, key=f"{key}_pitch", bind="query-params", help=help)
    st.caption(note_caption(pitch))
    velocity_range = getattr(model, "velocity_range", None)
    if not velocity_range:
        return int(pitch), None
    velocity = st.slider("Velocity (MIDI)", velocity_range[0], velocity_range[1], DEFAULT_VELOCITY, 1,
                         key=f"{key}_velocity", bind="query-params",
                         help="How hard the note is played: real instruments sound darker when soft and brighter "
                              "when loud, and the model learned that from them.")
    return int(pitch), int(velocity)
