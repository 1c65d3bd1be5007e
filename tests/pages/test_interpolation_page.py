"""AppTest of pages/4_Interpolation.py: every model, both methods, bad links, sample pack."""


import pytest
from streamlit.testing.v1 import AppTest

from explorer.models.registry import available_checkpoints
from tests.pages.apptest import assert_healthy, media, run_page  # noqa: F401  (media: a fixture)

READY = [f for f, names in available_checkpoints().items() if names]


def _app(**query) -> AppTest:
    return run_page("4_Interpolation.py", **query)


def _ok(at: AppTest) -> None:
    assert_healthy(at)


@pytest.mark.parametrize("family", READY)
def test_each_model_morphs(family):
    at = _app(im_model=family.upper(), im_steps="5")
    _ok(at)
    assert len(at.get("audio")) >= 1 + 5  # the morph and a player per step
    zips = [b for b in at.get("download_button") if b.proto.url.endswith(".zip")]
    assert zips and "sample pack" in zips[0].proto.label


def test_lerp_and_steps_change_the_sound():
    at = _app()
    _ok(at)
    slerp_url = at.get("audio")[0].proto.url
    at.radio(key="im_method").set_value("lerp").run()
    _ok(at)
    assert at.get("audio")[0].proto.url != slerp_url  # the morph's audio changed
    at.slider(key="im_steps").set_value(3).run()
    _ok(at)
    assert any("3 steps by lerp" in c.value for c in at.caption)


@pytest.mark.parametrize("query", [{"im_steps": "999"}, {"im_model": "diffusion"}, {"im_seed_a": "abc"},
                                   {"im_pitch": "-3"}, {"im_method": "cubic"}])
def test_bad_links_are_ignored_with_a_notice(query):
    at = _app(**query)
    _ok(at)
    assert any("Ignored from the link" in w.value for w in at.warning)


def test_journey_renders():
    at = _app()
    at.slider(key="im_jlen").set_value(4).run()
    at.button(key="im_jgo").click().run()
    _ok(at)
    assert any("journey" in c.value for c in at.caption)


def test_url_round_trip_gives_identical_audio():
    """A link carrying the bound widget keys reproduces the state the widgets set, sample for sample.

    (AppTest does not mirror widget changes into the URL; the browser test checks that half.)
    """
    at = _app()
    at.number_input(key="im_seed_a").set_value(11).run()
    at.radio(key="im_method").set_value("lerp").run()
    _ok(at)
    fresh = _app(im_seed_a="11", im_method="lerp")
    _ok(fresh)
    assert fresh.get("audio")[0].proto.url == at.get("audio")[0].proto.url  # media URLs hash the bytes
    assert fresh.get("audio")[0].proto.url != _app().get("audio")[0].proto.url


def _gp_preset(seed: int) -> bytes:
    import json

    from explorer.models.registry import checkpoint_path

    spec = json.loads(checkpoint_path("gp", "gp-middle-c").read_text())
    return json.dumps({"format": "latent-audio-explorer/preset@1", "model": "gp", "gp": spec, "seed": seed}).encode()


def test_preset_endpoint_gives_identical_audio_to_its_seed():
    by_seed = _app(im_model="GP", im_seed_a="11")
    _ok(by_seed)
    at = _app(im_model="GP")
    at.radio(key="im_src_gp_A").set_value("preset file").run()
    at.file_uploader(key="im_up_A").set_value(("a.json", _gp_preset(11), "application/json")).run()
    _ok(at)
    assert at.get("audio")[0].proto.url == by_seed.get("audio")[0].proto.url


@pytest.mark.parametrize("content", [b"{nope", b'{"model": "vae", "seed": 1}', b'{"model": "gp", "seed": -5, "gp": {}}',
                                     b'{"model": "gp", "seed": 1, "gp": {"kernel": {"components": []}}}'])
