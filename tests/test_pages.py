"""Every page runs under streamlit's AppTest without an exception and produces audio and charts.

Page-specific interactions live in tests/pages/test_<page>_page.py; this file checks the home
page in depth and every page file for the basics.
"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "pages").glob("*.py"))
TIMEOUT = 120


def _run(path: Path) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=TIMEOUT)
    at.run()
    return at


def assert_healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.get("audio"), "no audio player on the page"
    assert at.get("plotly_chart"), "no chart on the page"


def test_home_page():
    at = _run(ROOT / "streamlit_app.py")
    assert_healthy(at)
    assert at.title[0].value == "Latent Audio Explorer"
    text = " ".join(m.value for m in at.markdown)
    for word in ("encoder", "generator", "kernel", "rainbowgram"):
        assert word in text.lower()
    # the colour-blind palette re-renders the panel without trouble
    at.radio(key="ui_palette").set_value("Colour-blind safe").run()
    assert_healthy(at)


def test_home_page_play_buttons():
    at = _run(ROOT / "streamlit_app.py")
    for button in at.button:
        if button.key and button.key.startswith("home_play_"):
            button.click().run()
            assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_every_page_runs(page):
    assert_healthy(_run(page))


def test_every_page_file_is_in_the_navigation_and_exists():
    """The suite notices a missing pages/ folder or page file, and a page nobody can reach."""
    from explorer.ui import NAVIGATION

    listed = [ROOT / path for path, _title, _icon, _url in NAVIGATION]
    assert len(PAGES) >= 5, f"pages/ holds {len(PAGES)} page files"
    missing = [str(p.relative_to(ROOT)) for p in listed if not p.is_file()]
    assert not missing, f"in the navigation but not on disk: {missing}"
    assert set(PAGES) == set(listed), f"not in the navigation: {sorted(map(str, set(PAGES) - set(listed)))}"
    # the URL paths links were shared with stay what they were
    assert [url for *_, url in NAVIGATION] == ["VAE", "GAN", "GP", "Interpolation", "Dataset", "Map"]
    app = (ROOT / "streamlit_app.py").read_text()
    assert "st.navigation(" in app and "ui.NAVIGATION" in app
