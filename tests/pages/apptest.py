"""What the page tests share: running a page under AppTest, the health check, the audio a page
played, and checkpoint folders (the shipped checkpoint when it exists, else a tiny debug model's;
broken ones)."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import streamlit as st
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from explorer.models import registry
from explorer.models.checkpoint import save_checkpoint

PAGES = Path(__file__).resolve().parents[2] / "pages"
TIMEOUT = 120


def run_page(page: str, **query: str) -> AppTest:
    """Run ``pages/<page>`` once, opened with the given URL query parameters."""
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def assert_healthy(at: AppTest, *, min_charts: int = 1, errors_ok: bool = False) -> None:
    """No exception, no error panel (unless ``errors_ok``), a player and the charts."""
    assert not at.exception, [e.value for e in at.exception]
    if not errors_ok:
        assert not at.error, [e.value for e in at.error]
    assert at.get("audio"), "no audio player"
    assert len(at.get("plotly_chart")) >= min_charts, f"fewer than {min_charts} chart(s)"


@pytest.fixture
def media(monkeypatch) -> dict[str, bytes]:
    """The bytes of every media file a page hands to streamlit, by file id (the name in its URL)."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return files


def played(at: AppTest, media: dict[str, bytes], index: int = 0) -> np.ndarray:
    """The samples of the page's ``index``-th audio player, decoded from the WAV bytes it serves."""
    file_id = Path(at.get("audio")[index].proto.url).stem
    y, _ = sf.read(io.BytesIO(media[file_id]), dtype="float32")
    return y


@pytest.fixture
def page(request, tmp_path, monkeypatch):
    """Indirect fixture: ``request.param`` is a family; its checkpoints are ready (see
    :func:`use_checkpoints`; the GP needs none) and the caches fresh around the test."""
    family = request.param
    if family == "gp":
        clear_caches()
        yield family
        clear_caches()
    else:
        yield from (family for _ in use_checkpoints(family, tmp_path, monkeypatch))


def checkpoints_fixture(family: str):
    """A fixture ``checkpoints``: the checkpoints folder for ``family`` (see :func:`use_checkpoints`)."""

    @pytest.fixture
    def checkpoints(tmp_path, monkeypatch):
        yield from use_checkpoints(family, tmp_path, monkeypatch)

    return checkpoints


def clear_caches() -> None:
    from explorer.ui.cache import clear_all

    st.cache_resource.clear()
    st.cache_data.clear()
    clear_all()


def debug_checkpoint(family: str, folder: Path, *, card: dict | None = None) -> Path:
    """The tiny debug model of ``family`` saved under the family's default checkpoint name
    (with ``card``, default ``{"note": "debug"}``)."""
    from explorer.models.gan import model as gan
    from explorer.models.vae import model as vae

    path = Path(folder) / f"{registry.DEFAULT_CHECKPOINT[family]}.pt"
    if family == "vae":
        m = vae.debug_model()
        state = m.net.state_dict()
    else:
        m = gan.debug_model()
        state = {f"generator.{k}": v for k, v in m.generator.state_dict().items()}
        state.update(gan.directions_state(m.directions))
    save_checkpoint(path, family=family, config=m.config, state=state, card=card or {"note": "debug"})
    return path


def use_checkpoints(family: str, tmp_path: Path, monkeypatch):
    """Fixture body: the real checkpoints folder when ``family``'s shipped checkpoint exists,
    else a temporary one with its debug model; fresh caches around the test."""
    if not (registry.CHECKPOINT_DIR / f"{registry.DEFAULT_CHECKPOINT[family]}.pt").exists():
        debug_checkpoint(family, tmp_path)
        monkeypatch.setattr(registry, "CHECKPOINT_DIR", tmp_path)
    clear_caches()
    yield registry.CHECKPOINT_DIR
    clear_caches()


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def assert_broken_checkpoint_is_reported(page: str, family: str, kind: str, tmp_path: Path, monkeypatch) -> None:
    """A missing, malicious (pickle that would run code) or truncated default checkpoint gives
    the page a clear error and no exception."""
    path = Path(tmp_path) / f"{registry.DEFAULT_CHECKPOINT[family]}.pt"
    if kind == "malicious":
        path.write_bytes(pickle.dumps({"x": _Evil()}))
    elif kind == "truncated":
        data = debug_checkpoint(family, tmp_path).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    monkeypatch.setattr(registry, "CHECKPOINT_DIR", Path(tmp_path))
    clear_caches()
    try:
        at = run_page(page)
        assert not at.exception, [e.value for e in at.exception]
        assert at.error and "could not be loaded" in at.error[0].value
    finally:
        clear_caches()