def test_bad_preset_upload_is_reported_and_page_stays_up(content):
    at = _app(im_model="GP")
    at.radio(key="im_src_gp_A").set_value("preset file").run()
    at.file_uploader(key="im_up_A").set_value(("bad.json", content, "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error or at.warning  # a clear message ...
    assert at.get("audio") or at.error  # ... and no traceback


@pytest.mark.parametrize("mode, steps, step", [("not at all (A's kernel)", "3", 3), ("by a straight mix", "5", 3)])
def test_gp_kernel_morph_modes(mode, steps, step):
    """Even steps (the default) against a fixed kernel or a straight mix: step 0 is A either way, the
    morph and a later step differ; the choice lives in the link."""
    at = _app(im_model="GP", im_gp_a="gp-middle-c", im_gp_b="gp-organ", im_steps=steps)
    _ok(at)
    assert at.radio(key="im_kernel").value == "in even steps"
    even = [a.proto.url for a in at.get("audio")]
    at.radio(key="im_kernel").set_value(mode).run()
    _ok(at)
    other = [a.proto.url for a in at.get("audio")]
    assert even[1] == other[1]
    assert even[0] != other[0] and even[step] != other[step]
    linked = _app(im_model="GP", im_gp_a="gp-middle-c", im_gp_b="gp-organ", im_steps=steps, im_kernel=mode)
    assert linked.radio(key="im_kernel").value == mode


def test_bad_gp_preset_name_in_link():
    at = _app(im_model="GP", im_gp_a="../../etc/passwd")
    _ok(at)
    assert any("Ignored from the link" in w.value for w in at.warning)


@pytest.mark.skipif("vae" not in READY, reason="needs the shipped VAE")
def test_vae_endpoint_from_an_uploaded_sound():
    import io

    import numpy as np
    import soundfile as sf

    sr = 16000
    t = np.arange(sr) / sr
    buf = io.BytesIO()
    sf.write(buf, 0.3 * np.sin(2 * np.pi * 220 * t) * np.exp(-2 * t), sr, format="WAV")
    at = _app(im_model="VAE")
    at.radio(key="im_src_vae_A").set_value("your sound (encoded)").run()
    at.file_uploader(key="im_snd_A").set_value(("note.wav", buf.getvalue(), "audio/wav")).run()
    _ok(at)
    assert any("Encoded; estimated pitch 57" in c.value for c in at.caption)
    at.file_uploader(key="im_snd_A").set_value(("bad.wav", b"not audio at all", "audio/wav")).run()
    assert not at.exception and at.error  # a clear message, the page stays up


def test_the_map_marks_the_origin_and_the_loudness_axis_spans_6_db():
    """The map's text says the grey cloud sits near the origin: the origin is on the map, and the
    cloud is nearer to it than to the map's centre. The loudness plot spans at least 6 dB."""
    import numpy as np
    import plotly.io

    at = run_page("4_Interpolation.py")
    assert_healthy(at)
    figs = {f.layout.title.text or "": f for f in (plotly.io.from_json(c.proto.spec) for c in at.get("plotly_chart"))}
    (fig,) = [f for t, f in figs.items() if t.startswith("Path in latent space")]
    traces = {t.name: t for t in fig.data}

    def xy(trace) -> np.ndarray:  # plotly sends arrays as {"dtype", "bdata"} (base64)
        def values(v):
            if isinstance(v, dict):
                return np.frombuffer(__import__("base64").b64decode(v["bdata"]), dtype=v["dtype"])
            return np.asarray(v, dtype=float)
        return np.column_stack([values(trace.x), values(trace.y)])

    (ox, oy), cloud = xy(traces["origin (z = 0)"])[0], xy(traces["prior samples"])
    paths = np.concatenate([xy(t) for n, t in traces.items() if n in ("slerp", "lerp")])
    # the cloud sits near the origin: much nearer to it than the paths are
    assert np.median(np.hypot(cloud[:, 0] - ox, cloud[:, 1] - oy)) < 0.5 * np.median(np.hypot(paths[:, 0] - ox,
                                                                                             paths[:, 1] - oy))
    assert any("origin (the black cross)" in m.value for m in at.markdown)
    (loud,) = [f for t, f in figs.items() if t.startswith("Loudness")]
    if loud.layout.yaxis.range is not None:  # set when the loudness changes by less than 6 dB
        lo, hi = loud.layout.yaxis.range
    else:  # plotly's own range, which spans the data
        levels = np.concatenate([xy(t)[:, 1] for t in loud.data])
        lo, hi = levels.min(), levels.max()
    assert hi - lo >= 6.0 - 1e-9


@pytest.mark.skipif("gan" not in READY, reason="no GAN checkpoint installed")
def test_a_morph_uses_each_endpoints_own_pitch(media):
    """A at A#4 (from its preset), B a seed at the page's pitch: the steps glide from A#4 to the
    page's F#4, or step half way; not every step at one pitch."""
    import io
    import json
    import zipfile

    at = _app(im_model="GAN", im_steps="5", im_pitch="66")
    at.radio(key="im_src_gan_A").set_value("preset file").run()
    preset = {"format": "latent-audio-explorer/preset@1", "model": "gan", "seed": 3, "pitch": 70}
    at.file_uploader(key="im_up_A").set_value(("a.json", json.dumps(preset).encode(), "application/json")).run()
    _ok(at)

    def pitches() -> list:
        (pack,) = [b for b in at.get("download_button") if b.proto.url.endswith(".zip")]
        with zipfile.ZipFile(io.BytesIO(media[pack.proto.url.rsplit("/", 1)[-1].split(".")[0]])) as zf:
            return json.loads(zf.read("path.json"))["pitches"]

    assert pitches() == [70, 69, 68, 67, 66]
    at.radio(key="im_pitch_move").set_value("A's pitch, then B's").run()
    assert pitches() == [70, 70, 66, 66, 66]
    at.radio(key="im_pitch_move").set_value("the slider's").run()
    assert pitches() == [66] * 5
