"""(forward, inverse) pairs of the audio core: each must give the signal back, edges trimmed."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.audio.spectral import from_logmag_if, to_logmag_if
from explorer.audio.stft import istft, stft
from tests.audio.signals import note

N = 12_345  # not a multiple of any hop
TRIM = 1024  # samples cut at each end before comparing (edges of uncentred frames)


def stft_pair(n_fft: int = 1024, hop_length: int = 256, center: bool = True):
    """(forward, inverse) of one STFT setting."""
    return (
        lambda y: stft(y, n_fft=n_fft, hop_length=hop_length, center=center),
        lambda S, n: istft(S, hop_length=hop_length, length=n, center=center),
    )


# name, forward(y) -> representation, inverse(representation, n) -> y, max abs error
ROUND_TRIPS = [
    ("stft 1024/256", *stft_pair(), 2e-6),
    ("stft 512/128", *stft_pair(512, 128), 2e-6),
    ("stft 2048/512", *stft_pair(2048, 512), 2e-6),
    ("stft hop 300 (no divisor)", *stft_pair(1024, 300), 2e-6),
    ("stft 64/1", *stft_pair(64, 1), 2e-6),
    ("stft center=False", *stft_pair(center=False), 2e-6),
    ("log-magnitude + IF", lambda y: to_logmag_if(stft(y)), lambda p, n: istft(from_logmag_if(*p), length=n), 1e-5),
    (
        "log-magnitude + IF, batch",
        lambda y: to_logmag_if(stft(np.stack([y, -0.5 * y]))),
        lambda p, n: istft(from_logmag_if(*p), length=n)[1] * -2.0,
        2e-5,
    ),
]


@pytest.mark.parametrize("name, forward, inverse, tol", ROUND_TRIPS, ids=[r[0] for r in ROUND_TRIPS])
def test_round_trip(name, forward, inverse, tol):
    y = note(N / 16000)
    n = y.size
    back = inverse(forward(y), n)
    assert back.dtype == np.float32 and back.shape == (n,)
    err = np.max(np.abs(back[TRIM : n - TRIM] - y[TRIM : n - TRIM]))
    assert err < tol, f"{name}: max error {err:.2e}"


@pytest.mark.parametrize("n", [1, 5, 1000, 1025, 16000])
def test_centred_round_trip_is_exact_to_the_edges(n, rng):
    y = rng.standard_normal(n).astype(np.float32)
    assert np.max(np.abs(istft(stft(y), length=n) - y)) < 5e-6
