"""Fitting a voiced GP track: known answers on synthesized signals (pyin f0, harmonic powers, noise)."""

import numpy as np
import pytest

from explorer.models.gp.fit_track import fit_track, track_f0
from explorer.models.gp.model import from_spec

SR = 16000
AMPS = np.array([1.0, 0.5, 0.3, 0.2, 0.1])


def voiced_signal(f0=150.0, seconds=1.0, noise=0.003, seed=0):
    t = np.arange(int(seconds * SR)) / SR
    rng = np.random.default_rng(seed)
    y = sum(a * np.sin(2 * np.pi * (h + 1) * f0 * t + rng.uniform(0, 6.3)) for h, a in enumerate(AMPS))
    return y + noise * rng.standard_normal(len(t))


@pytest.fixture(scope="module")
def fitted():
    y = voiced_signal()
    return y, fit_track(y, sr=SR, n_harmonics=8)


def test_known_f0_comes_back_voiced_with_that_f0(fitted):
    _, spec = fitted
    tr = spec.track
    assert tr.voicing.mean() > 0.9
    cents = 1200 * np.log2(np.median(tr.f0_hz[tr.voicing > 0]) / 150.0)
    assert abs(cents) < 10


def test_harmonic_powers_are_measured(fitted):
    _, spec = fitted
    tr = spec.track
    middle = tr.harmonics[20:-20][tr.voicing[20:-20] > 0]
    got_db = 10 * np.log10(np.median(middle, axis=0)[:5])
    want_db = 10 * np.log10(AMPS**2 / 2)
    np.testing.assert_allclose(got_db, want_db, atol=1.0)
    assert np.median(middle[:, 5:]) < 1e-3 * AMPS[0] ** 2  # absent harmonics stay (nearly) silent


def test_resynthesis_is_voiced_at_the_same_f0(fitted):
    y, spec = fitted
    m = from_spec(spec)
    r = m.render(m.sample_latent(1, 0))[0]
    f0, voiced = track_f0(r, sr=SR, hop_length=160)
    assert voiced.mean() > 0.85
    assert abs(1200 * np.log2(np.median(f0[voiced]) / 150.0)) < 20
    assert np.var(r) == pytest.approx(np.var(y), rel=0.35)  # the power is the recording's (a GP draw varies)


def test_white_noise_is_unvoiced_with_its_power_in_the_noise_bands():
    y = 0.1 * np.random.default_rng(3).standard_normal(SR)
    tr = fit_track(y, sr=SR).track
    harmonic = (tr.voicing[:, None] * tr.harmonics).sum(axis=1)
    assert harmonic.sum() < 0.1 * tr.noise_bands.sum()  # (pyin calls ~30% of white-noise frames voiced)
    assert tr.noise_bands.sum(axis=1)[10:-10].mean() == pytest.approx(0.01, rel=0.25)
