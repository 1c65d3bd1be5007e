"""Byte-bounded caches: the oldest values go once the bytes are spent, whatever the entry count."""

from __future__ import annotations

import numpy as np

from explorer.ui.cache import ByteLRU, bytes_cache, size_of


def test_size_of_counts_arrays_bytes_and_containers():
    a = np.zeros(1000, np.float32)
    assert size_of(a) == 4000
    assert size_of(b"x" * 10) == 10
    assert 8000 <= size_of((a, [a])) <= 8200


def test_the_store_keeps_at_most_its_bytes_and_drops_the_least_recently_used():
    store = ByteLRU(100)
    for k in "abc":
        store.put(k, k, 40)
    assert store.bytes == 80 and store.get("a") == (False, None)  # a went when c came
    store.get("b")  # b is now the most recent
    store.put("d", "d", 40)
    assert store.get("b")[0] and not store.get("c")[0]
    store.put("huge", "x", 101)  # larger than the whole store: not kept, nothing else lost
    assert not store.get("huge")[0] and store.get("d")[0]


def test_underscore_parameters_are_not_in_the_key_and_a_long_sound_counts_for_more():
    calls = []

    @bytes_cache(max_mb=1)
    def render(_model, key: str, seconds: float) -> np.ndarray:
        calls.append(key)
        return np.zeros(int(seconds * 16000), np.float32)

    assert render("model A", "k1", 1.0) is render("model B", "k1", 1.0)  # same key: one render
    assert calls == ["k1"]
    for i in range(20):  # twenty short notes fit (20 x 64 kB) ...
        render(None, f"short{i}", 1.0)
    assert len(render.store) == 16  # ... up to 1 MB
    render(None, "long", 15.0)  # a 960 kB sound pushes out all but one short one
    assert render.store.bytes <= 2**20 and len(render.store) == 2


def test_a_figure_weighs_its_arrays_and_images_without_being_pickled(monkeypatch):
    import pickle

    from explorer.figures.sound import plain_figure

    x = np.linspace(0, 8000, 20000)
    fig = plain_figure([dict(type="scatter", x=x, y=np.ones_like(x), mode="lines")], dict(title=dict(text="t")))
    monkeypatch.setattr(pickle, "dumps", lambda *a, **k: (_ for _ in ()).throw(AssertionError("pickled")))
    n = size_of(fig)
    assert 2 * 20000 * 8 <= n <= 2 * 20000 * 8 + 20000  # x and y, and a little layout
