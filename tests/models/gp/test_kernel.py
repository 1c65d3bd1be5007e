"""Spectral-mixture kernels: k(tau), the PSD, construction limits, building and transposing."""

import math

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.models.gp.kernel import MAX_COMPONENTS, Component, SMKernel, kernel_from_arrays
from tests.models.gp.kernels import SR, three_peaks


def test_covariance_matches_design_formula():
    k = three_peaks(noise=0.2)
    tau = np.array([0.0, 1e-4, 1e-3, 0.01])
    expected = [
        sum(c.weight * math.exp(-(t**2) / (2 * c.lengthscale_s**2)) * math.cos(2 * math.pi * c.mean_hz * t) for c in k.components)
        + (0.2 if t == 0 else 0.0)
        for t in tau
    ]
    np.testing.assert_allclose(k.covariance(tau), expected, rtol=1e-12)


def test_psd_integrates_to_weights_and_peaks_at_means():
    k = three_peaks(noise=0.0)
    f = np.linspace(0, 20000, 400001)
    assert np.trapezoid(k.psd(f), f) == pytest.approx(1.75, rel=1e-6)
    # each component: power weight_q in a Gaussian of std 1 / (2 pi lengthscale_q)
    c = k.components[1]
    one = SMKernel((c,), 0.0)
    sd = 1 / (2 * math.pi * c.lengthscale_s)
    band = (f > c.mean_hz - sd) & (f < c.mean_hz + sd)
    assert np.trapezoid(one.psd(f[band]), f[band]) == pytest.approx(0.5 * 0.6827, rel=1e-3)
    # sampled: the discrete-time PSD over [0, sr/2] holds the whole variance, noise included
    kn = three_peaks(noise=0.3)
    fs = np.linspace(0, SR / 2, 200001)
    assert np.trapezoid(kn.psd(fs, sr=SR), fs) == pytest.approx(kn.variance, rel=1e-4)


def test_smoothed_psd_shows_narrow_lines_at_the_right_height():
    line = SMKernel((Component(1.0, 1003.0, 2.0),), 0.0)  # a 0.08 Hz wide line between 10 Hz bins
    f = np.arange(0, 8000, 10.0)
    smooth = line.psd(f, sr=SR, smoothing_hz=6.0)
    assert line.psd(f, sr=SR).max() < 1e-6 * smooth.max()  # sampled raw, the line is invisible
    assert f[np.argmax(smooth)] == 1000.0
    assert np.sum(smooth) * 10.0 == pytest.approx(1.0, rel=1e-3)  # smoothed, its power is all there


def test_component_limit_and_direct_construction_errors():
    comp = Component(1.0, 440.0, 0.1)
    SMKernel((comp,) * MAX_COMPONENTS)
    with pytest.raises(ParameterError, match="at most 512"):
        SMKernel((comp,) * 10000)
    with pytest.raises(ParameterError, match="at least one"):
        SMKernel(())


def test_kernel_from_arrays_reads_parallel_arrays_and_no_decay_markers():
    k = kernel_from_arrays([1.0, 0.5], [440.0, 880.0], [0.1, 0.2], noise=0.01, decays_s=[0.5, np.inf])
    np.testing.assert_array_equal(k.weights, [1.0, 0.5])
    np.testing.assert_array_equal(k.means_hz, [440.0, 880.0])
    np.testing.assert_array_equal(k.lengthscales_s, [0.1, 0.2])
    assert k.components[0].decay_s == 0.5 and k.components[1].decay_s is None and k.noise == 0.01
    with pytest.raises(ParameterError, match="same length"):
        kernel_from_arrays([1.0], [440.0, 880.0], [0.1])


def test_transposed_drops_partials_above_the_limit_and_scaled_multiplies_power():
    k = three_peaks(noise=0.2)
    up = k.transposed(2.0, max_hz=8000.0)
    np.testing.assert_allclose(up.means_hz, [910.0, 3200.0])  # the 8100 Hz peak is dropped
    np.testing.assert_array_equal(up.weights, [1.0, 0.5])
    silent = k.transposed(100.0, max_hz=8000.0)  # every peak above 8 kHz: one silent component stays
    assert silent.weights.sum() == 0.0 and silent.variance == pytest.approx(0.2)
    loud = k.scaled(3.0)
    tau = np.array([0.0, 1e-3, 4e-3])
    np.testing.assert_allclose(loud.covariance(tau), 3.0 * k.covariance(tau), rtol=1e-12)
