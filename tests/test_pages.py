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
    assert "st.navigation(" in app and "ui.NAVIGATION" in app and 'title="Home"' in app


def test_navigation_is_built_from_the_page_files(tmp_path):
    """A page file another engineer adds (pages/6_Map.py) appears by itself, titled from its name."""
    from explorer.ui.page import navigation

    for name in ("2_GAN.py", "1_VAE.py", "6_Map.py", "7_Sound_map.py"):
        (tmp_path / "pages").mkdir(exist_ok=True)
        (tmp_path / "pages" / name).write_text("")
    nav = navigation(tmp_path / "pages")
    assert [(t, url) for _, t, _, url in nav] == [("VAE", "VAE"), ("GAN", "GAN"), ("Map", "Map"),
                                                  ("Sound map", "Sound_map")]
    assert nav[0][0] == "pages/1_VAE.py"


def test_page_icons_work_offline():
    """The browser tab's icon is a local image and the navigation has no icons: a ``:material/...``
    page icon makes the browser fetch it from fonts.gstatic.com, an emoji needs an emoji font."""
    import re

    from explorer.ui.page import NAVIGATION, PAGE_ICON

    assert Path(PAGE_ICON).is_file() and PAGE_ICON.endswith(".png")
    assert [icon for _, _, icon, _ in NAVIGATION] == [""] * len(NAVIGATION)
    sources = [ROOT / "streamlit_app.py", *PAGES, *(ROOT / "explorer" / "ui").rglob("*.py")]
    calls = [f"{p.name}: {m}" for p in sources
             for m in re.findall(r"(?:page_setup|st\.Page|page_icon=)[^\n]*:material/[^\n]*", p.read_text())]
    assert not calls, calls
