"""The spectrum figure sends a thinned curve that keeps what a screen shows."""

from __future__ import annotations

import numpy as np

from explorer.figures.sound import SPECTRUM_STEPS, spectrum_figure, thin_log


def harmonic_psd(sr: int = 16000, n_bins: int = 2049, f0: float = 220.0) -> tuple[np.ndarray, np.ndarray]:
    """A noise floor with one-bin harmonic lines of ``f0``: (freqs_hz, psd) [n_bins]."""
    freqs = np.linspace(0, sr / 2, n_bins)
    psd = np.full(n_bins, 1e-8) * (1 + np.random.default_rng(0).random(n_bins))
    for k in range(1, int(sr / 2 / f0)):
        psd[np.argmin(np.abs(freqs - k * f0))] = 1.0 / k
    return freqs, psd


def test_thinning_keeps_every_peak_and_dip_of_a_step_and_bounds_the_points():
    freqs, psd = harmonic_psd()
    f, v = freqs[1:], 10 * np.log10(psd[1:])
    x, y = thin_log(f, v, lo_hz=1.0, hi_hz=9000.0)  # nothing cropped
    assert x.size <= 2 * SPECTRUM_STEPS + 2 and x.size < f.size
    assert np.all(np.diff(x) > 0)  # still a curve, in frequency order
    lines = freqs[psd >= 1.0 / 40]  # every harmonic line is still drawn at its own frequency
    assert np.isin(lines, x).all(), lines[~np.isin(lines, x)]
    assert y.min() == v.min() and y.max() == v.max()
    # each log step keeps its own lowest and highest value
    pos = np.minimum((np.log(f / f[0]) / np.log(f[-1] / f[0]) * SPECTRUM_STEPS).astype(int), SPECTRUM_STEPS - 1)
    for step in np.unique(pos)[::37]:
        inside = pos == step
        kept = np.isin(f, x) & inside
        assert v[kept].max() == v[inside].max() and v[kept].min() == v[inside].min()


def test_thinning_crops_to_the_axis_and_leaves_short_curves_alone():
    f = np.linspace(10.0, 8000.0, 3000)
    x, _ = thin_log(f, np.sin(f), lo_hz=100.0, hi_hz=2000.0)
    assert x[0] < 100.0 <= x[1] and x[-2] <= 2000.0 < x[-1]  # one point past each edge
    few = np.geomspace(20.0, 8000.0, 50)
    x, y = thin_log(few, few**0.5, lo_hz=20.0, hi_hz=8000.0)
    np.testing.assert_array_equal(x, few)


def test_spectrum_figure_sends_thinned_curves_with_the_true_top():
    freqs, psd = harmonic_psd()
    fig = spectrum_figure(freqs, psd, overlays=[(freqs, psd * 2, "model")], max_hz=4000.0)
    for trace in fig.data:
        assert len(trace.x) <= 2 * SPECTRUM_STEPS + 2
        assert max(trace.x) <= 4500.0
    top = 10 * np.log10(2.0)  # the overlay's first harmonic sets the window
    assert fig.layout.yaxis.range[1] == top + 5


def test_a_path_profile_spans_at_least_min_span_and_leaves_wider_data_to_plotly():
    from explorer.figures.sound import path_profile_figure

    flat = path_profile_figure({"slerp": np.array([-20.0, -20.3, -20.5])}, title="t", ylabel="dB", from_zero=False,
                               min_span=6.0)
    lo, hi = flat.layout.yaxis.range
    assert hi - lo == 6.0 and lo < -20.5 and hi > -20.0  # a 0.5 dB change does not fill the plot
    wide = path_profile_figure({"slerp": np.array([-30.0, -20.0])}, title="t", ylabel="dB", from_zero=False,
                               min_span=6.0)
    assert wide.layout.yaxis.range is None  # already wider than 6 dB: plotly fits the data
