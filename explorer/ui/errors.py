"""The friendly error panel: a message for a person, the details tucked away for a bug report."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from explorer.errors import ExplorerError


def show_error(exc: BaseException, *, context: str) -> None:
    """An error panel: ``context`` in bold, then the engine's message (an :class:`ExplorerError`)
    or, for a bug, a plain sentence and the traceback in an expander."""
    if isinstance(exc, ExplorerError):
        st.error(f"**{context}:** {exc}", icon=":material/error:")
    else:
        st.error(f"**{context}:** something went wrong inside the app. The rest of the app still works.",
                 icon=":material/error:")
        with st.expander("Details for a bug report"):
            st.code("".join(traceback.format_exception(exc)), language="text")


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
