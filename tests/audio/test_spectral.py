"""Log magnitude + instantaneous frequency (GANSynth), plain and on the mel scale."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.audio.constants import SR
from explorer.audio.spectral import (
    EPS, from_logmag_if, from_mel_logmag_if, if_deviation, if_to_hz, to_logmag_if, to_mel_logmag_if,
)
from explorer.audio.stft import stft
from explorer.errors import ParameterError
from tests.audio.signals import note, tone


def test_440_hz_tone_reads_440_hz_in_its_bin():
    if_ = to_logmag_if(stft(tone(440.0)))[1]
    k = round(440 * 1024 / SR)  # bin 28, centred on 437.5 Hz
    hz = if_to_hz(if_, sr=SR)[k - 1 : k + 2, 3:-3]  # the bin and its neighbours, frames clear of the padding
    np.testing.assert_allclose(hz, 440.0, atol=0.01)
    rel = if_to_hz(if_, sr=SR, relative=True)[k, 3:-3]
    np.testing.assert_allclose(rel, 440.0 - k * SR / 1024, atol=0.01)  # +2.5 Hz from the bin centre


@pytest.mark.parametrize("freq, n_fft, hop_length", [(1234.5, 1024, 256), (97.0, 2048, 512), (3000.0, 512, 64)])
def test_if_in_hz_for_other_tones_and_settings(freq, n_fft, hop_length):
    if_ = to_logmag_if(stft(tone(freq), n_fft=n_fft, hop_length=hop_length))[1]
    k = round(freq * n_fft / SR)
    edge = n_fft // (2 * hop_length) + 1  # frames whose difference involves the zero padding
    hz = if_to_hz(if_, sr=SR, hop_length=hop_length, n_fft=n_fft)[k, edge:-edge]
    np.testing.assert_allclose(hz, freq, atol=0.05)


def test_if_range_and_first_frame():
    S = stft(note(0.5))
    log_mag, if_ = to_logmag_if(S)
    assert log_mag.dtype == if_.dtype == np.float32 and log_mag.shape == if_.shape == S.shape
    assert if_.min() >= -1.0 and if_.max() <= 1.0
    np.testing.assert_allclose(np.exp(1j * np.pi * if_[:, 0]), np.exp(1j * np.angle(S[:, 0])), atol=1e-5)
    np.testing.assert_allclose(log_mag, np.log(np.abs(S) + EPS), rtol=1e-6, atol=1e-6)
    dev = if_deviation(if_)
    assert dev.min() >= -1.0 and dev.max() <= 1.0


def test_logmag_if_round_trip_is_exact():
    S = stft(note(0.5))
    back = from_logmag_if(*to_logmag_if(S))
    assert back.dtype == np.complex64
    np.testing.assert_allclose(back, S, atol=2e-5 * np.abs(S).max())


def test_silence_maps_to_log_eps_and_back_to_zero():
    log_mag, if_ = to_logmag_if(np.zeros((513, 4), np.complex64))
    np.testing.assert_allclose(log_mag, np.log(EPS), rtol=1e-6)
    assert not np.any(if_) and not np.any(from_logmag_if(log_mag, if_))


def test_mel_if_round_trip_keeps_pitch_and_most_of_the_magnitude():
    y = note(1.0, f0=440.0)
    S = stft(y)
    log_mel, mel_if = to_mel_logmag_if(S, sr=SR, n_mels=128)
    assert log_mel.shape == mel_if.shape == (128, S.shape[1])
    assert mel_if.min() >= -1.0 and mel_if.max() <= 1.0
    back = from_mel_logmag_if(log_mel, mel_if, sr=SR)
    assert back.shape == S.shape and back.dtype == np.complex64
    sc = np.linalg.norm(np.abs(back) - np.abs(S)) / np.linalg.norm(np.abs(S))
    assert sc < 0.15  # lossy, judged in the spectral domain
    hz = if_to_hz(to_logmag_if(back)[1], sr=SR)[28, 5:-5]  # the fundamental's bin
    assert np.median(np.abs(hz - 440.0)) < 3.0  # vibrato is +-2.2 Hz


@pytest.mark.parametrize(
    "call",
    [
        lambda: from_logmag_if(np.zeros((513, 4)), np.zeros((513, 5))),
        lambda: from_logmag_if(np.zeros((513, 4)), np.zeros((513, 4), np.complex64)),
        lambda: to_logmag_if(np.zeros(10, np.complex64)),
        lambda: to_logmag_if(np.full((513, 4), np.nan)),
        lambda: if_deviation(np.zeros((100, 4))),  # not 1 + n_fft // 2 bins
        lambda: if_to_hz(np.zeros((513, 4)), sr=0),
        lambda: if_to_hz(np.zeros((513, 4)), sr=SR, hop_length=0),
    ],
)
def test_bad_parameters_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()
