"""Exact circulant sampling: covariance, spectrum, clipping, decays and piecewise joins."""

import librosa
import numpy as np
import pytest
import scipy.linalg

from explorer.audio.spectrum import bark_bands, power_spectrum
from explorer.models.gp.kernel import Component, SMKernel
from explorer.models.gp.model import GPModel
from explorer.models.gp.sampling import circulant_eigenvalues, decay_groups, embedding_size
from explorer.models.gp.spec import Blocks, GPSpec
from tests.models.gp.kernels import SR, three_peaks


def test_embedding_is_even_and_at_least_twice_the_length():
    for n in (1, 7, 800, 88200, 1323000):
        m = embedding_size(n)
        assert m >= 2 * n and m % 2 == 0


# -- exact sampling -------------------------------------------------------------------------


def draw_matrix(model: GPModel) -> np.ndarray:
    """The linear map z -> x as a matrix [n x M] (render every unit innovation)."""
    return model.render(np.eye(model.latent_dim, dtype=np.float32)).T


def test_draw_covariance_is_exactly_the_toeplitz_kernel():
    kernel = SMKernel((Component(1.0, 450.0, 0.002), Component(0.5, 1500.0, 0.001), Component(0.25, 4000.0, 5e-4)), 0.05)
    model = GPModel(GPSpec(16000, 0.025, kernel))  # 400 samples; the kernel has decayed by then
    a = draw_matrix(model)
    n = a.shape[0]
    toeplitz = scipy.linalg.toeplitz(kernel.covariance(np.arange(n) / SR))
    assert model.clipped_power_fraction() == 0.0
    np.testing.assert_allclose(a @ a.T, toeplitz, atol=2e-5 * kernel.variance)


def test_sample_covariance_matches_kernel_at_several_lags():
    kernel = three_peaks(noise=0.05)
    model = GPModel(GPSpec(16000, 0.05, kernel))
    x = model.render(model.sample_latent(3000, seed=1)).astype(np.float64)
    lags = [0, 1, 3, 10, 40, 150]
    starts = np.arange(0, 600, 50)
    for lag in lags:
        est = np.mean([np.mean(x[:, s] * x[:, s + lag]) for s in starts])
        assert est == pytest.approx(kernel.covariance(np.array(lag / SR)), abs=0.04 * kernel.variance), lag


def test_mean_power_spectrum_of_many_draws_matches_analytic_psd_in_bark_bands():
    kernel = three_peaks(noise=0.01)
    model = GPModel(GPSpec(16000, 0.5, kernel))
    x = model.render(model.sample_latent(300, seed=2))
    freqs, psd = power_spectrum(x, sr=SR, n_fft=1024)
    empirical = psd.mean(axis=0)
    fine = np.linspace(0, SR / 2, 80001)
    analytic = kernel.psd(fine, sr=SR)
    total = kernel.variance
    checked = 0
    for lo, hi in bark_bands(SR):
        e_sel = (freqs >= lo) & (freqs < hi)
        a_sel = (fine >= lo) & (fine < hi)
        band_a = np.trapezoid(analytic[a_sel], fine[a_sel])
        if band_a < 0.02 * total:
            continue
        band_e = empirical[e_sel].sum() * (freqs[1] - freqs[0])
        assert band_e == pytest.approx(band_a, rel=0.10), (lo, hi)
        checked += 1
    assert checked >= 3



def test_clipped_negative_eigenvalues_are_reported():
    long = SMKernel((Component(1.0, 310.3, 0.3),), 0.0)  # does not decay within 0.1 s
    sqrt_eig, clipped = circulant_eigenvalues([long], 1600, sr=SR)
    assert clipped[0] > 0.05
    assert np.all(np.isfinite(sqrt_eig))
    short = SMKernel((Component(1.0, 300.0, 0.005),), 0.0)
    assert circulant_eigenvalues([short], 1600, sr=SR)[1][0] < 1e-9




