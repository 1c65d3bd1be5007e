"""(forward, inverse) pairs of the audio core: each must give the signal back, edges trimmed."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.audio.spectral import from_logmag_if, to_logmag_if
from explorer.audio.stft import istft, stft
from tests.audio.signals import note

N = 12_345  # not a multiple of any hop
TRIM = 1024  # samples cut at each end before comparing (edges of uncentred frames)

# name, forward(y) -> representation, inverse(representation, n) -> y, max abs error
ROUND_TRIPS = [
    ("stft 1024/256", lambda y: stft(y), lambda S, n: istft(S, length=n), 2e-6),
    ("stft 512/128", lambda y: stft(y, n_fft=512, hop_length=128), lambda S, n: istft(S, hop_length=128, length=n), 2e-6),
    ("stft 2048/512", lambda y: stft(y, n_fft=2048, hop_length=512), lambda S, n: istft(S, hop_length=512, length=n), 2e-6),
    ("stft hop 300 (no divisor)", lambda y: stft(y, hop_length=300), lambda S, n: istft(S, hop_length=300, length=n), 2e-6),
    ("stft hop 1", lambda y: stft(y[:3000], n_fft=64, hop_length=1), lambda S, n: istft(S, hop_length=1, length=3000), 2e-6),
    (
        "stft center=False",
        lambda y: stft(y, center=False),
        lambda S, n: istft(S, center=False, length=n),
        2e-6,
    ),
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
    n = 3000 if "hop 1" in name else y.size
    back = inverse(forward(y), n)
    assert back.dtype == np.float32 and back.shape == (n,)
    err = np.max(np.abs(back[TRIM : n - TRIM] - y[TRIM : n - TRIM]))
    assert err < tol, f"{name}: max error {err:.2e}"


@pytest.mark.parametrize("n", [1, 5, 1000, 1025, 16000])
def test_centred_round_trip_is_exact_to_the_edges(n, rng):
    y = rng.standard_normal(n).astype(np.float32)
    assert np.max(np.abs(istft(stft(y), length=n) - y)) < 5e-6
