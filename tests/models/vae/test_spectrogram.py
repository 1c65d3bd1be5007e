"""The VAE's spectrogram and its way back to audio (explorer/models/vae/spectrogram.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.audio.constants import SR
from explorer.audio.pitch import midi_to_hz
from explorer.models.vae import model as vae, networks, spectrogram


def _tone(midi: float, *, seconds: float = 2.048, partials: int = 12) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    f0 = midi_to_hz(midi)
    y = sum(0.8**h * np.sin(2 * np.pi * h * f0 * t + h) for h in range(1, partials + 1) if h * f0 < 7000)
    return (0.3 * y * np.exp(-1.5 * t)).astype(np.float32)


@pytest.mark.parametrize("midi", [36, 60, 84])
def test_pitch_locked_griffin_lim_is_consistent(midi):
    """Known answer: a harmonic tone's own |STFT| comes back with spectral convergence < 0.12
    after 4 iterations from the pitch-locked start (random start: far worse)."""
    cfg = networks.DEFAULT_CONFIG
    logmag = spectrogram.log_magnitude(torch.from_numpy(_tone(midi))[None], config=cfg)
    m = vae.debug_model()
    mag = m.magnitude(logmag)
    win = torch.hann_window(1024)

    def sc(phase):
        y = spectrogram.griffin_lim(mag, phase, n_iter=4, config=cfg)
        S = torch.stft(y, 1024, 256, window=win, return_complex=True).abs()
        return float(torch.linalg.norm(S - mag) / torch.linalg.norm(mag))

    locked = sc(spectrogram.pitch_locked_phase(np.array([midi]), n_frames=mag.shape[-1], config=cfg))
    rand = sc(torch.from_numpy(np.random.default_rng(0).uniform(0, 2 * np.pi, mag.shape)).float())
    assert locked < 0.12 and locked < rand


def test_log_magnitude_is_the_reflect_padded_stft_of_the_level_normalised_note():
    """Known answer: torch.stft's reflect padding (what the shipped models were trained on)."""
    y = torch.from_numpy(_tone(60))[None]
    cfg = dict(networks.TINY_CONFIG)
    ref = torch.stft(spectrogram.normalize_level(y), 1024, 256, window=torch.hann_window(1024), center=True,
                     return_complex=True).abs()[..., :128]
    torch.testing.assert_close(spectrogram.log_magnitude(y, config=cfg), torch.log(ref + cfg["log_eps"]))
    assert float(spectrogram.normalize_level(3.0 * y).pow(2).mean().sqrt()) == pytest.approx(spectrogram.TARGET_RMS)


def test_griffin_lim_keeps_the_vae_arithmetic():
    """The audio core's griffin_lim_from is the loop the shipped renders were made with
    (torch.istft / torch.stft, unit phasors); reference written out here."""
    rng = np.random.default_rng(0)
    mag = torch.from_numpy(np.abs(rng.standard_normal((1, 513, 129))).astype(np.float32))
    phase = torch.from_numpy(rng.uniform(0, 2 * np.pi, (1, 513, 129)).astype(np.float32))
    win, angles, rebuilt = torch.hann_window(1024), torch.polar(torch.ones_like(mag), phase), None
    rebuilt = torch.zeros_like(angles)
    for _ in range(3):
        prev = rebuilt
        y = torch.istft(mag * angles, 1024, 256, window=win, center=True, length=32768)
        rebuilt = torch.stft(y, 1024, 256, window=win, center=True, return_complex=True)
        angles = rebuilt - (0.99 / 1.99) * prev
        angles = angles / (angles.abs() + 1e-16)
    ref = torch.istft(mag * angles, 1024, 256, window=win, center=True, length=32768)
    out = spectrogram.griffin_lim(mag, phase, n_iter=3, config=networks.TINY_CONFIG)
    assert torch.equal(out, ref)
