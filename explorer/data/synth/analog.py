"""Analog synth: two detuned oscillators through a resonant low-pass with a filter envelope.

Subtractive synthesis: start from a bright saw or pulse wave, carve it with a 4-pole low-pass
whose cutoff jumps up at the key press and decays (the classic "wow"), with a resonant peak at
the cutoff. Here the filter is applied to each harmonic's amplitude directly (additive
rendering), which is alias-free and exact for a sweeping cutoff.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth.dsp import (
    ALIAS_HI,
    MAX_PARTIALS,
    T_CTRL,
    adsr,
    f0_track,
    harmonic_sum,
    ladder_gain,
    midi_to_hz,
    t60_tau,
    to_control,
)

NAME = "analog_synth"
PITCH_RANGE = (24, 84)
METHOD = "subtractive synthesis (oscillators through a resonant low-pass)"
DESCRIPTION = (
    "Subtractive synthesis: two slightly detuned oscillators (a blend of sawtooth and pulse "
    "waves, rich in harmonics) go through a resonant 4-pole low-pass. The filter's cutoff jumps "
    "up when the key is pressed and falls back (the filter envelope), and its resonance "
    "boosts the harmonics near the cutoff: the classic analog 'wow'."
)


def sample_params(rng: np.random.Generator) -> dict:
    return {
        "shape": float(rng.uniform(0.0, 1.0)),  # 0 sawtooth ... 1 pulse
        "pulse_width": float(rng.uniform(0.15, 0.5)),
        "detune_cents": float(rng.uniform(0.0, 14.0)),  # second oscillator
        "cutoff_hz": float(rng.uniform(250.0, 3000.0)),  # filter cutoff at middle C, before the envelope
        "resonance": float(rng.uniform(0.0, 0.85)),  # 0-1 (1 would self-oscillate)
        "env_amount": float(rng.uniform(0.0, 4.0)),  # octaves the filter envelope opens the cutoff
        "filter_decay": float(rng.uniform(0.05, 0.9)),  # T60 of the filter envelope, s
        "attack": float(rng.uniform(0.002, 0.06)),  # s
        "decay": float(rng.uniform(0.2, 1.5)),  # s (T60 towards sustain)
        "sustain": float(rng.uniform(0.35, 1.0)),
        "release": float(rng.uniform(0.05, 0.4)),  # s (T60)
    }


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    v = velocity / 127.0
    f_a = f0_track(pitch, rng=rng, drift=1.5)
    f_b = f_a * 2.0 ** (p["detune_cents"] / 1200.0)
    k = np.arange(1, min(MAX_PARTIALS, int(ALIAS_HI / f_a.min()) + 1) + 1)
    saw = 1.0 / k
    pulse = 1.2 * np.abs(np.sin(np.pi * k * p["pulse_width"])) / k
    osc = (1.0 - p["shape"]) * saw + p["shape"] * pulse
    fenv = np.clip(T_CTRL / 0.005, 0.0, 1.0) * np.exp(-T_CTRL / t60_tau(p["filter_decay"]))
    keytrack = np.sqrt(midi_to_hz(pitch) / 261.6)
    cutoff = p["cutoff_hz"] * keytrack * 2.0 ** (p["env_amount"] * (0.5 + 0.5 * v) * fenv)
    cutoff = np.clip(cutoff, 30.0, 7500.0)  # Hz
    fk = k[:, None] * to_control(f_a)[None, :]
    amps = osc[:, None] * ladder_gain(fk, cutoff[None, :], resonance=p["resonance"])
    y = harmonic_sum(f_a, amps) + harmonic_sum(f_b, amps, phases=rng.uniform(0.0, 2.0 * np.pi, k.size))
    return y * adsr(attack=p["attack"], decay=p["decay"], sustain=p["sustain"], release=p["release"])
