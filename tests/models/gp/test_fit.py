"""Fitting spectral mixtures to audio: one kernel, kernels over time, the envelope, bad clips."""

import json

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.models.gp.fit import amplitude_envelope, fit_piecewise, fit_stationary
from explorer.models.gp.kernel import Component, SMKernel
from explorer.models.gp.model import GPModel
from explorer.models.gp.spec import Blocks, GPSpec, parse_gp_spec


SR = 16000


def draw(spec: GPSpec, seed: int = 0) -> np.ndarray:
    model = GPModel(spec)
    return model.render(model.sample_latent(1, seed=seed))[0].astype(np.float64)


def test_stationary_fit_recovers_component_means():
    true = SMKernel((Component(1.0, 440.0, 0.1), Component(0.5, 1250.0, 0.05), Component(0.3, 3000.0, 0.02)), 0.001)
    y = draw(GPSpec(SR, 3.0, true), seed=1)
    fitted = fit_stationary(y, sr=SR)
    assert fitted.variance == pytest.approx(np.var(y), rel=1e-3)
    for c in true.components:
        near = np.abs(fitted.means_hz - c.mean_hz) < 30
        assert fitted.weights[near].sum() > 0.5 * c.weight  # the power is found there ...
        centre = np.average(fitted.means_hz[near], weights=fitted.weights[near])
        assert abs(centre - c.mean_hz) < 3.0  # ... within a few Hz of the true mean
    strongest = fitted.means_hz[np.argsort(fitted.weights)[::-1][:6]]
    assert all(np.min(np.abs(strongest - c.mean_hz)) < 5 for c in true.components)


def test_piecewise_fit_follows_a_changing_sound_and_its_envelope():
    low = SMKernel((Component(1.0, 500.0, 0.02),), 0.0)
    high = SMKernel((Component(1.0, 2500.0, 0.01),), 0.0)
    y = np.concatenate([draw(GPSpec(SR, 1.0, low), 1), draw(GPSpec(SR, 1.0, high), 2)])
    gain = np.interp(np.arange(len(y)), [0, len(y) - 1], [0.2, 1.0])
    y = y * gain
    calls = []
    spec = fit_piecewise(y, sr=SR, progress=calls.append)
    assert calls and calls[-1] == 1.0 and all(0 <= a <= b <= 1 for a, b in zip(calls, calls[1:]))
    assert spec.sample_rate == SR and spec.duration_s == pytest.approx(2.0)
    assert isinstance(spec.blocks, Blocks) and len(spec.blocks.kernels) >= 39
    for b, k in enumerate(spec.blocks.kernels):
        t = (b * spec.blocks.hop_s) + 0.03
        if 0.1 < t < 0.9 or 1.1 < t < 1.9:
            dominant = k.means_hz[np.argmax(k.weights)]
            assert abs(dominant - (500 if t < 1 else 2500)) < 40, (b, dominant)
    amp = np.asarray(spec.amplitude.values)
    assert amp[-20] > 3 * amp[20]  # the envelope rises with the clip
    assert parse_gp_spec(json.loads(json.dumps(spec.to_json()))) == spec
    resynth = GPModel(spec).render(GPModel(spec).sample_latent(1, seed=0))[0]
    assert np.all(np.isfinite(resynth))
    assert np.std(resynth) == pytest.approx(np.std(y), rel=0.3)


def test_amplitude_envelope_is_the_rolling_rms():
    t = np.arange(SR) / SR
    y = 0.5 * np.sin(2 * np.pi * 300 * t)
    env, values = amplitude_envelope(y, sr=SR)
    assert env.shape == y.shape
    np.testing.assert_allclose(env[2000:-2000], 0.5 / np.sqrt(2), rtol=0.02)
    assert len(values) == pytest.approx(len(y) / (0.005 * SR), abs=2)


@pytest.mark.parametrize(
    "clip, words",
    [
        (np.zeros(SR), "silent"),
        (np.ones(100), "too short"),
        (np.full(SR, np.nan), "NaN"),
        (np.ones((2, SR)), "mono"),
        (np.ones(31 * SR), "too long"),
    ],
)
def test_bad_clips_are_refused(clip, words):
    with pytest.raises(ParameterError, match=words):
        fit_piecewise(clip, sr=SR)
