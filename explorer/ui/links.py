"""URL state: which values in a shared link were ignored, and the checks that decide it.

Widgets bound to the URL (``bind="query-params"``) keep the shareable state; they drop a value
that does not fit silently, so :func:`query_notice` says which ones were ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from explorer.ui.text import plain


def query_notice(checks: dict[str, Callable[[str], bool]]) -> None:
    """Show which values in the page's URL were ignored (malformed or out of range), so a mistyped
    shared link never fails quietly. ``checks``: query parameter -> test of one raw value."""
    bad = []
    for name, ok in checks.items():
        if name in st.query_params:
            raw = st.query_params.get_all(name)
            try:
                good = all(ok(v) for v in raw)
            except (ValueError, TypeError):
                good = False
            if not good:
                bad.append(plain(f"{name}={', '.join(raw)}", limit=40))
    if bad:
        st.warning("Ignored from the link (malformed or out of range): " + ", ".join(bad) + ". Using defaults.",
                   icon=":material/link_off:")


def int_in(lo: int, hi: int) -> Callable[[str], bool]:
    """Check: a whole number in ``lo..hi``."""
    return lambda v: lo <= int(v) <= hi


def float_in(lo: float, hi: float) -> Callable[[str], bool]:
    """Check: a finite number in ``lo..hi``."""
    return lambda v: math.isfinite(float(v)) and lo <= float(v) <= hi


def one_of(options: list[Any]) -> Callable[[str], bool]:
    """Check: one of ``options`` (compared as text, as the URL holds it)."""
    return lambda v: v in [str(o) for o in options]
