"""The error panel (explorer/ui/errors.py, issue 20): a bug shows a friendly sentence, never a
traceback or a server path; the traceback goes to the server log. Messages quoting a file are text."""

import logging

from streamlit.testing.v1 import AppTest


def _page_with_a_bug():
    from explorer import ui

    with ui.reported("The sound could not be rendered"):
        raise RuntimeError("boom in /work/secret/server/path.py")
    st_ok = True  # noqa: F841  (the page goes on)
    import streamlit as st

    st.write("still here")


def _page_with_a_bad_file():
    from explorer import ui
    from explorer.errors import AudioLoadError

    ui.show_error(AudioLoadError("[x](https://evil.example).wav: the file is empty"), context="![p](https://e.x/p.png)")


def test_a_bug_shows_no_traceback_and_is_logged(caplog):
    caplog.set_level(logging.ERROR, logger="explorer.ui")
    at = AppTest.from_function(_page_with_a_bug, default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1
    shown = at.error[0].value
    assert "The sound could not be rendered" in shown and "/work" not in shown and "Traceback" not in shown
    assert not at.get("expander") and not at.code  # no details box
    assert any(m == "still here" for m in (e.value for e in at.markdown))
    logged = "\n".join(r.getMessage() + str(r.exc_info) for r in caplog.records)
    assert "boom in /work/secret" in logged


def test_a_message_quoting_a_file_is_text():
    at = AppTest.from_function(_page_with_a_bad_file, default_timeout=60).run()
    shown = at.error[0].value
    # escaped, and the address broken by a word joiner (the browser autolinks it otherwise)
    assert "\\[x\\]\\(https\\:\u2060//" in shown and "\\!\\[p\\]" in shown
