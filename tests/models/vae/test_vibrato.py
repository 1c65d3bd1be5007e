"""Measuring a note's pitch track from its spectrogram (the vibrato head's training target)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.data.synth import dsp
from explorer.audio.constants import HOP_LENGTH, N_FFT, N_SAMPLES, SR
from explorer.models.vae import model as vae, networks, spectrogram, vibrato as vae_vibrato

FRAME_S = HOP_LENGTH / SR


def _tone(pitch: float, depth: float, rate: float, phase: float = 0.7, n_partials: int = 30) -> torch.Tensor:
    """log|S| [1 x 513 x 128] of a harmonic tone with a sinusoidal vibrato of ``depth`` cents."""
    cents = depth * np.sin(2 * np.pi * rate * dsp.T + phase)
    f0 = 440.0 * 2 ** ((pitch - 69) / 12) * 2 ** (cents / 1200)
    y = 0.1 * dsp.harmonic_sum(f0, np.arange(1, n_partials + 1) ** -1.0)
    return spectrogram.log_magnitude(torch.from_numpy(y[None].astype(np.float32)), config=networks.DEFAULT_CONFIG)


@pytest.mark.parametrize("pitch,depth,rate", [(40, 40.0, 5.5), (60, 30.0, 6.0), (84, 50.0, 4.5)])
def test_measure_recovers_a_known_vibrato(pitch, depth, rate):
    cents, confidence = vae_vibrato.measure(_tone(pitch, depth, rate))
    t = np.arange(cents.shape[1]) * FRAME_S
    truth = depth * np.sin(2 * np.pi * rate * t + 0.7)
    err = cents[0].numpy() - (truth - np.median(truth))
    assert np.sqrt(np.mean(err[2:-2] ** 2)) < 0.15 * depth  # measured: 1.5-2.7 cents
    assert float(confidence[0, 2:-2].min()) > 0.5


def test_a_steady_tone_has_a_flat_track_and_silence_no_confidence():
    cents, confidence = vae_vibrato.measure(_tone(60, 0.0, 5.0))
    assert float(cents[0, 2:-2].abs().max()) < 1.0  # the first frames see the onset click
    silent = torch.full((1, networks.N_BINS, networks.N_FRAMES), -20.0)
    silent[..., :64] = _tone(60, 0.0, 5.0)[..., :64]  # the note ends half way
    _, confidence = vae_vibrato.measure(silent)
    assert float(confidence[0, 70:].max()) == 0.0 and float(confidence[0, 5:60].min()) > 0.5


def test_weighted_median():
    values = torch.tensor([[1.0, 2.0, 3.0, 100.0], [5.0, 5.0, 5.0, 5.0]])
    weights = torch.tensor([[1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(vae_vibrato._weighted_median(values, weights).numpy(), [2.0, 0.0])


def test_fit_recovers_the_numbers_the_head_draws_with():
    """A track drawn by pitch_track from known numbers is fitted back to (nearly) them."""
    true = torch.tensor([[2.0, -3.0, vae_vibrato._logit(torch.tensor((5.55 - 4.0) / 3.0)).item(),
                          vae_vibrato._logit(torch.tensor((0.3 - 0.05) / 0.75)).item(), -1.5,
                          vae_vibrato._logit(torch.tensor((0.06 - 0.02) / 0.15)).item()]])
    track = vae_vibrato.pitch_track(true, n_frames=networks.N_FRAMES, frame_s=FRAME_S)
    params = vae_vibrato.fit(track, torch.ones_like(track), frame_s=FRAME_S)
    np.testing.assert_allclose(params[0, [0, 1, 4]].numpy(), [2.0, -3.0, -1.5], atol=0.05)
    assert 4.0 + 3.0 * torch.sigmoid(params[0, 2]).item() == pytest.approx(5.55, abs=0.01)
    redrawn = vae_vibrato.pitch_track(params, n_frames=networks.N_FRAMES, frame_s=FRAME_S)
    assert float((redrawn - track).abs().max()) < 0.5  # cents


def test_fit_of_a_measured_vibrato_and_of_noise():
    cents, confidence = vae_vibrato.measure(_tone(60, 30.0, 6.0))
    params = vae_vibrato.fit(cents, confidence, frame_s=FRAME_S)
    assert 10.0 * float(params[0, :2].norm()) == pytest.approx(30.0, rel=0.15)
    assert 4.0 + 3.0 * torch.sigmoid(params[0, 2]).item() == pytest.approx(6.0, abs=0.1)
    noise = torch.randn(1, networks.N_FRAMES, generator=torch.Generator().manual_seed(0)) * 5.0
    flat = vae_vibrato.fit(noise, torch.ones_like(noise), frame_s=FRAME_S)
    assert float(flat[0, [0, 1, 4]].abs().max()) == 0.0  # explains too little: no vibrato, no glide



def test_starting_phase_follows_the_decoded_pitch_track():
    """With a track, each harmonic's phase advances at its bent frequency; without, as before."""
    config = networks.DEFAULT_CONFIG
    steady = spectrogram.pitch_locked_phase(np.array([60.0]), n_frames=129, config=config)
    flat = spectrogram.pitch_locked_phase(np.array([60.0]), n_frames=129, config=config, cents=torch.zeros(1, 128))
    torch.testing.assert_close(flat, steady, atol=1e-4, rtol=0)
    bent = spectrogram.pitch_locked_phase(np.array([60.0]), n_frames=129, config=config, cents=torch.full((1, 128), 50.0))
    f0 = 440.0 * 2 ** (-9 / 12)
    k = int(round(3 * f0 * N_FFT / SR))  # the bin of harmonic 3
    advance = torch.remainder(bent[0, k, 1:] - bent[0, k, :-1], 2 * np.pi)
    expected = (2 * np.pi * 3 * f0 * 2 ** (50 / 1200) * HOP_LENGTH / SR) % (2 * np.pi)
    np.testing.assert_allclose(advance.numpy(), expected, atol=1e-3)