def test_decaying_components_are_exact_per_frequency_group():
    kernel = SMKernel((Component(1.0, 500.0, 0.1, 0.05), Component(0.5, 2000.0, 0.1, 0.01), Component(0.2, 3500.0, 0.05)), 0.0)
    model = GPModel(GPSpec(16000, 0.2, kernel))
    z = model.sample_latent(1, seed=3)[0].astype(np.float64)
    y = model.render(z[None])[0]
    labels, rates = decay_groups(kernel, model.latent_dim, sr=SR)
    sqrt_eig = model._eigs(None)[0][0]
    zf = np.fft.rfft(z) * sqrt_eig
    t = np.arange(len(y)) / SR
    ref = sum(np.fft.irfft(np.where(labels == j, zf, 0), n=model.latent_dim)[: len(y)] * np.exp(-r * t) for j, r in enumerate(rates))
    np.testing.assert_allclose(y, ref, atol=1e-4 * np.abs(ref).max())
    # the 2 kHz partial dies much sooner than the 500 Hz one
    spec = np.abs(librosa.stft(y, n_fft=512, hop_length=256))
    f = librosa.fft_frequencies(sr=SR, n_fft=512)
    lo, hi = spec[np.argmin(np.abs(f - 500))], spec[np.argmin(np.abs(f - 2000))]
    assert hi[-3] / hi[1] < 0.1 * lo[-3] / lo[1]


# -- piecewise synthesis ---------------------------------------------------------------------


def test_piecewise_blocks_join_without_clicks():
    # two very different sounds in alternate 50 ms blocks: a join is a crossfade, never a step
    low = SMKernel((Component(1.0, 200.0, 0.02),), 0.0)
    high = SMKernel((Component(1.0, 3000.0, 0.002),), 0.0)
    spec = GPSpec(16000, 1.0, low, blocks=Blocks(0.05, 0.01, tuple([low, high] * 10)))
    model = GPModel(spec)
    y = model.render(model.sample_latent(4, seed=0)).astype(np.float64)
    jumps = np.abs(np.diff(y, axis=1))
    hop, fade = 800, 160
    joins = np.concatenate([np.arange(b * hop, b * hop + fade) for b in range(1, 20)])
    inside = np.setdiff1d(np.arange(jumps.shape[1]), joins)
    # a join is never rougher than the rougher of the two sounds it joins
    assert jumps[:, joins].max() <= 1.2 * jumps[:, inside].max()


def test_piecewise_variance_is_constant_through_crossfades():
    # exact: the variance of every sample is the diagonal of A A^T for the linear map z -> x
    k = SMKernel((Component(1.0, 900.0, 0.001), Component(0.5, 3000.0, 5e-4)), 0.02)
    model = GPModel(GPSpec(16000, 0.03, k, blocks=Blocks(0.005, 0.0025, (k,))))
    a = draw_matrix(model)
    np.testing.assert_allclose(np.sum(a.astype(np.float64) ** 2, axis=1), k.variance, rtol=1e-3)


def test_white_noise_keeps_its_bins_beside_a_decaying_partial():
    """Steady white noise plus a fast-decaying 500 Hz partial: far from 500 Hz the bins are the
    noise's and do not decay (they once took the partial's decay: the noise floor died with it)."""
    kernel = SMKernel((Component(1.0, 500.0, 0.05, 0.02),), noise=0.01)
    labels, rates = decay_groups(kernel, 4096, sr=SR)
    f = np.arange(4096 // 2 + 1) * SR / 4096
    assert rates[labels[np.argmin(np.abs(f - 500))]] == pytest.approx(50.0)
    assert np.all(rates[labels[f > 2000]] == 0.0)
    model = GPModel(GPSpec(16000, 0.5, kernel))
    y = model.render(model.sample_latent(1, seed=2))[0]
    spec = np.abs(librosa.stft(y, n_fft=512, hop_length=256)) ** 2
    high = spec[librosa.fft_frequencies(sr=SR, n_fft=512) > 3000].sum(axis=0)
    assert high[-4] > 0.3 * high[2]  # still there at the end of the note
