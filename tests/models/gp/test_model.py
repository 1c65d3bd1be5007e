"""GPModel: the AudioModel interface, determinism and linearity in z, pitch and transposition."""

import math

import librosa
import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.models.base import AudioModel
from explorer.models.gp.model import from_spec
from explorer.models.gp.presets import load_gp
from explorer.models.gp.spec import parse_gp_spec
from tests.models.gp.kernels import spec_json


def test_gp_model_is_an_audio_model():
    model = load_gp("gp-middle-c")
    assert isinstance(model, AudioModel)
    assert model.name == "gp" and model.sample_rate == 44100
    assert model.pitch_range == (24, 108) and model.default_pitch == 60
    z = model.sample_latent(2, seed=0)
    assert z.shape == (2, model.latent_dim) and z.dtype == np.float32
    y = model.render(z, np.array([60, 72]))
    assert y.shape == (2, model.spec.n_samples) and y.dtype == np.float32 and np.all(np.isfinite(y))
    with pytest.raises(ParameterError, match="pitch"):
        model.render(z[:1], np.array([130]))
    with pytest.raises(ParameterError, match="latent"):
        model.render(z[:, :10])
    noise = load_gp("gp-wind")
    assert noise.pitch_range is None
    zn = noise.sample_latent(1, seed=1)
    np.testing.assert_array_equal(noise.render(zn, np.array([40])), noise.render(zn))


def pyin_cents(y: np.ndarray, sr: int, target_hz: float) -> float:
    f0, voiced, _ = librosa.pyin(
        y, sr=sr, fmin=librosa.note_to_hz("C2"), fmax=librosa.note_to_hz("C7"), frame_length=4096
    )
    return 1200 * math.log2(np.nanmedian(f0[voiced]) / target_hz)


@pytest.mark.slow  # pyin: ~12 s
def test_gp_middle_c_pitch_is_middle_c_and_transposes():
    model = load_gp("gp-middle-c")
    z = model.sample_latent(1, seed=0)
    y = model.render(z)[0][: int(1.5 * model.sample_rate)]
    assert abs(pyin_cents(y, model.sample_rate, 261.6256)) <= 10
    y69 = model.render(z, np.array([69]))[0][: int(1.5 * model.sample_rate)]
    assert abs(pyin_cents(y69, model.sample_rate, 440.0)) <= 10


def test_same_innovations_same_sound_and_the_map_is_linear():
    spec = parse_gp_spec(spec_json())
    m1, m2 = from_spec(spec.to_json()), from_spec(spec)
    z = m1.sample_latent(2, seed=5)
    np.testing.assert_array_equal(m1.render(z), m2.render(z))
    np.testing.assert_array_equal(m1.sample_latent(2, seed=5), z)
    assert not np.allclose(m1.render(m1.sample_latent(1, seed=6)), m1.render(z[:1]))
    a, b = 0.6, -1.3
    np.testing.assert_allclose(m1.render(a * z[:1] + b * z[1:]), a * m1.render(z[:1]) + b * m1.render(z[1:]), atol=1e-5)
