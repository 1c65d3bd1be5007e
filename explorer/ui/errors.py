"""The friendly error panel: a message for a person on the page, the details in the server log.

The page never shows a traceback or a server path (``client.showErrorDetails = false`` in
.streamlit/config.toml does the same for anything that escapes a page); a bug's traceback goes to
the log of the process serving the app, where its operator can read it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from explorer.errors import ExplorerError
from explorer.ui.text import plain

log = logging.getLogger("explorer.ui")


def show_error(exc: BaseException, *, context: str) -> None:
    """An error panel: ``context`` in bold, then the engine's message (an :class:`ExplorerError`)
    or, for a bug, a plain sentence (the traceback goes to the server log). Both are shown as
    text (:func:`~explorer.ui.text.plain`): they may quote file names and contents."""
    if isinstance(exc, ExplorerError):
        st.error(f"**{plain(context)}:** {plain(exc, limit=400)}", icon=":material/error:")
    else:
        log.error("%s", context, exc_info=(type(exc), exc, exc.__traceback__))
        st.error(f"**{plain(context)}:** something went wrong inside the app. The rest of the app still works; "
                 "the details are in the server's log.", icon=":material/error:")


@contextmanager
def reported(context: str, *, stop: bool = False) -> Iterator[None]:
    """Run a block; an error in it becomes an error panel instead of a crashed page.

    The rest of the block is skipped; with ``stop=True`` the rest of the page is too (for a block
    whose result the page cannot do without). Streamlit's own stop/rerun signals pass through
    (they are not ``Exception``\\ s).
    """
    try:
        yield
    except Exception as exc:  # ExplorerError: bad input; anything else: a bug. Either way the page stays up.
        show_error(exc, context=context)
        if stop:
            st.stop()
