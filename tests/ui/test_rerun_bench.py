"""The rerun benchmark replays a slider move as a browser sends it: only the slider's fragment runs."""

from __future__ import annotations

import textwrap

from streamlit.testing.v1 import AppTest

from explorer.ui import rerun_bench

PAGE = """
import streamlit as st

st.session_state["page_runs"] = st.session_state.get("page_runs", 0) + 1

@st.fragment
def part():
    v = st.slider("level", 0.0, 1.0, 0.0, key="level")
    st.session_state["part_saw"] = v

part()
st.slider("outside", 0.0, 1.0, 0.0, key="outside")
"""


def _app(tmp_path) -> AppTest:
    page = tmp_path / "page.py"
    page.write_text(textwrap.dedent(PAGE))
    at = AppTest.from_file(str(page))
    at.run()
    return at


def test_a_scoped_move_runs_the_fragment_only_and_takes_the_new_value(tmp_path):
    at = _app(tmp_path)
    fragment_id = rerun_bench._fragment_of(at, at.slider(key="level"))
    assert fragment_id
    times = rerun_bench._timed_moves(at, "level", [0.25, 0.5], lambda: rerun_bench._scoped_to(fragment_id))
    assert len(times) == 2 and at.session_state["part_saw"] == 0.5
    assert at.session_state["page_runs"] == 1  # the page body never ran again


def test_a_slider_outside_any_fragment_has_none(tmp_path):
    at = _app(tmp_path)
    assert rerun_bench._fragment_of(at, at.slider(key="outside")) is None
    rerun_bench._timed_moves(at, "outside", [0.5], rerun_bench.nullcontext)
    assert at.session_state["page_runs"] == 2
