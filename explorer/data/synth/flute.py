"""Flute: a nearly sinusoidal tone plus breath.

A flute's sound is mostly its fundamental with a little second and third harmonic; the rest
is air: broadband breath noise and a softer band of noise around the note. Flautists'
vibrato moves loudness as much as pitch, and the note speaks with a short "chiff".
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth.dsp import (
    T,
    T_CTRL,
    adsr,
    bandpass,
    f0_track,
    harmonic_sum,
    midi_to_hz,
    mix_at,
    noise,
)

NAME = "flute"
PITCH_RANGE = (48, 84)
METHOD = "near-sinusoidal additive tone plus shaped breath noise"
DESCRIPTION = (
    "A nearly sinusoidal tone (a strong fundamental, a little second and third harmonic) plus "
    "breath: broadband air noise and a softer band of noise around the note. The vibrato moves "
    "loudness as well as pitch, and each note speaks with a short noisy 'chiff'."
)


def sample_params(rng: np.random.Generator) -> dict:
    return {
        "h2": float(rng.uniform(0.05, 0.45)),  # second harmonic relative to the fundamental
        "h3": float(rng.uniform(0.02, 0.25)),  # third harmonic
        "rolloff": float(rng.uniform(0.2, 0.5)),  # each higher harmonic is this times the previous
        "breath": float(rng.uniform(0.06, 0.25)),  # breath noise relative to the tone
        "chiff": float(rng.uniform(0.0, 1.0)),  # strength of the onset noise and octave transient
        "vibrato_rate": float(rng.uniform(4.2, 5.8)),  # Hz
        "vibrato_depth": float(rng.uniform(4.0, 22.0)),  # cents
        "tremolo": float(rng.uniform(0.05, 0.3)),  # loudness vibrato depth, 0-1
        "attack": float(rng.uniform(0.05, 0.18)),  # s
        "release": float(rng.uniform(0.08, 0.2)),  # s (T60)
    }


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    v = velocity / 127.0
    f_note = midi_to_hz(pitch)
    f0 = f0_track(pitch, rng=rng, vibrato_rate=p["vibrato_rate"], vibrato_depth=p["vibrato_depth"],
                  vibrato_delay=0.3, drift=3.0)
    over = 0.6 + 0.6 * v  # overblowing a little harder adds upper harmonics
    amps = np.array([1.0, p["h2"] * over, p["h3"] * over] + [p["h3"] * over * p["rolloff"] ** i for i in range(1, 6)])
    amps = np.repeat(amps[:, None], T_CTRL.size, axis=1)
    amps[1] *= 1.0 + 2.5 * p["chiff"] * np.exp(-T_CTRL / 0.04)  # the octave speaks first
    wobble = np.log2(f0 / f_note) * 1200.0 / max(p["vibrato_depth"], 1e-6)  # -1 ... 1 with the vibrato
    env = adsr(attack=p["attack"], decay=0.5, sustain=0.9, release=p["release"]) * (1.0 + p["tremolo"] * np.clip(wobble, -1, 1))
    y = harmonic_sum(f0, amps) * env
    air = bandpass(noise(rng), low=1500.0, high=7000.0, order=1)
    tone = bandpass(noise(rng), low=0.92 * f_note, high=1.08 * f_note)
    breath = (mix_at(tone, air, ratio=0.7) + air) * env
    chiff = bandpass(noise(rng), low=2000.0, high=7000.0) * np.exp(-T / 0.03)
    y = y + mix_at(breath, y, ratio=p["breath"])
    return y + mix_at(chiff, y, ratio=0.08 * p["chiff"])
