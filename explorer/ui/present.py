"""How a page is shown: presentation mode (for a classroom projector), autoplay and the page link.

Presentation mode lives in the link (``?present=true``), so a teacher can open the prepared page
straight in it: large type, the sidebar collapsed, controls above full-width pictures stacked one
under another. Autoplay (on unless switched off) plays a page's main sound as soon as it changes,
so a slider move is heard without pressing play.
"""

from __future__ import annotations

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
    # default off: a bound widget leaves its default out of the link, so "on" is what the link keeps
    on = st.toggle("Presentation mode", value=False, key=PRESENT, bind="query-params",
                   help="Large type and full-width pictures for a projector; the link keeps it on.")
    st.toggle("Autoplay", value=True, key=AUTOPLAY, persist_state="session",
              help="Play the sound as soon as it changes, so a slider move is heard without pressing play.")
    if on:
        st.html(_CSS)


_COPY_JS = """export default function (component) {
  const root = component.parentElement.querySelector(".lae-copy-link");
  if (!root) return;
  const button = root.querySelector("button"), link = root.querySelector("input"), note = root.querySelector("span");
  button.onclick = async () => {
    link.value = window.location.href;  // the page's link as the browser has it, settings included
    link.hidden = false;
    try {
      await navigator.clipboard.writeText(link.value);
      note.textContent = "Copied: it opens this page with this sound.";
    } catch (err) {
      link.select();
      note.textContent = "Select the link and copy it (Ctrl+C).";
    }
  };
}"""
_COPY_CSS = """.lae-copy-link { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; font-family: inherit; }
.lae-copy-link button { font: inherit; padding: 0.3rem 0.8rem; border-radius: 0.5rem; border: 1px solid #ccc;
  background: white; cursor: pointer; }
.lae-copy-link input { font: inherit; font-size: 0.8rem; flex: 1 1 20rem; min-width: 0; }
.lae-copy-link span { font-size: 0.85rem; color: #555; }"""
_COPY = st.components.v2.component(
    "latent_audio_explorer_copy_link",
    html='<div class="lae-copy-link"><button type="button">Copy link</button><input readonly hidden '
         'aria-label="Link to this page"><span></span></div>',
    css=_COPY_CSS, js=_COPY_JS)


def copy_link(*, key: str) -> None:
    """A "Copy link" button: copies the page's link (the browser's address, with every setting the
    link holds) to the clipboard, and shows it; drawn in the browser, nothing leaves the machine."""
    _COPY(key=f"{key}_copy_link", height=80)
