import io
import json
import zipfile

import numpy as np
import pytest
import soundfile as sf

from explorer.errors import ParameterError
from explorer.latent.journey import render_journey
from explorer.latent.morph import join_with_crossfades, render_morph, sample_pack
from explorer.render import render_safe
from tests.toy_model import ToyModel

MODEL = ToyModel()


def test_morph_ends_equal_renders_of_endpoints():
    za, zb = MODEL.sample_latent(2, 0)
    m = render_morph(MODEL, za, zb, steps=5, method="slerp", pitch=60)
    assert np.array_equal(m.steps[0].y, render_safe(MODEL, za, 60).y)
    assert np.array_equal(m.steps[-1].y, render_safe(MODEL, zb, 60).y)
    assert np.max(np.abs(m.y)) <= 0.8913 and np.all(np.isfinite(m.y))


def test_crossfade_join_length_and_continuity():
    a, b = np.ones(1000), np.ones(1000)
    y = join_with_crossfades([a, b], sr=1000, crossfade_s=0.1)
    assert len(y) == 1900
    # equal-power fade of two identical constant signals peaks at sqrt(2) in the middle, never jumps
    assert np.max(np.abs(np.diff(y))) < 0.05


def test_sample_pack_contents():
    za, zb = MODEL.sample_latent(2, 1)
    m = render_morph(MODEL, za, zb, steps=3, method="lerp", pitch=48)
    with zipfile.ZipFile(io.BytesIO(sample_pack(m))) as zf:
        names = set(zf.namelist())
        assert names == {"step_00.wav", "step_01.wav", "step_02.wav", "morph.wav", "path.json"}
        y, sr = sf.read(io.BytesIO(zf.read("step_02.wav")))
        assert sr == MODEL.sample_rate and np.allclose(y, m.steps[2].y, atol=1e-4)
        path = json.loads(zf.read("path.json"))
        assert path["method"] == "lerp" and len(path["norms"]) == 3 and len(path["latents"]) == 3


def test_journey_is_safe_and_deterministic():
    j1 = render_journey(MODEL, seed=3, n_waypoints=3, duration_s=3.0, note_every_s=0.25, pitches=[60, 64])
    j2 = render_journey(MODEL, seed=3, n_waypoints=3, duration_s=3.0, note_every_s=0.25, pitches=[60, 64])
    assert np.array_equal(j1.y, j2.y)
    assert np.all(np.isfinite(j1.y)) and np.max(np.abs(j1.y)) <= 0.8913
    np.testing.assert_allclose(j1.path[0], j1.waypoints[0], atol=1e-6)
    np.testing.assert_allclose(j1.path[-1], j1.waypoints[-1], atol=1e-6)


@pytest.mark.parametrize("kw", [dict(n_waypoints=1), dict(duration_s=1000.0)])
def test_journey_bad_parameters(kw):
    with pytest.raises(ParameterError):
        render_journey(MODEL, seed=0, **{"n_waypoints": 3, "duration_s": 4.0, **kw})


def test_render_safe_refuses_bad_latent_and_pitch():
    with pytest.raises(ParameterError, match="needs 8"):
        render_safe(MODEL, np.zeros(3))
    with pytest.raises(ParameterError, match="NaN"):
        render_safe(MODEL, np.full(8, np.nan))
    with pytest.raises(ParameterError, match="this model.s range"):
        render_safe(MODEL, np.zeros(8), 100)


def test_step_pitches_glide_or_step_from_each_endpoints_own_pitch():
    from explorer.latent.morph import step_pitches

    assert step_pitches(70, 66, steps=5, how="glide") == [70, 69, 68, 67, 66]  # A#4 trumpet -> F#4 voice
    assert step_pitches(70, 66, steps=5, how="step") == [70, 70, 66, 66, 66]
    assert step_pitches(60, 60, steps=3) == [60, 60, 60]
    with pytest.raises(ValueError):
        step_pitches(60, 62, steps=3, how="jump")


def test_a_morph_plays_each_step_at_its_own_pitch():
    from explorer.latent.morph import step_pitches

    za, zb = MODEL.sample_latent(2, 0)
    pitches = step_pitches(70, 66, steps=5)
    morph = render_morph(MODEL, za, zb, steps=5, pitch=pitches)
    assert [s.pitch for s in morph.steps] == pitches and morph.path_json()["pitches"] == pitches
    np.testing.assert_array_equal(morph.steps[-1].y, render_safe(MODEL, zb, 66).y)
