"""The one render path (explorer/render.py): the model's pitch rule, safety, and the latent a preset stands for."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import ParameterError, PresetError
from explorer.presets import Preset
from explorer.render import check_pitch, preset_latent, render_safe
from tests.toy_model import ToyModel


class Recording(ToyModel):
    """The toy model, remembering the pitches ``render`` was given."""

    def __init__(self, *, whole_pitch: bool = True, pitch_range=(24, 84), gain: float = 1.0):
        self.whole_pitch, self.pitch_range, self.gain, self.calls = whole_pitch, pitch_range, gain, []

    def render(self, z, pitch=None):
        self.calls.append(None if pitch is None else np.asarray(pitch).tolist())
        return self.gain * super().render(z, pitch)


def test_render_safe_plays_the_default_pitch_safely():
    model = Recording(gain=10.0)  # far too loud before safety
    z = model.sample_latent(1, 3)[0]
    sound = render_safe(model, z)
    assert model.calls == [[60]] and sound.pitch == 60 and isinstance(sound.pitch, int)
    assert sound.sr == 8000 and sound.y.dtype == np.float32 and np.array_equal(sound.z, z)
    assert np.all(np.isfinite(sound.y)) and np.max(np.abs(sound.y)) <= 0.8913 + 1e-6
    raw = model.render(z[None], [60])[0]
    assert sound.level_db == pytest.approx(20 * np.log10(np.sqrt(np.mean(raw.astype(np.float64) ** 2))), abs=0.01)
    assert not sound.silent


@pytest.mark.parametrize("pitch,match", [(60.5, "whole MIDI notes"), (90, "range"), (23, "range"),
                                         (float("nan"), "range")])
def test_whole_note_models_refuse_fractions_and_out_of_range(pitch, match):
    model = Recording()
    with pytest.raises(ParameterError, match=match):
        render_safe(model, model.sample_latent(1, 0)[0], pitch)
    assert model.calls == []  # refused before rendering


def test_continuous_pitch_models_play_fractions():
    model = Recording(whole_pitch=False)
    sound = render_safe(model, model.sample_latent(1, 0)[0], 60.5)
    assert sound.pitch == 60.5 and model.calls == [[60.5]]
    assert check_pitch(model, 61.0) == 61 and isinstance(check_pitch(model, 61.0), int)


def test_unconditioned_models_get_no_pitch():
    model = Recording(pitch_range=None)
    sound = render_safe(model, model.sample_latent(1, 0)[0], 60)
    assert sound.pitch is None and model.calls == [None]


def test_silence_is_reported():
    model = Recording(gain=0.0)
    assert render_safe(model, model.sample_latent(1, 0)[0]).silent


def test_bad_latents_are_refused():
    model = Recording()
    with pytest.raises(ParameterError, match="needs 8"):
        render_safe(model, np.zeros(5))
    with pytest.raises(ParameterError, match="NaN"):
        render_safe(model, np.full(8, np.nan))


def test_preset_latent_is_its_latent_or_its_seed():
    model = Recording()
    latent = [0.5, -1.0, 0.0, 2.0, 0.1, 0.2, 0.3, 0.4]
    np.testing.assert_array_equal(preset_latent(model, Preset(model="vae", latent=latent, seed=9)),
                                  np.asarray(latent, np.float32))
    np.testing.assert_array_equal(preset_latent(model, Preset(model="vae", seed=9)), model.sample_latent(1, 9)[0])
    with pytest.raises(PresetError, match="has 3 values; the vae model needs 8"):
        preset_latent(model, Preset(model="vae", latent=[1.0, 2.0, 3.0]))