def test_a_vibrato_model_renders_with_its_track():
    model = vae.debug_model()
    z = model.sample_latent(2, 0)
    cents = model.pitch_track(z, [48, 60])
    assert cents is not None and cents.shape == (2, networks.N_FRAMES)
    y = model.render(z, [48, 60])
    assert y.shape == (2, N_SAMPLES) and np.isfinite(y).all()


def test_warp_frequency_moves_a_peak_by_the_ratio():
    spec = torch.zeros(1, networks.N_BINS, 3)
    spec[0, 100] = 1.0
    spec[0, 200] = 0.5
    ratio = torch.tensor([[1.0, 1.1, 0.5]])  # one per frame
    out = vae_vibrato.warp_frequency(spec, ratio)
    assert out.shape == spec.shape
    torch.testing.assert_close(out[..., 0], spec[..., 0])  # ratio 1: unchanged
    assert sorted(torch.topk(out[0, :, 1], 2).indices.tolist()) == [110, 220]
    assert sorted(torch.topk(out[0, :, 2], 2).indices.tolist()) == [50, 100]


def test_pitch_track_is_flat_at_start_and_draws_a_vibrato():
    flat = vae_vibrato.pitch_track(torch.zeros(2, 6), n_frames=128, frame_s=0.016)
    assert flat.shape == (2, 128) and float(flat.abs().max()) == 0.0
    # a = 3 (30 cents), rate logit 0 (5.5 Hz), delay logit -inf (50 ms), no glide
    params = torch.tensor([[3.0, 0.0, 0.0, -20.0, 0.0, 0.0]])
    cents = vae_vibrato.pitch_track(params, n_frames=128, frame_s=0.016)[0].numpy()
    assert 29.0 < cents[20:].max() <= 30.0 + 1e-4 and -30.0 - 1e-4 <= cents[20:].min() < -29.0
    spectrum = np.abs(np.fft.rfft(cents[20:] - cents[20:].mean(), n=4096))
    assert np.fft.rfftfreq(4096, 0.016)[spectrum.argmax()] == pytest.approx(5.5, abs=0.1)
