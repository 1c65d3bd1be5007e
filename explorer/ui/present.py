"""How a page is shown: presentation mode (for a classroom projector), autoplay and the page link.

Presentation mode lives in the link (``?present=true``), so a teacher can open the prepared page
straight in it: large type, the sidebar collapsed, controls above full-width pictures stacked one
under another. Autoplay (on unless switched off) plays a page's main sound as soon as it changes,
so a slider move is heard without pressing play.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

#: The query parameter (and session key) of presentation mode.
PRESENT = "present"
#: Session key of the autoplay switch.
AUTOPLAY = "ui_autoplay"
#: Figure height in presentation mode, px (normal: explorer.figures.sound.FIG_HEIGHT).
PRESENT_FIG_HEIGHT = 420

_CSS = """<style>
[data-testid="stMain"] { font-size: 1.3rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stWidgetLabel"] p { font-size: 1.3rem; line-height: 1.45; }
[data-testid="stMain"] h1 { font-size: 2.6rem; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 2rem; }
[data-testid="stMain"] .block-container { padding-left: 1.5rem; padding-right: 1.5rem; max-width: 100%; }
</style>"""


def presenting() -> bool:
    """True in presentation mode: the switch's state, or on a first run the link's ``present``."""
    if PRESENT in st.session_state:
        return bool(st.session_state[PRESENT])
    return st.query_params.get(PRESENT, "").lower() in ("true", "1", "yes")


def autoplaying() -> bool:
    """True unless autoplay was switched off in the sidebar."""
    return bool(st.session_state.get(AUTOPLAY, True))


def view_controls() -> None:
    """The sidebar switches (presentation mode, bound to the link; autoplay) and, in presentation
    mode, the large type."""
    on = presenting()
    st.toggle("Presentation mode", value=on, key=PRESENT, bind="query-params",
              help="Large type and full-width pictures for a projector; the link keeps it on.")
    st.toggle("Autoplay", value=True, key=AUTOPLAY, persist_state="session",
              help="Play the sound as soon as it changes, so a slider move is heard without pressing play.")
    if on:
        st.html(_CSS)


def page_link() -> str:
    """The link to this page with its current settings (what "Copy link" copies)."""
    base = st.context.url or ""
    query = urlencode({k: st.query_params.get_all(k) for k in st.query_params}, doseq=True)
    return f"{base.split('?')[0]}?{query}" if query else base.split("?")[0]


def copy_link(*, key: str) -> None:
    """A "Copy link" button: opens the page's link with a copy button beside it."""
    with st.popover("Copy link", icon=":material/link:", key=f"{key}_copy_link"):
        st.code(page_link(), language=None, wrap_lines=True)
        st.caption("The copy button on the right puts it on the clipboard; it opens this page with this sound.")
