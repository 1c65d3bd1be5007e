"""Log-mel dB, descriptors and spectral convergence: against librosa and known answers."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import torch

from explorer.audio.constants import SR
from explorer.audio.features import descriptors, log_mel_db, mel_db, spectral_convergence
from explorer.audio.stft import stft
from tests.audio.signals import note, tone


def test_log_mel_db_is_librosa_power_to_db_of_its_mel_spectrogram():
    y = np.stack([note(1.0), 0.1 * tone(880.0)])
    ours = log_mel_db(y, sr=SR, n_fft=2048, hop_length=512, n_mels=64, amin=1e-8)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_fft=2048, hop_length=512, n_mels=64),
                              amin=1e-8, top_db=None)
    assert ours.shape == ref.shape == (2, 64, 1 + 16000 // 512)
    np.testing.assert_allclose(ours, ref, atol=5e-3)  # dB (float32 sums, down to -80 dB)


def test_mel_db_floor_per_item_and_torch_equals_numpy():
    rng = np.random.default_rng(0)
    power = np.exp(rng.normal(-8.0, 4.0, size=(2, 513, 20))).astype(np.float32)
    power[1] *= 1e-3  # the second item is 30 dB quieter: its floor is its own
    db, top = mel_db(power, sr=SR, n_mels=128, top_db=80.0)
    np.testing.assert_allclose(top, db.max(axis=(1, 2)))
    for i in range(2):
        assert db[i].min() >= top[i] - 80.0 - 1e-4
        ref = librosa.power_to_db(librosa.feature.melspectrogram(S=power[i], sr=SR, n_mels=128), amin=1e-12,
                                  top_db=80.0)
        np.testing.assert_allclose(db[i], ref, atol=1e-3)
    db_t, top_t = mel_db(torch.from_numpy(power), sr=SR, n_mels=128, top_db=80.0)
    np.testing.assert_allclose(db_t.numpy(), db, atol=1e-3)
    np.testing.assert_allclose(top_t.numpy(), top, atol=1e-3)


def test_descriptors_known_answers():
    """A bright tone is brighter than a dark one; a decaying note sustains less than a steady
    one; noise is noisier than a tone; a slow swell has a later attack."""
    t = np.arange(32768) / SR
    steady_low, steady_high = tone(300.0, 2.048), tone(3000.0, 2.048)
    decaying = (tone(300.0, 2.048) * np.exp(-t / 0.1)).astype(np.float32)
    swell = (tone(300.0, 2.048) * np.minimum(t / 1.0, 1.0)).astype(np.float32)
    noise = (0.1 * np.random.default_rng(0).standard_normal(32768)).astype(np.float32)
    S = np.abs(stft(np.stack([steady_low, steady_high, decaying, swell, noise])))
    d = descriptors(S, sr=SR, hop_length=256)
    assert d["brightness"][0] == pytest.approx(300.0, rel=0.05) and d["brightness"][1] == pytest.approx(3000.0, rel=0.02)
    assert d["sustain"][2] < -40.0 < d["sustain"][0]
    assert d["attack"][3] == pytest.approx(0.95, abs=0.05) and d["attack"][0] < 0.05
    assert d["noisiness"][4] > 0.3 > 0.01 > d["noisiness"][0]


def test_spectral_convergence_pad_modes():
    y = note(1.0)
    for mode in ("constant", "reflect"):
        S = np.abs(stft(y, pad_mode=mode))
        assert spectral_convergence(y, S, pad_mode=mode) < 1e-5
    # the other padding differs at the two ends: measured against it, the match is not perfect
    other = spectral_convergence(y, np.abs(stft(y, pad_mode="reflect")))
    assert other > 1e-3
