"""The keyboard in a real browser (Debian's chromium under Playwright, the server of
tests/test_browser.py): computer keys start and stop the right pre-rendered buffers, Z / X shift
the octave, the on-screen keys play too, and no request leaves localhost.

The component's test hook, ``window.__laeKeyboard``, logs each note: MIDI number, key-down and
key-up times and the measured latency from the key event to the audio start (Web Audio's output
timestamp against the event's time stamp).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.test_browser import browser, server, wait_for_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _hook(page) -> dict:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.__laeKeyboard || {}))")


def test_computer_keys_play_the_gan_keyboard(server, browser, tmp_path):  # noqa: F811
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{server}/GAN", wait_until="domcontentloaded")
        wait_for_app(page)
        page.wait_for_function("() => window.__laeKeyboard && window.__laeKeyboard.ready", timeout=120_000)
        assert _hook(page)["notes"] == 37
        page.locator("h1").first.click()  # focus the page (not a text field)

        def tap(key: str, hold_ms: int = 150) -> None:
            page.keyboard.down(key)
            page.wait_for_timeout(hold_ms)
            page.keyboard.up(key)
            page.wait_for_timeout(50)

        tap("a")  # C4: the page's pitch is 60 and the keys start at its octave
        tap("w")  # C#4
        page.keyboard.down("d")  # E4 and G4 together: polyphony
        page.keyboard.down("g")
        page.wait_for_timeout(100)
        assert sorted(_hook(page)["sounding"]) == [64, 67]
        page.keyboard.up("d")
        page.keyboard.up("g")
        tap("x")  # octave up: A is C5
        tap("a")
        tap("z")
        tap("z")  # two octaves down: A is C3
        tap("k")  # C4
        page.locator('.lae-key[data-midi="50"]').click()  # the on-screen D3
        page.wait_for_timeout(100)
        hook = _hook(page)
        page.screenshot(path=str(shots / "GAN-keyboard.png"), full_page=True)
        # a new timbre (the dice), put on the keyboard: the keyboard gets the new notes and plays them
        page.get_by_role("button", name="Roll").click()
        wait_for_app(page)
        page.get_by_role("button", name="Put the current sound on the keyboard").click()
        page.wait_for_function(f"() => window.__laeKeyboard.digest !== {hook['digest']!r} && window.__laeKeyboard.ready",
                               timeout=120_000)
        wait_for_app(page)
        page.locator("h1").first.click()
        tap("a")
        after = _hook(page)
    finally:
        context.close()
    notes = [e["midi"] for e in hook["log"]]
    assert notes == [60, 61, 64, 67, 72, 60, 50], hook["log"]
    assert hook["played"] == 7 and hook["sounding"] == []
    assert after["played"] == 8 and after["log"][-1]["midi"] == 48  # (the octave window stays where it was)
    # (a quick on-screen click may release within the millisecond it pressed)
    assert all(e["off_ms"] is not None and e["off_ms"] >= e["on_ms"] for e in hook["log"])
    assert all(e["context_state"] in ("running", "suspended") for e in hook["log"])
    latencies = [round(e["latency_ms"], 1) for e in hook["log"]]
    print({k: hook["log"][0][k] for k in ("handler_ms", "base_latency_ms", "output_latency_ms")})
    (shots / "keyboard-latency.json").write_text(json.dumps({"latency_ms": latencies, "log": hook["log"]}, indent=1))
    print("key press to audio start (ms):", latencies)
    # (streamlit itself fetches a page icon given as ":material/...": that favicon is not the keyboard's)
    outside = [u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).hostname not in ("127.0.0.1", "localhost") and "/materialsymbols" not in u]
    assert not outside, outside


@pytest.mark.parametrize("path", ["VAE", "GP"])
def test_computer_keys_play_the_vae_and_gp_keyboards(server, browser, path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        wait_for_app(page)
        page.wait_for_function("() => window.__laeKeyboard && window.__laeKeyboard.ready", timeout=180_000)
        page.locator("h1").first.click()
        page.keyboard.down("j")  # B4 on the keys starting at C4
        page.wait_for_timeout(150)
        page.keyboard.up("j")
        page.wait_for_timeout(50)
        hook = _hook(page)
    finally:
        context.close()
    assert [e["midi"] for e in hook["log"]] == [71] and hook["sounding"] == []
    print(path, "key press to audio start (ms):", round(hook["log"][0]["latency_ms"], 1))
