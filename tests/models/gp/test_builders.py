"""Kernel builders: Bark bands, harmonic notes, and the mixture of two specs."""

import math

import numpy as np
import pytest

from explorer.audio.pitch import midi_to_hz
from explorer.audio.spectrum import bark_bands
from explorer.errors import ParameterError
from explorer.models.gp.builders import bark_kernel, harmonic_kernel, harmonic_spec, mix_specs
from explorer.models.gp.kernel import Component, SMKernel
from explorer.models.gp.spec import Envelope, GPSpec
from tests.models.gp.kernels import SR


def test_bark_kernel_one_component_per_band():
    bands = bark_bands(SR)
    gains = np.linspace(1.0, 0.1, len(bands))
    k = bark_kernel(gains, sr=SR)
    assert len(k.components) == len(bands)
    np.testing.assert_allclose(k.means_hz, [(lo + hi) / 2 for lo, hi in bands])
    np.testing.assert_allclose(k.weights, gains)
    # default lengthscale: spectral FWHM = band width
    fwhm = 2 * math.sqrt(2 * math.log(2)) / (2 * math.pi * k.lengthscales_s)
    np.testing.assert_allclose(fwhm, [hi - lo for lo, hi in bands])
    assert np.all(bark_kernel(gains, sr=SR, lengthscale_s=0.1).lengthscales_s == 0.1)
    with pytest.raises(ParameterError, match="Bark band gains"):
        bark_kernel(gains[:-1], sr=SR)


def test_harmonic_kernel_partials_tilt_odd_even_and_stiffness():
    k = harmonic_kernel(60, sr=44100, n_partials=8, tilt_db_per_octave=-6.0, odd_even_db=0.0)
    f0 = midi_to_hz(60)
    np.testing.assert_allclose(k.means_hz, f0 * np.arange(1, 9))
    assert 10 * math.log10(k.weights[1] / k.weights[0]) == pytest.approx(-6.0)
    assert k.weights.sum() == pytest.approx(1.0)
    hollow = harmonic_kernel(60, sr=44100, n_partials=4, tilt_db_per_octave=0.0, odd_even_db=10.0)
    assert 10 * math.log10(hollow.weights[0] / hollow.weights[1]) == pytest.approx(10.0)
    stiff = harmonic_kernel(60, sr=44100, n_partials=10, inharmonicity=1e-3)
    assert stiff.means_hz[0] == pytest.approx(f0)
    assert stiff.means_hz[9] > 10 * f0 * 1.03  # stretched upper partials
    high = harmonic_kernel(100, sr=16000, n_partials=40)
    assert high.max_mean_hz <= 0.95 * 8000
    with pytest.raises(ParameterError):
        harmonic_kernel(60, sr=44100, inharmonicity=-1)


def test_harmonic_spec_records_its_pitch():
    spec = harmonic_spec(60, sr=16000, duration_s=0.5, n_partials=4)
    assert spec.pitch_midi == 60.0 and spec.harmonic and spec.n_samples == 8000
    assert spec.kernel == harmonic_kernel(60, sr=16000, n_partials=4)


def test_mix_specs_mixes_power_spectra_and_keeps_the_ends():
    a = harmonic_spec(60, sr=16000, duration_s=0.5, n_partials=4, envelope=Envelope(0.01, 0.1, 0.5, 0.1))
    b = GPSpec(
        44100, 1.0, SMKernel((Component(1.0, 3000.0, 0.01), Component(1.0, 12000.0, 0.01)), 0.1),
        envelope=Envelope(0.05, 0.3, 1.0, 0.2),
    )
    b_below = SMKernel(b.kernel.components[:1], b.kernel.noise)  # 12 kHz is above a's Nyquist
    assert mix_specs(a, b, 0.0) is a
    f = np.linspace(0, 8000, 2001)
    for t in (0.25, 0.5, 1.0):
        mid = mix_specs(a, b, t, mix="linear")
        assert mid.sample_rate == 16000 and mid.duration_s == 0.5
        expected = (1 - t) * a.kernel.psd(f) + t * b_below.psd(f)
        np.testing.assert_allclose(mid.kernel.psd(f), expected, rtol=1e-12, atol=1e-12 * expected.max())
        assert mid.kernel.noise == pytest.approx(t * 0.1)
        assert mid.envelope.attack_s == pytest.approx((1 - t) * 0.01 + t * 0.05)
    assert mix_specs(a, b, 1.0).kernel.components == b_below.components
    assert mix_specs(a, b, 0.0, pitch=72).pitch_midi == 72.0
    with pytest.raises(ParameterError, match="between 0 and 1"):
        mix_specs(a, b, 1.5)
    with pytest.raises(ParameterError, match="mix must be one of"):
        mix_specs(a, b, 0.5, mix="log")


def test_balanced_mix_moves_the_power_centroid_evenly_and_the_level_geometrically():
    """A quiet dark kernel (power 1 at 500 Hz) and a loud bright one (power 9 at 4500 Hz): linear
    mixing puts the centroid at 4000 Hz by t = 1/2; balanced mixing at 2500 Hz, with power 3."""
    a = GPSpec(16000, 0.5, SMKernel((Component(1.0, 500.0, 0.05),), 0.0))
    b = GPSpec(16000, 0.5, SMKernel((Component(6.0, 4500.0, 0.05), Component(3.0, 4500.0, 0.02)), 0.0))

    def centroid_and_power(spec):
        w = spec.kernel.weights
        return float(np.sum(w * spec.kernel.means_hz) / w.sum()), float(w.sum())

    assert centroid_and_power(mix_specs(a, b, 0.5, mix="linear")) == pytest.approx((4100.0, 5.0))
    for t in (0.25, 0.5, 0.75):
        c, p = centroid_and_power(mix_specs(a, b, t))
        assert c == pytest.approx(500 + 4000 * t) and p == pytest.approx(9.0**t)
    assert mix_specs(a, b, 1.0).kernel.components == b.kernel.components
