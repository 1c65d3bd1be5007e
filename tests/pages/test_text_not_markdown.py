"""Strings from uploads are shown as text, never as markdown (issue 20): a GP kernel description or a
file name holding a link, a remote image (a tracking pixel), HTML or a bare address renders none of
them (explorer/ui/text.py), on the GP and Interpolation pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from explorer.ui.text import plain
from tests.pages.apptest import clear_caches, run_page

ROOT = Path(__file__).resolve().parents[2]
EVIL = ("Hello [click me](https://evil.example/x) ![pixel](https://evil.example/p.png) "
        "<img src='https://evil.example/q.png'> www.evil.example :material/warning: **bold**")
EVIL_NAME = "![n](https://evil.example/n.png)[x](https://evil.example).json"
#: What would make markdown or HTML of a string, once its backslash-escaped characters are taken out.
ACTIVE = ("](", "![", "<img", "://", "www.", ":material")


def live_markup(text: str) -> list[str]:
    unescaped = re.sub(r"\\.", "", text)
    return [a for a in ACTIVE if a in unescaped]


def shown_text(at) -> list[str]:
    return [e.value for kind in ("caption", "markdown", "info", "warning", "error", "success")
            for e in getattr(at, kind)] + [p.proto.text for p in at.get("progress")]


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_caches()
    yield
    clear_caches()


def test_plain_escapes_every_markup():
    assert live_markup(EVIL) and not live_markup(plain(EVIL, limit=1000))
    # the browser's renderer autolinks addresses and draws icon codes after the escapes are gone
    # (seen in Chromium), so none may be left whole once they are
    shown = re.sub(r"\\(.)", r"\1", plain(EVIL + " mail@evil.example WWW.evil.example", limit=1000))
    assert not re.search(r"https?://|www\.|\w@\w|:material", shown, re.IGNORECASE), shown
    assert shown.replace("\u2060", "") == EVIL + " mail@evil.example WWW.evil.example"  # reads the same
    assert plain("a\n# heading\n- item") == r"a \# heading \- item"
    assert len(plain("x" * 500)) == 200


def test_gp_kernel_description_and_file_name_are_text():
    kernel = json.loads((ROOT / "checkpoints" / "gp" / "gp-organ.json").read_text())
    kernel["description"] = EVIL
    preset = {"format": "latent-audio-explorer/preset@1", "model": "gp", "seed": 3, "gp": kernel}
    at = run_page("3_GP.py")
    at.file_uploader(key="gp_preset_file").set_value((EVIL_NAME, json.dumps(preset).encode(), "application/json"))
    at.run()
    assert not at.exception
    texts = shown_text(at)
    assert any("Hello" in t for t in texts), texts  # the description is shown ...
    assert not [t for t in texts if live_markup(t)]  # ... as text
    # a broken upload under such a name: the error panel names it as text
    at.file_uploader(key="gp_preset_file").set_value((EVIL_NAME, b"{broken", "application/json")).run()
    assert not at.exception and at.error
    assert not [t for t in shown_text(at) if live_markup(t)]


def test_interpolation_upload_name_is_text():
    at = run_page("4_Interpolation.py", im_model="GP")
    at.radio(key="im_src_gp_A").set_value("preset file").run()
    at.file_uploader(key="im_up_A").set_value((EVIL_NAME, b"{broken", "application/json")).run()
    assert not at.exception
    texts = shown_text(at)
    assert any("could not" in t for t in texts), texts
    assert not [t for t in texts if live_markup(t)]
