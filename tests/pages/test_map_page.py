"""AppTest of pages/6_Map.py: the map of synthetic notes, a person's ZIP or files, the sound
playing, the VAE link, the classifier and PCA, and bad input (the page stays up)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from explorer.audio import make_safe
from explorer.audio.constants import SR
from explorer.data import collection as coll
from tests.pages.apptest import assert_healthy, media, played, run_page  # noqa: F401  (media: a fixture)
from tests.sounds import wav_bytes, zip_bytes

N = "30"  # synthetic notes on the map: enough for t-SNE, quick to make


def _app(**query):
    return run_page("6_Map.py", **{"map_source": "Synthetic notes", "map_n": N, **query})


def _array(v) -> np.ndarray:
    """A figure's array as plotly sends it: a list, or a typed array ``{"dtype", "bdata"}``."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v)


def _map_points(at) -> dict[int, tuple[float, float]]:
    """index -> (x, y) of every sound on the map (the first chart), from the figure sent to the browser."""
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    out = {}
    for trace in fig["data"]:
        if trace.get("name") == "playing":
            continue
        for i, x, y in zip(*(_array(trace[k]) for k in ("customdata", "x", "y"))):
            out[int(i)] = (float(x), float(y))
    return out


def _upload(files: list[tuple[str, bytes]]):
    at = run_page("6_Map.py", map_source="Your sounds")
    mime = {"zip": "application/zip"}
    at.file_uploader(key="map_upload").set_value(
        [(n, d, mime.get(n.rsplit(".", 1)[-1], "audio/wav")) for n, d in files]).run()
    return at


def test_synthetic_notes_on_the_map_and_the_sound_playing(media):
    at = _app()
    assert_healthy(at, min_charts=2)  # the map and the sound's rainbowgram
    points = _map_points(at)
    assert sorted(points) == list(range(int(N)))
    at.selectbox(key="map_sound").set_value(7).run()
    assert_healthy(at, min_charts=2)
    expected = make_safe(coll.synth_notes(coll.synth_plans(n=8, seed=0)[7:]).audio[0], sr=SR)
    np.testing.assert_allclose(played(at, media), expected, atol=1 / 2**14)  # 16-bit WAV
    assert at.caption[2].value.startswith(at.selectbox(key="map_sound").format_func(7)[:6])


def test_open_in_vae_page_carries_code_pitch_and_checkpoint():
    at = _app()
    link = at.get("link_button")[0].proto
    assert "VAE page" in link.label
    url = urlparse(link.url)
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "VAE" and q["vae_checkpoint"] == "vae-gm-v1"
    assert int(q["vae_pitch"]) == coll.synth_plans(n=1, seed=0)[0]["pitch"]
    assert sum(k.startswith("vae_z") for k in q) == 24
    # the VAE page opened with that link plays on the same checkpoint, pitch and sliders
    vae = run_page("1_VAE.py", **q)
    assert not vae.exception and not vae.warning
    assert vae.selectbox(key="vae_checkpoint").value == "vae-gm-v1"
    assert vae.slider(key="vae_pitch").value == int(q["vae_pitch"])
    assert vae.slider(key="vae_z0").value == pytest.approx(float(q["vae_z0"]))


def test_classifier_embedding_pca_and_a_descriptor_colour():
    at = _app(map_by="classifier embedding", map_layout="PCA", map_colour="brightness")
    assert_healthy(at, min_charts=2)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["data"][0]["marker"]["colorbar"]["title"]["text"] == "brightness (Hz)"
    assert not at.get("link_button")  # a classifier embedding is no VAE code


