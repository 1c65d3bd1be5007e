"""Reed: additive synthesis with the odd-harmonic emphasis of a cylindrical bore.

A clarinet's cylindrical tube, closed at the reed, supports mainly odd harmonics (1, 3, 5 ...)
below a cutoff, which gives its hollow sound; conical saxophones and oboes have all harmonics.
``even_level`` slides between the two, and a nasal formant and breath noise finish it.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth import dsp

NAME = "reed"
PITCH_RANGE = (38, 84)
METHOD = "additive synthesis with odd-harmonic emphasis"
DESCRIPTION = (
    "Additive synthesis with odd-harmonic emphasis: a clarinet's cylindrical tube, closed at the "
    "reed, favours the odd harmonics (1, 3, 5, ...) below a cutoff, giving its hollow sound; "
    "conical saxophones and oboes have all of them. The even-harmonic level slides between the "
    "two; a nasal formant, breath noise and a touch of vibrato finish the tone."
)

#: Above roughly this frequency a clarinet's even harmonics come back (the bore's cutoff), Hz.
_ODD_CUTOFF = 1600.0


def sample_params(rng: np.random.Generator) -> dict:
    return {
        "even_level": float(rng.uniform(0.03, 1.0)),  # even harmonics relative to odd (clarinet ~0.05, sax ~1)
        "brightness": float(rng.uniform(0.3, 1.0)),  # how high the spectrum reaches
        "formant_hz": float(rng.uniform(900.0, 3000.0)),  # nasal resonance, Hz
        "formant_q": float(rng.uniform(1.0, 4.0)),
        "breath": float(rng.uniform(0.0, 0.06)),  # breath noise relative to the tone
        "vibrato_rate": float(rng.uniform(4.5, 6.0)),  # Hz
        "vibrato_depth": float(rng.uniform(0.0, 15.0)),  # cents
        "attack": float(rng.uniform(0.02, 0.08)),  # s
        "release": float(rng.uniform(0.06, 0.2)),  # s (T60)
    }


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    v = velocity / 127.0
    f0 = dsp.f0_track(pitch, rng=rng, vibrato_rate=p["vibrato_rate"], vibrato_depth=p["vibrato_depth"],
                      vibrato_delay=0.35, drift=2.5)
    shape = dict(attack=p["attack"], decay=0.4, sustain=0.9, release=p["release"])
    cutoff = (700.0 + 3000.0 * p["brightness"]) * (0.5 + 0.5 * v) * (0.6 + 0.4 * dsp.adsr(t=dsp.T_CTRL, **shape))
    k = np.arange(1, min(dsp.MAX_PARTIALS, int(dsp.ALIAS_HI / f0.min()) + 1) + 1)
    fk = k[:, None] * dsp.to_control(f0)[None, :]
    amps = k[:, None] ** -0.5 / (1.0 + (fk / cutoff[None, :]) ** 2)
    even = p["even_level"] + (1.0 - p["even_level"]) * np.clip(fk / _ODD_CUTOFF - 1.0, 0.0, 1.0)
    amps = np.where((k % 2 == 0)[:, None], amps * even, amps)
    amps = amps * (1.0 + 2.0 * dsp.peak_gain(fk, center=p["formant_hz"], q=p["formant_q"]))
    env = dsp.adsr(**shape)
    y = dsp.harmonic_sum(f0, amps) * env
    breath = dsp.bandpass(dsp.noise(rng), low=1000.0, high=5000.0) * env
    return y + dsp.mix_at(breath, y, ratio=p["breath"])
