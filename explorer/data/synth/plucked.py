"""Plucked string: Karplus-Strong with the Jaffe-Smith extensions.

A burst of noise (the pluck) circulates in a delay line one period long; a two-tap low-pass
in the loop takes a little treble away on every trip, so the tone starts bright and mellows
as it rings. An all-pass filter supplies the fraction of a sample the delay line cannot, so
the string is in tune at every pitch.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from explorer.audio.constants import SR
from explorer.data.synth.dsp import N, adsr, lowpass, midi_to_hz

NAME = "plucked_string"
PITCH_RANGE = (28, 84)
METHOD = "Karplus-Strong string model (physical modelling)"
DESCRIPTION = (
    "Karplus-Strong: a burst of noise (the pluck) circulates in a delay line one period long. "
    "A gentle low-pass inside the loop takes some treble away on every trip, so the note starts "
    "bright and mellows as it rings, like a real string. Where the string is plucked cuts "
    "certain harmonics out (a comb filter), and a wooden body adds low resonances."
)

#: Body modes of a small wooden instrument, relative to its main air resonance, with Q and gain.
_BODY_MODES = ((1.0, 8.0, 1.0), (2.05, 10.0, 0.7), (3.1, 12.0, 0.5), (4.4, 12.0, 0.35))


def sample_params(rng: np.random.Generator) -> dict:
    return {
        "decay_s": float(rng.uniform(1.5, 6.0)),  # ring time (T60) of a 220 Hz string, s
        "brightness": float(rng.uniform(0.15, 1.0)),  # pick hardness and string treble, 0-1
        "pluck_position": float(rng.uniform(0.06, 0.45)),  # along the string, fraction of its length
        "body": float(rng.uniform(0.0, 1.0)),  # wooden body resonance mix, 0-1
        "body_hz": float(rng.uniform(90.0, 140.0)),  # main air resonance of the body, Hz
        "mute_s": float(rng.uniform(0.08, 0.3)),  # T60 of the finger mute after release, s
    }


def _allpass_coefficient(delay: float, w: float) -> float:
    """First-order all-pass (C + z^-1) / (1 + C z^-1) with phase delay ``delay`` samples at ``w`` rad/sample."""
    lo, hi = -0.999, 0.999  # phase delay falls as C rises
    for _ in range(60):
        c = 0.5 * (lo + hi)
        z = np.exp(-1j * w)
        if -np.angle((c + z) / (1.0 + c * z)) / w > delay:
            lo = c
        else:
            hi = c
    return 0.5 * (lo + hi)


def loop_coefficients(f0: float, *, t60: float, s: float) -> tuple[float, float]:
    """(s, rho) so that the fundamental rings for ``t60`` s (Jaffe & Smith's decay compensation).

    The loop low-pass ((1 - s) + s z^-1) loses a little of the fundamental on every trip, which
    would cut high notes short; it may take at most half of the allowed loss (so ``s`` is
    reduced for high notes), and the loop gain ``rho`` supplies the rest.
    """
    g = 10.0 ** (-3.0 / (t60 * f0))  # loop gain per trip at f0: -60 dB after t60 * f0 trips
    c = 1.0 - np.cos(2.0 * np.pi * f0 / SR)  # |H(f0)|^2 = 1 - 2 s (1 - s) c
    budget = (1.0 - g) / c  # 2 s (1 - s) <= (1 - g) / c keeps |H(f0)| >= sqrt(g)
    if budget < 0.5:
        s = min(s, 0.5 * (1.0 - np.sqrt(1.0 - 2.0 * budget)))
    h = np.sqrt(1.0 - 2.0 * s * (1.0 - s) * c)
    return s, g / h


def string_filter(f0: float, *, rho: float, s: float) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of the whole string loop, tuned exactly to ``f0`` Hz.

    Loop: z^-L * rho ((1 - s) + s z^-1) * all-pass; rho : gain per trip; s : 0 (bright) - 0.5 (dark).
    """
    period = SR / f0  # samples
    w = 2.0 * np.pi / period  # rad / sample
    lp_delay = -np.angle((1.0 - s) + s * np.exp(-1j * w)) / w  # phase delay of the loop low-pass
    total = period - lp_delay
    length = int(np.floor(total - 0.5))
    c = _allpass_coefficient(total - length, w)
    a = np.zeros(length + 3)
    a[0], a[1] = 1.0, c
    a[length : length + 3] -= rho * np.array([(1.0 - s) * c, (1.0 - s) + s * c, s])
    return np.array([1.0, c]), a


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    f0 = midi_to_hz(pitch)
    v = velocity / 127.0
    t60 = float(np.clip(p["decay_s"] * np.sqrt(220.0 / f0), 0.3, 12.0))
    s, rho = loop_coefficients(f0, t60=t60, s=0.5 - 0.42 * p["brightness"])

    # The pluck: the string's initial shape, a triangle peaking where it is plucked (harmonic k
    # ~ sin(k pi pos) / k^2, so the pluck position notches harmonics out), plus the pick's noise.
    period = int(round(SR / f0))
    u = np.arange(period) / period
    pos = p["pluck_position"]
    shape = np.where(u < pos, u / pos, (1.0 - u) / (1.0 - pos)) - 0.5
    pick = rng.uniform(-1.0, 1.0, period) * (0.15 + 0.5 * p["brightness"] * v)
    x = np.zeros(N)
    x[:period] = shape + pick - np.mean(shape + pick)  # a string has no DC
    x = lowpass(x, cutoff=800.0 + 6000.0 * p["brightness"] * (0.35 + 0.65 * v), order=1)

    b, a = string_filter(f0, rho=rho, s=s)
    y = signal.lfilter(b, a, x)

    body = np.zeros(N)
    for ratio, q, gain in _BODY_MODES:
        fc = p["body_hz"] * ratio
        bb, ab = signal.iirpeak(fc, q, fs=SR)
        body += gain * signal.lfilter(bb, ab, y)
    y = y + 1.5 * p["body"] * body
    return y * adsr(attack=1e-4, decay=1.0, sustain=1.0, release=p["mute_s"])