def test_a_zip_of_your_own_sounds_with_a_twin_and_a_stray_file():
    notes = {f"my notes/n{k}.wav": wav_bytes(110 * 2 ** (k / 12)) for k in range(6)}
    notes["my notes/twin.wav"] = notes["my notes/n2.wav"]
    notes["my notes/cover.jpg"] = b"\xff\xd8 not a sound"
    at = _upload([("notes.zip", zip_bytes(notes))])
    assert_healthy(at, min_charts=2)
    assert any("Left out 1 file(s) in the ZIP that are not sounds" in c.value for c in at.caption)
    names = [at.selectbox(key="map_sound").format_func(i) for i in range(7)]
    assert names == [f"n{k}.wav" for k in range(6)] + ["twin.wav"]
    points = _map_points(at)
    assert points[6] == points[2]  # two identical sounds land on the same point
    assert len(set(points.values())) == 6


def test_several_files_and_one_that_is_not_audio():
    at = _upload([("a.wav", wav_bytes(220)), ("b.wav", wav_bytes(330)), ("c.wav", wav_bytes(440)), ("d.wav", wav_bytes(550)),
                  ("broken.wav", b"RIFF this is no wave")])
    assert_healthy(at, min_charts=2)
    assert any("Left out 1 file(s)" in w.value and "broken" in w.value for w in at.warning)


@pytest.mark.parametrize("files,words", [
    ([("empty.zip", zip_bytes({}))], "the ZIP is empty"),
    ([("docs.zip", zip_bytes({"a.txt": b"x", "b.pdf": b"y"}))], "no sounds"),
    ([("fake.zip", b"not a zip")], "not a ZIP"),
    ([("many.zip", zip_bytes({f"n{i}.wav": b"" for i in range(coll.MAX_SOUNDS + 1)}))], "at most 5,000"),
    ([("bad.wav", b"nope"), ("worse.wav", b"")], "none of the 2 file"),
])
def test_bad_uploads_get_a_clear_message_and_the_page_stays_up(files, words):
    at = _upload(files)
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and words in at.error[0].value.replace("\\", ""), [e.value for e in at.error]
    at.segmented_control(key="map_source").set_value("Synthetic notes").run()
    assert_healthy(at, min_charts=2)  # and the map of other sounds still works


def test_nothing_uploaded_yet_says_what_to_do():
    at = run_page("6_Map.py", map_source="Your sounds")
    assert not at.exception and not at.error
    assert any("own notes" in i.value for i in at.info)


@pytest.mark.parametrize("query", [{"map_n": "99999"}, {"map_by": "pixels"}, {"map_layout": "UMAP"},
                                   {"map_source": "elsewhere"}])
def test_bad_links_are_ignored_with_a_notice(query):
    at = _app(**query)
    assert_healthy(at, min_charts=2)
    assert any("Ignored from the link" in w.value for w in at.warning)


def test_a_dataset_folder_on_disk_is_offered_first(tiny_data, tmp_path, monkeypatch):
    import explorer.paths

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "synth").symlink_to(tiny_data)
    monkeypatch.setattr(explorer.paths, "ROOT", tmp_path)
    at = run_page("6_Map.py", map_n="10")
    assert_healthy(at, min_charts=2)
    assert at.segmented_control(key="map_source").value == "Notes on disk"
    rows = coll.corpus_rows(tiny_data, n=10)
    assert len(_map_points(at)) == 10
    assert [at.selectbox(key="map_sound").format_func(i) for i in range(10)] == \
        [coll.corpus_notes(tiny_data, [r]).names[0] for r in rows]


def test_notes_drawn_from_the_vae_are_laid_out_by_their_own_codes():
    at = _app(map_source="Drawn from the VAE")
    assert_healthy(at, min_charts=2)
    assert len(_map_points(at)) == 100
    q = parse_qs(urlparse(at.get("link_button")[0].proto.url).query)
    assert q["vae_pitch"] == ["60"]
    from explorer.models.registry import load_model

    vae = load_model("vae", "vae-gm-v1")
    s = np.clip(np.round(vae.to_slider(vae.sample_latent(100, 0)[0]), 2), -3, 3)  # draw 0's own code
    assert [float(q[f"vae_z{d}"][0]) for d in range(vae.latent_dim)] == pytest.approx(s.tolist())
