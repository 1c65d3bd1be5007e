"""Traversal and injection in a real browser (Debian's chromium under Playwright, the server of
tests/test_browser.py): a link naming files outside the installed checkpoints is ignored with a
notice that reveals nothing, and a GP kernel whose description holds a link, a remote image and
HTML shows it as text: no live link, no image, and no request leaves the machine for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pages.test_text_not_markdown import EVIL
from tests.test_browser import browser, no_error_box, server, shots, wait_for_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
EVIL_HOST = "evil.example"


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if EVIL_HOST in r.url else None)
    context.route(f"**/*{EVIL_HOST}*/**", lambda route: route.abort())
    p = context.new_page()
    p.outside = outside
    yield p
    context.close()



def _ready(page) -> None:
    page.wait_for_selector("audio[src]", timeout=120_000)
    wait_for_app(page)



@pytest.mark.parametrize("path, query", [
    ("Interpolation", "im_model=GP&im_gp_a=../../etc/passwd"),
    ("VAE", "vae_checkpoint=../../../../etc/passwd"),
    ("GAN", "gan_checkpoint=/nonexistent/secret.pt"),
])
def test_a_link_naming_a_server_file_is_ignored_and_reveals_nothing(page, server, shots, path, query):  # noqa: F811
    page.goto(f"{server}/{path}?{query}", wait_until="domcontentloaded")
    _ready(page)
    page.screenshot(path=str(shots / f"traversal-{path}.png"), full_page=True)
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "Ignored from the link" in body
    # the first of these opens a deep link on a fresh server: the app's own navigation, not the
    # pages/ folder's ("streamlit app" and file names)
    nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert nav and nav[0] == "Home", nav
    no_error_box(page)
    for leak in ("root:x:0:0", "not found", "truncated", "/work/", "/root/", "No such file"):
        assert leak not in body, leak


def test_markup_in_an_uploaded_kernel_stays_text(page, server, shots, tmp_path):  # noqa: F811
    kernel = json.loads((ROOT / "checkpoints" / "gp" / "gp-organ.json").read_text())
    kernel["description"] = EVIL
    preset = tmp_path / "kernel-preset.json"
    preset.write_text(json.dumps({"format": "latent-audio-explorer/preset@1", "model": "gp", "seed": 3, "gp": kernel}))
    page.goto(f"{server}/GP", wait_until="domcontentloaded")
    _ready(page)
    page.locator('.st-key-gp_preset_file input[type="file"]').set_input_files(str(preset))
    page.get_by_text("Hello", exact=False).first.wait_for(timeout=60_000)
    wait_for_app(page)
    page.screenshot(path=str(shots / "injection-GP.png"), full_page=True)
    main = page.locator('[data-testid="stMain"]')
    assert main.locator(f'a[href*="{EVIL_HOST}"]').count() == 0  # no live link ...
    assert main.locator(f'img[src*="{EVIL_HOST}"]').count() == 0  # ... no image, no tracking pixel
    assert "click me" in main.inner_text()  # the description is there, as text
    assert page.outside == [], page.outside  # and nothing was fetched from that host
    no_error_box(page)
