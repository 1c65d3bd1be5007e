"""The map page and the morph pad in a real browser (Debian's chromium under Playwright, the
server of tests/test_browser.py): a click on a point plays that sound, a lasso downloads the
sounds inside it, and the pad's sound and link follow the position.

The times from a click to the new player are printed (``-s`` shows them); speed is judged by a
person reading them, never by a timed assertion.
"""

from __future__ import annotations

import time
import zipfile

import pytest

from tests.test_browser import browser, no_error_box, server, shots, wait_for_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
N = 40  # synthetic notes on the map


@pytest.fixture
def page(browser, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    yield context.new_page()
    context.close()




def _map_point(page, k: int):
    """The centre (x, y) on the screen of the ``k``-th point of the map (the first chart)."""
    box = page.locator('[data-testid="stPlotlyChart"]').first.locator("path.point").nth(k).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _player_src(page) -> str | None:
    return page.locator("audio[src]").first.get_attribute("src")


def test_click_a_point_to_hear_it_and_lasso_to_download(server, page, shots):  # noqa: F811
    page.goto(f"{server}/Map?map_source=Synthetic+notes&map_n={N}", wait_until="domcontentloaded")
    page.wait_for_selector("audio[src]", timeout=180_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] path.point', timeout=60_000)
    wait_for_app(page)
    page.screenshot(path=str(shots / "Map.png"), full_page=True)
    no_error_box(page)
    times = []
    for k in (5, 23, 31):
        x, y = _map_point(page, k)
        page.mouse.move(x, y)
        page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
        name = page.locator(".hoverlayer .hovertext text").first.text_content().strip()
        before = _player_src(page)
        t0 = time.perf_counter()
        page.mouse.click(x, y)
        page.wait_for_function(f"() => document.querySelector('audio[src]') && "
                               f"document.querySelector('audio[src]').getAttribute('src') !== {before!r}",
                               timeout=30_000)
        times.append(time.perf_counter() - t0)
        wait_for_app(page)
        label = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=name)
        assert label.count() >= 1, f"no player labelled {name}"  # the player above is that sound's
    print(f"\nclick -> new player: {', '.join(f'{t:.2f}' for t in times)} s")
    page.screenshot(path=str(shots / "Map-clicked.png"), full_page=True)
    no_error_box(page)

    # the lasso tool, then a lasso around some points: a ZIP of exactly those sounds
    page.locator('[data-testid="stPlotlyChart"]').first.hover()
    page.locator('[data-testid="stPlotlyChart"]').first.locator('[data-title="Lasso Select"]').click()
    pts = [_map_point(page, k) for k in range(N)]
    xs, ys = sorted(p[0] for p in pts), sorted(p[1] for p in pts)
    half = len(xs) // 2  # the left half of the points, the edge between two of them
    x0, x1, y0, y1 = xs[0] - 4, (xs[half - 1] + xs[half]) / 2, ys[0] - 4, ys[-1] + 4
    inside = sum(x0 <= px <= x1 and y0 <= py <= y1 for px, py in pts)
    page.mouse.move(x0, y0)
    page.mouse.down()
    for px, py in [(x1, y0), (x1, y1), (x0, y1), (x0, y0 + 1)]:
        page.mouse.move(px, py, steps=8)
    page.mouse.up()
    button = page.get_by_role("button", name="selected sounds")
    button.wait_for(timeout=60_000)
    wait_for_app(page)
    page.screenshot(path=str(shots / "Map-lasso.png"), full_page=True)
    assert f"Download the {inside} selected sounds" in button.inner_text()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    saved = shots / "selected-sounds.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as zf:
        assert len(zf.namelist()) == inside and all(n.endswith(".wav") for n in zf.namelist())
    no_error_box(page)


def _pad_src(page) -> str:
    return page.locator(".st-key-im_pad_sound audio[src]").first.get_attribute("src")


def _wait_for_new_pad_sound(page, before: str) -> None:
    page.wait_for_function(
        f"() => {{ const a = document.querySelector('.st-key-im_pad_sound audio[src]');"
        f" return a && a.getAttribute('src') !== {before!r}; }}", timeout=60_000)
    wait_for_app(page)


