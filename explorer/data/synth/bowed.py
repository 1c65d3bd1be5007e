"""Bowed string: additive synthesis through a violin-family body response.

The bow drives the string in a sawtooth-like stick-slip motion (all harmonics, falling
gently); the wooden body, a set of resonances, colours it. Because the vibrato moves every
harmonic across those fixed resonances, each harmonic swells and fades at the vibrato rate:
much of what makes a bowed string sound alive.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth import dsp

NAME = "bowed_string"
PITCH_RANGE = (36, 84)
METHOD = "additive synthesis through a body resonance model"
DESCRIPTION = (
    "Additive synthesis: the bow drags the string in a sawtooth-like stick-slip motion, so every "
    "harmonic is present, falling gently with frequency (the spectral tilt). A wooden body with "
    "fixed resonances colours it; the vibrato sweeps each harmonic across those resonances, so "
    "harmonics shimmer in loudness. A little filtered noise is the bow hair on the string."
)

#: Violin-family body: (Hz, Q, gain) of the air mode, the two main wood modes and the bridge hill.
_BODY = ((280.0, 10.0, 0.9), (460.0, 12.0, 0.8), (550.0, 12.0, 0.9), (1100.0, 6.0, 0.4), (2800.0, 1.5, 0.8))


def sample_params(rng: np.random.Generator) -> dict:
    return {
        "tilt": float(rng.uniform(0.7, 1.5)),  # harmonic k has amplitude k^-tilt
        "body_scale": float(rng.uniform(0.75, 1.3)),  # body size: scales its resonances (cello < 1 < violin)
        "bow_noise": float(rng.uniform(0.0, 0.08)),  # bow noise RMS relative to the tone
        "vibrato_rate": float(rng.uniform(4.5, 6.8)),  # Hz
        "vibrato_depth": float(rng.uniform(6.0, 30.0)),  # cents
        "vibrato_delay": float(rng.uniform(0.15, 0.6)),  # s until full vibrato
        "attack": float(rng.uniform(0.06, 0.35)),  # s
        "release": float(rng.uniform(0.12, 0.4)),  # s (T60)
    }


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    v = velocity / 127.0
    f0 = dsp.f0_track(pitch, rng=rng, vibrato_rate=p["vibrato_rate"], vibrato_depth=p["vibrato_depth"],
                      vibrato_delay=p["vibrato_delay"], drift=3.0)
    k = np.arange(1, min(dsp.MAX_PARTIALS, int(dsp.ALIAS_HI / f0.min()) + 1) + 1)
    fk = k[:, None] * dsp.to_control(f0)[None, :]  # Hz [K x frames]
    body = 0.3 + sum(g * dsp.peak_gain(fk, center=fc * p["body_scale"], q=q) for fc, q, g in _BODY)
    tilt = p["tilt"] - 0.35 * (v - 0.7)  # a heavier bow is brighter
    amps = k[:, None] ** -tilt * body
    env = dsp.adsr(attack=p["attack"], decay=0.5, sustain=0.85, release=p["release"])
    y = dsp.harmonic_sum(f0, amps, phases=rng.uniform(0.0, 2.0 * np.pi, k.size)) * env
    scratch = env * (0.6 + 2.0 * np.exp(-dsp.T / 0.08))  # the bow bites hardest at the start
    hiss = dsp.bandpass(dsp.noise(rng), low=1500.0, high=6500.0) * scratch
    return y + dsp.mix_at(hiss, y, ratio=p["bow_noise"])
