"""The common model interface (explorer/models/base.py), the same test for every family's debug model."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.models.base import AudioModel, LatentAudioModel
from explorer.models.registry import FAMILIES, load_model


@pytest.fixture(scope="module", params=FAMILIES)
def model(request) -> LatentAudioModel:
    return load_model(request.param, "debug")


def test_it_is_an_audio_model_with_the_shared_base(model):
    assert isinstance(model, AudioModel) and isinstance(model, LatentAudioModel)
    assert model.name in FAMILIES and model.sample_rate > 0 and model.latent_dim > 0
    assert isinstance(model.card, dict)


def test_sample_latent_shape_dtype_and_determinism_per_seed(model):
    z = model.sample_latent(3, 7)
    assert z.shape == (3, model.latent_dim) and z.dtype == np.float32
    np.testing.assert_array_equal(z, model.sample_latent(3, 7))
    assert not np.allclose(z, model.sample_latent(3, 8))
    assert model.sample_latent(0, 1).shape == (0, model.latent_dim)
    with pytest.raises(ParameterError):
        model.sample_latent(1.5, 0)


def test_render_is_float32_finite_deterministic_and_seeds_differ(model):
    z = model.sample_latent(2, 3)
    y = model.render(z, None)
    assert y.dtype == np.float32 and y.ndim == 2 and y.shape[0] == 2 and np.all(np.isfinite(y))
    np.testing.assert_array_equal(y, model.render(z, None))
    np.testing.assert_array_equal(y, load_model(model.name, "debug").render(z, None))  # a fresh build, too
    other = model.render(model.sample_latent(2, 4), None)
    assert not np.allclose(y, other)
    lo, hi = model.pitch_range  # the pitch is heard
    assert not np.allclose(model.render(z[:1], [lo + 12]), model.render(z[:1], [hi - 12]))


def test_check_pitch_one_rule(model):
    lo, hi = model.pitch_range
    assert lo <= model.default_pitch <= hi
    np.testing.assert_array_equal(model.check_pitch(None, 2), [model.default_pitch] * 2)  # None: the default
    np.testing.assert_array_equal(model.check_pitch(lo, 3), [lo] * 3)  # one value for all n
    for bad in (lo - 1, hi + 1, np.nan, np.inf):
        with pytest.raises(ParameterError):
            model.check_pitch(bad, 1)
    with pytest.raises(ParameterError):
        model.check_pitch([lo, lo], 3)  # as many pitches as latents
    fraction = lo + 0.5
    if model.whole_pitch:  # VAE, GAN: the condition is a note number
        assert model.name in ("vae", "gan")
        with pytest.raises(ParameterError, match="whole"):
            model.check_pitch(fraction, 1)
    else:  # GP harmonic kernels transpose continuously
        assert model.name == "gp"
        assert model.check_pitch(fraction, 1)[0] == fraction


def test_render_refuses_what_check_pitch_refuses(model):
    z = model.sample_latent(1, 0)
    with pytest.raises(ParameterError):
        model.render(z, [model.pitch_range[1] + 1])
    if model.whole_pitch:
        with pytest.raises(ParameterError):
            model.render(z, [model.default_pitch + 0.25])


def test_check_latent_refuses_nan_inf_and_wrong_sizes(model):
    z = model.sample_latent(2, 0)
    np.testing.assert_array_equal(model.check_latent(z[0]), z[:1])  # one vector is one row
    for bad in (np.zeros(model.latent_dim + 1), np.zeros((2, 3, model.latent_dim)), np.zeros((1, 1))):
        with pytest.raises(ParameterError):
            model.check_latent(bad)
    for value in (np.nan, np.inf):
        broken = z.copy()
        broken[1, 0] = value
        with pytest.raises(ParameterError):
            model.check_latent(broken)
        with pytest.raises(ParameterError):
            model.render(broken, None)
    with pytest.raises(ParameterError):
        model.render(np.zeros((1, model.latent_dim + 1), np.float32), None)


def test_capability_hooks(model):
    z = model.sample_latent(2, 1)
    moved = model.move(z, [1.0, -0.5])
    assert moved.shape == z.shape and moved.dtype == np.float32
    if model.directions is None:
        np.testing.assert_array_equal(moved, z)
    else:
        assert not np.allclose(moved, z)
    mag = model.target_magnitude(z, None)
    if mag is not None:  # the family reconstructs phase from a magnitude it draws
        assert mag.shape[0] == 2 and mag.dtype == np.float32 and np.all(mag >= 0)