def test_pad_click_and_slider_move_the_sound_and_the_link(server, page, browser, shots):  # noqa: F811
    page.goto(f"{server}/Interpolation?im_steps=3", wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-im_pad_sound audio[src]", timeout=180_000)
    page.wait_for_selector(".st-key-im_pad_chart path.point", timeout=60_000)
    wait_for_app(page)
    page.locator(".st-key-im_pad_chart").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "Pad.png"), full_page=True)
    no_error_box(page)

    # a click on the pad near B (across 0.9, down 0.1): the points are laid out row by row, 11 a side
    before = _pad_src(page)
    box = page.locator(".st-key-im_pad_chart path.point").nth(1 * 11 + 9).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _wait_for_new_pad_sound(page, before)
    page.wait_for_function("() => location.search.includes('im_pad_x=0.9') && location.search.includes('im_pad_y=0.1')",
                           timeout=30_000)
    assert page.locator('[data-testid="stCaptionContainer"]').filter(has_text="across 0.90, down 0.10").count() == 1
    page.screenshot(path=str(shots / "Pad-clicked.png"), full_page=True)

    # a slider moved with the keyboard: one step further across
    before = _pad_src(page)
    page.locator('[data-testid="stSlider"]').filter(has_text="Across").get_by_role("slider").focus()
    page.keyboard.press("ArrowRight")
    _wait_for_new_pad_sound(page, before)
    page.wait_for_function("() => location.search.includes('im_pad_x=0.95')", timeout=30_000)
    no_error_box(page)

    # the link holds the position: a fresh browser opened on it plays the same sound
    src, url = _pad_src(page), page.url
    fresh = browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(url, wait_until="domcontentloaded")
        other.wait_for_selector(".st-key-im_pad_sound audio[src]", timeout=180_000)
        wait_for_app(other)
        assert _pad_src(other) == src
        assert other.locator('[data-testid="stCaptionContainer"]').filter(has_text="across 0.95, down 0.10").count() == 1
    finally:
        fresh.close()


def test_a_zip_of_fifty_own_notes_on_the_map_and_into_the_vae_page(server, page, shots, tmp_path):  # noqa: F811
    """The issue's "done when": 50 notes of one's own in a ZIP, on the map, clicked, opened in the VAE page."""
    from tests.sounds import wav_bytes, zip_bytes

    notes = {f"my-notes/note{k:02d}.wav": wav_bytes(55.0 * 2 ** (k / 12), seconds=1.0 + (k % 3) / 2) for k in range(50)}
    archive = tmp_path / "my-notes.zip"
    archive.write_bytes(zip_bytes({**notes, "my-notes/readme.txt": b"my notes"}))
    page.goto(f"{server}/Map?map_source=Your+sounds", wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stFileUploader"] input[type="file"]', state="attached", timeout=120_000)
    t0 = time.perf_counter()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(archive))
    page.wait_for_selector('[data-testid="stPlotlyChart"] path.point', timeout=300_000)
    page.wait_for_selector("audio[src]", timeout=60_000)
    wait_for_app(page)
    print(f"\n50 uploaded notes -> map: {time.perf_counter() - t0:.1f} s")
    no_error_box(page)
    assert page.locator('[data-testid="stPlotlyChart"]').first.locator("path.point").count() >= 50
    assert page.get_by_text("Left out 1 file(s) in the ZIP that are not sounds").count() == 1
    x, y = _map_point(page, 17)
    page.mouse.move(x, y)
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    name = page.locator(".hoverlayer .hovertext text").first.text_content().strip()
    before = _player_src(page)
    page.mouse.click(x, y)
    page.wait_for_function(f"() => document.querySelector('audio[src]').getAttribute('src') !== {before!r}",
                           timeout=30_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stCaptionContainer"]').filter(has_text=name).count() >= 1
    page.screenshot(path=str(shots / "Map-own-notes.png"), full_page=True)

    href = page.get_by_role("link", name="Open in the VAE page").get_attribute("href")
    assert "vae_checkpoint=vae-gm-v1" in href and "vae_z0=" in href
    page.goto(f"{server}/{href.lstrip('/')}" if not href.startswith("http") else href, wait_until="domcontentloaded")
    page.wait_for_selector("audio[src]", timeout=180_000)
    wait_for_app(page)
    no_error_box(page)
    assert page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="Ignored").count() == 0
    assert "vae_z0=" in page.url
    page.screenshot(path=str(shots / "Map-to-VAE.png"), full_page=True)
