"""Mallet: modal synthesis of a struck bar (marimba, vibraphone, xylophone, glockenspiel).

A struck bar rings in a few modes whose frequencies are NOT whole multiples of the
fundamental: about 1 : 2.76 : 5.40 for a plain bar; marimba and vibraphone bars are carved
underneath to pull them to 1 : 4 : 10, xylophones to 1 : 3 : 6. Higher modes die away faster,
a harder mallet excites more of them, and a tube resonator under the bar sustains the
fundamental.
"""

from __future__ import annotations

import numpy as np

from explorer.data.synth.dsp import T, adsr, bandpass, midi_to_hz, mix_at, noise, partial_sum, t60_tau

NAME = "mallet"
PITCH_RANGE = (36, 84)
METHOD = "modal synthesis of a struck bar"
DESCRIPTION = (
    "Modal synthesis: a struck bar rings in a few modes that are not whole multiples of the "
    "fundamental (about 1 : 2.76 : 5.40 for a plain bar; marimba bars are carved to 1 : 4 : 10, "
    "xylophones to 1 : 3 : 6). Each mode is a decaying sine; higher modes die faster, a harder "
    "mallet excites more of them, and a tube resonator sustains the fundamental. Some notes "
    "get a vibraphone's tremolo."
)


def sample_params(rng: np.random.Generator) -> dict:
    tremolo = float(rng.uniform(0.1, 0.5)) if rng.random() < 0.35 else 0.0
    return {
        "second_mode": float(rng.uniform(2.75, 4.0)),  # 2nd mode / fundamental (2.76 plain bar ... 4 marimba)
        "third_mode": float(rng.uniform(2.0, 2.6)),  # 3rd mode / 2nd mode
        "hardness": float(rng.uniform(0.1, 1.0)),  # mallet hardness, 0 (yarn) - 1 (plastic)
        "decay_s": float(rng.uniform(0.4, 3.5)),  # T60 of the fundamental at middle C, s
        "resonator": float(rng.uniform(0.0, 1.0)),  # tube resonator under the bar, 0-1
        "tremolo": tremolo,  # vibraphone motor: depth of the loudness wobble, 0-1
        "tremolo_rate": float(rng.uniform(3.0, 7.0)),  # Hz
    }


def render(pitch: int, velocity: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    v = velocity / 127.0
    f1 = midi_to_hz(pitch)
    hard = p["hardness"] * (0.4 + 0.6 * v)
    ratios = np.array([1.0, p["second_mode"], p["second_mode"] * p["third_mode"],
                       p["second_mode"] * p["third_mode"] * 1.55])
    levels = np.array([1.0 + 0.6 * p["resonator"], 0.05 + 0.5 * hard, 0.35 * hard**1.5, 0.2 * hard**2])
    t60 = p["decay_s"] * (261.6 / f1) ** 0.3 / ratios**0.8
    t60[0] *= 1.0 + p["resonator"]
    onset = np.sin(0.5 * np.pi * np.clip(T / (0.0005 + 0.004 * (1.0 - p["hardness"])), 0.0, 1.0)) ** 2
    # Each mode is a close doublet (the bar is never perfectly symmetric): a slow beat.
    beat = rng.uniform(0.1, 1.0, ratios.size)  # Hz
    freqs = np.concatenate([f1 * ratios - beat / 2, f1 * ratios + beat / 2])
    decays = np.exp(-T[None, :] / t60_tau(t60)[:, None])
    amps = np.concatenate([levels[:, None] * decays] * 2) * onset / 2
    y = partial_sum(freqs, amps, phases=rng.uniform(0, 2 * np.pi, freqs.size))
    click = bandpass(noise(rng), low=2000.0, high=7000.0) * np.exp(-T / 0.003)
    y = y + mix_at(click, y, ratio=0.05 * hard**2)
    y = y * (1.0 - p["tremolo"] * (0.5 - 0.5 * np.cos(2.0 * np.pi * p["tremolo_rate"] * T)))
    return y * adsr(attack=1e-4, decay=1.0, sustain=1.0, release=0.6)
